//! PEM-encoded key material as devk hands it around. Debug output never shows
//! a private key, so these types can sit in structs that get logged.

use std::fmt;

/// A certificate and its private key, both PEM (the key is PKCS#8).
#[derive(Clone, PartialEq, Eq)]
pub struct CertKey {
    pub cert_pem: String,
    pub key_pem: String,
}

impl fmt::Debug for CertKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertKey")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// The service-account token signing key pair: the API server signs tokens
/// with the private key and verifies them (as does the controller manager's
/// token controller) with the public one.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceAccountKeys {
    /// PKCS#8 PEM ("PRIVATE KEY").
    pub private_pem: String,
    /// SubjectPublicKeyInfo PEM ("PUBLIC KEY").
    pub public_pem: String,
}

impl fmt::Debug for ServiceAccountKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKeys")
            .field("private_pem", &"<redacted>")
            .field("public_pem", &self.public_pem)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_private_keys() {
        let secret = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n";
        let cert_key = CertKey {
            cert_pem: "-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n".into(),
            key_pem: secret.into(),
        };
        let sa = ServiceAccountKeys {
            private_pem: secret.into(),
            public_pem: "-----BEGIN PUBLIC KEY-----\ncHVi\n-----END PUBLIC KEY-----\n".into(),
        };
        for rendered in [
            format!("{cert_key:?}"),
            format!("{sa:?}"),
            format!("{cert_key:#?}"),
        ] {
            assert!(!rendered.contains("PRIVATE KEY"), "{rendered}");
            assert!(!rendered.contains("c2VjcmV0"), "{rendered}");
            assert!(rendered.contains("<redacted>"), "{rendered}");
        }
        assert!(format!("{cert_key:?}").contains("BEGIN CERTIFICATE"));
        assert!(format!("{sa:?}").contains("BEGIN PUBLIC KEY"));
    }
}
