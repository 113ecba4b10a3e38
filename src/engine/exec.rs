use std::pin::Pin;

use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use bytes::Bytes;
use futures::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use super::{Engine, EngineError};

/// What a command run in a container produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecOutput {
    pub exit_code: i64,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }
}

/// Input for a command: nothing, a buffer, or a stream (an image tar piped
/// into `ctr import`, without a temporary file).
pub enum ExecStdin {
    None,
    Bytes(Bytes),
    Stream(Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>),
}

/// Output frames can be large (binary output, long log lines).
const OUTPUT_CAPACITY: usize = 1 << 20;

impl Engine {
    /// Run a command in a running container and collect its output. The
    /// exit code comes from inspecting the exec after its stream ends.
    pub async fn exec(&self, container: &str, cmd: &[&str]) -> Result<ExecOutput, EngineError> {
        self.exec_with_stdin(container, cmd, ExecStdin::None).await
    }

    /// Run a command and fail, with its stderr, unless it exits 0.
    pub async fn exec_ok(&self, container: &str, cmd: &[&str]) -> Result<String, EngineError> {
        let out = self.exec(container, cmd).await?;
        if out.success() {
            Ok(out.stdout_str())
        } else {
            Err(EngineError::Failed {
                action: "running a command in",
                object: container.to_string(),
                message: format!(
                    "`{}` exited with {}: {}",
                    cmd.join(" "),
                    out.exit_code,
                    out.stderr_str().trim()
                ),
            })
        }
    }

    pub async fn exec_with_stdin(
        &self,
        container: &str,
        cmd: &[&str],
        stdin: ExecStdin,
    ) -> Result<ExecOutput, EngineError> {
        let has_stdin = !matches!(stdin, ExecStdin::None);
        let created = self
            .docker
            .create_exec(
                container,
                CreateExecOptions {
                    attach_stdin: Some(has_stdin),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    cmd: Some(cmd.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| match super::error::status_of(&e) {
                Some(409) => EngineError::NotRunning {
                    name: container.to_string(),
                },
                Some(404) => EngineError::NoSuchContainer {
                    name: container.to_string(),
                },
                _ => EngineError::api("starting a command in", container)(e),
            })?;
        let started = self
            .docker
            .start_exec(
                &created.id,
                Some(StartExecOptions {
                    detach: false,
                    tty: false,
                    output_capacity: Some(OUTPUT_CAPACITY),
                }),
            )
            .await
            .map_err(EngineError::api("starting a command in", container))?;
        let StartExecResults::Attached {
            mut output,
            mut input,
        } = started
        else {
            return Err(EngineError::Failed {
                action: "starting a command in",
                object: container.to_string(),
                message: "the engine detached the command".to_string(),
            });
        };

        // Feed stdin while reading output, or a command that writes before it
        // has read everything would block both sides.
        let writer = tokio::spawn(async move {
            match stdin {
                ExecStdin::None => {}
                ExecStdin::Bytes(bytes) => input.write_all(&bytes).await?,
                ExecStdin::Stream(mut stream) => {
                    while let Some(chunk) = stream.next().await {
                        input.write_all(&chunk?).await?;
                    }
                }
            }
            // Half-close so the command sees end of input.
            input.shutdown().await
        });

        let mut result = ExecOutput::default();
        while let Some(frame) = output.next().await {
            match frame.map_err(EngineError::api(
                "reading the output of a command in",
                container,
            ))? {
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    result.stdout.extend_from_slice(&message)
                }
                LogOutput::StdErr { message } => result.stderr.extend_from_slice(&message),
                LogOutput::StdIn { .. } => {}
            }
        }
        match writer.await {
            Ok(Ok(())) => {}
            // The command may exit before reading all input (e.g. on error);
            // its exit code and stderr then tell the story.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Ok(Err(e)) => {
                return Err(EngineError::Archive {
                    object: container.to_string(),
                    source: e,
                });
            }
            Err(join) => {
                return Err(EngineError::Failed {
                    action: "feeding input to a command in",
                    object: container.to_string(),
                    message: join.to_string(),
                });
            }
        }

        // The stream ends when the process closes its output; the exit code
        // can lag a moment behind.
        for _ in 0..50 {
            let inspect = self
                .docker
                .inspect_exec(&created.id)
                .await
                .map_err(EngineError::api("inspecting a command in", container))?;
            if inspect.running != Some(true) {
                result.exit_code = inspect.exit_code.unwrap_or(-1);
                return Ok(result);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Err(EngineError::Failed {
            action: "waiting for a command in",
            object: container.to_string(),
            message: format!("`{}` closed its output but did not exit", cmd.join(" ")),
        })
    }
}
