use super::*;
use crate::cluster::plan::{PlanInputs, plan};
use crate::config::{Cluster, Node};

fn cluster_plan(roles: &[Role]) -> ClusterPlan {
    let mut c = Cluster::default_named("dev");
    c.nodes = roles.iter().map(|r| Node::new(*r)).collect();
    plan(
        &c,
        &PlanInputs {
            subnets_in_use: vec![],
            free_api_port: 40000,
            default_image: "devk/node:v1.36.2".into(),
        },
    )
    .unwrap()
}

fn files_for(plan: &ClusterPlan, host: HostFacts) -> BTreeMap<String, Vec<FileEntry>> {
    let pki = ClusterPki::generate(&pki_inputs(plan)).unwrap();
    let version = KubeVersion::parse("v1.36.2").unwrap();
    cluster_files(plan, &pki, &host, &version).unwrap()
}

fn file<'a>(files: &'a [FileEntry], path: &str) -> Option<&'a str> {
    files
        .iter()
        .find(|f| f.path == path)
        .map(|f| std::str::from_utf8(&f.contents).unwrap())
}

const V1_RESTRICTED: HostFacts = HostFacts {
    cgroup_v1: true,
    restricted: true,
};
const V2_FREE: HostFacts = HostFacts {
    cgroup_v1: false,
    restricted: false,
};

#[test]
fn control_planes_run_every_component_and_workers_only_node_agents() {
    let plan = cluster_plan(&[Role::ControlPlane, Role::Worker]);
    let files = files_for(&plan, V2_FREE);
    let cp = &files["dev-control-plane"];
    let worker = &files["dev-worker"];
    for unit in [
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "coredns",
        "kubelet",
        "kube-proxy",
    ] {
        assert!(
            file(cp, &env_path(unit)).is_some(),
            "control plane lacks {unit}"
        );
    }
    for unit in [
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "coredns",
    ] {
        assert!(
            file(worker, &env_path(unit)).is_none(),
            "worker runs {unit}"
        );
    }
    assert!(file(worker, &env_path("kubelet")).is_some());
    assert!(file(worker, crate::pki::paths::CA_KEY).is_none());
}

#[test]
fn kubelet_accepts_cgroup_v1_only_where_the_host_has_it() {
    let plan = cluster_plan(&[Role::ControlPlane]);
    let v1 = files_for(&plan, V1_RESTRICTED);
    let v2 = files_for(&plan, V2_FREE);
    let cfg = |files: &BTreeMap<String, Vec<FileEntry>>| -> serde_json::Value {
        serde_json::from_str(file(&files["dev-control-plane"], KUBELET_CONFIG).unwrap()).unwrap()
    };
    assert_eq!(cfg(&v1)["failCgroupV1"], false);
    assert_eq!(cfg(&v1)["oomScoreAdj"], 0);
    assert!(cfg(&v2).get("failCgroupV1").is_none());
    assert!(cfg(&v2).get("oomScoreAdj").is_none());
    assert_eq!(cfg(&v2)["cgroupDriver"], "systemd");
    assert_eq!(cfg(&v2)["clusterDNS"][0], "10.96.0.10");
}

#[test]
fn the_control_plane_is_tainted_only_when_there_are_workers() {
    let alone = files_for(&cluster_plan(&[Role::ControlPlane]), V2_FREE);
    let with_workers = files_for(&cluster_plan(&[Role::ControlPlane, Role::Worker]), V2_FREE);
    let cfg = |files: &BTreeMap<String, Vec<FileEntry>>| -> serde_json::Value {
        serde_json::from_str(file(&files["dev-control-plane"], KUBELET_CONFIG).unwrap()).unwrap()
    };
    assert!(cfg(&alone).get("registerWithTaints").is_none());
    assert_eq!(
        cfg(&with_workers)["registerWithTaints"][0]["key"],
        CONTROL_PLANE_TAINT_KEY
    );
}

#[test]
fn etcd_members_list_every_control_plane() {
    let plan = cluster_plan(&[Role::ControlPlane, Role::ControlPlane, Role::ControlPlane]);
    let files = files_for(&plan, V2_FREE);
    let env = file(&files["dev-control-plane2"], &env_path("etcd")).unwrap();
    for cp in plan.control_planes() {
        assert!(
            env.contains(&format!("{}=https://{}:2380", cp.name, cp.ip)),
            "{env}"
        );
    }
    let apiserver = file(&files["dev-control-plane2"], &env_path("kube-apiserver")).unwrap();
    assert!(apiserver.contains(&format!("--advertise-address={}", plan.nodes[1].ip)));
    // Several control planes elect leaders.
    let kcm = file(
        &files["dev-control-plane"],
        &env_path("kube-controller-manager"),
    )
    .unwrap();
    assert!(kcm.contains("--leader-elect=true"));
}

#[test]
fn a_single_control_plane_does_not_wait_for_its_own_lease() {
    let files = files_for(&cluster_plan(&[Role::ControlPlane]), V2_FREE);
    let kcm = file(
        &files["dev-control-plane"],
        &env_path("kube-controller-manager"),
    )
    .unwrap();
    assert!(kcm.contains("--leader-elect=false"));
    // Controllers with their own credentials must not queue behind the
    // default client rate limit at start-up.
    assert!(kcm.contains("--kube-api-qps=200"));
    assert!(kcm.contains("--kube-api-burst=400"));
    let sched = file(&files["dev-control-plane"], &env_path("kube-scheduler")).unwrap();
    assert!(sched.contains("--leader-elect=false"));
}

#[test]
fn routes_point_at_the_other_nodes() {
    let plan = cluster_plan(&[Role::ControlPlane, Role::Worker, Role::Worker]);
    let files = files_for(&plan, V2_FREE);
    let routes = file(&files["dev-worker"], crate::network::ROUTES_PATH).unwrap();
    assert_eq!(routes.lines().count(), 2);
    assert!(routes.contains(&format!(
        "{} via {}",
        plan.nodes[0].pod_cidr, plan.nodes[0].ip
    )));
    assert!(!routes.contains(&plan.nodes[1].pod_cidr.to_string()));
}

#[test]
fn disabling_the_default_cni_writes_no_conflist_and_no_routes() {
    let mut plan = cluster_plan(&[Role::ControlPlane, Role::Worker]);
    plan.disable_default_cni = true;
    let files = files_for(&plan, V2_FREE);
    assert!(file(&files["dev-worker"], crate::network::CNI_CONFLIST_PATH).is_none());
    assert_eq!(
        file(&files["dev-worker"], crate::network::ROUTES_PATH),
        Some("")
    );
}

#[test]
fn kube_proxy_mode_none_runs_no_kube_proxy() {
    let mut plan = cluster_plan(&[Role::ControlPlane]);
    plan.kube_proxy_mode = crate::config::KubeProxyMode::None;
    let files = files_for(&plan, V2_FREE);
    assert!(file(&files["dev-control-plane"], &env_path("kube-proxy")).is_none());
    let mut plan = cluster_plan(&[Role::ControlPlane]);
    plan.kube_proxy_mode = crate::config::KubeProxyMode::Nftables;
    let files = files_for(&plan, V2_FREE);
    let cfg: serde_json::Value =
        serde_json::from_str(file(&files["dev-control-plane"], KUBE_PROXY_CONFIG).unwrap())
            .unwrap();
    assert_eq!(cfg["mode"], "nftables");
}

#[test]
fn extra_args_and_feature_gates_reach_the_flags() {
    let mut plan = cluster_plan(&[Role::ControlPlane]);
    plan.kubernetes
        .extra_args
        .api_server
        .insert("audit-log-maxage".into(), "3".into());
    plan.kubernetes
        .feature_gates
        .insert("SomeGate".into(), true);
    let files = files_for(&plan, V2_FREE);
    let env = file(&files["dev-control-plane"], &env_path("kube-apiserver")).unwrap();
    assert!(env.contains("--audit-log-maxage=3"));
    assert!(env.contains("--feature-gates=SomeGate=true"));
}

#[test]
fn every_key_file_is_private() {
    let files = files_for(&cluster_plan(&[Role::ControlPlane, Role::Worker]), V2_FREE);
    for node_files in files.values() {
        for f in node_files {
            let body = String::from_utf8_lossy(&f.contents);
            if body.contains("PRIVATE KEY") || body.contains("client-key-data") {
                assert_eq!(f.mode, 0o600, "{}", f.path);
            }
        }
    }
}

#[test]
fn api_server_certificates_name_the_balancer_in_ha() {
    let plan = cluster_plan(&[Role::ControlPlane, Role::ControlPlane]);
    let inputs = pki_inputs(&plan);
    let b = plan.balancer.as_ref().unwrap();
    assert!(inputs.extra_api_sans.contains(&b.ip.to_string()));
    assert!(inputs.extra_api_sans.contains(&b.name));
}
