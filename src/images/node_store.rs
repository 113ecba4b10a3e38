//! What a node's containerd holds, and what loading an image into it takes.
//!
//! The check is one `ctr -n k8s.io images ls` (about 70 ms): for every image
//! record its name and target (manifest) digest. The engine's image ID is
//! the image's config digest; containerd's CRI plugin records every image
//! it knows under that ID as a name too (`sha256:<config digest>`), so "the
//! node has this image" is "a record is named after the ID". Engines whose
//! IDs are manifest digests (Docker's containerd image store) match a
//! record's target instead. The same name with another target is another
//! image: it is imported over.

/// One image record of a node: `ctr images ls` columns REF and DIGEST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredImage {
    pub name: String,
    pub target: String,
}

/// An image to put into a node: its ID and the names it must have there
/// (containerd spelling).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub id: String,
    pub names: Vec<String>,
}

/// What one node needs for one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeAction {
    /// Content and every name are there.
    Skip,
    /// The content is there; these names must be added, tagging `source`.
    Retag { source: String, names: Vec<String> },
    /// The content is not there.
    Import,
}

/// The `ctr images ls` command whose output [`parse_images_ls`] reads.
pub fn list_command() -> Vec<&'static str> {
    vec!["ctr", "--namespace", super::NAMESPACE, "images", "ls"]
}

/// Parse `ctr images ls`: a header line, then REF TYPE DIGEST SIZE ...
/// separated by spaces (names and digests never contain spaces).
pub fn parse_images_ls(text: &str) -> Vec<StoredImage> {
    text.lines()
        .filter_map(|line| {
            let mut cols = line.split_whitespace();
            let name = cols.next()?;
            let _media_type = cols.next()?;
            let target = cols.next()?;
            (name != "REF" && target.starts_with("sha256:")).then(|| StoredImage {
                name: name.to_string(),
                target: target.to_string(),
            })
        })
        .collect()
}

/// Decide what a node holding `store` needs for `wanted`.
pub fn decide(store: &[StoredImage], wanted: &Wanted) -> NodeAction {
    // The record that proves the content is there, and its target.
    let content = store
        .iter()
        .find(|s| s.name == wanted.id)
        .or_else(|| store.iter().find(|s| s.target == wanted.id));
    let Some(content) = content else {
        return NodeAction::Import;
    };
    let missing: Vec<String> = wanted
        .names
        .iter()
        .filter(|name| {
            !store
                .iter()
                .any(|s| &s.name == *name && s.target == content.target)
        })
        .cloned()
        .collect();
    if missing.is_empty() {
        NodeAction::Skip
    } else {
        NodeAction::Retag {
            source: content.name.clone(),
            names: missing,
        }
    }
}

/// `ctr images tag --force SOURCE NAME...`: --force moves a name that
/// points at another image.
pub fn tag_command(source: &str, names: &[String]) -> Vec<String> {
    let mut cmd: Vec<String> = [
        "ctr",
        "--namespace",
        super::NAMESPACE,
        "images",
        "tag",
        "--force",
        source,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cmd.extend(names.iter().cloned());
    cmd
}

/// Import a tar stream from stdin, client-side (`--local`), into the CRI's
/// namespace.
pub fn import_command() -> Vec<&'static str> {
    vec![
        "ctr",
        "--namespace",
        super::NAMESPACE,
        "images",
        "import",
        "--local",
        "-",
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "sha256:99037dd5818f5dffbfc47b1d5d4dc62f7bcdd59b9f2a34c6cce9246abfad351c";
    const MANIFEST: &str =
        "sha256:1ae10da25e091d6acb6d737bafc61df86ce9f39a5fd9fb6c59143d91318badc7";
    const OTHER: &str = "sha256:6d569045bd7592d0e103466acd1c3edd92b27a4615ae7493e61ee02464d6633c";

    /// What a node printed after `docker save devk-test/app:1 | ctr import`.
    const LISTING: &str = "\
REF                                                                     TYPE                                                 DIGEST                                                                  SIZE      PLATFORMS   LABELS
docker.io/devk-test/app:1                                               application/vnd.docker.distribution.manifest.v2+json sha256:1ae10da25e091d6acb6d737bafc61df86ce9f39a5fd9fb6c59143d91318badc7 2.0 MiB   linux/amd64 io.cri-containerd.image=managed
registry.k8s.io/pause:3.10.2                                            application/vnd.docker.distribution.manifest.v2+json sha256:1a7929befdeb90fd3c68aaa3cce63e4c852133a9a97c4b70a4f239457fc640ca 694.6 KiB linux/amd64 io.cri-containerd.image=managed,io.cri-containerd.pinned=pinned
sha256:99037dd5818f5dffbfc47b1d5d4dc62f7bcdd59b9f2a34c6cce9246abfad351c application/vnd.docker.distribution.manifest.v2+json sha256:1ae10da25e091d6acb6d737bafc61df86ce9f39a5fd9fb6c59143d91318badc7 2.0 MiB   linux/amd64 io.cri-containerd.image=managed
";

    fn wanted(id: &str, names: &[&str]) -> Wanted {
        Wanted {
            id: id.to_string(),
            names: names.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_listing_parses_into_names_and_targets() {
        let store = parse_images_ls(LISTING);
        assert_eq!(store.len(), 3);
        assert_eq!(store[0].name, "docker.io/devk-test/app:1");
        assert_eq!(store[0].target, MANIFEST);
        assert_eq!(store[2].name, ID);
        assert!(parse_images_ls("REF TYPE DIGEST SIZE PLATFORMS LABELS\n").is_empty());
    }

    #[test]
    fn actions_follow_what_the_node_holds() {
        let store = parse_images_ls(LISTING);
        let moved = vec![
            StoredImage {
                name: "docker.io/devk-test/app:1".into(),
                target: OTHER.into(),
            },
            StoredImage {
                name: ID.into(),
                target: MANIFEST.into(),
            },
        ];
        let oci_store = vec![StoredImage {
            name: "docker.io/library/x:1".into(),
            target: OTHER.into(),
        }];
        let cases: Vec<(&str, &[StoredImage], Wanted, NodeAction)> = vec![
            (
                "same ID and name: skip",
                &store,
                wanted(ID, &["docker.io/devk-test/app:1"]),
                NodeAction::Skip,
            ),
            (
                "same ID, new name: tag the ID record",
                &store,
                wanted(ID, &["docker.io/devk-test/app:2"]),
                NodeAction::Retag {
                    source: ID.into(),
                    names: vec!["docker.io/devk-test/app:2".into()],
                },
            ),
            (
                "unknown ID: import",
                &store,
                wanted(OTHER, &["docker.io/devk-test/app:1"]),
                NodeAction::Import,
            ),
            (
                "the name points at another image: tag it back",
                &moved,
                wanted(ID, &["docker.io/devk-test/app:1"]),
                NodeAction::Retag {
                    source: ID.into(),
                    names: vec!["docker.io/devk-test/app:1".into()],
                },
            ),
            (
                "an ID that is a manifest digest matches the target",
                &oci_store,
                wanted(OTHER, &["docker.io/library/x:1"]),
                NodeAction::Skip,
            ),
            (
                "an unnamed image that is there: skip",
                &store,
                wanted(ID, &[]),
                NodeAction::Skip,
            ),
            (
                "an empty node: import",
                &[],
                wanted(ID, &["docker.io/devk-test/app:1"]),
                NodeAction::Import,
            ),
        ];
        for (what, store, wanted, want) in cases {
            assert_eq!(decide(store, &wanted), want, "{what}");
        }
    }

    #[test]
    fn tags_are_forced_in_the_kubelets_namespace() {
        let cmd = tag_command(ID, &["a:1".to_string(), "b:2".to_string()]);
        assert_eq!(
            cmd,
            [
                "ctr",
                "--namespace",
                "k8s.io",
                "images",
                "tag",
                "--force",
                ID,
                "a:1",
                "b:2"
            ]
        );
        assert!(import_command().ends_with(&["--local", "-"]));
    }
}
