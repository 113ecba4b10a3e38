//! `devk test` against real clusters, with the suites under
//! tests/fixtures/test-runner/.
//!
//! The scenarios that need a cluster share ONE cluster and run one after
//! another in [`runner_scenarios_on_one_cluster`]: a cluster per scenario
//! would cost a create and a delete each, for nothing these scenarios need
//! (each test runs in its own namespace anyway). `--ephemeral` makes its own
//! cluster, since making one is what it tests. Usage and file errors need
//! no cluster at all.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;

fn fixture(name: &str) -> String {
    repo_root()
        .join("tests/fixtures/test-runner")
        .join(name)
        .display()
        .to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The last line devk printed: on stdout in text mode, on stderr with -o json.
fn last_line(text: &str) -> &str {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

/// `FAIL  bad-image  devk-bad-image-abcde  1.7s` -> (namespace, seconds).
fn test_line<'a>(out: &'a str, word: &str, test: &str) -> Option<(&'a str, f64)> {
    out.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [w, name, namespace, seconds] if *w == word && *name == test => {
                Some((*namespace, seconds.trim_end_matches('s').parse().ok()?))
            }
            _ => None,
        }
    })
}

fn xmllint_schema(file: &Path) -> Output {
    std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(repo_root().join("tests/fixtures/junit.xsd"))
        .arg(file)
        .output()
        .expect("xmllint runs (package libxml2-utils)")
}

/// Wait (up to a minute) until none of `namespaces` exists.
fn wait_namespaces_gone(cluster: &TestCluster, namespaces: &[&str]) {
    let started = Instant::now();
    loop {
        let remaining: Vec<&&str> = namespaces
            .iter()
            .filter(|ns| cluster.kubectl(&["get", "namespace", ns]).status.success())
            .collect();
        if remaining.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "namespaces still there a minute after the run: {remaining:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn runner_scenarios_on_one_cluster() {
    let test = "runner_scenarios_on_one_cluster";
    let Some(image) = real_node_image(test) else {
        return;
    };
    let Some(app) = app_image(test) else {
        return;
    };
    let cluster = TestCluster::create("tr-e2e", &image, &[]);
    let work = tempfile::tempdir().unwrap();

    eprintln!("--- scenario: a passing suite (loading {app} with --load)");
    passing_suite(&cluster, &app, work.path());
    eprintln!("--- scenario: failures and their reports");
    failing_suite(&cluster, work.path());
    eprintln!("--- scenario: tests in parallel, each in its own namespace");
    parallel_tests(&cluster);
    eprintln!("--- scenario: --keep and --filter");
    keep_and_filter(&cluster);
}

/// Deployment, StatefulSet with a PVC, DaemonSet, Job, a Service reached by
/// DNS from a Job, a rolling update over two steps, custom resources (a CRD
/// from the suite's setup, one applied in a step, a kuttl delete): all
/// pass. The JSON report carries each rollout's timing; the JUnit report is
/// valid.
fn passing_suite(cluster: &TestCluster, app: &str, work: &Path) {
    let junit = work.join("passing.xml");
    let out = cluster.devk(&[
        "test",
        &fixture("passing"),
        "--cluster",
        &cluster.name,
        "--load",
        app,
        "-o",
        "json",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        last_line(&stderr(&out)),
        "4 passed, 0 failed",
        "{}",
        text(&out)
    );
    let report: Value = serde_json::from_str(&stdout(&out)).expect("stdout is the JSON report");
    let tests = report["tests"].as_array().unwrap();
    let names: Vec<&str> = tests.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "custom-resource",
            "rolling-update",
            "service-dns",
            "workloads"
        ]
    );
    for t in tests {
        assert_eq!(t["outcome"]["status"], "passed", "{t}");
    }

    // Every workload of the plain test rolled out, each with its timing.
    let workloads = &tests[3]["steps"][0]["rollouts"];
    let mut kinds: Vec<&str> = workloads
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["DaemonSet", "Deployment", "Job", "StatefulSet"]);
    let mut delays = Vec::new();
    for step in tests.iter().flat_map(|t| t["steps"].as_array().unwrap()) {
        for rollout in step["rollouts"].as_array().unwrap() {
            let delay = rollout["reportDelay"]
                .as_f64()
                .unwrap_or_else(|| panic!("a completion time for {rollout}"));
            // The API keeps whole seconds, so this reads up to 1s high; it
            // can never be negative: devk cannot notice before it happened.
            assert!(delay >= 0.0, "{rollout}");
            delays.push(delay);
        }
    }
    // The rolling update's second step saw the new generation roll out.
    let update = &tests[1]["steps"][1];
    assert_eq!(update["name"], "02-v2");
    assert_eq!(update["rollouts"][0]["name"], "app");
    delays.sort_by(f64::total_cmp);
    eprintln!(
        "report delays (s, API time truncated to the second): {delays:?}, median {:.3}",
        delays[delays.len() / 2]
    );

    let valid = xmllint_schema(&junit);
    assert!(valid.status.success(), "JUnit invalid: {}", text(&valid));
}

/// A bad image fails fast with events and pod state, a crash loop fails
/// showing the crashed container's output, an expected failure passes
/// saying what it saw, an assert fails with the field that differs, an
/// object the API server refuses fails with the server's message.
fn failing_suite(cluster: &TestCluster, work: &Path) {
    let junit = work.join("failing.xml");
    let timeout_secs = 90.0;
    let out = cluster.devk(&[
        "test",
        &fixture("failing"),
        "--cluster",
        &cluster.name,
        "--timeout",
        "90s",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(last_line(&report), "1 passed, 4 failed", "{}", text(&out));

    let block = |test: &str| -> String {
        let start = report
            .find(&format!("--- FAIL: {test} "))
            .unwrap_or_else(|| panic!("no failure block for {test}:\n{report}"));
        let rest = &report[start..];
        let end = rest[1..].find("\n--- FAIL: ").map_or(rest.len(), |i| i + 1);
        rest[..end].to_string()
    };

    let (_, seconds) = test_line(&report, "FAIL", "bad-image").expect("a FAIL line for bad-image");
    assert!(
        seconds < timeout_secs / 2.0,
        "a bad image must fail fast, not at the timeout: {seconds}s"
    );
    let bad_image = block("bad-image");
    for needle in [
        "step apply failed: Deployment missing-image did not roll out",
        "seen:     the rollout failed (ErrImageNeverPull)",
        "    events:",
        "Warning  ErrImageNeverPull  Pod/missing-image-",
        "    pods:",
        "container app: waiting (ErrImageNeverPull)",
    ] {
        assert!(
            bad_image.contains(needle),
            "missing {needle:?} in\n{bad_image}"
        );
    }

    let crash = block("crash-loop");
    for needle in [
        "Deployment crasher did not roll out",
        "failed (CrashLoopBackOff)",
        "logs of crasher-",
        "| boom",
    ] {
        assert!(crash.contains(needle), "missing {needle:?} in\n{crash}");
    }

    assert!(
        test_line(&report, "PASS", "expected-failure").is_some(),
        "{report}"
    );
    assert!(
        report.contains("Deployment broken-on-purpose: failed as expected (ErrImageNeverPull)"),
        "the pass says which failure it saw:\n{report}"
    );

    let assert_diff = block("assert-diff");
    for needle in [
        "assert ConfigMap settings",
        "did not match within 5s",
        "differences:",
        "data.mode: expected \"safe\", seen \"fast\"",
        "step 01-never: not run (an earlier step failed)",
    ] {
        assert!(
            assert_diff.contains(needle),
            "missing {needle:?} in\n{assert_diff}"
        );
    }

    let rejected = block("rejected");
    for needle in [
        "applying Deployment no-selector failed",
        // file, document, kind, name, then the API server's own words
        "rejected/deployment.yaml, document 2 (line 7): Deployment no-selector: Deployment.apps \"no-selector\" is invalid: ",
        "spec.selector: Required value",
    ] {
        assert!(
            rejected.contains(needle),
            "missing {needle:?} in\n{rejected}"
        );
    }

    let valid = xmllint_schema(&junit);
    assert!(valid.status.success(), "JUnit invalid: {}", text(&valid));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<failure ").count(), 4, "{xml}");
    assert!(
        xml.contains("message=\"step apply: Deployment missing-image did not roll out\""),
        "{xml}"
    );
    // The schema is not vacuous: a testcase without a name is refused.
    let broken = work.join("broken.xml");
    std::fs::write(
        &broken,
        xml.replacen("<testcase name=\"assert-diff\"", "<testcase", 1),
    )
    .unwrap();
    assert!(!xmllint_schema(&broken).status.success());
}

/// Three tests at once (each step 01 needs all three running), each in its
/// own namespace, all namespaces gone afterwards.
fn parallel_tests(cluster: &TestCluster) {
    let out = cluster.devk(&[
        "test",
        &fixture("parallel"),
        "--cluster",
        &cluster.name,
        "--parallel",
        "3",
    ]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(last_line(&report), "3 passed, 0 failed");
    let namespaces: Vec<&str> = ["a", "b", "c"]
        .iter()
        .map(|t| {
            let (namespace, _) = test_line(&report, "PASS", t).expect("a PASS line");
            assert!(namespace.starts_with(&format!("devk-{t}-")), "{namespace}");
            namespace
        })
        .collect();
    let mut distinct = namespaces.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{namespaces:?}");
    wait_namespaces_gone(cluster, &namespaces);
}

/// --filter skips (and says so in the summary); --keep keeps the namespace.
fn keep_and_filter(cluster: &TestCluster) {
    let out = cluster.devk(&[
        "test",
        &fixture("parallel"),
        "--cluster",
        &cluster.name,
        "--filter",
        "^a$",
        "--keep",
    ]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(last_line(&report), "1 passed, 0 failed, 2 skipped");
    for skipped in ["b", "c"] {
        assert!(
            report.contains(&format!(
                "SKIP  {skipped}  (filtered out by --filter '^a$')"
            )),
            "{report}"
        );
    }
    let (namespace, _) = test_line(&report, "PASS", "a").expect("a PASS line");
    assert!(
        stderr(&out).contains(&format!("kept namespace {namespace}")),
        "{}",
        text(&out)
    );
    let phase = cluster.kubectl_ok(&[
        "get",
        "namespace",
        namespace,
        "-o",
        "jsonpath={.status.phase}",
    ]);
    assert_eq!(phase, "Active");
    let labels = cluster.kubectl_ok(&[
        "get",
        "namespace",
        namespace,
        "-o",
        "jsonpath={.metadata.labels.app\\.kubernetes\\.io/managed-by}",
    ]);
    assert_eq!(labels, "devk-test");
    cluster.kubectl_ok(&["delete", "namespace", namespace, "--wait=false"]);
}

/// --ephemeral creates a cluster, loads the image, runs, and deletes it:
/// nothing with its label remains, and the user's kubeconfig is untouched.
#[test]
fn ephemeral_cluster_is_created_used_and_deleted() {
    let test = "ephemeral_cluster_is_created_used_and_deleted";
    let Some(image) = real_node_image(test) else {
        return;
    };
    let Some(app) = app_image(test) else {
        return;
    };
    let _slot = cluster_slot();
    let name = "tr-eph";
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let _cleanup = DeleteOnDrop::new(name, &kubeconfig);
    let out = devk(
        &[
            "test",
            &fixture("ephemeral"),
            "--ephemeral",
            "--cluster",
            name,
            "--image",
            &image,
            "--load",
            &app,
        ],
        &kubeconfig,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        last_line(&stdout(&out)),
        "1 passed, 0 failed",
        "{}",
        text(&out)
    );
    assert!(
        test_line(&stdout(&out), "PASS", "smoke").is_some(),
        "{}",
        text(&out)
    );
    assert!(
        stderr(&out).contains(&format!("Deleting ephemeral cluster {name}")),
        "{}",
        text(&out)
    );
    assert_eq!(leftovers(name), Vec::<String>::new());
    assert!(
        !kubeconfig.exists()
            || !std::fs::read_to_string(&kubeconfig)
                .unwrap()
                .contains(&format!("devk-{name}")),
        "the user's kubeconfig must not be touched"
    );
}

/// Usage and file errors exit 2 and say what is wrong, before (or without)
/// any cluster.
#[test]
fn usage_and_file_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let unreachable = dir.path().join("unreachable");
    std::fs::write(
        &unreachable,
        "apiVersion: v1\nkind: Config\ncurrent-context: nowhere\n\
         clusters: [{name: nowhere, cluster: {server: 'https://127.0.0.1:1'}}]\n\
         users: [{name: nowhere, user: {token: x}}]\n\
         contexts: [{name: nowhere, context: {cluster: nowhere, user: nowhere}}]\n",
    )
    .unwrap();
    let missing: PathBuf = dir.path().join("no-such-dir");
    let passing = fixture("passing");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["test", missing.to_str().unwrap()], "no-such-dir"),
        (
            vec!["test", &passing, "--cluster", "a", "--context", "b"],
            "cannot be used with",
        ),
        (
            vec!["test", &passing, "--load", "devk-test/app:1"],
            "--load needs --cluster NAME or --ephemeral",
        ),
        (
            vec!["test", &passing, "--cluster", "nosuch"],
            "no context devk-nosuch for devk cluster nosuch",
        ),
        (
            vec![
                "test",
                &passing,
                "--kubeconfig",
                unreachable.to_str().unwrap(),
            ],
            "cannot reach the cluster",
        ),
        (vec!["test", &passing, "--timeout", "30"], "needs a unit"),
    ];
    let missing_kind = fixture("broken-yaml/missing-kind");
    let syntax = fixture("broken-yaml/syntax");
    let yaml_cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["test", &missing_kind],
            "missing-kind/00-install.yaml: document 2 (line 6): missing kind",
        ),
        (vec!["test", &syntax], "syntax/app.yaml:4:9: invalid YAML"),
    ];
    for (args, needle) in cases.into_iter().chain(yaml_cases) {
        let out = devk(&args, &kubeconfig);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", text(&out));
    }
}
