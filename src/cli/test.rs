//! `devk test`: flags, the target cluster (or an ephemeral one), the live
//! view, and the reports. The running is in [`crate::testing::runner`].

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use clap::Args as ClapArgs;
use tokio_util::sync::CancellationToken;

use super::build::{NodeImageArgs, node_image_options};
use super::common::OutputArg;
use crate::cluster::{self, CreateOptions, SecurityChoice};
use crate::config;
use crate::engine::Engine;
use crate::kube::Applier;
use crate::testing::discovery::{Step, TestCase};
use crate::testing::duration::parse_duration;
use crate::testing::report::text::{render_failure, test_line};
use crate::testing::report::{EXIT_ERROR, Outcome, TestResult, render_junit, summary_line};
use crate::testing::runner::ephemeral::{EphemeralCluster, ephemeral_name};
use crate::testing::runner::{self, Observer, RunOptions, RunOutcome, RunnerError, SuitePlan};
use crate::ui::{Mode, Ui};

/// Exit code after Ctrl-C, as shells report SIGINT.
const EXIT_INTERRUPTED: u8 = 130;
/// How long the API server gets to answer the first request.
const REACH_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an ephemeral cluster may take to be Ready.
const EPHEMERAL_WAIT: Duration = Duration::from_secs(300);

#[derive(Debug, ClapArgs)]
#[command(after_help = "Examples:\n  \
    devk test ./deploy                          against the current kubectl context\n  \
    devk test ./tests --cluster dev             against devk cluster dev (context devk-dev)\n  \
    devk test ./tests --ephemeral --load app:dev   create a cluster, load an image, test, delete\n  \
    devk test ./tests --filter '^smoke-' --junit report.xml\n\n\
    Exit codes: 0 all passed, 1 a test failed, 2 usage or infrastructure error, 130 interrupted.")]
pub struct Args {
    /// Test directories, suite directories, suite files or manifest files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The devk cluster to test against (its context devk-NAME); with
    /// --ephemeral, the name of the cluster to create.
    #[arg(long, value_name = "NAME", conflicts_with = "context")]
    pub cluster: Option<String>,
    /// The kubeconfig context to test against (default: the current one).
    #[arg(long, value_name = "CTX", conflicts_with = "ephemeral")]
    pub context: Option<String>,
    /// The kubeconfig file (default: KUBECONFIG, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Create a cluster for this run, and delete it afterwards (also on
    /// failure and Ctrl-C) unless --keep.
    #[arg(long)]
    pub ephemeral: bool,
    /// With --ephemeral: a cluster config file.
    #[arg(long, value_name = "FILE", requires = "ephemeral")]
    pub config: Option<PathBuf>,
    /// With --ephemeral: the node image.
    #[arg(long, value_name = "IMAGE", requires = "ephemeral")]
    pub image: Option<String>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArg,
    /// Tests to run at once (default: the suite file's `parallel`, else 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel: Option<u16>,
    /// Per-step timeout, like 90s or 5m (default: the suite file's, else 2m).
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// Keep each test's namespace (and, with --ephemeral, the cluster).
    #[arg(long)]
    pub keep: bool,
    /// Run only the tests whose name matches this regular expression; the
    /// others are reported as skipped.
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Host images to load into the nodes first (repeat, or separate with
    /// commas); needs --cluster or --ephemeral.
    #[arg(long, value_name = "IMAGE", value_delimiter = ',')]
    pub load: Vec<String>,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    parse_duration(text).map_err(|e| e.to_string())
}

pub async fn run(args: Args, ui: &Ui) -> crate::Result<u8> {
    match run_command(args, ui).await {
        Ok(code) => Ok(code),
        Err(e) => Err(cli_error(e)),
    }
}

/// Every error of `devk test` exits 2 (usage or infrastructure; a failed
/// test is not an error), Ctrl-C 130.
fn cli_error(error: RunnerError) -> crate::Error {
    match error {
        RunnerError::Cluster(e) if e.is_interrupted() => crate::Error::Interrupted,
        other => crate::Error::TestRun(other),
    }
}

async fn run_command(args: Args, ui: &Ui) -> Result<u8, RunnerError> {
    if !args.load.is_empty() && args.cluster.is_none() && !args.ephemeral {
        return Err(RunnerError::usage(
            "--load needs --cluster NAME or --ephemeral: images can only be loaded into devk clusters",
            Some("devk test ./tests --cluster dev --load app:dev, or --ephemeral --load app:dev"),
        ));
    }
    let plans = runner::prepare(&args.paths, args.filter.as_deref())?;
    show_discovery_notes(ui, &plans);
    let suite_images: Vec<String> = plans
        .iter()
        .flat_map(|p| p.suite.config.load_images.clone())
        .collect();

    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    let signals = tokio::spawn(async move {
        crate::signal::shutdown().await;
        on_signal.cancel();
    });
    let options = RunOptions {
        parallel: args.parallel.map(usize::from),
        timeout: args.timeout,
        keep: args.keep,
    };
    let json = args.output.json();
    let view = LiveView::new(ui, json);

    let outcome = if args.ephemeral {
        run_ephemeral(&args, ui, &plans, &options, &view, &cancel, &suite_images).await
    } else {
        run_existing(&args, ui, &plans, &options, &view, &cancel, &suite_images).await
    };
    signals.abort();
    let outcome = outcome?;
    Ok(report(&args, &outcome, json))
}

/// Against the current context, `--context`, or the devk cluster `--cluster`.
async fn run_existing(
    args: &Args,
    ui: &Ui,
    plans: &[SuitePlan],
    options: &RunOptions,
    view: &LiveView,
    cancel: &CancellationToken,
    suite_images: &[String],
) -> Result<RunOutcome, RunnerError> {
    let (context, target) = match (&args.cluster, &args.context) {
        (Some(name), _) => {
            let context = crate::kubeconfig::entry_name(name);
            require_context(args.kubeconfig.as_deref(), name, &context)?;
            (Some(context), format!("devk cluster {name}"))
        }
        (None, Some(context)) => (Some(context.clone()), format!("context {context}")),
        (None, None) => (None, "the current context".to_string()),
    };
    let client = connect(args.kubeconfig.as_deref(), context.as_deref(), &target).await?;
    match &args.cluster {
        Some(name) => {
            let images: Vec<String> = args.load.iter().chain(suite_images).cloned().collect();
            if !images.is_empty() {
                let engine = Engine::connect().await?;
                cancellable(cancel, load_into(&engine, ui, name, &images)).await?;
            }
        }
        None if !suite_images.is_empty() => ui.warn(format!(
            "the suite lists loadImages ({}), but {target} is not a devk cluster given with --cluster: not loaded",
            suite_images.join(", ")
        )),
        None => {}
    }
    let applier = Applier::new(client);
    Ok(runner::run(&applier, plans, options, view, cancel).await)
}

/// Create a cluster, load images, run, and delete the cluster whatever
/// happened (unless --keep).
async fn run_ephemeral(
    args: &Args,
    ui: &Ui,
    plans: &[SuitePlan],
    options: &RunOptions,
    view: &LiveView,
    cancel: &CancellationToken,
    suite_images: &[String],
) -> Result<RunOutcome, RunnerError> {
    let name = args
        .cluster
        .clone()
        .or_else(|| {
            std::env::var("DEVK_CLUSTER_NAME")
                .ok()
                .filter(|n| !n.is_empty())
        })
        .unwrap_or_else(ephemeral_name);
    config::validate_name(&name)
        .map_err(|m| RunnerError::usage(format!("cluster name {name:?}: {m}"), None))?;
    let engine = Engine::connect().await?;
    let create_options = ephemeral_options(args, &engine, &name).await?;
    // create removes what it made on failure and on Ctrl-C.
    let cluster = EphemeralCluster::create(&engine, ui, create_options).await?;
    let result = async {
        let images: Vec<String> = args.load.iter().chain(suite_images).cloned().collect();
        cancellable(cancel, load_into(&engine, ui, &cluster.name, &images)).await?;
        let target = format!("ephemeral cluster {}", cluster.name);
        let client = connect(Some(cluster.kubeconfig()), Some(&cluster.context), &target).await?;
        let applier = Applier::new(client);
        Ok(runner::run(&applier, plans, options, view, cancel).await)
    }
    .await;
    if args.keep {
        let name = cluster.name.clone();
        let kubeconfig = cluster.keep();
        ui.info(format!(
            "Kept ephemeral cluster {name} (--keep); its kubeconfig is {}. Remove it with `devk delete --name {name} --kubeconfig {}`",
            kubeconfig.display(),
            kubeconfig.display(),
        ));
    } else if let Err(e) = cluster.delete(&engine, ui).await {
        ui.warn(format!(
            "deleting ephemeral cluster {} failed: {e}; remove it with `devk delete --name {}`",
            cluster.name, cluster.name
        ));
    }
    result
}

async fn ephemeral_options(
    args: &Args,
    engine: &Engine,
    name: &str,
) -> Result<CreateOptions, RunnerError> {
    let cluster_config = match &args.config {
        Some(path) => config::load_file(path, Some(name)).map_err(|e| RunnerError::Usage {
            message: e.to_string(),
            hint: e.hint(),
        })?,
        None => config::Cluster::default_named(name),
    };
    let build_default_image = node_image_options(
        engine,
        NodeImageArgs {
            kubernetes_version: crate::nodeimage::DEFAULT_KUBERNETES_VERSION.to_string(),
            kube_binaries: std::env::var_os("DEVK_KUBE_BINARIES").map(PathBuf::from),
            base_image: None,
            toolchain_image: None,
            image: Some(cluster::default_image_name()),
            preload: Vec::new(),
            release_mirror: std::env::var("DEVK_RELEASE_MIRROR").ok(),
        },
    )
    .await
    .map_err(|e| RunnerError::Usage {
        message: e.to_string(),
        hint: e.hint(),
    })?;
    Ok(CreateOptions {
        config: cluster_config,
        image: args.image.clone(),
        retain: false,
        wait: EPHEMERAL_WAIT,
        kubeconfig: args.kubeconfig.clone(),
        security: SecurityChoice::Auto,
        kubernetes: true,
        build_default_image: Some(build_default_image),
    })
}

/// Run `work` unless Ctrl-C comes first.
async fn cancellable<T>(
    cancel: &CancellationToken,
    work: impl Future<Output = Result<T, RunnerError>>,
) -> Result<T, RunnerError> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(RunnerError::Cluster(cluster::ClusterError::Interrupted)),
        result = work => result,
    }
}

/// `--cluster NAME` needs the context devk-NAME in the kubeconfig.
fn require_context(
    kubeconfig: Option<&Path>,
    cluster: &str,
    context: &str,
) -> Result<(), RunnerError> {
    let (read, source) = match kubeconfig {
        Some(path) => (
            kube::config::Kubeconfig::read_from(path),
            path.display().to_string(),
        ),
        None => (
            kube::config::Kubeconfig::read(),
            "the default kubeconfig (KUBECONFIG, else ~/.kube/config)".to_string(),
        ),
    };
    let found = read.is_ok_and(|k| k.contexts.iter().any(|c| c.name == context));
    if found {
        Ok(())
    } else {
        Err(RunnerError::NoSuchCluster {
            cluster: cluster.to_string(),
            context: context.to_string(),
            kubeconfig: source,
        })
    }
}

/// A client that has answered once.
async fn connect(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    target: &str,
) -> Result<kube::Client, RunnerError> {
    let client = crate::kube::from_user_kubeconfig(kubeconfig, context).await?;
    match tokio::time::timeout(REACH_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(client),
        Ok(Err(e)) => Err(RunnerError::Unreachable {
            target: target.to_string(),
            message: e.to_string(),
        }),
        Err(_) => Err(RunnerError::Unreachable {
            target: target.to_string(),
            message: format!("no answer within {}s", REACH_TIMEOUT.as_secs()),
        }),
    }
}

fn show_discovery_notes(ui: &Ui, plans: &[SuitePlan]) {
    for plan in plans {
        for warning in &plan.suite.config.warnings {
            ui.warn(warning);
        }
        for ignored in &plan.suite.ignored {
            ui.warn(format!(
                "ignored {}: {}",
                ignored.path.display(),
                ignored.reason
            ));
        }
        for test in &plan.suite.tests {
            for warning in &test.warnings {
                ui.warn(warning);
            }
            for ignored in &test.ignored {
                ui.warn(format!(
                    "ignored {}: {}",
                    ignored.path.display(),
                    ignored.reason
                ));
            }
        }
    }
}

/// Failure reports, the JUnit file, the JSON report, and last the summary
/// line. Returns the exit code.
fn report(args: &Args, outcome: &RunOutcome, json: bool) -> u8 {
    let result = &outcome.result;
    let mut code = match result.exit_code() {
        0 => 0,
        _ => 1,
    };
    let mut stdout = std::io::stdout().lock();
    if json {
        match runner::render_json(result, &outcome.details) {
            Ok(text) => {
                let _ = writeln!(stdout, "{text}");
            }
            Err(e) => {
                eprintln!("error: {e}");
                code = EXIT_ERROR as u8;
            }
        }
    } else {
        for test in result.tests.iter().filter(|t| t.outcome == Outcome::Failed) {
            let _ = write!(stdout, "\n{}", render_failure(test));
        }
    }
    if let Some(path) = &args.junit {
        let written = render_junit(result)
            .map_err(|e| e.to_string())
            .and_then(|xml| std::fs::write(path, xml).map_err(|e| e.to_string()));
        if let Err(message) = written {
            let error = RunnerError::WriteReport {
                path: path.display().to_string(),
                message,
            };
            eprintln!("error: {error}");
            code = EXIT_ERROR as u8;
        }
    }
    if outcome.interrupted {
        eprintln!("interrupted: running tests were stopped and their namespaces deleted");
        code = EXIT_INTERRUPTED;
    }
    let summary = summary_line(result.counts());
    if json {
        let _ = stdout.flush();
        eprintln!("{summary}");
    } else {
        let _ = writeln!(stdout, "\n{summary}");
    }
    code
}

/// One line per test as it runs: a spinner with the test's step and time
/// on a terminal, a line as each test ends elsewhere (on stdout, or stderr
/// when stdout carries JSON), nothing with --quiet.
struct LiveView {
    mode: Mode,
    ui: Ui,
    to_stderr: bool,
    multi: Option<indicatif::MultiProgress>,
    bars: Mutex<HashMap<String, indicatif::ProgressBar>>,
}

impl LiveView {
    fn new(ui: &Ui, json: bool) -> LiveView {
        let mode = ui.mode();
        LiveView {
            mode,
            ui: ui.clone(),
            to_stderr: json,
            multi: (mode == Mode::Interactive).then(indicatif::MultiProgress::new),
            bars: Mutex::new(HashMap::new()),
        }
    }

    fn line(&self, text: &str) {
        match (&self.multi, self.mode) {
            (_, Mode::Quiet) => {}
            (Some(multi), _) => {
                let _ = multi.println(text);
            }
            (None, _) if self.to_stderr => eprintln!("{text}"),
            (None, _) => println!("{text}"),
        }
    }

    fn painted_line(&self, result: &TestResult) -> String {
        let line = test_line(result);
        if self.mode != Mode::Interactive {
            return line;
        }
        let (word, color) = match result.outcome {
            Outcome::Passed => ("PASS", "32"),
            Outcome::Failed => ("FAIL", "31"),
            Outcome::Skipped { .. } => ("SKIP", "33"),
        };
        match line.strip_prefix(word) {
            Some(rest) => format!("{}{rest}", self.ui.paint(word, color)),
            None => line,
        }
    }
}

impl Observer for LiveView {
    fn test_started(&self, test: &TestCase, namespace: &str) {
        let Some(multi) = &self.multi else {
            return;
        };
        let bar = multi.add(indicatif::ProgressBar::new_spinner());
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                " {spinner} {prefix}  {wide_msg} {elapsed:.dim}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_prefix(test.name.clone());
        bar.set_message(namespace.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(namespace.to_string(), bar);
        }
    }

    fn step_started(&self, _test: &TestCase, namespace: &str, step: &Step) {
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(namespace)
        {
            bar.set_message(format!("{namespace}  step {}", step.label));
        }
    }

    fn test_finished(&self, result: &TestResult, notes: &[String]) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.remove(&result.namespace)
        {
            bar.finish_and_clear();
        }
        self.line(&self.painted_line(result));
        for note in notes {
            self.line(&format!("      {note}"));
        }
    }

    fn note(&self, message: &str) {
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(message);
            }
            None => self.ui.info(message),
        }
    }
}

/// `--load` and the suite's `loadImages`, into every node of the cluster.
async fn load_into(
    engine: &Engine,
    ui: &Ui,
    cluster: &str,
    images: &[String],
) -> Result<(), RunnerError> {
    if images.is_empty() {
        return Ok(());
    }
    crate::images::load_images(engine, cluster, images, None, ui).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: Args,
    }

    fn parse(line: &[&str]) -> Result<Args, clap::Error> {
        let mut argv = vec!["devk-test"];
        argv.extend_from_slice(line);
        Wrapper::try_parse_from(argv).map(|w| w.args)
    }

    #[test]
    fn flags_parse_and_conflict() {
        let args = parse(&[
            "./t",
            "./u",
            "--cluster",
            "dev",
            "--load",
            "a:1,b:2",
            "--load",
            "c:3",
            "--parallel",
            "3",
            "--timeout",
            "90s",
            "--filter",
            "^smoke",
            "--junit",
            "r.xml",
            "-o",
            "json",
        ])
        .unwrap();
        assert_eq!(args.paths.len(), 2);
        assert_eq!(args.load, ["a:1", "b:2", "c:3"]);
        assert_eq!(args.parallel, Some(3));
        assert_eq!(args.timeout, Some(Duration::from_secs(90)));
        assert!(args.output.json());

        let conflicts: [&[&str]; 5] = [
            &["t", "--cluster", "a", "--context", "b"],
            &["t", "--ephemeral", "--context", "b"],
            &["t", "--config", "c.yaml"],
            &["t", "--parallel", "0"],
            &["t", "--timeout", "30"],
        ];
        for line in conflicts {
            let err = parse(line).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{line:?}: {err}");
        }
        assert!(parse(&[]).is_err(), "a path is required");
        assert!(parse(&["t", "--ephemeral", "--image", "devk/node:x", "--keep"]).is_ok());
    }

    #[test]
    fn runner_errors_exit_2_and_interrupts_130() {
        let usage = cli_error(RunnerError::usage("bad", Some("do this")));
        assert_eq!(usage.exit_code(), 2);
        assert_eq!(usage.hint().as_deref(), Some("do this"));
        let missing = cli_error(RunnerError::NoSuchCluster {
            cluster: "dev".into(),
            context: "devk-dev".into(),
            kubeconfig: "k".into(),
        });
        assert_eq!(missing.exit_code(), 2);
        assert!(missing.to_string().contains("devk cluster dev"));
        let interrupted = cli_error(RunnerError::Cluster(cluster::ClusterError::Interrupted));
        assert_eq!(interrupted.exit_code(), 130);
    }

    #[test]
    fn require_context_names_the_cluster() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts:\n- name: devk-dev\n  context: {cluster: devk-dev, user: devk-dev}\n",
        )
        .unwrap();
        assert!(require_context(Some(&path), "dev", "devk-dev").is_ok());
        let err = require_context(Some(&path), "other", "devk-other").unwrap_err();
        assert!(err.to_string().contains("devk cluster other"), "{err}");
        assert!(err.hint().unwrap().contains("devk create --name other"));
        let err = require_context(Some(&dir.path().join("missing")), "x", "devk-x").unwrap_err();
        assert!(matches!(err, RunnerError::NoSuchCluster { .. }));
    }
}
