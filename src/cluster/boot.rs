//! Waiting for a node's systemd to finish booting, by asking it.

use std::time::{Duration, Instant};

use super::ClusterError;
use crate::engine::{ContainerState, Engine, EngineError};

/// Wait until systemd in the node reports `running` (or `degraded`: a
/// unit failed, which the later health checks will name). Before the
/// entrypoint has exec'ed systemd, `systemctl` cannot reach it; that is
/// retried. A node that exits or does not come up in time fails with its
/// journal or output.
pub async fn wait_for_systemd(
    engine: &Engine,
    node: &str,
    timeout: Duration,
) -> Result<(), ClusterError> {
    let started = Instant::now();
    loop {
        let remaining = timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(100));
        let asked = tokio::time::timeout(
            remaining,
            engine.exec(node, &["systemctl", "is-system-running", "--wait"]),
        )
        .await;
        match asked.unwrap_or_else(|_| Ok(Default::default())) {
            Ok(out) => {
                let state = out.stdout_str().trim().to_string();
                if state == "running" || state == "degraded" {
                    return Ok(());
                }
            }
            Err(EngineError::NotRunning { .. }) => return Err(died(engine, node).await),
            Err(e) => return Err(e.into()),
        }
        let info = engine.inspect_container(node).await?;
        if !matches!(info.state, ContainerState::Running) {
            return Err(died(engine, node).await);
        }
        if started.elapsed() > timeout {
            let journal = engine
                .exec(node, &["journalctl", "-b", "--no-pager", "-n", "40"])
                .await
                .map(|o| o.stdout_str())
                .unwrap_or_default();
            return Err(ClusterError::BootTimeout {
                node: node.to_string(),
                after: crate::ui::format_duration(timeout),
                journal,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn died(engine: &Engine, node: &str) -> ClusterError {
    let exit_code = engine
        .inspect_container(node)
        .await
        .ok()
        .and_then(|i| i.exit_code)
        .unwrap_or(-1);
    let logs = engine.container_logs(node, 40).await.unwrap_or_default();
    ClusterError::NodeDied {
        node: node.to_string(),
        exit_code,
        logs,
    }
}
