//! Which names and addresses each serving certificate is valid for. Pure
//! functions over the inputs, so the lists can be checked without crypto.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{NodeIdentity, PkiError, PkiInputs};

/// One subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum San {
    Dns(String),
    Ip(IpAddr),
}

/// An ordered list of SANs without duplicates (the same name can come from
/// several inputs, e.g. an extra SAN that repeats a control-plane IP).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SanList(Vec<San>);

impl SanList {
    fn push(&mut self, san: San) {
        if !self.0.contains(&san) {
            self.0.push(san);
        }
    }

    fn dns(&mut self, name: impl Into<String>) {
        self.push(San::Dns(name.into()));
    }

    fn ip(&mut self, ip: impl Into<IpAddr>) {
        self.push(San::Ip(ip.into()));
    }

    pub fn as_slice(&self) -> &[San] {
        &self.0
    }
}

/// The API server's serving certificate: every name a client inside or
/// outside the cluster may dial.
pub fn api_server(inputs: &PkiInputs<'_>) -> Result<SanList, PkiError> {
    let what = "API server certificate";
    let mut sans = SanList::default();
    for name in ["kubernetes", "kubernetes.default", "kubernetes.default.svc"] {
        sans.dns(name);
    }
    sans.dns(checked_dns(
        what,
        &format!("kubernetes.default.svc.{}", inputs.dns_domain),
    )?);
    sans.dns("localhost");
    for cp in &inputs.control_planes {
        sans.dns(checked_dns(what, &cp.name)?);
    }
    sans.ip(Ipv4Addr::LOCALHOST);
    sans.ip(inputs.first_service_ip);
    for cp in &inputs.control_planes {
        sans.ip(cp.ip);
    }
    // 0.0.0.0 / :: mean "every host address": there is no single address to
    // name, and a certificate for 0.0.0.0 would be meaningless.
    if !inputs.api_server_address.is_unspecified() {
        sans.ip(inputs.api_server_address);
    }
    for extra in &inputs.extra_api_sans {
        sans.push(parse_san(what, extra)?);
    }
    Ok(sans)
}

/// etcd's server and peer certificates: local clients (health checks, the
/// API server on the same node) and the other members.
pub fn etcd_member(node: &NodeIdentity) -> Result<SanList, PkiError> {
    let mut sans = SanList::default();
    sans.dns("localhost");
    sans.dns(checked_dns("etcd certificate", &node.name)?);
    sans.ip(Ipv4Addr::LOCALHOST);
    sans.ip(Ipv6Addr::LOCALHOST);
    sans.ip(node.ip);
    Ok(sans)
}

/// The kubelet's serving certificate: the API server dials kubelets by node
/// address (logs, exec, port-forward) and may verify it against the cluster CA.
pub fn kubelet_serving(node: &NodeIdentity) -> Result<SanList, PkiError> {
    let mut sans = SanList::default();
    sans.dns(checked_dns("kubelet serving certificate", &node.name)?);
    sans.ip(node.ip);
    Ok(sans)
}

/// An IP address becomes an IP SAN, anything else must be a DNS name.
fn parse_san(what: &str, value: &str) -> Result<San, PkiError> {
    let trimmed = value.trim();
    // Accept "[::1]" as users write IPv6 addresses in URLs.
    let unbracketed = trimmed
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(trimmed);
    match unbracketed.parse::<IpAddr>() {
        Ok(ip) => Ok(San::Ip(ip)),
        Err(_) => Ok(San::Dns(checked_dns(what, trimmed)?)),
    }
}

/// A DNS name as TLS clients match it: non-empty ASCII labels of letters,
/// digits, '-' and '_', optionally a leading "*." wildcard label.
fn checked_dns(what: &str, name: &str) -> Result<String, PkiError> {
    let invalid = |reason| PkiError::InvalidSan {
        what: what.to_string(),
        value: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("it is empty"));
    }
    if name.len() > 253 {
        return Err(invalid("a DNS name has at most 253 characters"));
    }
    let without_wildcard = name.strip_prefix("*.").unwrap_or(name);
    for label in without_wildcard.split('.') {
        if label.is_empty() {
            return Err(invalid(
                "it has an empty label (two dots, or a dot at an end)",
            ));
        }
        if label.len() > 63 {
            return Err(invalid("a DNS label has at most 63 characters"));
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid(
                "a DNS name may contain only letters, digits, '-', '_' and '.'",
            ));
        }
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, ip: [u8; 4]) -> NodeIdentity {
        NodeIdentity {
            name: name.into(),
            ip: Ipv4Addr::from(ip),
        }
    }

    fn inputs(api: IpAddr, extra: &[&str]) -> PkiInputs<'static> {
        let cps = vec![
            node("c-control-plane", [172, 20, 0, 2]),
            node("c-control-plane2", [172, 20, 0, 3]),
        ];
        PkiInputs {
            cluster_name: "c",
            dns_domain: "example.internal",
            first_service_ip: Ipv4Addr::new(10, 96, 0, 1),
            api_server_address: api,
            extra_api_sans: extra.iter().map(|s| s.to_string()).collect(),
            nodes: cps.clone(),
            control_planes: cps,
        }
    }

    fn dns(s: &str) -> San {
        San::Dns(s.into())
    }
    fn ip(s: &str) -> San {
        San::Ip(s.parse().unwrap())
    }

    #[test]
    fn api_server_names_every_way_in() {
        let got = api_server(&inputs("127.0.0.1".parse().unwrap(), &[])).unwrap();
        let want = vec![
            dns("kubernetes"),
            dns("kubernetes.default"),
            dns("kubernetes.default.svc"),
            dns("kubernetes.default.svc.example.internal"),
            dns("localhost"),
            dns("c-control-plane"),
            dns("c-control-plane2"),
            ip("127.0.0.1"),
            ip("10.96.0.1"),
            ip("172.20.0.2"),
            ip("172.20.0.3"),
        ];
        assert_eq!(got.as_slice(), want.as_slice());
    }

    #[test]
    fn api_server_listen_address_and_extras() {
        struct Case {
            listen: &'static str,
            extra: &'static [&'static str],
            present: Vec<San>,
            absent: Vec<San>,
        }
        let cases = [
            Case {
                listen: "0.0.0.0",
                extra: &[],
                present: vec![],
                absent: vec![ip("0.0.0.0")],
            },
            Case {
                listen: "::",
                extra: &[],
                present: vec![],
                absent: vec![ip("::")],
            },
            Case {
                listen: "192.168.1.5",
                extra: &[],
                present: vec![ip("192.168.1.5")],
                absent: vec![],
            },
            Case {
                listen: "127.0.0.1",
                extra: &["c-lb", "172.20.0.9", "[fd00::1]", " api.example.com "],
                present: vec![
                    dns("c-lb"),
                    ip("172.20.0.9"),
                    ip("fd00::1"),
                    dns("api.example.com"),
                ],
                absent: vec![dns(" api.example.com ")],
            },
        ];
        for case in cases {
            let (listen, extra) = (case.listen, case.extra);
            let got = api_server(&inputs(listen.parse().unwrap(), extra)).unwrap();
            for san in &case.present {
                assert!(
                    got.as_slice().contains(san),
                    "{listen} {extra:?}: {san:?} missing from {got:?}"
                );
            }
            for san in &case.absent {
                assert!(
                    !got.as_slice().contains(san),
                    "{listen} {extra:?}: {san:?} present in {got:?}"
                );
            }
        }
    }

    #[test]
    fn duplicates_are_listed_once() {
        let got = api_server(&inputs(
            "172.20.0.2".parse().unwrap(),
            &["172.20.0.2", "localhost", "10.96.0.1"],
        ))
        .unwrap();
        let mut seen = std::collections::HashSet::new();
        for san in got.as_slice() {
            assert!(seen.insert(san), "{san:?} listed twice in {got:?}");
        }
        assert!(got.as_slice().contains(&ip("172.20.0.2")));
    }

    #[test]
    fn invalid_extra_sans_are_refused() {
        for bad in [
            "",
            "  ",
            "a..b",
            "under score!",
            "ünïcode.example",
            ".leading",
            "trailing.",
        ] {
            let err = api_server(&inputs("127.0.0.1".parse().unwrap(), &[bad])).unwrap_err();
            assert!(
                matches!(err, PkiError::InvalidSan { .. }),
                "{bad:?}: {err:?}"
            );
            assert!(err.hint().is_some());
        }
        let long_label = "a".repeat(64);
        assert!(api_server(&inputs("127.0.0.1".parse().unwrap(), &[&long_label])).is_err());
        assert!(
            api_server(&inputs(
                "127.0.0.1".parse().unwrap(),
                &["*.apps.example.com"]
            ))
            .is_ok()
        );
    }

    #[test]
    fn etcd_and_kubelet_lists() {
        let n = node("c-worker", [172, 20, 0, 4]);
        assert_eq!(
            etcd_member(&n).unwrap().as_slice(),
            &[
                dns("localhost"),
                dns("c-worker"),
                ip("127.0.0.1"),
                ip("::1"),
                ip("172.20.0.4")
            ]
        );
        assert_eq!(
            kubelet_serving(&n).unwrap().as_slice(),
            &[dns("c-worker"), ip("172.20.0.4")]
        );
    }
}
