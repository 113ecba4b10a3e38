//! The workshop's suite (examples/workshop) passes on a fresh cluster shaped
//! like the workshop's: every step a newcomer takes works.

use crate::support::*;

#[test]
fn the_workshop_suite_passes_on_a_fresh_cluster() {
    let test = "the_workshop_suite_passes_on_a_fresh_cluster";
    let Some(image) = real_node_image(test) else {
        return;
    };
    if app_image(test).is_none() {
        return;
    }
    let _slot = cluster_slot();
    let dir = tempfile::tempdir().unwrap();
    // The workshop's config, on a port that is free here.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = std::fs::read_to_string(repo_root().join("examples/workshop/cluster.yaml"))
        .unwrap()
        .replace("hostPort: 8080", &format!("hostPort: {port}"));
    let config_path = dir.path().join("cluster.yaml");
    std::fs::write(&config_path, config).unwrap();
    let suite = repo_root().join("examples/workshop/suite");
    let out = devk(
        &[
            "test",
            suite.to_str().unwrap(),
            "--ephemeral",
            "--config",
            config_path.to_str().unwrap(),
            "--image",
            &image,
        ],
        &dir.path().join("kubeconfig"),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let last = format!("{stdout}{stderr}");
    assert!(last.contains("1 passed, 0 failed"), "{}", text(&out));
}
