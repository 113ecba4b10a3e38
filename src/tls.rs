//! The one rustls crypto provider in the build. kube and reqwest can each
//! pull in a provider; with two compiled in and none chosen, building a TLS
//! client panics. devk compiles only ring and installs it once.

pub fn ensure_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
