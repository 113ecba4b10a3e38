//! Image names as the engine and containerd spell them. Docker accepts
//! `myapp:dev` and means `docker.io/library/myapp:dev`; containerd (and so
//! the kubelet) only knows the full form, so skip checks and tags in a node
//! use that.

/// A reference devk can load: a repository with a tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// As the user wrote it, with `:latest` added when no tag was given
    /// (so `docker save` exports that one tag, not the whole repository).
    pub docker: String,
    /// The fully qualified name containerd records: `docker.io/library/myapp:dev`.
    pub containerd: String,
}

/// Parse a user's image reference. Image IDs and digest references are
/// refused: an import by ID carries no name the kubelet could look up.
pub fn parse(reference: &str) -> Result<ImageRef, String> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err("the image name is empty".to_string());
    }
    if looks_like_id(reference) {
        return Err("that is an image ID; load images by name".to_string());
    }
    if reference.contains('@') {
        return Err(
            "digest references are not supported; load the image by repository:tag".to_string(),
        );
    }
    let (name, tag) = split_tag(reference);
    if name.is_empty() || name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return Err("not a repository name".to_string());
    }
    let (domain, path) = split_domain(name);
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("repository names must be lowercase".to_string());
    }
    if let Some(tag) = tag
        && (tag.is_empty() || tag.contains('/'))
    {
        return Err(format!("{tag:?} is not a tag"));
    }
    let tag = tag.unwrap_or("latest");
    let path = if domain == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    };
    Ok(ImageRef {
        docker: format!("{name}:{tag}"),
        containerd: format!("{domain}/{path}:{tag}"),
    })
}

/// `sha256:<hex>`, or 12 to 64 hex digits: what `docker images` shows as IDs.
fn looks_like_id(reference: &str) -> bool {
    let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
    let all_hex = !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    all_hex && (reference.starts_with("sha256:") || (12..=64).contains(&hex.len()))
}

/// `name[:tag]`; a colon before the last `/` is a registry port.
fn split_tag(reference: &str) -> (&str, Option<&str>) {
    match reference.rfind(':') {
        Some(i) if !reference[i..].contains('/') => (&reference[..i], Some(&reference[i + 1..])),
        _ => (reference, None),
    }
}

/// Docker's rule: the first component is a registry when it has a dot or
/// a port, or is `localhost`.
fn split_domain(name: &str) -> (&str, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            let domain = if first == "index.docker.io" {
                "docker.io"
            } else {
                first
            };
            (domain, rest)
        }
        _ => ("docker.io", name),
    }
}

/// A name from an archive (`RepoTags`, OCI annotations) in containerd's
/// spelling, when it is a full reference.
pub fn containerd_name(reference: &str) -> Option<String> {
    parse(reference).ok().map(|r| r.containerd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_qualified_as_containerd_records_them() {
        let cases = [
            (
                "busybox",
                "busybox:latest",
                "docker.io/library/busybox:latest",
            ),
            ("myapp:dev", "myapp:dev", "docker.io/library/myapp:dev"),
            (
                "devk-test/app:1",
                "devk-test/app:1",
                "docker.io/devk-test/app:1",
            ),
            (
                "docker.io/library/nginx:1.27",
                "docker.io/library/nginx:1.27",
                "docker.io/library/nginx:1.27",
            ),
            (
                "index.docker.io/foo/bar:x",
                "index.docker.io/foo/bar:x",
                "docker.io/foo/bar:x",
            ),
            (
                "localhost:5000/app",
                "localhost:5000/app:latest",
                "localhost:5000/app:latest",
            ),
            ("localhost/app:v2", "localhost/app:v2", "localhost/app:v2"),
            (
                "registry.k8s.io/pause:3.10",
                "registry.k8s.io/pause:3.10",
                "registry.k8s.io/pause:3.10",
            ),
            (
                "Registry.Example:5000/app:1",
                "Registry.Example:5000/app:1",
                "Registry.Example:5000/app:1",
            ),
        ];
        for (input, docker, containerd) in cases {
            let got = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got.docker, docker, "{input}");
            assert_eq!(got.containerd, containerd, "{input}");
        }
    }

    #[test]
    fn ids_digests_and_malformed_names_are_refused() {
        let cases = [
            ("", "empty"),
            (
                "sha256:99037dd5818f5dffbfc47b1d5d4dc62f7bcdd59b9f2a34c6cce9246abfad351c",
                "image ID",
            ),
            ("99037dd5818f", "image ID"),
            (
                "busybox@sha256:1ae10da25e091d6acb6d737bafc61df86ce9f39a5fd9fb6c59143d91318badc7",
                "digest",
            ),
            ("MyApp:dev", "lowercase"),
            ("ghcr.io/Org/app:1", "lowercase"),
            ("app:", "not a tag"),
            ("/app", "not a repository"),
            ("a//b", "not a repository"),
        ];
        for (input, want) in cases {
            let err = parse(input).expect_err(input);
            assert!(err.contains(want), "{input}: {err}");
        }
    }

    #[test]
    fn a_short_hex_name_that_is_not_an_id_length_is_a_name() {
        // `cafe` is a valid repository name and too short to be an ID.
        assert_eq!(
            parse("cafe").unwrap().containerd,
            "docker.io/library/cafe:latest"
        );
    }
}
