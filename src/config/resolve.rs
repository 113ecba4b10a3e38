//! From the raw file to the model: fill in defaults, resolve relative host
//! paths, and convert the values whose range or syntax the types could not
//! check (ports, subnets). Conversion problems are collected, not returned at
//! the first one, and a placeholder keeps the model whole so that validation
//! can still report everything else.

use std::path::{Component as PathComponent, Path, PathBuf};

use super::defaults::{
    DEFAULT_CLUSTER_NAME, DEFAULT_LISTEN_ADDRESS, DEFAULT_POD_SUBNET, DEFAULT_SERVICE_SUBNET,
};
use super::error::Problem;
use super::file::{
    FileCluster, FileExtraArgs, FileMount, FileNetworking, FileNode, FilePortMapping, PortValue,
};
use super::model::{
    Cluster, ExtraArgs, Kubernetes, Mount, Networking, Node, PortMapping, Propagation, Protocol,
    Role,
};
use super::validate::{parse_ipv4_subnet, validate_name};

/// Where relative `hostPath`s are resolved: the config file's directory, or
/// the current directory for stdin. `Err` says why it is unknown.
pub(crate) type BaseDir<'a> = Result<&'a Path, &'a str>;

pub(crate) fn resolve(
    file: FileCluster,
    base_dir: BaseDir<'_>,
    name_override: Option<&str>,
) -> (Cluster, Vec<Problem>) {
    let mut problems = Vec::new();

    let name = match name_override {
        Some(name) => {
            if let Err(message) = validate_name(name) {
                problems.push(Problem::new(
                    "name",
                    format!("{name:?} (from --name or DEVK_CLUSTER_NAME): {message}"),
                ));
            }
            name.to_string()
        }
        None => file
            .name
            .unwrap_or_else(|| DEFAULT_CLUSTER_NAME.to_string()),
    };

    let nodes = match file.nodes {
        Some(nodes) => nodes
            .into_iter()
            .enumerate()
            .map(|(i, node)| resolve_node(node, &format!("nodes[{i}]"), base_dir, &mut problems))
            .collect(),
        None => vec![Node::new(Role::ControlPlane)],
    };

    let networking = resolve_networking(file.networking.unwrap_or_default(), &mut problems);

    let kubernetes = file.kubernetes.unwrap_or_default();
    let extra_args = kubernetes.extra_args.unwrap_or_default();
    let kubernetes = Kubernetes {
        feature_gates: kubernetes.feature_gates.unwrap_or_default(),
        runtime_config: kubernetes.runtime_config.unwrap_or_default(),
        extra_args: resolve_extra_args(extra_args),
    };

    (
        Cluster {
            name,
            nodes,
            networking,
            kubernetes,
        },
        problems,
    )
}

fn resolve_node(
    node: FileNode,
    at: &str,
    base_dir: BaseDir<'_>,
    problems: &mut Vec<Problem>,
) -> Node {
    let extra_port_mappings = node
        .extra_port_mappings
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(j, mapping)| {
            resolve_port_mapping(mapping, &format!("{at}.extraPortMappings[{j}]"), problems)
        })
        .collect();
    let extra_mounts = node
        .extra_mounts
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(j, mount)| {
            resolve_mount(mount, &format!("{at}.extraMounts[{j}]"), base_dir, problems)
        })
        .collect();
    Node {
        role: node.role.unwrap_or(Role::ControlPlane),
        image: node.image,
        labels: node.labels.unwrap_or_default(),
        extra_port_mappings,
        extra_mounts,
    }
}

fn resolve_port_mapping(
    mapping: FilePortMapping,
    at: &str,
    problems: &mut Vec<Problem>,
) -> PortMapping {
    let container_port = match u16::try_from(mapping.container_port.0) {
        Ok(port) if port > 0 => port,
        _ => {
            problems.push(Problem::new(
                format!("{at}.containerPort"),
                format!("{} is not a port: use 1 to 65535", mapping.container_port.0),
            ));
            0 // placeholder: loading fails anyway
        }
    };
    PortMapping {
        container_port,
        host_port: optional_host_port(mapping.host_port, &format!("{at}.hostPort"), problems),
        listen_address: mapping.listen_address.unwrap_or(DEFAULT_LISTEN_ADDRESS),
        protocol: mapping.protocol.unwrap_or(Protocol::Tcp),
    }
}

/// A host port where 0 and absent both mean "any free port".
fn optional_host_port(
    port: Option<PortValue>,
    at: &str,
    problems: &mut Vec<Problem>,
) -> Option<u16> {
    let port = port?;
    match u16::try_from(port.0) {
        Ok(0) => None,
        Ok(port) => Some(port),
        Err(_) => {
            problems.push(Problem::new(
                at,
                format!(
                    "{} is not a port: use 1 to 65535, or 0 (or leave it out) for a free port chosen at create",
                    port.0
                ),
            ));
            None
        }
    }
}

fn resolve_mount(
    mount: FileMount,
    at: &str,
    base_dir: BaseDir<'_>,
    problems: &mut Vec<Problem>,
) -> Mount {
    let written = PathBuf::from(&mount.host_path);
    let host_path = if mount.host_path.is_empty() {
        problems.push(Problem::new(
            format!("{at}.hostPath"),
            "must not be empty: name a file or directory on the host",
        ));
        written
    } else if mount.host_path.starts_with('~') {
        problems.push(Problem::new(
            format!("{at}.hostPath"),
            format!(
                "{:?}: devk does not expand `~`; write the full path",
                mount.host_path
            ),
        ));
        written
    } else if written.is_absolute() {
        normalize(&written)
    } else {
        match base_dir {
            Ok(base) => normalize(&base.join(&written)),
            Err(why) => {
                problems.push(Problem::new(
                    format!("{at}.hostPath"),
                    format!(
                        "{:?} is relative and cannot be resolved: {why}; write an absolute path",
                        mount.host_path
                    ),
                ));
                written
            }
        }
    };
    let container_path = PathBuf::from(&mount.container_path);
    let container_path = if container_path.is_absolute() {
        normalize(&container_path)
    } else {
        container_path
    };
    Mount {
        host_path,
        container_path,
        read_only: mount.read_only.unwrap_or(false),
        propagation: mount.propagation.unwrap_or(Propagation::None),
    }
}

fn resolve_networking(net: FileNetworking, problems: &mut Vec<Problem>) -> Networking {
    let defaults = Networking::default();
    let mut subnet = |text: Option<String>, field: &str, fallback| match text {
        None => fallback,
        Some(text) => parse_ipv4_subnet(&text).unwrap_or_else(|message| {
            problems.push(Problem::new(format!("networking.{field}"), message));
            fallback // placeholder: loading fails anyway
        }),
    };
    let pod_subnet = subnet(net.pod_subnet, "podSubnet", DEFAULT_POD_SUBNET);
    let service_subnet = subnet(net.service_subnet, "serviceSubnet", DEFAULT_SERVICE_SUBNET);
    Networking {
        api_server_address: net
            .api_server_address
            .unwrap_or(defaults.api_server_address),
        api_server_port: optional_host_port(
            net.api_server_port,
            "networking.apiServerPort",
            problems,
        ),
        pod_subnet,
        service_subnet,
        disable_default_cni: net
            .disable_default_cni
            .unwrap_or(defaults.disable_default_cni),
        kube_proxy_mode: net.kube_proxy_mode.unwrap_or(defaults.kube_proxy_mode),
    }
}

fn resolve_extra_args(args: FileExtraArgs) -> ExtraArgs {
    ExtraArgs {
        api_server: args.api_server.unwrap_or_default(),
        controller_manager: args.controller_manager.unwrap_or_default(),
        scheduler: args.scheduler.unwrap_or_default(),
        kubelet: args.kubelet.unwrap_or_default(),
        kube_proxy: args.kube_proxy.unwrap_or_default(),
        etcd: args.etcd.unwrap_or_default(),
    }
}

/// Removes `.` and resolves `..` lexically (symlinks are left to the engine,
/// which follows them when it mounts).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            PathComponent::CurDir => {}
            PathComponent::ParentDir => {
                // At the root `..` stays at the root, as the kernel does.
                if !normalized.pop() && !path.is_absolute() {
                    normalized.push("..");
                }
            }
            other => normalized.push(other.as_os_str()),
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_removes_dots_lexically() {
        let cases = [
            ("/a/./b/../c", "/a/c"),
            ("/../x", "/x"),
            ("/tmp/../data/", "/data"),
            ("a/../../b", "../b"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalize(Path::new(input)),
                PathBuf::from(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn ports_out_of_range_become_problems_and_zero_means_random() {
        let mut problems = Vec::new();
        let at = "networking.apiServerPort";
        assert_eq!(
            optional_host_port(Some(PortValue(0)), at, &mut problems),
            None
        );
        assert_eq!(optional_host_port(None, at, &mut problems), None);
        assert_eq!(
            optional_host_port(Some(PortValue(6443)), at, &mut problems),
            Some(6443)
        );
        assert!(problems.is_empty());
        assert_eq!(
            optional_host_port(Some(PortValue(65536)), at, &mut problems),
            None
        );
        assert_eq!(
            optional_host_port(Some(PortValue(-1)), at, &mut problems),
            None
        );
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0].message.contains("65536 is not a port"),
            "{:?}",
            problems[0]
        );
    }
}
