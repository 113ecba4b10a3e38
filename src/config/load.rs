//! Loading a cluster config: read, choose the format by apiVersion/kind,
//! parse strictly, translate kind files, fill defaults, validate. Nothing
//! is created before this returns `Ok`.

use std::fmt;
use std::path::{Path, PathBuf};

use super::error::{ConfigError, Problem};
use super::file::{CLUSTER_KIND, DEVK_API_VERSION, FileCluster, Header};
use super::kind::{self, KIND_API_VERSION, KindCluster};
use super::model::Cluster;
use super::resolve::{normalize, resolve};
use super::validate::validate_except;
use super::yaml;

/// Where a config came from: names it in messages and anchors relative paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

impl Source {
    /// As messages show it: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
        }
    }

    /// The absolute directory relative `hostPath`s are resolved against.
    pub fn base_dir(&self) -> Result<PathBuf, String> {
        let current_dir = || {
            std::env::current_dir()
                .map_err(|err| format!("the current directory is unavailable ({err})"))
        };
        match self {
            Source::File(path) => match path
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty())
            {
                Some(parent) if parent.is_absolute() => Ok(normalize(parent)),
                Some(parent) => Ok(normalize(&current_dir()?.join(parent))),
                None => current_dir(),
            },
            Source::Stdin => current_dir(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Which format the file is in, for translating problem paths back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Devk,
    Kind,
}

/// Parse, translate, default and validate `text`. `name_override` (from
/// `--name` / `DEVK_CLUSTER_NAME`) replaces the file's `name`.
pub fn load(
    source: &Source,
    text: &str,
    name_override: Option<&str>,
) -> Result<Cluster, ConfigError> {
    let source_name = source.name();
    let header: Header = yaml::from_str::<Option<Header>>(&source_name, text)?.unwrap_or_default();
    let api_version = header.api_version.unwrap_or_default();
    let kind_name = header.kind.unwrap_or_default();

    let (file, dialect) = match (api_version.as_str(), kind_name.as_str()) {
        (DEVK_API_VERSION, CLUSTER_KIND) => (
            yaml::from_str::<FileCluster>(&source_name, text)?,
            Dialect::Devk,
        ),
        (KIND_API_VERSION, CLUSTER_KIND) => {
            let kind_file = yaml::from_str::<KindCluster>(&source_name, text)?;
            let file = kind::translate(kind_file).map_err(|problems| ConfigError::Unsupported {
                source_name: source_name.clone(),
                problems,
            })?;
            (file, Dialect::Kind)
        }
        _ => {
            return Err(ConfigError::Version {
                source_name,
                api_version,
                kind: kind_name,
            });
        }
    };

    let base_dir = source.base_dir();
    let (cluster, mut problems) = resolve(
        file,
        base_dir.as_deref().map_err(String::as_str),
        name_override,
    );
    let more = validate_except(&cluster, &problems);
    problems.extend(more);
    if problems.is_empty() {
        return Ok(cluster);
    }
    if dialect == Dialect::Kind {
        for problem in &mut problems {
            problem.path = kind::kind_path(&problem.path);
        }
    }
    sort_in_file_order(&mut problems);
    Err(ConfigError::Invalid {
        source_name,
        problems,
    })
}

/// Read `path` and [`load`] it.
pub fn load_file(path: &Path, name_override: Option<&str>) -> Result<Cluster, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load(&Source::File(path.to_path_buf()), &text, name_override)
}

/// Sections in the order the docs (and most files) write them, nodes by
/// index; a stable sort keeps the order of problems within one place.
fn sort_in_file_order(problems: &mut [Problem]) {
    let rank = |path: &str| -> (u8, usize) {
        let section = path.split(['.', '[']).next().unwrap_or(path);
        let node_index = path
            .strip_prefix("nodes[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|index| index.parse().ok())
            .unwrap_or(0);
        let section_rank = match section {
            "name" => 0,
            "nodes" => 1,
            "networking" => 2,
            _ => 3,
        };
        (section_rank, node_index)
    };
    problems.sort_by_key(|problem| rank(&problem.path));
}
