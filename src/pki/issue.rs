//! Turning a certificate description into a signed certificate with rcgen.
//! Every default rcgen would pick is set explicitly here: validity, serial,
//! basic constraints, key usages, key identifiers.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use super::sans::{San, SanList};
use super::{CertKey, PkiError};

/// CAs live 10 years. A dev cluster's CA is never rotated; it must outlive
/// the cluster.
pub const CA_VALIDITY: Duration = Duration::days(3650);

/// Leaf certificates live 5 years (kubeadm's 1 year would break clusters that
/// are kept for a long time, since nobody runs `certs renew` on a dev
/// cluster), within the CA's lifetime.
pub const LEAF_VALIDITY: Duration = Duration::days(5 * 365 + 1);

/// Certificates are valid from one hour before creation: node containers and
/// the host may disagree on the time (VMs of Docker Desktop drift after sleep).
pub const BACKDATE: Duration = Duration::hours(1);

/// What a leaf certificate is for (its extended key usage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    Server,
    Client,
    ServerAndClient,
}

/// A leaf certificate to issue.
pub struct LeafSpec<'a> {
    /// For error messages: "API server certificate".
    pub what: &'a str,
    pub common_name: &'a str,
    pub organization: Option<&'a str>,
    pub sans: &'a SanList,
    pub usage: Usage,
}

/// A certificate authority that can sign leaves.
pub struct Authority {
    pub cert_key: CertKey,
    issuer: Issuer<'static, KeyPair>,
}

/// Creates a self-signed CA (path length 0: it signs leaves only).
pub fn new_authority(
    what: &str,
    common_name: &str,
    now: OffsetDateTime,
) -> Result<Authority, PkiError> {
    let generate = |source| PkiError::Generate {
        what: what.to_string(),
        source,
    };
    let key = new_key().map_err(generate)?;
    let mut params = base_params(common_name, None, now, CA_VALIDITY);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).map_err(generate)?;
    let cert_key = CertKey {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    };
    Ok(Authority {
        cert_key,
        issuer: Issuer::new(params, key),
    })
}

impl Authority {
    /// Issues a leaf certificate with a fresh key, signed by this CA.
    pub fn issue(&self, spec: &LeafSpec<'_>, now: OffsetDateTime) -> Result<CertKey, PkiError> {
        let generate = |source| PkiError::Generate {
            what: spec.what.to_string(),
            source,
        };
        let key = new_key().map_err(generate)?;
        let mut params = base_params(spec.common_name, spec.organization, now, LEAF_VALIDITY);
        // ExplicitNoCa writes basicConstraints CA:FALSE, and it is what makes
        // rcgen add the subject key identifier to a leaf.
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = match spec.usage {
            Usage::Server => vec![ExtendedKeyUsagePurpose::ServerAuth],
            Usage::Client => vec![ExtendedKeyUsagePurpose::ClientAuth],
            Usage::ServerAndClient => vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        };
        params.subject_alt_names = spec
            .sans
            .as_slice()
            .iter()
            .map(|san| to_rcgen_san(spec.what, san))
            .collect::<Result<_, _>>()?;
        let cert = params.signed_by(&key, &self.issuer).map_err(generate)?;
        Ok(CertKey {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// A fresh ECDSA P-256 key: fast to generate and accepted by every component.
pub fn new_key() -> Result<KeyPair, rcgen::Error> {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
}

fn base_params(
    common_name: &str,
    organization: Option<&str>,
    now: OffsetDateTime,
    validity: Duration,
) -> CertificateParams {
    let mut distinguished_name = DistinguishedName::new();
    if let Some(organization) = organization {
        distinguished_name.push(DnType::OrganizationName, organization);
    }
    distinguished_name.push(DnType::CommonName, common_name);

    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name;
    params.not_before = now - BACKDATE;
    params.not_after = now + validity;
    params.serial_number = Some(random_serial());
    // The authority key identifier lets clients pick the right CA when
    // several share a subject (e.g. two clusters' CAs in one trust store).
    params.use_authority_key_identifier_extension = true;
    params.key_identifier_method = rcgen::KeyIdMethod::Sha256;
    params
}

/// 128 random bits, positive and of full length (RFC 5280: at most 20 bytes,
/// non-negative; CAs should use at least 64 random bits).
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

fn to_rcgen_san(what: &str, san: &San) -> Result<SanType, PkiError> {
    match san {
        San::Ip(ip) => Ok(SanType::IpAddress(*ip)),
        San::Dns(name) => {
            name.clone()
                .try_into()
                .map(SanType::DnsName)
                .map_err(|_| PkiError::InvalidSan {
                    what: what.to_string(),
                    value: name.clone(),
                    reason: "a DNS name must be ASCII",
                })
        }
    }
}
