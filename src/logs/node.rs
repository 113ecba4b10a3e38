//! What is collected from one node container: journals, pod logs, network
//! and runtime state, devk's own files and the engine's view of it. Only
//! named, non-secret paths are read: never /etc/kubernetes/pki, the
//! kubeconfigs next to it, or /var/lib/kubelet (projected tokens).

use std::io::ErrorKind;

use futures::StreamExt;

use super::output::Output;
use crate::bootstrap::{
    CNI_CONF_DIR, CONTAINERD_CONFIG, COREFILE, KUBE_PROXY_CONFIG, KUBELET_CONFIG, NODE_METADATA,
};
use crate::cluster::{ExistingCluster, NodeInfo, existing};
use crate::engine::{Engine, EngineError};

/// Commands run in a node, by the file their output goes to.
pub const COMMANDS: &[(&str, &[&str])] = &[
    ("network/ip-addr.txt", &["ip", "addr"]),
    ("network/ip-route.txt", &["ip", "route"]),
    ("network/iptables-save.txt", &["iptables-save"]),
    ("network/nft-ruleset.txt", &["nft", "list", "ruleset"]),
    (
        "containerd/containers.txt",
        &["ctr", "--namespace", "k8s.io", "containers", "ls"],
    ),
    (
        "containerd/images.txt",
        &["ctr", "--namespace", "k8s.io", "images", "ls"],
    ),
    (
        "containerd/tasks.txt",
        &["ctr", "--namespace", "k8s.io", "tasks", "ls"],
    ),
    (
        "systemd/units.txt",
        &["systemctl", "list-units", "--all", "--no-pager"],
    ),
    ("disk.txt", &["df", "-h"]),
    (
        "var-log-containers.txt",
        &["ls", "-l", "/var/log/containers"],
    ),
    (
        "journal/all.log",
        &["journalctl", "--no-pager", "-o", "short-precise"],
    ),
];

/// Units worth a journal of their own when node.json cannot say which the
/// node runs; devk's helper units are added to node.json's list.
pub const DEFAULT_UNITS: &[&str] = &[
    "containerd",
    "kubelet",
    "kube-proxy",
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "coredns",
];
pub const DEVK_UNITS: &[&str] = &[
    "devk-network",
    "devk-images",
    "devk-hostpath",
    "devk-pod-cleanup",
];

/// Single files copied as they are, by the name they get.
pub const FILES: &[(&str, &str)] = &[
    ("config/kubelet-config.yaml", KUBELET_CONFIG),
    ("config/kube-proxy-config.yaml", KUBE_PROXY_CONFIG),
    ("config/Corefile", COREFILE),
    ("config/containerd-config.toml", CONTAINERD_CONFIG),
];

/// Directories copied (regular files only), by the name they get.
pub const DIRECTORIES: &[(&str, &str)] = &[
    ("devk", "/etc/devk"),
    ("config/cni", CNI_CONF_DIR),
    ("pods", "/var/log/pods"),
];

/// Lines of the container's own output (systemd's console) kept.
const CONSOLE_LINES: usize = 5000;
/// Commands per node at once: enough to overlap exec round trips, few
/// enough for two cores.
const PARALLEL_COMMANDS: usize = 4;

/// The units to read journals of, from node.json's list when it is there.
pub fn journal_units(listed: Option<&[String]>) -> Vec<String> {
    let mut units: Vec<String> = match listed {
        Some(units) if !units.is_empty() => units.to_vec(),
        _ => DEFAULT_UNITS.iter().map(|s| s.to_string()).collect(),
    };
    for u in DEVK_UNITS {
        if !units.iter().any(|x| x == u) {
            units.push(u.to_string());
        }
    }
    units
}

/// Env values of the node container are configuration devk set
/// (`container=docker`); anything else is blanked, in case.
pub fn scrub_inspect(mut inspect: serde_json::Value) -> serde_json::Value {
    const KEEP: &[&str] = &["container", "PATH"];
    if let Some(env) = inspect
        .pointer_mut("/Config/Env")
        .and_then(|e| e.as_array_mut())
    {
        for item in env.iter_mut() {
            if let Some((key, _)) = item.as_str().and_then(|s| s.split_once('='))
                && !KEEP.contains(&key)
            {
                *item = serde_json::Value::String(format!("{key}=[redacted by devk]"));
            }
        }
    }
    inspect
}

/// Collect everything about one node (or the balancer) under `<name>/`.
pub async fn collect(engine: &Engine, out: &Output, node: &NodeInfo) {
    let dir = node.name.as_str();
    let running = ExistingCluster::is_running(node);

    match engine.inspect_container_json(&node.name).await {
        Ok(inspect) => {
            let text = serde_json::to_string_pretty(&scrub_inspect(inspect)).unwrap_or_default();
            out.write_text(&format!("{dir}/inspect.json"), text).await;
        }
        Err(e) => out.problem(format!("{dir}: inspect"), e.to_string()),
    }
    match engine.container_logs(&node.name, CONSOLE_LINES).await {
        Ok(logs) => out.write_text(&format!("{dir}/console.log"), logs).await,
        Err(e) => out.problem(format!("{dir}: console output"), e.to_string()),
    }

    if node.role == existing::ROLE_BALANCER {
        // Its haproxy.cfg is in /etc/devk.
        unpack_dir(engine, out, node, "devk", "/etc/devk").await;
        return;
    }

    // Files can be read from stopped nodes too.
    let metadata = match engine.read_file(&node.name, NODE_METADATA).await {
        Ok(bytes) => serde_json::from_slice::<crate::cluster::NodeMetadata>(&bytes).ok(),
        Err(_) => None,
    };
    for (name, path) in FILES {
        copy_file(engine, out, node, name, path).await;
    }
    for (name, path) in DIRECTORIES {
        unpack_dir(engine, out, node, name, path).await;
    }

    if !running {
        out.problem(
            dir,
            format!(
                "the node is {}: no journals, network or runtime state (start it with `devk start`)",
                node.state
            ),
        );
        return;
    }
    let units = journal_units(metadata.as_ref().map(|m| m.units.as_slice()));
    let journals: Vec<(String, Vec<String>)> = units
        .iter()
        .map(|u| {
            (
                format!("journal/{u}.log"),
                ["journalctl", "-u", u, "--no-pager", "-o", "short-precise"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )
        })
        .collect();
    let commands: Vec<(String, Vec<String>)> = COMMANDS
        .iter()
        .map(|(file, cmd)| {
            (
                file.to_string(),
                cmd.iter().map(|s| s.to_string()).collect(),
            )
        })
        .chain(journals)
        .collect();
    futures::stream::iter(commands)
        .for_each_concurrent(PARALLEL_COMMANDS, |(file, cmd)| async move {
            run_into(engine, out, node, &file, &cmd).await
        })
        .await;
}

async fn unpack_dir(engine: &Engine, out: &Output, node: &NodeInfo, name: &str, path: &str) {
    let rel = format!("{}/{name}", node.name);
    match out.unpack(&rel, engine.download(&node.name, path)).await {
        Ok(_) => {}
        // Absent on this node (no pods yet, say).
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => out.problem(format!("{}: {path}", node.name), e.to_string()),
    }
}

async fn copy_file(engine: &Engine, out: &Output, node: &NodeInfo, name: &str, path: &str) {
    match engine.read_file(&node.name, path).await {
        Ok(bytes) => out.write(&format!("{}/{name}", node.name), bytes).await,
        Err(e) if e.is_not_found() => {}
        Err(e) => out.problem(format!("{}: {path}", node.name), e.to_string()),
    }
}

/// Run a command; its output (and, when it fails, its error) goes to `file`.
async fn run_into(engine: &Engine, out: &Output, node: &NodeInfo, file: &str, cmd: &[String]) {
    let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let rel = format!("{}/{file}", node.name);
    match engine.exec(&node.name, &args).await {
        Ok(o) if o.success() => out.write(&rel, o.stdout).await,
        Ok(o) => {
            let mut data = o.stdout;
            data.extend_from_slice(
                format!(
                    "\n--- `{}` exited with {} ---\n",
                    cmd.join(" "),
                    o.exit_code
                )
                .as_bytes(),
            );
            data.extend_from_slice(&o.stderr);
            out.write(&rel, data).await;
            out.problem(
                format!("{}: {}", node.name, cmd.join(" ")),
                format!("exited with {}", o.exit_code),
            );
        }
        Err(EngineError::NotRunning { .. }) => {
            out.problem(&node.name, "the node stopped during the export")
        }
        Err(e) => out.problem(format!("{}: {}", node.name, cmd.join(" ")), e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_cover_the_listed_units_and_devks_own() {
        let listed = vec!["containerd".to_string(), "kubelet".to_string()];
        let units = journal_units(Some(&listed));
        assert_eq!(&units[..2], &listed[..]);
        assert!(units.contains(&"devk-network".to_string()));
        assert!(units.contains(&"devk-images".to_string()));
        let fallback = journal_units(None);
        for u in ["etcd", "kube-apiserver", "coredns", "devk-network"] {
            assert!(fallback.contains(&u.to_string()), "{u}");
        }
    }

    #[test]
    fn nothing_collected_is_a_secret_path() {
        let forbidden = ["/etc/kubernetes/pki", "/var/lib/kubelet", ".conf", ".key"];
        let paths = FILES
            .iter()
            .map(|(_, p)| *p)
            .chain(DIRECTORIES.iter().map(|(_, p)| *p));
        for path in paths {
            for f in forbidden {
                assert!(!path.contains(f), "{path} looks like {f}");
            }
            // /etc/kubernetes itself holds every kubeconfig.
            assert_ne!(path.trim_end_matches('/'), "/etc/kubernetes");
        }
    }

    #[test]
    fn inspect_env_values_other_than_known_ones_are_blanked() {
        let inspect = serde_json::json!({
            "Config": { "Env": ["container=docker", "API_TOKEN=abc", "PATH=/usr/bin"] }
        });
        let env = scrub_inspect(inspect)["Config"]["Env"].clone();
        assert_eq!(
            env,
            serde_json::json!([
                "container=docker",
                "API_TOKEN=[redacted by devk]",
                "PATH=/usr/bin"
            ])
        );
    }
}
