//! Check 11: the devk clusters that exist and their state. A cluster with
//! only some nodes running is a warning (it does not work as it is); a
//! cluster named as the one about to be created is said, since `devk
//! create` refuses an existing name.

use super::Finding;
use crate::cluster::ClusterSummary;
use crate::engine::{Engine, labels};

pub const NAME: &str = "clusters";

#[derive(Clone, Debug, PartialEq)]
pub enum ClustersFacts {
    EngineDown,
    Listed(Vec<ClusterSummary>),
    Error(String),
}

fn nodes(n: usize) -> String {
    if n == 1 {
        "1 node".to_string()
    } else {
        format!("{n} nodes")
    }
}

/// `wanted` is the cluster name `devk create` would use.
pub fn check(facts: &ClustersFacts, wanted: &str) -> Finding {
    let clusters = match facts {
        ClustersFacts::EngineDown => return Finding::engine_needed(NAME),
        ClustersFacts::Error(e) => {
            return Finding::warn(
                NAME,
                format!("cannot list clusters: {e}"),
                "try `devk list`; if it fails the same way, check the engine",
            );
        }
        ClustersFacts::Listed(c) => c,
    };
    if clusters.is_empty() {
        return Finding::ok(NAME, "no devk clusters yet");
    }
    let listed: Vec<String> = clusters
        .iter()
        .map(|c| format!("{} ({}, {})", c.name, c.state, nodes(c.nodes)))
        .collect();
    let mut message = format!(
        "{} cluster{}: {}",
        clusters.len(),
        if clusters.len() == 1 { "" } else { "s" },
        listed.join(", ")
    );
    if clusters.iter().any(|c| c.name == wanted) {
        message.push_str(&format!(
            "; {wanted} exists, so `devk create --name {wanted}` would refuse: use it, delete it \
             first, or pick another --name"
        ));
    }
    let partial: Vec<&ClusterSummary> = clusters.iter().filter(|c| c.state == "Partial").collect();
    if partial.is_empty() {
        return Finding::ok(NAME, message);
    }
    let fixes: Vec<String> = partial
        .iter()
        .map(|c| {
            format!(
                "{name}: start its stopped nodes with `docker start $(docker ps -aq --filter \
                 label={label}={name})`, or recreate it: `devk delete --name {name} && devk create \
                 --name {name}`",
                name = c.name,
                label = labels::CLUSTER
            )
        })
        .collect();
    let names: Vec<&str> = partial.iter().map(|c| c.name.as_str()).collect();
    Finding::warn(
        NAME,
        format!(
            "{message}; only some nodes of {} run, so {} not work",
            names.join(", "),
            if partial.len() == 1 {
                "it does"
            } else {
                "they do"
            }
        ),
        fixes.join("; "),
    )
}

pub async fn gather(engine: Option<&Engine>) -> ClustersFacts {
    match engine {
        None => ClustersFacts::EngineDown,
        Some(engine) => match crate::cluster::clusters(engine).await {
            Ok(list) => ClustersFacts::Listed(list),
            Err(e) => ClustersFacts::Error(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn summary(name: &str, state: &str, nodes: usize) -> ClusterSummary {
        ClusterSummary {
            name: name.to_string(),
            state: state.to_string(),
            nodes,
            control_planes: 1,
            workers: nodes - 1,
        }
    }

    #[test]
    fn cluster_rules() {
        let listed = |c: Vec<ClusterSummary>| ClustersFacts::Listed(c);
        // (case, facts, wanted, status, message contains, fix contains)
        let cases = [
            (
                "none",
                listed(vec![]),
                "devk",
                Status::Ok,
                "no devk clusters",
                "",
            ),
            (
                "running and stopped are fine",
                listed(vec![summary("a", "Running", 1), summary("b", "Stopped", 3)]),
                "devk",
                Status::Ok,
                "2 clusters: a (Running, 1 node), b (Stopped, 3 nodes)",
                "",
            ),
            (
                "the wanted name exists",
                listed(vec![summary("devk", "Running", 1)]),
                "devk",
                Status::Ok,
                "devk exists, so `devk create --name devk` would refuse",
                "",
            ),
            (
                "partial warns",
                listed(vec![
                    summary("a", "Running", 1),
                    summary("ci", "Partial", 3),
                ]),
                "devk",
                Status::Warn,
                "only some nodes of ci run, so it does not work",
                "docker start $(docker ps -aq --filter label=dev.devk.cluster=ci)",
            ),
            (
                "partial: recreate",
                listed(vec![summary("ci", "Partial", 2)]),
                "devk",
                Status::Warn,
                "ci (Partial, 2 nodes)",
                "devk delete --name ci && devk create --name ci",
            ),
            (
                "engine down",
                ClustersFacts::EngineDown,
                "devk",
                Status::Warn,
                "not checked",
                "engine check",
            ),
            (
                "list error",
                ClustersFacts::Error("boom".into()),
                "devk",
                Status::Warn,
                "cannot list clusters: boom",
                "devk list",
            ),
        ];
        for (case, facts, wanted, status, message, fix) in cases {
            crate::doctor::assert_finding(case, &check(&facts, wanted), status, message, fix);
        }
    }
}
