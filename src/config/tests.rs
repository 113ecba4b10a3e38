//! Loading end to end: YAML text in, model or error out.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::*;

const HEADER: &str = "apiVersion: devk.dev/v1alpha1\nkind: Cluster\n";
const KIND_HEADER: &str = "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\n";

fn dev_yaml() -> Source {
    Source::File(PathBuf::from("dev.yaml"))
}

fn load_devk(body: &str) -> Result<Cluster, ConfigError> {
    load(&dev_yaml(), &format!("{HEADER}{body}"), None)
}

fn problems_of(result: Result<Cluster, ConfigError>) -> Vec<Problem> {
    match result {
        Err(ConfigError::Invalid {
            source_name,
            problems,
        }) => {
            assert_eq!(source_name, "dev.yaml");
            problems
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn paths(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.path.as_str()).collect()
}

/// Malformed documents: each error is a Syntax error whose Display names the
/// source, line, column and field path exactly. Lines count the 2-line header.
#[test]
fn malformed_documents_table() {
    let cases: &[(&str, &str)] = &[
        (
            "nodes:\n- extraPortMappings:\n  - containerPort: abc\n",
            "dev.yaml:5:20: nodes[0].extraPortMappings[0].containerPort: invalid type: string \"abc\", expected a port number",
        ),
        (
            "nodes:\n- extraPortMappings:\n  - {containerPort: 80, hostPort: [1]}\n",
            "dev.yaml:5:35: nodes[0].extraPortMappings[0].hostPort: invalid type: sequence, expected a port number",
        ),
        (
            "nodes:\n- role: master\n",
            "dev.yaml:4:9: nodes[0].role: unknown variant `master`, expected one of control-plane, worker",
        ),
        (
            "nodes:\n- extraPortMappings:\n  - containerPort: 53\n    protocol: icmp\n",
            "dev.yaml:6:15: nodes[0].extraPortMappings[0].protocol: unknown variant `icmp`, expected one of TCP, UDP, SCTP",
        ),
        (
            "nodes:\n- extraPortMappings:\n  - containerPort: 80\n    listenAddress: 1.2.3\n",
            "dev.yaml:6:20: nodes[0].extraPortMappings[0].listenAddress: invalid IP address syntax",
        ),
        (
            "nodes:\n- extraPortMappings:\n  - hostPort: 80\n",
            "dev.yaml:5:5: nodes[0].extraPortMappings[0]: missing required field `containerPort`",
        ),
        (
            "nodes:\n- extraMounts:\n  - hostPath: /\n    readOnly: maybe\n",
            "dev.yaml:6:15: nodes[0].extraMounts[0].readOnly: invalid boolean",
        ),
        (
            "networking:\n  apiServerAddress: localhost\n",
            "dev.yaml:4:21: networking.apiServerAddress: invalid IP address syntax",
        ),
        (
            "networking:\n  kubeProxyMode: ipvs\n",
            "dev.yaml:4:18: networking.kubeProxyMode: unknown variant `ipvs`, expected one of iptables, nftables, none",
        ),
        (
            "kubernetes:\n  featureGates:\n    SomeGate: sometimes\n",
            "dev.yaml:5:15: kubernetes.featureGates.SomeGate: invalid boolean",
        ),
        (
            "kubernetes:\n  extraArgs:\n    apiServer:\n      v: [4]\n",
            "dev.yaml:6:10: kubernetes.extraArgs.apiServer.v: expected a string",
        ),
        (
            "nodes:\n  role: worker\n",
            "dev.yaml:4:3: nodes: expected a list (one `- ` item per entry)",
        ),
        (
            "nodes:\n- worker\n",
            "dev.yaml:4:3: nodes[0]: expected a mapping (`field: value` lines)",
        ),
        (
            "name: a\nname: b\n",
            "dev.yaml:4:1: duplicate mapping key `name` is not allowed here",
        ),
        (
            "---\napiVersion: devk.dev/v1alpha1\n",
            "dev.yaml:4:1: the config has more than one YAML document; devk reads one Cluster per file",
        ),
    ];
    for (body, expected) in cases {
        let err = load_devk(body).expect_err(body);
        assert!(matches!(err, ConfigError::Syntax { .. }), "{body}: {err:?}");
        assert_eq!(err.to_string(), *expected, "{body}");
        assert!(err.hint().is_some());
    }
}

#[test]
fn broken_yaml_has_location_but_no_field_path() {
    let err = load(
        &Source::Stdin,
        "apiVersion: devk.dev/v1alpha1\nkind: Cluster\nnodes:\n- {role: worker\n",
        None,
    )
    .unwrap_err();
    let ConfigError::Syntax {
        source_name,
        line,
        path,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source_name, "<stdin>");
    assert!(*line >= 4, "{err}");
    assert_eq!(path, &None);
    assert!(
        err.hint().unwrap().contains(&format!("around line {line}")),
        "{:?}",
        err.hint()
    );
}

#[test]
fn a_document_that_is_not_a_mapping_says_so() {
    let cases = [
        ("- apiVersion: devk.dev/v1alpha1\n", "1:1"),
        ("hello\n", "1:1"),
        ("# a comment\n\n[]\n", "3:1"),
    ];
    for (text, at) in cases {
        let err = load(&dev_yaml(), text, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "dev.yaml:{at}: the cluster config must be a YAML mapping (apiVersion: ..., kind: Cluster, ...)"
            )
        );
    }
}

/// Unknown fields at every level: the error carries the full path, the
/// field, and the names allowed there.
#[test]
fn unknown_fields_table() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "nodess: []\n",
            "nodess",
            "",
            &[
                "apiVersion",
                "kind",
                "name",
                "nodes",
                "networking",
                "kubernetes",
            ],
        ),
        (
            "nodes:\n- role: worker\n  extraMount: []\n",
            "nodes[0].extraMount",
            "nodes[0]",
            &[
                "role",
                "image",
                "labels",
                "extraPortMappings",
                "extraMounts",
            ],
        ),
        (
            "nodes:\n- extraPortMappings:\n  - containerPort: 80\n    hostIP: 127.0.0.1\n",
            "nodes[0].extraPortMappings[0].hostIP",
            "nodes[0].extraPortMappings[0]",
            &["containerPort", "hostPort", "listenAddress", "protocol"],
        ),
        (
            "nodes:\n- extraMounts:\n  - hostPath: /\n    containerPath: /data\n    selinuxRelabel: false\n",
            "nodes[0].extraMounts[0].selinuxRelabel",
            "nodes[0].extraMounts[0]",
            &["hostPath", "containerPath", "readOnly", "propagation"],
        ),
        (
            "networking:\n  podSubnets: 10.0.0.0/16\n",
            "networking.podSubnets",
            "networking",
            &[
                "apiServerAddress",
                "apiServerPort",
                "podSubnet",
                "serviceSubnet",
                "disableDefaultCNI",
                "kubeProxyMode",
            ],
        ),
        (
            "kubernetes:\n  extraArgs:\n    apiserver: {}\n",
            "kubernetes.extraArgs.apiserver",
            "kubernetes.extraArgs",
            &[
                "apiServer",
                "controllerManager",
                "scheduler",
                "kubelet",
                "kubeProxy",
                "etcd",
            ],
        ),
        (
            "kubernetes:\n  kubeadmConfigPatches: []\n",
            "kubernetes.kubeadmConfigPatches",
            "kubernetes",
            &["featureGates", "runtimeConfig", "extraArgs"],
        ),
    ];
    for (body, want_path, parent, allowed) in cases {
        let err = load_devk(body).expect_err(body);
        let ConfigError::UnknownField {
            source_name,
            path,
            field,
            expected,
            line,
            ..
        } = &err
        else {
            panic!("{body}: {err:?}")
        };
        assert_eq!(source_name, "dev.yaml");
        assert_eq!(path, want_path);
        assert_eq!(field, want_path.rsplit('.').next().unwrap());
        assert_eq!(expected, allowed, "{body}");
        assert!(*line > 2, "{err}");
        let text = err.to_string();
        let where_ = if parent.is_empty() {
            "top-level fields".to_string()
        } else {
            format!("fields of {parent}")
        };
        assert!(
            text.contains(&format!(
                "{want_path}: unknown field `{field}`; allowed {where_}: {}",
                allowed.join(", ")
            )),
            "{text}"
        );
    }
}

#[test]
fn unknown_field_hint_suggests_the_close_name() {
    let err = load_devk("networking:\n  podsubnet: 10.0.0.0/16\n").unwrap_err();
    assert!(
        err.hint().unwrap().contains("did you mean `podSubnet`?"),
        "{:?}",
        err.hint()
    );
}

#[test]
fn unsupported_versions_table() {
    let cases: &[(&str, &str, &str)] = &[
        ("", "", ""),
        ("# only a comment\n", "", ""),
        ("name: dev\n", "", ""),
        (
            "apiVersion: devk.dev/v1\nkind: Cluster\n",
            "devk.dev/v1",
            "Cluster",
        ),
        (
            "apiVersion: devk.dev/v1alpha1\nkind: Config\n",
            "devk.dev/v1alpha1",
            "Config",
        ),
        (
            "apiVersion: kind.x-k8s.io/v1alpha3\nkind: Cluster\n",
            "kind.x-k8s.io/v1alpha3",
            "Cluster",
        ),
        ("apiVersion: devk.dev/v1alpha1\n", "devk.dev/v1alpha1", ""),
    ];
    for (text, want_version, want_kind) in cases {
        let err = load(&dev_yaml(), text, None).expect_err(text);
        let ConfigError::Version {
            source_name,
            api_version,
            kind,
        } = &err
        else {
            panic!("{text:?}: {err:?}")
        };
        assert_eq!(
            (source_name.as_str(), api_version.as_str(), kind.as_str()),
            ("dev.yaml", *want_version, *want_kind)
        );
        let message = err.to_string();
        assert!(message.starts_with("dev.yaml: "), "{message}");
        assert!(
            message.contains("devk.dev/v1alpha1") && message.contains("kind.x-k8s.io/v1alpha4"),
            "{message}"
        );
    }
}

/// A file with only apiVersion and kind is the documented default cluster.
#[test]
fn header_only_file_gives_every_default() {
    let cluster = load(&dev_yaml(), HEADER, None).unwrap();
    assert_eq!(cluster, Cluster::default_named("devk"));
    assert_eq!(cluster.name, DEFAULT_CLUSTER_NAME);
    assert_eq!(cluster.nodes, vec![Node::new(Role::ControlPlane)]);
    let node = &cluster.nodes[0];
    assert_eq!(node.image, None);
    assert!(
        node.labels.is_empty()
            && node.extra_port_mappings.is_empty()
            && node.extra_mounts.is_empty()
    );
    let net = &cluster.networking;
    assert_eq!(
        net.api_server_address,
        "127.0.0.1".parse::<IpAddr>().unwrap()
    );
    assert_eq!(net.api_server_port, None);
    assert_eq!(net.pod_subnet.to_string(), "10.244.0.0/16");
    assert_eq!(net.service_subnet.to_string(), "10.96.0.0/16");
    assert!(!net.disable_default_cni);
    assert_eq!(net.kube_proxy_mode, KubeProxyMode::Iptables);
    assert_eq!(cluster.kubernetes, Kubernetes::default());
    // Null sections mean the same as absent ones.
    let nulls = load_devk("name: ~\nnodes: ~\nnetworking: ~\nkubernetes: ~\n").unwrap();
    assert_eq!(nulls, cluster);
}

#[test]
fn defaults_inside_nodes_mappings_and_mounts() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "nodes:\n- {{}}\n- role: worker\n  extraPortMappings:\n  - containerPort: 80\n  - containerPort: 53\n    hostPort: 0\n    protocol: udp\n  extraMounts:\n  - hostPath: {}\n    containerPath: /data/\n",
        dir.path().display()
    );
    let cluster = load_devk(&body).unwrap();
    assert_eq!(cluster.control_planes().count(), 1);
    assert_eq!(cluster.workers().count(), 1);
    let worker = &cluster.nodes[1];
    assert_eq!(
        worker.extra_port_mappings,
        vec![
            PortMapping {
                container_port: 80,
                host_port: None,
                listen_address: DEFAULT_LISTEN_ADDRESS,
                protocol: Protocol::Tcp
            },
            PortMapping {
                container_port: 53,
                host_port: None,
                listen_address: DEFAULT_LISTEN_ADDRESS,
                protocol: Protocol::Udp
            },
        ]
    );
    assert_eq!(
        worker.extra_mounts,
        vec![Mount {
            host_path: dir.path().to_path_buf(),
            container_path: PathBuf::from("/data"),
            read_only: false,
            propagation: Propagation::None,
        }]
    );
}

#[test]
fn full_devk_file_loads_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        r#"name: team-a
nodes:
- role: control-plane
  image: devk/node:v1.36.0
  labels:
    ingress-ready: "true"
    node-role.kubernetes.io/ingress: ""
  extraPortMappings:
  - containerPort: 443
    hostPort: 8443
    listenAddress: 127.0.0.1
    protocol: TCP
- role: worker
  extraMounts:
  - hostPath: {host}
    containerPath: /srv/data
    readOnly: true
    propagation: HostToContainer
networking:
  apiServerAddress: 0.0.0.0
  apiServerPort: 6443
  podSubnet: 10.200.0.0/16
  serviceSubnet: 10.100.0.0/16
  disableDefaultCNI: true
  kubeProxyMode: nftables
kubernetes:
  featureGates:
    InPlacePodVerticalScaling: true
  runtimeConfig:
    api/alpha: "false"
  extraArgs:
    apiServer:
      audit-log-path: /var/log/audit.log
    kubelet:
      max-pods: "150"
    etcd:
      quota-backend-bytes: "8589934592"
"#,
        host = dir.path().display()
    );
    let cluster = load_devk(&body).unwrap();
    let expected = Cluster {
        name: "team-a".into(),
        nodes: vec![
            Node {
                role: Role::ControlPlane,
                image: Some("devk/node:v1.36.0".into()),
                labels: BTreeMap::from([
                    ("ingress-ready".into(), "true".into()),
                    ("node-role.kubernetes.io/ingress".into(), String::new()),
                ]),
                extra_port_mappings: vec![PortMapping {
                    container_port: 443,
                    host_port: Some(8443),
                    listen_address: "127.0.0.1".parse().unwrap(),
                    protocol: Protocol::Tcp,
                }],
                extra_mounts: vec![],
            },
            Node {
                extra_mounts: vec![Mount {
                    host_path: dir.path().to_path_buf(),
                    container_path: "/srv/data".into(),
                    read_only: true,
                    propagation: Propagation::HostToContainer,
                }],
                ..Node::new(Role::Worker)
            },
        ],
        networking: Networking {
            api_server_address: "0.0.0.0".parse().unwrap(),
            api_server_port: Some(6443),
            pod_subnet: "10.200.0.0/16".parse().unwrap(),
            service_subnet: "10.100.0.0/16".parse().unwrap(),
            disable_default_cni: true,
            kube_proxy_mode: KubeProxyMode::Nftables,
        },
        kubernetes: Kubernetes {
            feature_gates: BTreeMap::from([("InPlacePodVerticalScaling".into(), true)]),
            runtime_config: BTreeMap::from([("api/alpha".into(), "false".into())]),
            extra_args: ExtraArgs {
                api_server: BTreeMap::from([(
                    "audit-log-path".into(),
                    "/var/log/audit.log".into(),
                )]),
                kubelet: BTreeMap::from([("max-pods".into(), "150".into())]),
                etcd: BTreeMap::from([("quota-backend-bytes".into(), "8589934592".into())]),
                ..ExtraArgs::default()
            },
        },
    };
    assert_eq!(cluster, expected);
}

#[test]
fn model_serializes_as_camel_case_json() {
    let mut cluster = Cluster::default_named("devk");
    cluster.nodes[0].extra_port_mappings.push(PortMapping {
        container_port: 80,
        host_port: Some(8080),
        listen_address: DEFAULT_LISTEN_ADDRESS,
        protocol: Protocol::Tcp,
    });
    let json = serde_json::to_value(&cluster).unwrap();
    assert_eq!(json["nodes"][0]["role"], "control-plane");
    assert_eq!(json["nodes"][0]["extraPortMappings"][0]["hostPort"], 8080);
    assert_eq!(json["nodes"][0]["extraPortMappings"][0]["protocol"], "TCP");
    assert_eq!(json["networking"]["podSubnet"], "10.244.0.0/16");
    assert_eq!(json["networking"]["disableDefaultCNI"], false);
    assert_eq!(json["networking"]["kubeProxyMode"], "iptables");
    assert_eq!(
        json["kubernetes"]["extraArgs"]["controllerManager"],
        serde_json::json!({})
    );
}

#[test]
fn kind_file_with_one_control_plane_and_two_workers_translates() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"{KIND_HEADER}name: shop
featureGates:
  SidecarContainers: true
runtimeConfig:
  api/all: "true"
networking:
  ipFamily: ipv4
  apiServerPort: -1
  podSubnet: 10.240.0.0/16
  kubeProxyMode: iptables
nodes:
- role: control-plane
  labels:
    ingress-ready: "true"
  extraPortMappings:
  - containerPort: 80
    hostPort: 80
    protocol: TCP
  - containerPort: 443
    hostPort: -1
- role: worker
  extraMounts:
  - hostPath: {host}
    containerPath: /files
    readOnly: true
    selinuxRelabel: false
    propagation: None
- role: worker
  image: kindest/node:v1.33.1
"#,
        host = dir.path().display()
    );
    let cluster = load(&dev_yaml(), &text, None).unwrap();
    assert_eq!(cluster.name, "shop");
    assert_eq!(cluster.control_planes().count(), 1);
    assert_eq!(cluster.workers().count(), 2);
    assert_eq!(
        cluster.nodes[0].extra_port_mappings,
        vec![
            PortMapping {
                container_port: 80,
                host_port: Some(80),
                listen_address: DEFAULT_LISTEN_ADDRESS,
                protocol: Protocol::Tcp
            },
            // kind's -1: the engine picks.
            PortMapping {
                container_port: 443,
                host_port: None,
                listen_address: DEFAULT_LISTEN_ADDRESS,
                protocol: Protocol::Tcp
            },
        ]
    );
    assert_eq!(
        cluster.nodes[0]
            .labels
            .get("ingress-ready")
            .map(String::as_str),
        Some("true")
    );
    assert_eq!(
        cluster.nodes[1].extra_mounts,
        vec![Mount {
            host_path: dir.path().to_path_buf(),
            container_path: "/files".into(),
            read_only: true,
            propagation: Propagation::None
        }]
    );
    assert_eq!(
        cluster.nodes[2].image.as_deref(),
        Some("kindest/node:v1.33.1")
    );
    assert_eq!(cluster.networking.api_server_port, None);
    assert_eq!(cluster.networking.pod_subnet.to_string(), "10.240.0.0/16");
    assert_eq!(cluster.networking.service_subnet, DEFAULT_SERVICE_SUBNET);
    assert_eq!(
        cluster.kubernetes.feature_gates,
        BTreeMap::from([("SidecarContainers".into(), true)])
    );
    assert_eq!(
        cluster.kubernetes.runtime_config,
        BTreeMap::from([("api/all".into(), "true".into())])
    );
}

#[test]
fn kind_header_only_and_empty_nodes_default_like_kind() {
    let cluster = load(&dev_yaml(), &format!("{KIND_HEADER}nodes: []\n"), None).unwrap();
    assert_eq!(cluster, Cluster::default_named("devk"));
}

#[test]
fn kind_fields_devk_cannot_honour_are_rejected_by_name() {
    let text = format!(
        r#"{KIND_HEADER}kubeadmConfigPatches:
- |
  kind: InitConfiguration
containerdConfigPatches:
- |-
  [plugins."io.containerd.grpc.v1.cri".registry]
nodes:
- role: control-plane
  kubeadmConfigPatches: ["x"]
  extraMounts:
  - hostPath: /
    containerPath: /host
    selinuxRelabel: true
- role: worker
  gpus: all
networking:
  ipFamily: dual
  kubeProxyMode: ipvs
  dnsSearch: []
"#
    );
    let err = load(&dev_yaml(), &text, None).unwrap_err();
    let ConfigError::Unsupported {
        source_name,
        problems,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source_name, "dev.yaml");
    assert_eq!(
        paths(problems),
        [
            "kubeadmConfigPatches",
            "containerdConfigPatches",
            "nodes[0].kubeadmConfigPatches",
            "nodes[0].extraMounts[0].selinuxRelabel",
            "nodes[1].gpus",
            "networking.ipFamily",
            "networking.dnsSearch",
            "networking.kubeProxyMode",
        ]
    );
    assert!(
        problems[0]
            .message
            .contains("devk does not use kubeadm; use kubernetes.extraArgs"),
        "{}",
        problems[0].message
    );
    assert!(
        problems[1].message.contains("containerd"),
        "{}",
        problems[1].message
    );
    assert!(err.hint().is_some());

    // Alone, one rejected field is one line naming file, field and what to do.
    let one = load(
        &dev_yaml(),
        &format!("{KIND_HEADER}kubeadmConfigPatches: []\n"),
        None,
    )
    .unwrap_err();
    assert_eq!(
        one.to_string(),
        "dev.yaml: kubeadmConfigPatches: devk does not use kubeadm; use kubernetes.extraArgs in a devk.dev/v1alpha1 config instead"
    );
    let json6902 = load(
        &dev_yaml(),
        &format!("{KIND_HEADER}containerdConfigPatchesJSON6902: []\n"),
        None,
    )
    .unwrap_err();
    assert_eq!(
        paths(json6902.problems()),
        ["containerdConfigPatchesJSON6902"]
    );
}

#[test]
fn kind_file_unknown_field_and_problem_paths_use_kind_names() {
    let err = load(
        &dev_yaml(),
        &format!("{KIND_HEADER}kubernetes: {{}}\n"),
        None,
    )
    .unwrap_err();
    let ConfigError::UnknownField { path, expected, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, "kubernetes");
    assert!(
        expected.contains(&"featureGates") && expected.contains(&"kubeadmConfigPatches"),
        "{expected:?}"
    );

    let err = load(
        &dev_yaml(),
        &format!("{KIND_HEADER}featureGates:\n  bad-gate: true\n"),
        None,
    )
    .unwrap_err();
    assert_eq!(paths(err.problems()), ["featureGates.bad-gate"]);
}

/// Relative hostPaths resolve against the config file's directory, not the
/// current directory.
#[test]
fn relative_host_paths_resolve_against_the_files_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    let config = dir.path().join("conf").join("dev.yaml");
    std::fs::write(
        &config,
        format!(
            "{HEADER}nodes:\n- extraMounts:\n  - hostPath: ../data\n    containerPath: /data\n  - hostPath: ./\n    containerPath: /conf\n"
        ),
    )
    .unwrap();
    let cluster = load_file(&config, None).unwrap();
    let mounts = &cluster.nodes[0].extra_mounts;
    assert_eq!(mounts[0].host_path, dir.path().join("data"));
    assert_eq!(mounts[1].host_path, dir.path().join("conf"));
    assert!(mounts.iter().all(|m| m.host_path.is_absolute()));

    // A missing relative path is reported with the absolute path it resolved to.
    std::fs::write(
        &config,
        format!("{HEADER}nodes:\n- extraMounts:\n  - hostPath: nope\n    containerPath: /data\n"),
    )
    .unwrap();
    let err = load_file(&config, None).unwrap_err();
    let problems = err.problems();
    assert_eq!(paths(problems), ["nodes[0].extraMounts[0].hostPath"]);
    let resolved = dir.path().join("conf").join("nope");
    assert!(
        problems[0]
            .message
            .contains(&format!("{} does not exist", resolved.display())),
        "{}",
        problems[0].message
    );
    assert!(
        err.to_string()
            .starts_with(&format!("{}: 1 problem(s)", config.display())),
        "{err}"
    );
}

#[test]
fn stdin_host_paths_resolve_against_the_current_directory() {
    let text = format!(
        "{HEADER}nodes:\n- extraMounts:\n  - hostPath: src/config\n    containerPath: /src\n"
    );
    let cluster = load(&Source::Stdin, &text, None).unwrap();
    let expected = std::env::current_dir().unwrap().join("src/config");
    assert_eq!(cluster.nodes[0].extra_mounts[0].host_path, expected);
}

#[test]
fn tilde_and_empty_host_paths_are_problems() {
    let problems = problems_of(load_devk(
        "nodes:\n- extraMounts:\n  - {hostPath: ~/src, containerPath: /src}\n  - {hostPath: '', containerPath: /x}\n",
    ));
    assert_eq!(
        paths(&problems),
        [
            "nodes[0].extraMounts[0].hostPath",
            "nodes[0].extraMounts[1].hostPath"
        ]
    );
    assert!(
        problems[0].message.contains("does not expand `~`"),
        "{problems:?}"
    );
    assert!(
        problems[1].message.contains("must not be empty"),
        "{problems:?}"
    );
}

#[test]
fn source_base_dir() {
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(Source::File("dev.yaml".into()).base_dir().unwrap(), cwd);
    assert_eq!(
        Source::File("conf/./dev.yaml".into()).base_dir().unwrap(),
        cwd.join("conf")
    );
    assert_eq!(
        Source::File("/etc/devk/dev.yaml".into())
            .base_dir()
            .unwrap(),
        Path::new("/etc/devk")
    );
    assert_eq!(Source::Stdin.base_dir().unwrap(), cwd);
    assert_eq!(Source::Stdin.to_string(), "<stdin>");
}

#[test]
fn name_override_table() {
    // (name in file, override, expected name or the start of the problem)
    type Case = (
        Option<&'static str>,
        Option<&'static str>,
        Result<&'static str, &'static str>,
    );
    let cases: &[Case] = &[
        (None, None, Ok("devk")),
        (Some("from-file"), None, Ok("from-file")),
        (Some("from-file"), Some("from-cli"), Ok("from-cli")),
        (Some("Not_Valid"), Some("from-cli"), Ok("from-cli")),
        (
            None,
            Some("Bad"),
            Err("\"Bad\" (from --name or DEVK_CLUSTER_NAME): the cluster name must start"),
        ),
        (
            Some("Bad"),
            None,
            Err("\"Bad\": the cluster name must start"),
        ),
    ];
    for (in_file, name_override, expected) in cases {
        let body = in_file
            .map(|name| format!("name: {name}\n"))
            .unwrap_or_default();
        let result = load(&dev_yaml(), &format!("{HEADER}{body}"), *name_override);
        match expected {
            Ok(name) => assert_eq!(result.unwrap().name, *name),
            Err(start) => {
                let problems = problems_of(result);
                assert_eq!(paths(&problems), ["name"], "{problems:?}");
                assert!(
                    problems[0].message.starts_with(start),
                    "{}",
                    problems[0].message
                );
            }
        }
    }
}

#[test]
fn read_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yaml");
    let err = load_file(&missing, None).unwrap_err();
    assert!(matches!(&err, ConfigError::Read { path, .. } if path == &missing));
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
    assert!(err.hint().unwrap().contains("--config"));
}

/// One rule per row, through the whole loader: the problem's path, and a
/// piece of its message.
#[test]
fn validation_rules_table() {
    let dir = tempfile::tempdir().unwrap();
    let host = dir.path().display().to_string();
    let cases: Vec<(String, &str, &str)> = vec![
        ("name: My_Cluster\n".into(), "name", "must start with a lowercase letter"),
        (format!("name: {}\n", "a".repeat(41)), "name", "at most 40"),
        ("nodes:\n- role: worker\n".into(), "nodes", "at least one node with role: control-plane"),
        ("nodes: []\n".into(), "nodes", "at least one node"),
        (format!("nodes:\n{}", "- role: control-plane\n".repeat(10)), "nodes", "at most 9"),
        (
            format!("nodes:\n- role: control-plane\n{}networking:\n  podSubnet: 10.0.0.0/16\n", "- role: worker\n".repeat(100)),
            "nodes",
            "at most 99",
        ),
        ("nodes:\n- image: ''\n".into(), "nodes[0].image", "must not be empty"),
        ("nodes:\n- extraPortMappings:\n  - containerPort: 0\n".into(), "nodes[0].extraPortMappings[0].containerPort", "0 is not a port"),
        ("nodes:\n- extraPortMappings:\n  - containerPort: 65536\n".into(), "nodes[0].extraPortMappings[0].containerPort", "use 1 to 65535"),
        (
            "nodes:\n- extraPortMappings:\n  - {containerPort: 80, hostPort: -5}\n".into(),
            "nodes[0].extraPortMappings[0].hostPort",
            "-5 is not a port",
        ),
        (
            "nodes:\n- extraPortMappings:\n  - {containerPort: 80, hostPort: 8080}\n- role: worker\n  extraPortMappings:\n  - {containerPort: 81, hostPort: 8080, listenAddress: 127.0.0.1}\n".into(),
            "nodes[1].extraPortMappings[0].hostPort",
            "already published by nodes[0].extraPortMappings[0]",
        ),
        (
            "nodes:\n- extraPortMappings:\n  - {containerPort: 6443, hostPort: 7000}\nnetworking:\n  apiServerPort: 7000\n".into(),
            "networking.apiServerPort",
            "also published by nodes[0].extraPortMappings[0]",
        ),
        ("networking:\n  apiServerPort: 70000\n".into(), "networking.apiServerPort", "70000 is not a port"),
        ("networking:\n  podSubnet: 10.244.1.0/16\n".into(), "networking.podSubnet", "use the network address 10.244.0.0/16"),
        ("networking:\n  podSubnet: fd00:10:244::/56\n".into(), "networking.podSubnet", "IPv6, which devk does not support yet"),
        ("networking:\n  serviceSubnet: fd00:10:96::/112\n".into(), "networking.serviceSubnet", "IPv6"),
        ("networking:\n  podSubnet: 10.244.0.0/24\n".into(), "networking.podSubnet", "must be /8 to /22"),
        (
            format!("nodes:\n- role: control-plane\n{}networking:\n  podSubnet: 10.244.0.0/22\n", "- role: worker\n".repeat(4)),
            "networking.podSubnet",
            "holds 4 node subnets",
        ),
        ("networking:\n  serviceSubnet: 10.96.0.0/30\n".into(), "networking.serviceSubnet", "must be /12 to /28"),
        ("networking:\n  podSubnet: 10.0.0.0/8\n".into(), "networking.serviceSubnet", "overlaps podSubnet 10.0.0.0/8"),
        ("nodes:\n- labels:\n    kubernetes.io/arch: arm64\n".into(), "nodes[0].labels.kubernetes.io/arch", "reserved for Kubernetes"),
        ("nodes:\n- labels:\n    tier: -front\n".into(), "nodes[0].labels.tier", "label value"),
        ("nodes:\n- labels:\n    Bad.Prefix/x: y\n".into(), "nodes[0].labels.Bad.Prefix/x", "DNS subdomain"),
        (
            format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: data}}\n"),
            "nodes[0].extraMounts[0].containerPath",
            "must be an absolute path",
        ),
        (format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: /var}}\n"), "nodes[0].extraMounts[0].containerPath", "would hide"),
        (format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: /}}\n"), "nodes[0].extraMounts[0].containerPath", "would hide"),
        (format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: /tmp/x}}\n"), "nodes[0].extraMounts[0].containerPath", "tmpfs"),
        (format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: /run}}\n"), "nodes[0].extraMounts[0].containerPath", "tmpfs"),
        (format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: /sys/x}}\n"), "nodes[0].extraMounts[0].containerPath", "under /sys"),
        (format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: /proc}}\n"), "nodes[0].extraMounts[0].containerPath", "under /proc"),
        (format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: /dev/x}}\n"), "nodes[0].extraMounts[0].containerPath", "under /dev"),
        (
            format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}', containerPath: /d}}\n  - {{hostPath: '{host}', containerPath: /d/}}\n"),
            "nodes[0].extraMounts[1].containerPath",
            "already the containerPath of nodes[0].extraMounts[0]",
        ),
        (
            format!("nodes:\n- extraMounts:\n  - {{hostPath: '{host}/missing', containerPath: /d}}\n"),
            "nodes[0].extraMounts[0].hostPath",
            "missing does not exist on the host",
        ),
        ("kubernetes:\n  featureGates:\n    in-place: true\n".into(), "kubernetes.featureGates.in-place", "CamelCase"),
        ("kubernetes:\n  runtimeConfig:\n    'a=b': 'true'\n".into(), "kubernetes.runtimeConfig.a=b", "without ',', '='"),
        ("kubernetes:\n  extraArgs:\n    apiServer:\n      --v: '4'\n".into(), "kubernetes.extraArgs.apiServer.--v", "without the leading dashes"),
        (
            "kubernetes:\n  extraArgs:\n    apiServer:\n      tls-cert-file: /x\n".into(),
            "kubernetes.extraArgs.apiServer.tls-cert-file",
            "devk sets --tls-cert-file on kube-apiserver itself",
        ),
        (
            "kubernetes:\n  extraArgs:\n    kubelet:\n      config: /x\n".into(),
            "kubernetes.extraArgs.kubelet.config",
            "devk sets --config on kubelet itself",
        ),
        (
            "kubernetes:\n  extraArgs:\n    etcd:\n      initial-cluster: x\n".into(),
            "kubernetes.extraArgs.etcd.initial-cluster",
            "devk sets --initial-cluster on etcd itself",
        ),
    ];
    for (body, want_path, needle) in &cases {
        let problems = problems_of(load_devk(body));
        assert_eq!(paths(&problems), [*want_path], "{body}: {problems:?}");
        assert!(
            problems[0].message.contains(needle),
            "{body}: {}",
            problems[0].message
        );
    }
}

/// Every problem at once, in file order, each line naming its field.
#[test]
fn multiple_problems_are_reported_together() {
    let body = "\
name: Dev
nodes:
- role: worker
  labels:
    k8s.io/x: y
  extraPortMappings:
  - {containerPort: 80, hostPort: 8080}
  - {containerPort: 81, hostPort: 8080}
networking:
  podSubnet: 10.244.0.1/16
  serviceSubnet: 10.0.0.0/8
kubernetes:
  extraArgs:
    scheduler:
      --v: '2'
";
    let err = load_devk(body).unwrap_err();
    let problems = err.problems();
    assert_eq!(
        paths(problems),
        [
            "name",
            "nodes",
            "nodes[0].labels.k8s.io/x",
            "nodes[0].extraPortMappings[1].hostPort",
            "networking.podSubnet",
            "networking.serviceSubnet",
            "kubernetes.extraArgs.scheduler.--v",
        ]
    );
    let text = err.to_string();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("dev.yaml: 7 problem(s) in the cluster config")
    );
    for (line, problem) in lines.zip(problems) {
        assert_eq!(line, format!("  {}: {}", problem.path, problem.message));
    }
    // The unparsable podSubnet is not compared with serviceSubnet; only the
    // service subnet's own size is reported.
    assert!(
        problems[5].message.contains("must be /12 to /28"),
        "{}",
        problems[5].message
    );
}

const DOCS: &str = include_str!("../../docs/config.md");

/// The fenced blocks of `lang` in docs/config.md.
fn doc_blocks(lang: &str) -> Vec<String> {
    let fence = format!("```{lang}\n");
    DOCS.split(&fence)
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default().to_string())
        .collect()
}

/// Every YAML example in docs/config.md loads, with its relative hostPaths
/// resolved next to the file.
#[test]
fn docs_examples_load() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["src", "data"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    let examples = doc_blocks("yaml");
    assert!(examples.len() >= 3, "{}", examples.len());
    for example in &examples {
        let path = dir.path().join("dev.yaml");
        std::fs::write(&path, example).unwrap();
        let cluster = load_file(&path, None).unwrap_or_else(|err| panic!("{err}\n{example}"));
        for mount in cluster.nodes.iter().flat_map(|n| &n.extra_mounts) {
            assert!(mount.host_path.starts_with(dir.path()), "{mount:?}");
        }
    }
}

/// The error messages shown in docs/config.md are the ones devk prints.
#[test]
fn docs_error_examples_are_real() {
    let type_error =
        load_devk("nodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: http\n")
            .unwrap_err();
    let invalid = load_devk(
        "nodes:\n- extraPortMappings:\n  - {containerPort: 80, hostPort: 8080}\n- role: worker\n  extraPortMappings:\n  - {containerPort: 80, hostPort: 8080, listenAddress: 127.0.0.1}\nnetworking:\n  podSubnet: 10.244.1.0/16\n",
    )
    .unwrap_err();
    let kind = load(
        &dev_yaml(),
        &format!("{KIND_HEADER}kubeadmConfigPatches: []\n"),
        None,
    )
    .unwrap_err();
    let texts = doc_blocks("text");
    for err in [type_error, invalid, kind] {
        let shown = format!("{err}\n");
        assert!(
            texts.contains(&shown),
            "docs/config.md does not show:\n{shown}"
        );
    }
}

/// The owned-flags table in docs/config.md lists exactly what is enforced.
#[test]
fn docs_list_every_owned_flag() {
    for component in Component::ALL {
        let row = DOCS
            .lines()
            .find(|line| line.starts_with(&format!("| {} | `", component.field_name())))
            .unwrap_or_else(|| panic!("no owned-flags row for {}", component.field_name()));
        let listed = row.matches('`').count() / 2;
        let flags = owned_flags(component);
        for flag in flags {
            let shown = match flag.instead {
                Some(field) => format!("`{}` (use `{field}`)", flag.name),
                None => format!("`{}`", flag.name),
            };
            assert!(row.contains(&shown), "{shown} missing from: {row}");
        }
        let fields_mentioned = flags.iter().filter(|f| f.instead.is_some()).count();
        assert_eq!(listed, flags.len() + fields_mentioned, "{row}");
    }
}
