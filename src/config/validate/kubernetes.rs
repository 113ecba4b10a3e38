//! Feature gates, runtime config and extra component flags, including the
//! flags devk sets itself and so cannot take from the user.

use std::collections::BTreeMap;

use super::super::error::{Problem, sanitize};
use super::super::model::{Component, Kubernetes};

/// A flag devk sets on a component; `instead` is the config field that
/// controls it, when there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnedFlag {
    pub name: &'static str,
    pub instead: Option<&'static str>,
}

const fn owned(name: &'static str, instead: Option<&'static str>) -> OwnedFlag {
    OwnedFlag { name, instead }
}

const FEATURE_GATES: Option<&str> = Some("kubernetes.featureGates");
const POD_SUBNET: Option<&str> = Some("networking.podSubnet");
const SERVICE_SUBNET: Option<&str> = Some("networking.serviceSubnet");

const API_SERVER: &[OwnedFlag] = &[
    owned("advertise-address", None),
    owned("client-ca-file", None),
    owned("etcd-cafile", None),
    owned("etcd-certfile", None),
    owned("etcd-keyfile", None),
    owned("etcd-servers", None),
    owned("feature-gates", FEATURE_GATES),
    owned("runtime-config", Some("kubernetes.runtimeConfig")),
    owned("secure-port", None),
    owned("service-account-issuer", None),
    owned("service-account-key-file", None),
    owned("service-account-signing-key-file", None),
    owned("service-cluster-ip-range", SERVICE_SUBNET),
    owned("tls-cert-file", None),
    owned("tls-private-key-file", None),
];
const CONTROLLER_MANAGER: &[OwnedFlag] = &[
    owned("cluster-cidr", POD_SUBNET),
    owned("cluster-signing-cert-file", None),
    owned("cluster-signing-key-file", None),
    owned("feature-gates", FEATURE_GATES),
    owned("kubeconfig", None),
    owned("root-ca-file", None),
    owned("service-account-private-key-file", None),
    owned("service-cluster-ip-range", SERVICE_SUBNET),
];
const SCHEDULER: &[OwnedFlag] = &[
    owned("authentication-kubeconfig", None),
    owned("authorization-kubeconfig", None),
    owned("feature-gates", FEATURE_GATES),
    owned("kubeconfig", None),
];
const KUBELET: &[OwnedFlag] = &[
    owned("config", None),
    owned("container-runtime-endpoint", None),
    owned("feature-gates", FEATURE_GATES),
    owned("hostname-override", None),
    owned("kubeconfig", None),
    owned("node-ip", None),
    owned("node-labels", Some("nodes[].labels")),
];
const KUBE_PROXY: &[OwnedFlag] = &[
    owned("cluster-cidr", POD_SUBNET),
    owned("config", None),
    owned("feature-gates", FEATURE_GATES),
    owned("hostname-override", None),
    owned("kubeconfig", None),
    owned("proxy-mode", Some("networking.kubeProxyMode")),
];
const ETCD: &[OwnedFlag] = &[
    owned("advertise-client-urls", None),
    owned("cert-file", None),
    owned("data-dir", None),
    owned("initial-advertise-peer-urls", None),
    owned("initial-cluster", None),
    owned("initial-cluster-state", None),
    owned("key-file", None),
    owned("listen-client-urls", None),
    owned("listen-peer-urls", None),
    owned("name", None),
    owned("peer-cert-file", None),
    owned("peer-key-file", None),
    owned("peer-trusted-ca-file", None),
    owned("trusted-ca-file", None),
];

/// The flags devk sets on `component` itself, which `extraArgs` may not set.
pub fn owned_flags(component: Component) -> &'static [OwnedFlag] {
    match component {
        Component::ApiServer => API_SERVER,
        Component::ControllerManager => CONTROLLER_MANAGER,
        Component::Scheduler => SCHEDULER,
        Component::Kubelet => KUBELET,
        Component::KubeProxy => KUBE_PROXY,
        Component::Etcd => ETCD,
    }
}

pub(super) fn check(kubernetes: &Kubernetes, problems: &mut Vec<Problem>) {
    for name in kubernetes.feature_gates.keys() {
        if !is_feature_gate_name(name) {
            problems.push(Problem::new(
                format!("kubernetes.featureGates.{}", sanitize(name)),
                "feature gate names are CamelCase identifiers, such as InPlacePodVerticalScaling",
            ));
        }
    }
    for (key, value) in &kubernetes.runtime_config {
        let path = format!("kubernetes.runtimeConfig.{}", sanitize(key));
        if key.is_empty() || key.contains([',', '=']) || key.contains(char::is_whitespace) {
            problems.push(Problem::new(
                path,
                "keys are API groups/versions such as api/all or batch/v1, without ',', '=' or spaces",
            ));
        } else if value.contains(',') {
            problems.push(Problem::new(
                path,
                "the value cannot contain ','; use one key per API",
            ));
        }
    }
    for component in Component::ALL {
        let args = kubernetes.extra_args.for_component(component);
        check_args(component, args, problems);
    }
}

fn check_args(component: Component, args: &BTreeMap<String, String>, problems: &mut Vec<Problem>) {
    for (flag, value) in args {
        let path = format!(
            "kubernetes.extraArgs.{}.{}",
            component.field_name(),
            sanitize(flag)
        );
        let bare = flag.trim_start_matches('-');
        if bare.len() != flag.len() {
            problems.push(Problem::new(
                path,
                format!("write flag names without the leading dashes: `{bare}`, not `{flag}`"),
            ));
        } else if flag.is_empty() || flag.contains('=') || flag.contains(char::is_whitespace) {
            problems.push(Problem::new(
                path,
                "a flag name cannot be empty or contain '=' or spaces; put the value in the map value (flag: value)",
            ));
        } else if value.contains(char::is_whitespace) {
            // Flags reach the component through a systemd environment
            // variable, which systemd splits on whitespace.
            problems.push(Problem::new(
                path,
                "the value cannot contain spaces or newlines; use commas where the flag takes a list",
            ));
        } else if let Some(owned) = owned_flags(component)
            .iter()
            .find(|owned| owned.name == flag)
        {
            let what = match owned.instead {
                Some(field) => format!("set {field} instead"),
                None => "it cannot be changed".to_string(),
            };
            problems.push(Problem::new(
                path,
                format!(
                    "devk sets --{flag} on {} itself; {what}",
                    component.binary()
                ),
            ));
        }
    }
}

fn is_feature_gate_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_for(kubernetes: &Kubernetes) -> Vec<Problem> {
        let mut problems = Vec::new();
        check(kubernetes, &mut problems);
        problems
    }

    #[test]
    fn feature_gates_must_be_camel_case() {
        let mut kubernetes = Kubernetes::default();
        for name in [
            "InPlacePodVerticalScaling",
            "CSIMigration",
            "inPlace",
            "Foo-Bar",
            "Foo_Bar",
        ] {
            kubernetes.feature_gates.insert(name.to_string(), true);
        }
        let paths: Vec<String> = problems_for(&kubernetes)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            paths,
            [
                "kubernetes.featureGates.Foo-Bar",
                "kubernetes.featureGates.Foo_Bar",
                "kubernetes.featureGates.inPlace"
            ]
        );
    }

    #[test]
    fn extra_args_table() {
        let cases: &[(Component, &str, Option<&str>)] = &[
            (Component::ApiServer, "audit-log-path", None),
            (Component::Kubelet, "max-pods", None),
            (
                Component::ApiServer,
                "--v",
                Some("without the leading dashes: `v`, not `--v`"),
            ),
            (
                Component::Etcd,
                "-quota-backend-bytes",
                Some("`quota-backend-bytes`, not `-quota-backend-bytes`"),
            ),
            (
                Component::Scheduler,
                "v=4",
                Some("cannot be empty or contain '='"),
            ),
            (
                Component::ApiServer,
                "etcd-servers",
                Some("devk sets --etcd-servers on kube-apiserver itself; it cannot be changed"),
            ),
            (
                Component::ApiServer,
                "service-cluster-ip-range",
                Some(
                    "devk sets --service-cluster-ip-range on kube-apiserver itself; set networking.serviceSubnet instead",
                ),
            ),
            (Component::Kubelet, "node-ip", Some("on kubelet itself")),
            (
                Component::KubeProxy,
                "proxy-mode",
                Some("set networking.kubeProxyMode instead"),
            ),
            (
                Component::Etcd,
                "data-dir",
                Some("devk sets --data-dir on etcd itself"),
            ),
            (
                Component::ControllerManager,
                "cluster-cidr",
                Some("set networking.podSubnet instead"),
            ),
        ];
        for (component, flag, expected) in cases {
            let mut args = BTreeMap::new();
            args.insert(flag.to_string(), "x".to_string());
            let mut problems = Vec::new();
            check_args(*component, &args, &mut problems);
            match expected {
                None => assert!(problems.is_empty(), "{flag}: {problems:?}"),
                Some(needle) => {
                    assert_eq!(problems.len(), 1, "{flag}");
                    assert_eq!(
                        problems[0].path,
                        format!("kubernetes.extraArgs.{}.{flag}", component.field_name())
                    );
                    assert!(
                        problems[0].message.contains(needle),
                        "{flag}: {}",
                        problems[0].message
                    );
                }
            }
        }
    }

    #[test]
    fn extra_arg_values_cannot_hold_whitespace() {
        let args = BTreeMap::from([("audit-policy-file".to_string(), "/etc/a b".to_string())]);
        let mut problems = Vec::new();
        check_args(Component::ApiServer, &args, &mut problems);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].path,
            "kubernetes.extraArgs.apiServer.audit-policy-file"
        );
        assert!(
            problems[0].message.contains("cannot contain spaces"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn runtime_config_keys_and_values() {
        let mut kubernetes = Kubernetes::default();
        kubernetes
            .runtime_config
            .insert("api/all".into(), "true".into());
        kubernetes
            .runtime_config
            .insert("a,b".into(), "true".into());
        kubernetes
            .runtime_config
            .insert("batch/v1".into(), "true,false".into());
        let paths: Vec<String> = problems_for(&kubernetes)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            paths,
            [
                "kubernetes.runtimeConfig.a,b",
                "kubernetes.runtimeConfig.batch/v1"
            ]
        );
    }

    #[test]
    fn owned_flag_lists_are_sorted_and_unique() {
        // Sorted lists keep reviews of additions easy and catch duplicates.
        for component in Component::ALL {
            let names: Vec<&str> = owned_flags(component).iter().map(|f| f.name).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(names, sorted, "{component:?}");
        }
    }
}
