//! Checks of a generated PKI with an independent X.509 parser: chains,
//! constraints, usages, names, validity, key types, file layout.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY};
use x509_parser::pem::parse_x509_pem;

use super::*;

fn node(name: &str, last_octet: u8) -> NodeIdentity {
    NodeIdentity {
        name: name.into(),
        ip: Ipv4Addr::new(172, 20, 0, last_octet),
    }
}

fn three_node_inputs() -> PkiInputs<'static> {
    let cps = vec![node("dev-control-plane", 2), node("dev-control-plane2", 3)];
    let mut nodes = cps.clone();
    nodes.push(node("dev-worker", 4));
    PkiInputs {
        cluster_name: "dev",
        dns_domain: "cluster.local",
        first_service_ip: Ipv4Addr::new(10, 96, 0, 1),
        api_server_address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        extra_api_sans: vec!["dev-external-load-balancer".into(), "172.20.0.10".into()],
        control_planes: cps,
        nodes,
    }
}

/// A fixed "now" so validity can be checked to the second.
fn fixed_now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap()
}

fn generated() -> ClusterPki {
    generate_at(&three_node_inputs(), fixed_now()).unwrap()
}

/// Parses a PEM certificate; the DER is leaked, which is fine in a test.
fn parse(pem: &str) -> X509Certificate<'static> {
    let (rest, pem) = parse_x509_pem(pem.as_bytes()).unwrap();
    assert!(rest.iter().all(|b| b.is_ascii_whitespace()));
    assert_eq!(pem.label, "CERTIFICATE");
    let der: &'static [u8] = Box::leak(pem.contents.into_boxed_slice());
    let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
    cert
}

fn common_name(cert: &X509Certificate<'_>) -> String {
    let names: Vec<_> = cert.subject().iter_common_name().collect();
    assert_eq!(names.len(), 1);
    names[0].as_str().unwrap().to_string()
}

fn organizations(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.subject()
        .iter_organization()
        .map(|o| o.as_str().unwrap().to_string())
        .collect()
}

fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let Some(ext) = cert.subject_alternative_name().unwrap() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(dns) => dns.to_string(),
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => IpAddr::from(<[u8; 4]>::try_from(*bytes).unwrap()).to_string(),
                16 => IpAddr::from(<[u8; 16]>::try_from(*bytes).unwrap()).to_string(),
                n => panic!("IP SAN of {n} bytes"),
            },
            other => panic!("unexpected SAN {other:?}"),
        })
        .collect()
}

fn key_ids(cert: &X509Certificate<'_>) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let (mut subject, mut authority) = (None, None);
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => subject = Some(id.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority = aki.key_identifier.as_ref().map(|id| id.0.to_vec())
            }
            _ => {}
        }
    }
    (subject, authority)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Eku {
    Server,
    Client,
    Both,
}

struct Leaf<'a> {
    label: &'a str,
    cert_key: &'a CertKey,
    issuer: &'a CertKey,
    cn: String,
    orgs: Vec<&'a str>,
    eku: Eku,
}

fn leaves(pki: &ClusterPki) -> Vec<Leaf<'_>> {
    let leaf = |label, cert_key, issuer, cn: &str, orgs: Vec<&'static str>, eku| Leaf {
        label,
        cert_key,
        issuer,
        cn: cn.to_string(),
        orgs,
        eku,
    };
    let mut all = vec![
        leaf(
            "apiserver",
            &pki.api_server,
            &pki.ca,
            "kube-apiserver",
            vec![],
            Eku::Server,
        ),
        leaf(
            "apiserver-kubelet-client",
            &pki.api_server_kubelet_client,
            &pki.ca,
            "kube-apiserver-kubelet-client",
            vec![],
            Eku::Client,
        ),
        leaf(
            "apiserver-etcd-client",
            &pki.api_server_etcd_client,
            &pki.etcd_ca,
            "kube-apiserver-etcd-client",
            vec![],
            Eku::Client,
        ),
        leaf(
            "front-proxy-client",
            &pki.front_proxy_client,
            &pki.front_proxy_ca,
            "front-proxy-client",
            vec![],
            Eku::Client,
        ),
        leaf(
            "admin",
            &pki.admin,
            &pki.ca,
            "devk-admin",
            vec!["system:masters"],
            Eku::Client,
        ),
        leaf(
            "controller-manager",
            &pki.controller_manager,
            &pki.ca,
            "system:kube-controller-manager",
            vec![],
            Eku::Client,
        ),
        leaf(
            "scheduler",
            &pki.scheduler,
            &pki.ca,
            "system:kube-scheduler",
            vec![],
            Eku::Client,
        ),
        leaf(
            "kube-proxy",
            &pki.kube_proxy,
            &pki.ca,
            "system:kube-proxy",
            vec![],
            Eku::Client,
        ),
        leaf(
            "coredns",
            &pki.coredns,
            &pki.ca,
            "system:coredns",
            vec![],
            Eku::Client,
        ),
    ];
    for (name, certs) in &pki.etcd {
        all.push(leaf(
            "etcd server",
            &certs.server,
            &pki.etcd_ca,
            name,
            vec![],
            Eku::Both,
        ));
        all.push(leaf(
            "etcd peer",
            &certs.peer,
            &pki.etcd_ca,
            name,
            vec![],
            Eku::Both,
        ));
    }
    for (name, certs) in &pki.kubelets {
        let user = format!("system:node:{name}");
        all.push(leaf(
            "kubelet client",
            &certs.client,
            &pki.ca,
            &user,
            vec!["system:nodes"],
            Eku::Client,
        ));
        all.push(leaf(
            "kubelet serving",
            &certs.serving,
            &pki.ca,
            &user,
            vec!["system:nodes"],
            Eku::Server,
        ));
    }
    all
}

fn cas(pki: &ClusterPki) -> [(&'static str, &CertKey, &'static str); 3] {
    [
        ("ca", &pki.ca, "devk-dev-ca"),
        ("etcd-ca", &pki.etcd_ca, "devk-dev-etcd-ca"),
        (
            "front-proxy-ca",
            &pki.front_proxy_ca,
            "devk-dev-front-proxy-ca",
        ),
    ]
}

#[test]
fn every_leaf_chains_to_its_issuer_and_only_to_it() {
    let pki = generated();
    let all_cas = cas(&pki);
    for leaf in leaves(&pki) {
        let cert = parse(&leaf.cert_key.cert_pem);
        let issuer = parse(&leaf.issuer.cert_pem);
        cert.verify_signature(Some(issuer.public_key()))
            .unwrap_or_else(|e| panic!("{}: {e}", leaf.label));
        assert_eq!(cert.issuer(), issuer.subject(), "{}", leaf.label);
        let (issuer_ski, _) = key_ids(&issuer);
        let (leaf_ski, leaf_aki) = key_ids(&cert);
        assert!(leaf_ski.is_some(), "{}: no subject key id", leaf.label);
        assert_eq!(leaf_aki, issuer_ski, "{}: authority key id", leaf.label);
        for (label, other, _) in &all_cas {
            if other.cert_pem != leaf.issuer.cert_pem {
                let other = parse(&other.cert_pem);
                assert!(
                    cert.verify_signature(Some(other.public_key())).is_err(),
                    "{} also verifies against {label}",
                    leaf.label
                );
            }
        }
    }
}

#[test]
fn cas_are_self_signed_constrained_signers() {
    let pki = generated();
    let mut subjects = HashSet::new();
    for (label, ca, cn) in cas(&pki) {
        let cert = parse(&ca.cert_pem);
        cert.verify_signature(None)
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(common_name(&cert), cn, "{label}");
        assert!(
            subjects.insert(cert.subject().to_string()),
            "{label}: subject reused"
        );
        let bc = cert
            .basic_constraints()
            .unwrap()
            .expect("basic constraints");
        assert!(bc.critical, "{label}");
        assert!(bc.value.ca, "{label}");
        assert_eq!(bc.value.path_len_constraint, Some(0), "{label}");
        let ku = cert.key_usage().unwrap().expect("key usage").value;
        assert!(
            ku.key_cert_sign() && ku.crl_sign() && ku.digital_signature(),
            "{label}: {ku:?}"
        );
        assert!(!ku.key_encipherment(), "{label}");
        assert!(cert.extended_key_usage().unwrap().is_none(), "{label}");
        let (ski, aki) = key_ids(&cert);
        assert!(ski.is_some(), "{label}");
        assert_eq!(aki, ski, "{label}: self-signed AKI names itself");
    }
}

#[test]
fn leaves_have_their_subjects_and_usages() {
    let pki = generated();
    for leaf in leaves(&pki) {
        let cert = parse(&leaf.cert_key.cert_pem);
        assert_eq!(common_name(&cert), leaf.cn, "{}", leaf.label);
        assert_eq!(organizations(&cert), leaf.orgs, "{}", leaf.label);
        let bc = cert
            .basic_constraints()
            .unwrap()
            .expect("basic constraints")
            .value;
        assert!(!bc.ca, "{}", leaf.label);
        let ku = cert.key_usage().unwrap().expect("key usage").value;
        assert!(
            ku.digital_signature() && ku.key_encipherment(),
            "{}: {ku:?}",
            leaf.label
        );
        assert!(
            !ku.key_cert_sign() && !ku.crl_sign(),
            "{}: {ku:?}",
            leaf.label
        );
        let eku = cert
            .extended_key_usage()
            .unwrap()
            .expect("extended key usage")
            .value;
        let want = leaf.eku;
        assert_eq!(eku.server_auth, want != Eku::Client, "{}", leaf.label);
        assert_eq!(eku.client_auth, want != Eku::Server, "{}", leaf.label);
        assert!(!eku.any && eku.other.is_empty(), "{}", leaf.label);
    }
}

#[test]
fn serving_certificates_name_every_address() {
    let pki = generated();
    let api = sans(&parse(&pki.api_server.cert_pem));
    let want_api = [
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        "localhost",
        "dev-control-plane",
        "dev-control-plane2",
        "127.0.0.1",
        "10.96.0.1",
        "172.20.0.2",
        "172.20.0.3",
        "dev-external-load-balancer",
        "172.20.0.10",
    ];
    assert_eq!(api, want_api);

    for (name, ip) in [
        ("dev-control-plane", "172.20.0.2"),
        ("dev-control-plane2", "172.20.0.3"),
    ] {
        let certs = &pki.etcd[name];
        let want = ["localhost", name, "127.0.0.1", "::1", ip];
        assert_eq!(
            sans(&parse(&certs.server.cert_pem)),
            want,
            "{name} etcd server"
        );
        assert_eq!(sans(&parse(&certs.peer.cert_pem)), want, "{name} etcd peer");
    }
    assert!(!pki.etcd.contains_key("dev-worker"), "workers run no etcd");

    for (name, ip) in [
        ("dev-control-plane", "172.20.0.2"),
        ("dev-control-plane2", "172.20.0.3"),
        ("dev-worker", "172.20.0.4"),
    ] {
        let certs = &pki.kubelets[name];
        assert_eq!(
            sans(&parse(&certs.serving.cert_pem)),
            [name, ip],
            "{name} kubelet"
        );
        assert!(
            sans(&parse(&certs.client.cert_pem)).is_empty(),
            "{name} kubelet client"
        );
    }
    assert!(sans(&parse(&pki.admin.cert_pem)).is_empty());
}

#[test]
fn unspecified_listen_address_adds_no_ip() {
    let mut inputs = three_node_inputs();
    inputs.api_server_address = "0.0.0.0".parse().unwrap();
    inputs.extra_api_sans.clear();
    let pki = generate_at(&inputs, fixed_now()).unwrap();
    let api = sans(&parse(&pki.api_server.cert_pem));
    assert!(!api.contains(&"0.0.0.0".to_string()), "{api:?}");
    assert!(api.contains(&"127.0.0.1".to_string()), "{api:?}");
}

#[test]
fn validity_windows_are_as_designed() {
    let now = fixed_now();
    let pki = generate_at(&three_node_inputs(), now).unwrap();
    let check = |label: &str, pem: &str, lifetime: time::Duration| {
        let cert = parse(pem);
        let validity = cert.validity();
        assert_eq!(
            validity.not_before.timestamp(),
            (now - BACKDATE).unix_timestamp(),
            "{label}: not before"
        );
        assert_eq!(
            validity.not_after.timestamp(),
            (now + lifetime).unix_timestamp(),
            "{label}: not after"
        );
    };
    for (label, ca, _) in cas(&pki) {
        check(label, &ca.cert_pem, CA_VALIDITY);
    }
    for leaf in leaves(&pki) {
        check(leaf.label, &leaf.cert_key.cert_pem, LEAF_VALIDITY);
    }
    assert!(
        LEAF_VALIDITY < CA_VALIDITY,
        "leaves must not outlive their CA"
    );
    assert!(LEAF_VALIDITY >= time::Duration::days(5 * 365));
    assert_eq!(CA_VALIDITY, time::Duration::days(3650));
    assert_eq!(BACKDATE, time::Duration::hours(1));
}

#[test]
fn real_clock_certificates_are_valid_now() {
    let pki = ClusterPki::generate(&three_node_inputs()).unwrap();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    for leaf in leaves(&pki) {
        let cert = parse(&leaf.cert_key.cert_pem);
        let v = cert.validity();
        assert!(v.not_before.timestamp() <= now - 3500, "{}", leaf.label);
        assert!(
            v.not_after.timestamp() > now + 4 * 365 * 86400,
            "{}",
            leaf.label
        );
    }
}

#[test]
fn keys_are_p256_and_belong_to_their_certificates() {
    let pki = generated();
    let mut pairs: Vec<(&str, &CertKey)> = cas(&pki).iter().map(|(l, c, _)| (*l, *c)).collect();
    pairs.extend(leaves(&pki).into_iter().map(|l| (l.label, l.cert_key)));
    let mut serials = HashSet::new();
    let mut keys = HashSet::new();
    for (label, cert_key) in pairs {
        let cert = parse(&cert_key.cert_pem);
        let spki = cert.public_key();
        assert_eq!(
            spki.algorithm.algorithm, OID_KEY_TYPE_EC_PUBLIC_KEY,
            "{label}"
        );
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .unwrap()
            .as_oid()
            .unwrap();
        assert_eq!(curve, OID_EC_P256, "{label}");
        assert!(
            cert_key.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"),
            "{label}"
        );
        let key = rcgen::KeyPair::from_pem(&cert_key.key_pem).unwrap();
        assert_eq!(key.algorithm(), &rcgen::PKCS_ECDSA_P256_SHA256, "{label}");
        use rcgen::PublicKeyData;
        assert_eq!(
            key.subject_public_key_info(),
            spki.raw,
            "{label}: key does not match certificate"
        );
        assert_eq!(cert.raw_serial().len(), 16, "{label}: serial length");
        assert!(
            serials.insert(cert.raw_serial().to_vec()),
            "{label}: serial reused"
        );
        assert!(keys.insert(cert_key.key_pem.clone()), "{label}: key reused");
    }

    let sa_key = rcgen::KeyPair::from_pem(&pki.service_account.private_pem).unwrap();
    assert_eq!(sa_key.algorithm(), &rcgen::PKCS_ECDSA_P256_SHA256);
    assert_eq!(sa_key.public_key_pem(), pki.service_account.public_pem);
    assert!(
        pki.service_account
            .public_pem
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
}

#[test]
fn two_generations_share_nothing() {
    let a = generated();
    let b = generated();
    assert_ne!(a.ca.key_pem, b.ca.key_pem);
    assert_ne!(a.ca.cert_pem, b.ca.cert_pem);
    assert_ne!(a.service_account.private_pem, b.service_account.private_pem);
}

#[test]
fn debug_of_the_whole_pki_hides_keys() {
    let pki = generated();
    let rendered = format!("{pki:?}");
    assert!(!rendered.contains("PRIVATE KEY"));
    assert!(rendered.contains("BEGIN CERTIFICATE"));
    let files = node_files(&pki, "dev-control-plane", true).unwrap();
    assert!(!format!("{files:?}").contains("PRIVATE KEY"));
}

#[test]
fn inconsistent_inputs_are_refused() {
    struct Case {
        label: &'static str,
        mutate: fn(&mut PkiInputs<'static>),
        expected: fn(&PkiError) -> bool,
    }
    let cases = [
        Case {
            label: "no control plane",
            mutate: |i| i.control_planes.clear(),
            expected: |e| matches!(e, PkiError::NoControlPlane),
        },
        Case {
            label: "duplicate node",
            mutate: |i| i.nodes.push(node("dev-worker", 9)),
            expected: |e| matches!(e, PkiError::DuplicateNode { name } if name == "dev-worker"),
        },
        Case {
            label: "duplicate control plane",
            mutate: |i| i.control_planes.push(node("dev-control-plane", 2)),
            expected: |e| matches!(e, PkiError::DuplicateNode { name } if name == "dev-control-plane"),
        },
        Case {
            label: "control plane not a node",
            mutate: |i| i.control_planes.push(node("dev-control-plane3", 5)),
            expected: |e| matches!(e, PkiError::ControlPlaneNotANode { name, .. } if name == "dev-control-plane3"),
        },
        Case {
            label: "control plane with another IP",
            mutate: |i| i.control_planes[0].ip = Ipv4Addr::new(10, 0, 0, 1),
            expected: |e| matches!(e, PkiError::ControlPlaneNotANode { .. }),
        },
        Case {
            label: "bad extra SAN",
            mutate: |i| i.extra_api_sans.push("not a name".into()),
            expected: |e| matches!(e, PkiError::InvalidSan { value, .. } if value == "not a name"),
        },
    ];
    for Case {
        label,
        mutate,
        expected,
    } in cases
    {
        let mut inputs = three_node_inputs();
        mutate(&mut inputs);
        let err = generate_at(&inputs, fixed_now()).unwrap_err();
        assert!(expected(&err), "{label}: {err:?}");
        assert!(err.hint().is_some(), "{label}");
    }
}

#[test]
fn control_plane_files_follow_kubeadm_layout() {
    let pki = generated();
    let files = node_files(&pki, "dev-control-plane2", true).unwrap();
    let by_path: std::collections::HashMap<_, _> =
        files.iter().map(|f| (f.path.as_str(), f)).collect();
    assert_eq!(by_path.len(), files.len(), "a path is written twice");
    let expected = [
        (paths::CA_CERT, pki.ca.cert_pem.as_str()),
        (paths::CA_KEY, pki.ca.key_pem.as_str()),
        (paths::API_SERVER_CERT, pki.api_server.cert_pem.as_str()),
        (paths::API_SERVER_KEY, pki.api_server.key_pem.as_str()),
        (
            paths::API_SERVER_KUBELET_CLIENT_CERT,
            pki.api_server_kubelet_client.cert_pem.as_str(),
        ),
        (
            paths::API_SERVER_KUBELET_CLIENT_KEY,
            pki.api_server_kubelet_client.key_pem.as_str(),
        ),
        (
            paths::API_SERVER_ETCD_CLIENT_CERT,
            pki.api_server_etcd_client.cert_pem.as_str(),
        ),
        (
            paths::API_SERVER_ETCD_CLIENT_KEY,
            pki.api_server_etcd_client.key_pem.as_str(),
        ),
        (
            paths::FRONT_PROXY_CA_CERT,
            pki.front_proxy_ca.cert_pem.as_str(),
        ),
        (
            paths::FRONT_PROXY_CA_KEY,
            pki.front_proxy_ca.key_pem.as_str(),
        ),
        (
            paths::FRONT_PROXY_CLIENT_CERT,
            pki.front_proxy_client.cert_pem.as_str(),
        ),
        (
            paths::FRONT_PROXY_CLIENT_KEY,
            pki.front_proxy_client.key_pem.as_str(),
        ),
        (
            paths::SERVICE_ACCOUNT_KEY,
            pki.service_account.private_pem.as_str(),
        ),
        (
            paths::SERVICE_ACCOUNT_PUB,
            pki.service_account.public_pem.as_str(),
        ),
        (paths::ETCD_CA_CERT, pki.etcd_ca.cert_pem.as_str()),
        (paths::ETCD_CA_KEY, pki.etcd_ca.key_pem.as_str()),
        (
            paths::ETCD_SERVER_CERT,
            pki.etcd["dev-control-plane2"].server.cert_pem.as_str(),
        ),
        (
            paths::ETCD_SERVER_KEY,
            pki.etcd["dev-control-plane2"].server.key_pem.as_str(),
        ),
        (
            paths::ETCD_PEER_CERT,
            pki.etcd["dev-control-plane2"].peer.cert_pem.as_str(),
        ),
        (
            paths::ETCD_PEER_KEY,
            pki.etcd["dev-control-plane2"].peer.key_pem.as_str(),
        ),
        (
            paths::KUBELET_SERVING_CERT,
            pki.kubelets["dev-control-plane2"].serving.cert_pem.as_str(),
        ),
        (
            paths::KUBELET_SERVING_KEY,
            pki.kubelets["dev-control-plane2"].serving.key_pem.as_str(),
        ),
        (
            paths::KUBELET_CLIENT_CERT,
            pki.kubelets["dev-control-plane2"].client.cert_pem.as_str(),
        ),
        (
            paths::KUBELET_CLIENT_KEY,
            pki.kubelets["dev-control-plane2"].client.key_pem.as_str(),
        ),
    ];
    assert_eq!(files.len(), expected.len());
    for (path, contents) in expected {
        let file = by_path
            .get(path)
            .unwrap_or_else(|| panic!("{path} missing"));
        assert_eq!(file.contents, contents.as_bytes(), "{path}");
        let is_secret = contents.contains("PRIVATE KEY");
        assert_eq!(file.mode, if is_secret { 0o600 } else { 0o644 }, "{path}");
        assert!(path.starts_with('/'), "{path}");
    }
}

#[test]
fn workers_get_no_ca_keys() {
    let pki = generated();
    let files = node_files(&pki, "dev-worker", false).unwrap();
    let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            paths::CA_CERT,
            paths::KUBELET_SERVING_CERT,
            paths::KUBELET_SERVING_KEY,
            paths::KUBELET_CLIENT_CERT,
            paths::KUBELET_CLIENT_KEY,
        ]
    );
    for file in &files {
        let text = std::str::from_utf8(&file.contents).unwrap();
        for ca in [&pki.ca, &pki.etcd_ca, &pki.front_proxy_ca] {
            assert_ne!(text, ca.key_pem, "{} is a CA key", file.path);
        }
        let want_mode = if text.contains("PRIVATE KEY") {
            0o600
        } else {
            0o644
        };
        assert_eq!(file.mode, want_mode, "{}", file.path);
    }
    assert_eq!(
        files[3].contents,
        pki.kubelets["dev-worker"].client.cert_pem.as_bytes()
    );
}

#[test]
fn unknown_nodes_are_errors() {
    let pki = generated();
    let servers = ApiServers {
        local: "https://172.20.0.2:6443".into(),
        cluster: "https://172.20.0.10:6443".into(),
    };
    for (node, cp) in [("nope", false), ("dev-worker", true)] {
        let err = node_files(&pki, node, cp).unwrap_err();
        assert!(
            matches!(&err, PkiError::UnknownNode { name } if name == node),
            "{err:?}"
        );
    }
    assert!(node_kubeconfigs(&pki, "nope", false, &servers).is_err());
}

#[test]
fn node_kubeconfigs_use_the_right_identity_and_server() {
    use base64::Engine;
    let pki = generated();
    let servers = ApiServers {
        local: "https://172.20.0.3:6443".into(),
        cluster: "https://dev-external-load-balancer:6443".into(),
    };
    let decode = |v: &serde_json::Value| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        String::from_utf8(bytes).unwrap()
    };
    /// (path, user, client certificate, server)
    type Expected<'a> = (&'a str, &'a str, &'a CertKey, &'a str);
    let cases: [(&str, bool, &[Expected<'_>]); 2] = [
        (
            "dev-worker",
            false,
            &[
                (
                    paths::KUBELET_CONF,
                    "system:node:dev-worker",
                    &pki.kubelets["dev-worker"].client,
                    &servers.cluster,
                ),
                (
                    paths::KUBE_PROXY_CONF,
                    "system:kube-proxy",
                    &pki.kube_proxy,
                    &servers.cluster,
                ),
            ],
        ),
        (
            "dev-control-plane2",
            true,
            &[
                (
                    paths::KUBELET_CONF,
                    "system:node:dev-control-plane2",
                    &pki.kubelets["dev-control-plane2"].client,
                    &servers.cluster,
                ),
                (
                    paths::KUBE_PROXY_CONF,
                    "system:kube-proxy",
                    &pki.kube_proxy,
                    &servers.cluster,
                ),
                (
                    paths::ADMIN_CONF,
                    "devk-admin",
                    &pki.admin,
                    &servers.cluster,
                ),
                (
                    paths::CONTROLLER_MANAGER_CONF,
                    "system:kube-controller-manager",
                    &pki.controller_manager,
                    &servers.local,
                ),
                (
                    paths::SCHEDULER_CONF,
                    "system:kube-scheduler",
                    &pki.scheduler,
                    &servers.local,
                ),
                (
                    paths::COREDNS_CONF,
                    "system:coredns",
                    &pki.coredns,
                    &servers.local,
                ),
            ],
        ),
    ];
    for (node, is_cp, want) in cases {
        let files = node_kubeconfigs(&pki, node, is_cp, &servers).unwrap();
        assert_eq!(files.len(), want.len(), "{node}");
        for (file, (path, user, client, server)) in files.iter().zip(want) {
            assert_eq!(file.path, *path);
            assert_eq!(file.mode, 0o600, "{path}");
            let doc: serde_json::Value =
                serde_saphyr::from_str(std::str::from_utf8(&file.contents).unwrap()).unwrap();
            assert_eq!(doc["current-context"], format!("{user}@dev"), "{path}");
            assert_eq!(doc["clusters"][0]["name"], "dev");
            assert_eq!(doc["clusters"][0]["cluster"]["server"], *server, "{path}");
            assert_eq!(
                decode(&doc["clusters"][0]["cluster"]["certificate-authority-data"]),
                pki.ca.cert_pem
            );
            assert_eq!(doc["users"][0]["name"], *user, "{path}");
            assert_eq!(
                decode(&doc["users"][0]["user"]["client-certificate-data"]),
                client.cert_pem
            );
            assert_eq!(
                decode(&doc["users"][0]["user"]["client-key-data"]),
                client.key_pem
            );
        }
    }
}
