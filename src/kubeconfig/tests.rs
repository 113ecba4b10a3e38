//! Merging into and removing from real files: foreign content survives,
//! writes are atomic, locked, idempotent, and refuse what they cannot read.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use base64::Engine;
use serde_json::{Value, json};

use super::*;

fn entry(name: &str, port: u16) -> Entry {
    Entry {
        name: name.to_string(),
        server: format!("https://127.0.0.1:{port}"),
        ca_pem: format!("-----BEGIN CERTIFICATE-----\nCA-{name}\n-----END CERTIFICATE-----\n"),
        client_cert_pem: format!(
            "-----BEGIN CERTIFICATE-----\nCERT-{name}-{port}\n-----END CERTIFICATE-----\n"
        ),
        client_key_pem: format!(
            "-----BEGIN PRIVATE KEY-----\nKEY-{name}-{port}\n-----END PRIVATE KEY-----\n"
        ),
    }
}

/// A kubeconfig like a busy developer's: 30 of each kind, extensions and
/// unknown fields at the top, item and stanza levels, values that only stay
/// strings if quoted, flow style, a comment.
fn foreign_kubeconfig() -> String {
    let mut y = String::new();
    y.push_str("# managed by hand\napiVersion: v1\nkind: Config\n");
    y.push_str(
        "preferences:\n  colors: true\n  extensions:\n  - name: pref-ext\n    extension: {a: 1}\n",
    );
    y.push_str("x-top-level-unknown:\n  nested: [1, two, {three: 3}]\n");
    y.push_str("clusters:\n");
    for i in 0..30 {
        write!(
            y,
            "- name: foreign-{i}\n  cluster:\n    server: https://10.0.0.{i}:6443\n    certificate-authority-data: Q0E{i}\n    proxy-url: socks5://localhost:1080\n    x-stanza-unknown: {{deep: {{deeper: [a, b]}}}}\n    extensions:\n    - name: ext-{i}\n      extension:\n        kind: Thing\n        spec: {{on: \"on\", n: \"0123\"}}\n  x-item-unknown: item-{i}\n"
        )
        .unwrap();
    }
    y.push_str("contexts:\n");
    for i in 0..30 {
        write!(
            y,
            "- name: foreign-{i}\n  context:\n    cluster: foreign-{i}\n    user: foreign-{i}\n    namespace: \"yes\"\n"
        )
        .unwrap();
    }
    y.push_str("current-context: foreign-7\nusers:\n");
    for i in 0..30 {
        if i % 2 == 0 {
            write!(y, "- name: foreign-{i}\n  user:\n    token: tok-{i}\n").unwrap();
        } else {
            write!(
                y,
                "- name: foreign-{i}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      args: [eks, get-token, --cluster-name, \"c{i}\"]\n      env: null\n      interactiveMode: Never\n"
            )
            .unwrap();
        }
    }
    y
}

fn read_value(path: &Path) -> Value {
    serde_saphyr::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn names(doc: &Value, list: &str) -> Vec<String> {
    doc[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// `doc` without devk's `name` entries (current-context untouched).
fn without(doc: &Value, name: &str) -> Value {
    let mut doc = doc.clone();
    for list in ["clusters", "users", "contexts"] {
        doc[list]
            .as_array_mut()
            .unwrap()
            .retain(|i| i["name"] != name);
    }
    doc
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn foreign_content_survives_merge_and_removal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, foreign_kubeconfig()).unwrap();
    let original = read_value(&path);
    assert_eq!(names(&original, "clusters").len(), 30);

    merge_into_file(&path, &entry("devk-dev", 6443), true).unwrap();
    let merged = read_value(&path);
    assert_eq!(merged["current-context"], "devk-dev");
    for list in ["clusters", "users", "contexts"] {
        assert_eq!(names(&merged, list).last().unwrap(), "devk-dev", "{list}");
        assert_eq!(names(&merged, list).len(), 31, "{list}");
    }
    let mut expected = original.clone();
    expected["current-context"] = json!("devk-dev");
    assert_eq!(without(&merged, "devk-dev"), expected);
    // Strings that YAML 1.1 would read as other types are still strings.
    assert_eq!(merged["contexts"][3]["context"]["namespace"], json!("yes"));
    assert_eq!(
        merged["clusters"][5]["cluster"]["extensions"][0]["extension"]["spec"],
        json!({"on": "on", "n": "0123"})
    );

    assert!(remove_from_file(&path, "devk-dev").unwrap());
    let removed = read_value(&path);
    let mut expected = original.clone();
    expected["current-context"] = json!("");
    assert_eq!(removed, expected);
}

#[test]
fn merge_without_making_current_then_remove_restores_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, foreign_kubeconfig()).unwrap();
    let original = read_value(&path);
    merge_into_file(&path, &entry("devk-a", 1), false).unwrap();
    assert_eq!(read_value(&path)["current-context"], "foreign-7");
    assert!(remove_from_file(&path, "devk-a").unwrap());
    assert_eq!(read_value(&path), original);
}

#[test]
fn merging_twice_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, foreign_kubeconfig()).unwrap();
    merge_into_file(&path, &entry("devk-dev", 6443), true).unwrap();
    let once = fs::read(&path).unwrap();
    merge_into_file(&path, &entry("devk-dev", 6443), true).unwrap();
    assert_eq!(fs::read(&path).unwrap(), once);
    let doc = read_value(&path);
    assert_eq!(
        names(&doc, "clusters")
            .iter()
            .filter(|n| *n == "devk-dev")
            .count(),
        1
    );
}

#[test]
fn recreating_updates_our_entry_and_keeps_user_settings() {
    let mut doc: Value = serde_saphyr::from_str(
        "clusters:\n- name: devk-dev\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority: /old/ca.crt\n    insecure-skip-tls-verify: true\n    tls-server-name: kept\n\
         users:\n- name: devk-dev\n  user:\n    token: stale\n    client-key: /old/key\n    extensions: [{name: e, extension: {}}]\n\
         - name: devk-dev\n  user: {token: duplicate}\n\
         contexts:\n- name: devk-dev\n  context: {cluster: other, user: other, namespace: team-a}\n",
    )
    .unwrap();
    let e = entry("devk-dev", 2);
    merge_entry(&mut doc, &e, false).unwrap();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    assert_eq!(
        doc["clusters"][0]["cluster"],
        json!({"server": "https://127.0.0.1:2", "tls-server-name": "kept", "certificate-authority-data": b64(&e.ca_pem)})
    );
    assert_eq!(
        doc["users"].as_array().unwrap().len(),
        1,
        "duplicate of our user dropped"
    );
    assert_eq!(
        doc["users"][0]["user"],
        json!({"extensions": [{"name": "e", "extension": {}}],
               "client-certificate-data": b64(&e.client_cert_pem),
               "client-key-data": b64(&e.client_key_pem)})
    );
    assert_eq!(
        doc["contexts"][0]["context"],
        json!({"cluster": "devk-dev", "user": "devk-dev", "namespace": "team-a"})
    );
    assert_eq!(doc["apiVersion"], "v1");
    assert_eq!(doc["kind"], "Config");
    assert_eq!(read_entry(&doc, "devk-dev"), Some(e));
}

#[test]
fn current_context_is_set_and_cleared() {
    // (start, make current, current after merge, current after removal)
    let cases = [
        (Some("other"), true, "devk-x", ""),
        (Some("other"), false, "other", "other"),
        (None, false, "", ""),
        (None, true, "devk-x", ""),
    ];
    for (start, make_current, after_merge, after_remove) in cases {
        let mut doc = match start {
            Some(c) => json!({"current-context": c}),
            None => Value::Null,
        };
        merge_entry(&mut doc, &entry("devk-x", 1), make_current).unwrap();
        let current = doc["current-context"].as_str().unwrap_or("");
        assert_eq!(current, after_merge, "{start:?} {make_current}");
        assert!(remove_entry(&mut doc, "devk-x").unwrap());
        let current = doc["current-context"].as_str().unwrap_or("");
        assert_eq!(current, after_remove, "{start:?} {make_current}");
        assert!(
            !remove_entry(&mut doc, "devk-x").unwrap(),
            "second removal changes nothing"
        );
    }
}

#[test]
fn removing_an_absent_entry_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let text = foreign_kubeconfig();
    fs::write(&path, &text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    assert!(!remove_from_file(&path, "devk-nope").unwrap());
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text,
        "byte-identical, comment included"
    );
    assert_eq!(mode(&path), 0o640, "not rewritten");

    let missing = dir.path().join("sub").join("config");
    assert!(!remove_from_file(&missing, "devk-nope").unwrap());
    assert!(!dir.path().join("sub").exists(), "nothing created");
    let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no lock or temp files left: {leftovers:?}"
    );
}

#[test]
fn concurrent_writers_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kube").join("config");
    let threads: Vec<_> = (0..20)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                merge_into_file(&path, &entry(&format!("devk-c{i}"), 7000 + i), true)
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap().unwrap();
    }
    let doc = read_value(&path);
    for list in ["clusters", "users", "contexts"] {
        let mut got = names(&doc, list);
        got.sort();
        let mut want: Vec<_> = (0..20).map(|i| format!("devk-c{i}")).collect();
        want.sort();
        assert_eq!(got, want, "{list}");
    }
    for i in 0..20u16 {
        let name = format!("devk-c{i}");
        assert_eq!(
            read_entry_from_file(&path, &name).unwrap(),
            Some(entry(&name, 7000 + i))
        );
    }
    let files: Vec<_> = fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files, ["config"], "lock and temp files cleaned up");
}

#[test]
fn unreadable_files_are_refused_and_untouched() {
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "broken YAML",
            b"clusters: [\n  - name: a\n",
            "not valid YAML",
        ),
        (
            "clusters is a mapping",
            b"clusters:\n  a: b\n",
            "`clusters` is not a list",
        ),
        (
            "users is a string",
            b"users: nobody\n",
            "`users` is not a list",
        ),
        (
            "item not a mapping",
            b"contexts:\n- just-a-string\n",
            "`contexts[0]` is not a mapping",
        ),
        ("top level is a list", b"- a\n- b\n", "is not a mapping"),
        (
            "current-context is a list",
            b"current-context: [a]\n",
            "`current-context` is not a string",
        ),
        ("not UTF-8", b"clusters: \xff\xfe\n", "not UTF-8"),
        (
            "duplicate keys",
            b"kind: Config\nkind: Config\n",
            "not valid YAML",
        ),
    ];
    for (label, contents, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, contents).unwrap();
        let err = merge_into_file(&path, &entry("devk-dev", 1), true).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&*path.to_string_lossy()), "{label}: {text}");
        assert!(text.contains(message), "{label}: {text}");
        assert!(err.hint().is_some() || *label == "not UTF-8", "{label}");
        assert_eq!(fs::read(&path).unwrap(), *contents, "{label}: file changed");
        assert!(remove_from_file(&path, "devk-dev").is_err(), "{label}");
        assert_eq!(fs::read(&path).unwrap(), *contents, "{label}: file changed");
        let entries = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(entries, 1, "{label}: lock or temp file left behind");
    }
}

#[test]
fn parse_errors_do_not_echo_file_contents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "users:\n- name: a\n  user: {token: s3cr3t-token\n").unwrap();
    let err = merge_into_file(&path, &entry("devk-dev", 1), true).unwrap_err();
    assert!(
        matches!(err, KubeconfigError::Parse { line, .. } if line > 0),
        "{err:?}"
    );
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
}

#[test]
fn new_files_are_private_and_directories_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("config");
    merge_into_file(&path, &entry("devk-dev", 1), true).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    assert_eq!(mode(&dir.path().join("a").join("b")), 0o700);
    let doc = read_value(&path);
    assert_eq!(doc["apiVersion"], "v1");
    assert_eq!(doc["kind"], "Config");
    assert_eq!(doc["current-context"], "devk-dev");

    // An existing, too-open file becomes private when rewritten.
    let open = dir.path().join("open");
    fs::write(&open, "apiVersion: v1\nkind: Config\n").unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o644)).unwrap();
    merge_into_file(&open, &entry("devk-dev", 1), true).unwrap();
    assert_eq!(mode(&open), 0o600);
}

#[test]
fn empty_files_are_empty_configs() {
    for contents in ["", "\n", "# nothing yet\n", "null\n", "{}\n"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        fs::write(&path, contents).unwrap();
        merge_into_file(&path, &entry("devk-dev", 1), true).unwrap();
        assert_eq!(
            read_entry_from_file(&path, "devk-dev").unwrap(),
            Some(entry("devk-dev", 1)),
            "{contents:?}"
        );
    }
}

#[test]
fn symlinks_are_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let dotfiles = dir.path().join("dotfiles");
    fs::create_dir(&dotfiles).unwrap();
    let real = dotfiles.join("kubeconfig");
    fs::write(&real, foreign_kubeconfig()).unwrap();
    let kube = dir.path().join(".kube");
    fs::create_dir(&kube).unwrap();
    let link = kube.join("config");
    // Relative link, through a second link.
    std::os::unix::fs::symlink("../dotfiles/kubeconfig", kube.join("middle")).unwrap();
    std::os::unix::fs::symlink("middle", &link).unwrap();

    merge_into_file(&link, &entry("devk-dev", 1), true).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::symlink_metadata(kube.join("middle"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read_value(&real)["current-context"], "devk-dev");
    assert!(remove_from_file(&link, "devk-dev").unwrap());
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(read_value(&real)["current-context"], "");

    // A dangling link: its target is created.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dotfiles.join("new"), &dangling).unwrap();
    merge_into_file(&dangling, &entry("devk-dev", 1), true).unwrap();
    assert!(
        fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(mode(&dotfiles.join("new")), 0o600);

    // A loop is an error, not a hang.
    std::os::unix::fs::symlink(dir.path().join("loop-b"), dir.path().join("loop-a")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("loop-a"), dir.path().join("loop-b")).unwrap();
    let err = merge_into_file(&dir.path().join("loop-a"), &entry("devk-dev", 1), true).unwrap_err();
    assert!(
        matches!(err, KubeconfigError::SymlinkLoop { .. }),
        "{err:?}"
    );
}

#[test]
fn waits_for_the_lock_then_times_out_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let _held = lock::KubeconfigLock::acquire(&path, lock::LOCK_TIMEOUT).unwrap();
    let err = file::merge_into_file_with_timeout(
        &path,
        &entry("devk-dev", 1),
        true,
        std::time::Duration::from_millis(80),
    )
    .unwrap_err();
    assert!(err.to_string().contains("config.lock"), "{err}");
    assert!(!path.exists(), "nothing written without the lock");
}

#[test]
fn render_is_a_complete_kubeconfig() {
    let e = entry("devk-dev", 6443);
    let text = render(&e).unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(doc["current-context"], "devk-dev");
    assert_eq!(
        doc["contexts"][0]["context"],
        json!({"cluster": "devk-dev", "user": "devk-dev"})
    );
    assert_eq!(read_entry(&doc, "devk-dev"), Some(e.clone()));
    assert!(
        !text.contains('>') && !text.contains('|'),
        "no block scalars:\n{text}"
    );
    assert_eq!(entry_name("dev"), "devk-dev");

    // Same bytes as merging into a missing file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    merge_into_file(&path, &e, true).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn debug_hides_the_client_key() {
    let e = entry("devk-dev", 1);
    let rendered = format!("{e:?}");
    assert!(!rendered.contains("PRIVATE KEY"), "{rendered}");
    assert!(rendered.contains("https://127.0.0.1:1"));
}
