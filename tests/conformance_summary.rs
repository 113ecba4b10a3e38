//! conformance/summarize.py, the script the team's conformance runs end
//! with, on a small ginkgo JUnit report: it counts only [Conformance]
//! specs and fails when a failure is not a known, environmental one.

use std::path::Path;
use std::process::Command;

fn summarize(known: &str) -> Option<(i32, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().ok()?;
    let known_path = dir.path().join("known.txt");
    std::fs::write(&known_path, known).ok()?;
    let out = match Command::new("python3")
        .arg(root.join("conformance/summarize.py"))
        .arg(root.join("tests/fixtures/conformance/junit.xml"))
        .arg(&known_path)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("*** SKIPPED conformance summary: python3 cannot run: {e} ***");
            return None;
        }
    };
    Some((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[test]
fn a_failure_outside_the_known_list_fails_the_run() {
    let Some((code, out)) =
        summarize("# none yet\n[sig-network] Services should serve endpoints on same port\n")
    else {
        return;
    };
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("known  [It] [sig-network] Services"), "{out}");
    assert!(
        out.contains("NEW    [It] [sig-cli] Kubectl client Update Demo"),
        "{out}"
    );
    assert!(!out.contains("Not a conformance spec"), "{out}");
    assert!(
        out.contains("2 of 4 run [Conformance] specs passed, 2 failed (1 known, 1 new), 1 skipped"),
        "{out}"
    );
}

#[test]
fn only_known_failures_pass_the_run() {
    let Some((code, out)) =
        summarize("Services should serve endpoints\nUpdate Demo should scale\n")
    else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 failed (2 known, 0 new)"), "{out}");
}
