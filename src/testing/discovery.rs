//! From the paths given to `devk test` to suites, tests and ordered steps,
//! with every manifest parsed up front so that a broken file fails before
//! any cluster work.
//!
//! The layout (kuttl's, see docs/test-runner.md):
//!
//! - A directory is a **stepped test** when it holds numbered entries:
//!   files `NN-<name>.yaml` (or `.yml`) and directories `NN-<name>/` holding
//!   YAML. Entries with the same NN form one step; steps run in numeric
//!   order (`0-` and `00-` are the same step). Within a step, `NN-assert*.yaml`
//!   (in a step directory: `assert*.yaml`) must come to match,
//!   `NN-errors*.yaml` (`errors*.yaml`) must not match at the end, and all
//!   else is applied, in name order. Other YAML files in a stepped test are
//!   ignored, as kuttl does, and reported as ignored.
//! - A directory of YAML with no numbered entries and no subdirectories
//!   holding YAML is a **plain test**: one step applying every file in name
//!   order.
//! - Otherwise it is a **suite**: each immediate subdirectory holding YAML
//!   (sorted by name) is a test, stepped or plain. YAML files directly in a
//!   suite directory are not tests; they are reported as ignored (kuttl's
//!   testDirs behave the same) — shared manifests belong in `setup`.
//! - A suite file (`devk-test.yaml` or `kuttl-test.yaml`) makes its
//!   directory a suite root; a kuttl file's `testDirs` name the directories
//!   that hold the tests.
//! - A path to a single YAML file is a plain test of that file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;

use super::error::TestingError;
use super::kuttl::{self, ObjectRef};
use super::manifest::{self, Document, NameRule};
use super::suite_file::{self, DEVK_SUITE_FILE, KUTTL_SUITE_FILE, SuiteConfig};

/// Step timeout when neither the suite file nor a TestAssert sets one.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// The tests found under one path given to `devk test`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    /// The suite's name: the suite file's `metadata.name`, else its directory's name.
    pub name: String,
    pub dir: PathBuf,
    pub config: SuiteConfig,
    pub tests: Vec<TestCase>,
    /// Files found in suite directories that are not part of any test.
    pub ignored: Vec<Ignored>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// The test directory's name (a single file's stem).
    pub name: String,
    /// For JUnit: the directory holding the test (the suite's name, a kuttl
    /// testDir's name, or the test's own name for a single-test path).
    pub classname: String,
    pub dir: PathBuf,
    pub steps: Vec<Step>,
    /// Why this test is not run (`--filter`), if it is not.
    pub skip: Option<String>,
    pub ignored: Vec<Ignored>,
    /// Notes on settings read but not acted on.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// NN of the step's files; 0 for a plain test.
    pub index: u64,
    /// `00-install` for a stepped test, `apply` for a plain one.
    pub label: String,
    /// The step's files, in the order they are read.
    pub files: Vec<PathBuf>,
    /// Objects to apply, in order (use [`manifest::apply_order`] to put
    /// CRDs and Namespaces first).
    pub apply: Vec<Document>,
    /// Objects that must come to match within the step's timeout.
    pub asserts: Vec<Document>,
    /// Objects that must not exist (or not match) at the end of the step.
    pub errors: Vec<Document>,
    /// Objects to delete before applying (kuttl TestStep `delete`).
    pub delete: Vec<ObjectRef>,
    /// A kuttl TestAssert's timeout, overriding the suite's.
    pub timeout: Option<Duration>,
}

impl Step {
    /// The time this step's asserts and rollouts may take.
    pub fn timeout(&self, config: &SuiteConfig) -> Duration {
        self.timeout
            .or(config.timeout)
            .unwrap_or(DEFAULT_STEP_TIMEOUT)
    }
}

/// A file that is not part of any test, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Ignored {
    pub path: PathBuf,
    pub reason: String,
}

/// Find every test under `paths`. With a filter, tests whose name does not
/// match are kept but marked skipped.
pub fn discover(paths: &[PathBuf], filter: Option<&str>) -> Result<Vec<Suite>, TestingError> {
    let filter = filter.map(compile_filter).transpose()?;
    let mut suites = Vec::new();
    for path in paths {
        let mut suite = discover_path(path)?;
        if let Some(filter) = &filter {
            apply_filter(&mut suite, filter);
        }
        suites.push(suite);
    }
    Ok(suites)
}

/// `--filter`'s regular expression.
pub fn compile_filter(pattern: &str) -> Result<Regex, TestingError> {
    Regex::new(pattern).map_err(|e| TestingError::Filter {
        pattern: pattern.to_string(),
        message: e.to_string(),
    })
}

/// Mark the tests whose name `filter` does not match as skipped.
pub fn apply_filter(suite: &mut Suite, filter: &Regex) {
    for test in &mut suite.tests {
        if test.skip.is_none() && !filter.is_match(&test.name) {
            test.skip = Some(format!("filtered out by --filter '{}'", filter.as_str()));
        }
    }
}

/// The objects of the suite's `setup` entries, in order.
pub fn load_setup(config: &SuiteConfig) -> Result<Vec<Document>, TestingError> {
    let mut documents = Vec::new();
    for path in &config.setup {
        documents.extend(load_manifests(path, NameRule::Required)?);
    }
    Ok(documents)
}

/// The documents of a YAML file, or of the YAML files directly in a
/// directory (in name order).
pub fn load_manifests(path: &Path, rule: NameRule) -> Result<Vec<Document>, TestingError> {
    if path.is_dir() {
        let mut documents = Vec::new();
        for file in list_dir(path)?.yaml_files {
            documents.extend(manifest::parse_file(&file, rule)?);
        }
        Ok(documents)
    } else {
        manifest::parse_file(path, rule)
    }
}

fn discover_path(path: &Path) -> Result<Suite, TestingError> {
    let dir_name = display_name(path);
    if path.is_file() {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if file_name == DEVK_SUITE_FILE || file_name == KUTTL_SUITE_FILE {
            let config = suite_file::load_suite_file(path)?;
            let dir = path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            return suite_from_config(&dir, config);
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(&dir_name)
            .to_string();
        let step = plain_step(vec![path.to_path_buf()])?;
        let test = TestCase {
            name: name.clone(),
            classname: name.clone(),
            dir: path
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            steps: vec![step],
            skip: None,
            ignored: Vec::new(),
            warnings: Vec::new(),
        };
        return Ok(Suite {
            name,
            dir: path.to_path_buf(),
            config: SuiteConfig::default(),
            tests: vec![test],
            ignored: Vec::new(),
        });
    }

    let listing = list_dir(path)?;
    let devk_file = path.join(DEVK_SUITE_FILE);
    let kuttl_file = path.join(KUTTL_SUITE_FILE);
    let config = match (devk_file.is_file(), kuttl_file.is_file()) {
        (true, true) => {
            return Err(TestingError::Layout {
                path: path.to_path_buf(),
                message: format!("has both {DEVK_SUITE_FILE} and {KUTTL_SUITE_FILE}; keep one"),
            });
        }
        (true, false) => Some(suite_file::load_suite_file(&devk_file)?),
        (false, true) => Some(suite_file::load_suite_file(&kuttl_file)?),
        (false, false) => None,
    };
    match config {
        Some(config) => suite_from_config(path, config),
        None => {
            let mut suite = Suite {
                name: dir_name.clone(),
                dir: path.to_path_buf(),
                config: SuiteConfig::default(),
                tests: Vec::new(),
                ignored: Vec::new(),
            };
            collect_tests(path, &listing, &dir_name, &[], &mut suite)?;
            if suite.tests.is_empty() {
                return Err(TestingError::NoTests {
                    path: path.to_path_buf(),
                });
            }
            Ok(suite)
        }
    }
}

fn suite_from_config(dir: &Path, config: SuiteConfig) -> Result<Suite, TestingError> {
    let name = config.name.clone().unwrap_or_else(|| display_name(dir));
    let test_dirs = if config.test_dirs.is_empty() {
        vec![dir.to_path_buf()]
    } else {
        config.test_dirs.clone()
    };
    let mut suite = Suite {
        name: name.clone(),
        dir: dir.to_path_buf(),
        config,
        tests: Vec::new(),
        ignored: Vec::new(),
    };
    for test_dir in &test_dirs {
        let listing = list_dir(test_dir)?;
        // The suite root's own tests carry the suite's name; a kuttl
        // testDir's tests carry the testDir's.
        let classname = if test_dir == dir {
            name.clone()
        } else {
            display_name(test_dir)
        };
        let setup = suite.config.setup.clone();
        collect_tests(test_dir, &listing, &classname, &setup, &mut suite)?;
    }
    if suite.tests.is_empty() {
        return Err(TestingError::NoTests {
            path: dir.to_path_buf(),
        });
    }
    Ok(suite)
}

/// The tests in `dir`: itself (stepped, or plain without test subdirectories),
/// or each subdirectory holding YAML. `setup` paths are not tests.
fn collect_tests(
    dir: &Path,
    listing: &Listing,
    classname: &str,
    setup: &[PathBuf],
    suite: &mut Suite,
) -> Result<(), TestingError> {
    let is_setup = |path: &Path| {
        let real = std::fs::canonicalize(path).ok();
        setup
            .iter()
            .any(|s| std::fs::canonicalize(s).ok() == real && real.is_some())
    };
    let yaml_files: Vec<&PathBuf> = listing
        .yaml_files
        .iter()
        .filter(|f| !is_suite_file(f) && !is_setup(f))
        .collect();
    let test_dirs: Vec<&PathBuf> = listing
        .dirs
        .iter()
        .filter(|d| (holds_yaml(d) || has_step_dirs(d)) && !is_setup(d))
        .collect();

    if listing.has_step_entries() {
        suite
            .tests
            .push(load_test(dir, &display_name(dir), classname)?);
        return Ok(());
    }
    if test_dirs.is_empty() {
        if !yaml_files.is_empty() {
            suite
                .tests
                .push(load_test(dir, &display_name(dir), classname)?);
        }
        return Ok(());
    }
    for file in yaml_files {
        suite.ignored.push(Ignored {
            path: file.clone(),
            reason: "YAML directly in a suite directory is not a test: move it into a test directory, or list it under setup in devk-test.yaml".to_string(),
        });
    }
    for test_dir in test_dirs {
        suite
            .tests
            .push(load_test(test_dir, &display_name(test_dir), classname)?);
    }
    Ok(())
}

/// One test directory: stepped if it has numbered entries, else plain.
fn load_test(dir: &Path, name: &str, classname: &str) -> Result<TestCase, TestingError> {
    let listing = list_dir(dir)?;
    let mut test = TestCase {
        name: name.to_string(),
        classname: classname.to_string(),
        dir: dir.to_path_buf(),
        steps: Vec::new(),
        skip: None,
        ignored: Vec::new(),
        warnings: Vec::new(),
    };
    if !listing.has_step_entries() {
        let files: Vec<PathBuf> = listing
            .yaml_files
            .iter()
            .filter(|f| !is_suite_file(f))
            .cloned()
            .collect();
        test.steps.push(plain_step(files)?);
        return Ok(test);
    }

    // Group numbered entries by NN; BTreeMap keeps numeric order.
    let mut groups: std::collections::BTreeMap<u64, Vec<StepEntry>> = Default::default();
    for file in &listing.yaml_files {
        let file_name = file_name_of(file);
        match parse_step_file_name(file_name) {
            Some((digits, rest)) => {
                let index = step_index(dir, digits)?;
                groups.entry(index).or_default().push(StepEntry::File {
                    path: file.clone(),
                    digits: digits.to_string(),
                    rest: rest.to_string(),
                });
            }
            None if is_suite_file(file) => {}
            None => test.ignored.push(Ignored {
                path: file.clone(),
                reason: "not a step file (NN-<name>.yaml) in a test with numbered steps"
                    .to_string(),
            }),
        }
    }
    for sub in &listing.dirs {
        match parse_step_dir_name(file_name_of(sub)) {
            Some((digits, rest)) if holds_yaml(sub) => {
                let index = step_index(dir, digits)?;
                groups.entry(index).or_default().push(StepEntry::Dir {
                    path: sub.clone(),
                    digits: digits.to_string(),
                    rest: rest.to_string(),
                });
            }
            _ if holds_yaml(sub) => test.ignored.push(Ignored {
                path: sub.clone(),
                reason: "not a step directory (NN-<name>/) in a test with numbered steps"
                    .to_string(),
            }),
            _ => {}
        }
    }
    for (index, mut entries) in groups {
        entries.sort_by(|a, b| a.path().cmp(b.path()));
        let step = load_step(dir, index, entries, &mut test.warnings)?;
        test.steps.push(step);
    }
    Ok(test)
}

enum StepEntry {
    File {
        path: PathBuf,
        digits: String,
        rest: String,
    },
    Dir {
        path: PathBuf,
        digits: String,
        rest: String,
    },
}

impl StepEntry {
    fn path(&self) -> &Path {
        match self {
            StepEntry::File { path, .. } | StepEntry::Dir { path, .. } => path,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Apply,
    Assert,
    Errors,
}

/// `assert`, `assert-*` → assert; `errors`, `errors-*` → errors (kuttl's
/// rule: the first dash-separated word of the name after `NN-`).
fn role_of_step_file(rest_without_extension: &str) -> Role {
    let word = rest_without_extension.split('-').next().unwrap_or("");
    match word {
        "assert" => Role::Assert,
        "errors" => Role::Errors,
        _ => Role::Apply,
    }
}

/// In a step directory: `assert*.yaml` and `errors*.yaml`.
fn role_in_step_dir(file_name: &str) -> Role {
    if file_name.starts_with("assert") {
        Role::Assert
    } else if file_name.starts_with("errors") {
        Role::Errors
    } else {
        Role::Apply
    }
}

fn load_step(
    test_dir: &Path,
    index: u64,
    entries: Vec<StepEntry>,
    warnings: &mut Vec<String>,
) -> Result<Step, TestingError> {
    let mut files: Vec<(PathBuf, Role)> = Vec::new();
    // (NN as written, name): from the first file to apply, else the first file.
    let mut name_from_files: Option<(String, String)> = None;
    let mut fallback_name: Option<(String, String)> = None;
    for entry in &entries {
        match entry {
            StepEntry::File { path, digits, rest } => {
                let role = role_of_step_file(rest);
                if role == Role::Apply {
                    name_from_files.get_or_insert_with(|| (digits.clone(), rest.clone()));
                }
                fallback_name.get_or_insert_with(|| (digits.clone(), rest.clone()));
                files.push((path.clone(), role));
            }
            StepEntry::Dir { path, digits, rest } => {
                name_from_files.get_or_insert_with(|| (digits.clone(), rest.clone()));
                for file in list_dir(path)?.yaml_files {
                    let role = role_in_step_dir(file_name_of(&file));
                    files.push((file, role));
                }
            }
        }
    }

    let mut step = Step {
        index,
        label: String::new(),
        files: files.iter().map(|(p, _)| p.clone()).collect(),
        apply: Vec::new(),
        asserts: Vec::new(),
        errors: Vec::new(),
        delete: Vec::new(),
        timeout: None,
    };
    let mut step_name_override: Option<String> = None;
    let mut test_step_file: Option<PathBuf> = None;
    for (path, role) in &files {
        let rule = if *role == Role::Apply {
            NameRule::Required
        } else {
            NameRule::Optional
        };
        for document in manifest::parse_file(path, rule)? {
            match kuttl::kuttl_kind(&document) {
                Some("TestStep") => {
                    if let Some(first) = &test_step_file {
                        return Err(TestingError::Layout {
                            path: path.clone(),
                            message: format!(
                                "a second kuttl TestStep for step {index} (the first is in {})",
                                first.display()
                            ),
                        });
                    }
                    test_step_file = Some(path.clone());
                    let settings = kuttl::test_step(&document, test_dir)?;
                    step_name_override = settings.name;
                    step.delete.extend(settings.delete);
                    for extra in &settings.apply {
                        step.apply
                            .extend(load_manifests(extra, NameRule::Required)?);
                    }
                    for extra in &settings.assert {
                        step.asserts
                            .extend(load_manifests(extra, NameRule::Optional)?);
                    }
                    for extra in &settings.error {
                        step.errors
                            .extend(load_manifests(extra, NameRule::Optional)?);
                    }
                }
                Some("TestAssert") => {
                    let settings = kuttl::test_assert(&document)?;
                    if settings.timeout.is_some() {
                        step.timeout = settings.timeout;
                    }
                    warnings.extend(settings.warnings);
                }
                Some(other) => {
                    return Err(TestingError::Layout {
                        path: path.clone(),
                        message: format!(
                            "a kuttl {other} belongs in {KUTTL_SUITE_FILE}, not in a step"
                        ),
                    });
                }
                None => match role {
                    Role::Apply => step.apply.push(document),
                    Role::Assert => step.asserts.push(document),
                    Role::Errors => step.errors.push(document),
                },
            }
        }
    }
    let (digits, file_name) = name_from_files
        .or(fallback_name)
        .unwrap_or_else(|| (index.to_string(), "step".to_string()));
    let name = step_name_override.unwrap_or(file_name);
    step.label = format!("{digits}-{name}");
    Ok(step)
}

fn plain_step(files: Vec<PathBuf>) -> Result<Step, TestingError> {
    let mut apply = Vec::new();
    for file in &files {
        apply.extend(manifest::parse_file(file, NameRule::Required)?);
    }
    Ok(Step {
        index: 0,
        label: "apply".to_string(),
        files,
        apply,
        asserts: Vec::new(),
        errors: Vec::new(),
        delete: Vec::new(),
        timeout: None,
    })
}

fn step_index(dir: &Path, digits: &str) -> Result<u64, TestingError> {
    digits.parse().map_err(|_| TestingError::Layout {
        path: dir.to_path_buf(),
        message: format!("step number {digits} is too large"),
    })
}

/// `NN-<name>.yaml` → (NN, name).
fn parse_step_file_name(file_name: &str) -> Option<(&str, &str)> {
    let stem = file_name
        .strip_suffix(".yaml")
        .or_else(|| file_name.strip_suffix(".yml"))?;
    parse_step_dir_name(stem)
}

/// `NN-<name>` → (NN, name).
fn parse_step_dir_name(name: &str) -> Option<(&str, &str)> {
    let (digits, rest) = name.split_once('-')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || rest.is_empty() {
        return None;
    }
    Some((digits, rest))
}

/// A directory's entries, sorted by name; hidden entries skipped.
struct Listing {
    yaml_files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Listing {
    fn has_step_entries(&self) -> bool {
        self.yaml_files
            .iter()
            .any(|f| parse_step_file_name(file_name_of(f)).is_some())
            || self
                .dirs
                .iter()
                .any(|d| parse_step_dir_name(file_name_of(d)).is_some() && holds_yaml(d))
    }
}

fn list_dir(dir: &Path) -> Result<Listing, TestingError> {
    let read_error = |source| TestingError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_error)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(read_error)?;
    paths.sort();
    let mut listing = Listing {
        yaml_files: Vec::new(),
        dirs: Vec::new(),
    };
    for path in paths {
        if file_name_of(&path).starts_with('.') {
            continue;
        }
        if path.is_dir() {
            listing.dirs.push(path);
        } else if is_yaml(&path) {
            listing.yaml_files.push(path);
        }
    }
    Ok(listing)
}

fn holds_yaml(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            is_yaml(&e.path()) && e.path().is_file() && !file_name_of(&e.path()).starts_with('.')
        })
    })
}

fn has_step_dirs(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let path = e.path();
            path.is_dir() && parse_step_dir_name(file_name_of(&path)).is_some() && holds_yaml(&path)
        })
    })
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

fn is_suite_file(path: &Path) -> bool {
    matches!(file_name_of(path), DEVK_SUITE_FILE | KUTTL_SUITE_FILE)
}

fn file_name_of(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// A directory's name, resolving `.` and `..` to the real one.
fn display_name(path: &Path) -> String {
    let named = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string);
    named
        .or_else(|| {
            std::fs::canonicalize(path)
                .ok()
                .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
        })
        .unwrap_or_else(|| "test".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: NAME}\n";

    fn cm(name: &str) -> String {
        CM.replace("NAME", name)
    }

    /// Write `files` (path, content) under a fresh temp dir.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content).unwrap();
        }
        dir
    }

    fn names(documents: &[Document]) -> Vec<String> {
        documents
            .iter()
            .map(|d| d.name().unwrap_or("-").to_string())
            .collect()
    }

    fn one(dir: &Path) -> Suite {
        discover(&[dir.to_path_buf()], None).unwrap().remove(0)
    }

    #[test]
    fn plain_directory_is_one_single_step_test() {
        let t = tree(&[
            ("app/b.yaml", &cm("b")),
            ("app/a.yml", &cm("a")),
            ("app/README.md", "x"),
        ]);
        let suite = one(&t.path().join("app"));
        assert_eq!(suite.tests.len(), 1);
        let test = &suite.tests[0];
        assert_eq!(
            (test.name.as_str(), test.classname.as_str()),
            ("app", "app")
        );
        assert_eq!(test.steps.len(), 1);
        assert_eq!(test.steps[0].label, "apply");
        assert_eq!(names(&test.steps[0].apply), ["a", "b"], "name order");
        assert!(test.ignored.is_empty());
    }

    #[test]
    fn suite_directory_holds_one_test_per_subdirectory() {
        let t = tree(&[
            ("suite/zeta/a.yaml", &cm("z")),
            ("suite/alpha/00-install.yaml", &cm("a0")),
            ("suite/alpha/01-upgrade.yaml", &cm("a1")),
            ("suite/stray.yaml", &cm("stray")),
            ("suite/empty/notes.txt", "x"),
        ]);
        let suite = one(&t.path().join("suite"));
        assert_eq!(suite.name, "suite");
        let tests: Vec<(&str, usize, &str)> = suite
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.steps.len(), t.classname.as_str()))
            .collect();
        assert_eq!(tests, [("alpha", 2, "suite"), ("zeta", 1, "suite")]);
        assert_eq!(suite.ignored.len(), 1);
        assert!(suite.ignored[0].path.ends_with("stray.yaml"));
        assert!(suite.ignored[0].reason.contains("setup"));
    }

    #[test]
    fn numbered_steps_run_in_numeric_order_and_share_a_number() {
        let t = tree(&[
            ("t/10-last.yaml", &cm("last")),
            ("t/2-second.yaml", &cm("second")),
            ("t/00-install.yaml", &cm("install")),
            ("t/0-more.yaml", &cm("more")),
            (
                "t/00-assert.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: install}\n",
            ),
            (
                "t/00-assert-pods.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata: {labels: {app: web}}\n",
            ),
            ("t/02-errors.yaml", &cm("gone")),
            ("t/02-errors-more.yml", &cm("gone2")),
            ("t/notes.yaml", &cm("ignored")),
            ("t/helpers/x.yaml", &cm("ignored-dir")),
        ]);
        let test = one(&t.path().join("t")).tests.remove(0);
        let steps: Vec<(u64, &str)> = test
            .steps
            .iter()
            .map(|s| (s.index, s.label.as_str()))
            .collect();
        // 0-more.yaml sorts before 00-install.yaml, so step 0 is named after it.
        assert_eq!(steps, [(0, "0-more"), (2, "2-second"), (10, "10-last")]);
        let zero = &test.steps[0];
        assert_eq!(names(&zero.apply), ["more", "install"]);
        // "00-assert-pods.yaml" sorts before "00-assert.yaml" ('-' < '.').
        assert_eq!(
            names(&zero.asserts),
            ["-", "install"],
            "nameless asserts are allowed"
        );
        assert!(zero.errors.is_empty());
        let two = &test.steps[1];
        assert_eq!(names(&two.apply), ["second"]);
        assert_eq!(names(&two.errors), ["gone2", "gone"]);
        let ignored: Vec<String> = test
            .ignored
            .iter()
            .map(|i| file_name_of(&i.path).to_string())
            .collect();
        assert_eq!(ignored, ["notes.yaml", "helpers"]);
    }

    #[test]
    fn step_directories_recognise_assert_and_errors_files() {
        let t = tree(&[
            ("t/00-setup/b.yaml", &cm("b")),
            ("t/00-setup/a.yaml", &cm("a")),
            ("t/00-setup/assert.yaml", &cm("a")),
            ("t/00-setup/errors-old.yaml", &cm("old")),
            ("t/01-check.yaml", &cm("c")),
        ]);
        let test = one(&t.path().join("t")).tests.remove(0);
        assert_eq!(test.steps.len(), 2);
        let step = &test.steps[0];
        assert_eq!(step.label, "00-setup");
        assert_eq!(names(&step.apply), ["a", "b"]);
        assert_eq!(names(&step.asserts), ["a"]);
        assert_eq!(names(&step.errors), ["old"]);
        assert_eq!(step.files.len(), 4);
    }

    #[test]
    fn a_suite_of_step_directory_tests() {
        // A test made only of step directories is still a test of the suite.
        let t = tree(&[("s/t1/00-a/x.yaml", &cm("x")), ("s/t2/b.yaml", &cm("b"))]);
        let suite = one(&t.path().join("s"));
        let tests: Vec<&str> = suite.tests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(tests, ["t1", "t2"]);
        assert_eq!(suite.tests[0].steps[0].label, "00-a");
    }

    #[test]
    fn kuttl_test_step_and_test_assert_in_steps() {
        let t = tree(&[
            ("t/00-install.yaml", &cm("a")),
            (
                "t/01-delete.yaml",
                "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\nmetadata: {name: cleanup}\ndelete:\n- {apiVersion: v1, kind: ConfigMap, name: a}\napply: [../shared.yaml]\n",
            ),
            (
                "t/01-assert.yaml",
                "apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeout: 45\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n",
            ),
            ("shared.yaml", &cm("shared")),
        ]);
        let test = one(&t.path().join("t")).tests.remove(0);
        let step = &test.steps[1];
        assert_eq!(step.label, "01-cleanup");
        assert_eq!(step.delete.len(), 1);
        assert_eq!(step.delete[0].name.as_deref(), Some("a"));
        assert_eq!(
            names(&step.apply),
            ["shared"],
            "the TestStep itself is not applied"
        );
        assert_eq!(
            names(&step.asserts),
            ["shared"],
            "the TestAssert itself is not asserted"
        );
        assert_eq!(step.timeout, Some(Duration::from_secs(45)));
        assert_eq!(
            step.timeout(&SuiteConfig::default()),
            Duration::from_secs(45)
        );
        assert_eq!(
            test.steps[0].timeout(&SuiteConfig::default()),
            DEFAULT_STEP_TIMEOUT
        );
    }

    #[test]
    fn kuttl_commands_fail_discovery_naming_the_file() {
        let t = tree(&[(
            "t/00-run.yaml",
            "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\ncommands:\n- script: ./x.sh\n",
        )]);
        let err = discover(&[t.path().join("t")], None).unwrap_err();
        assert!(
            err.to_string()
                .contains("00-run.yaml: kuttl TestStep commands"),
            "{err}"
        );
        let t = tree(&[
            (
                "t/00-a.yaml",
                "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\n",
            ),
            (
                "t/00-b.yaml",
                "apiVersion: kuttl.dev/v1beta1\nkind: TestStep\n",
            ),
        ]);
        let err = discover(&[t.path().join("t")], None).unwrap_err();
        assert!(
            err.to_string()
                .contains("a second kuttl TestStep for step 0"),
            "{err}"
        );
    }

    #[test]
    fn broken_manifests_fail_discovery() {
        let t = tree(&[("t/00-a.yaml", "apiVersion: v1\nkind: ConfigMap\n")]);
        let err = discover(&[t.path().join("t")], None).unwrap_err();
        assert!(
            err.to_string()
                .contains("00-a.yaml: document 1 (line 1): missing metadata.name"),
            "{err}"
        );
    }

    #[test]
    fn devk_suite_file_with_setup_and_tests() {
        let t = tree(&[
            (
                "s/devk-test.yaml",
                "apiVersion: devk.dev/v1alpha1\nkind: TestSuite\nmetadata: {name: smoke}\ntimeout: 30s\nsetup: [crds]\n",
            ),
            (
                "s/crds/widget.yaml",
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\n",
            ),
            ("s/one/a.yaml", &cm("a")),
        ]);
        let suite = one(&t.path().join("s"));
        assert_eq!(suite.name, "smoke");
        // crds/ holds YAML too, but it is listed in setup, so it is not a test.
        let tests: Vec<&str> = suite.tests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(tests, ["one"]);
        assert_eq!(suite.tests[0].classname, "smoke");
        assert_eq!(
            suite.tests[0].steps[0].timeout(&suite.config),
            Duration::from_secs(30)
        );
        let setup = load_setup(&suite.config).unwrap();
        assert_eq!(setup.len(), 1);
        assert!(setup[0].is_crd());
    }

    #[test]
    fn kuttl_suite_file_test_dirs() {
        let t = tree(&[
            (
                "repo/kuttl-test.yaml",
                "apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\ntestDirs: [e2e]\ntimeout: 60\n",
            ),
            ("repo/e2e/basic/00-install.yaml", &cm("a")),
            ("repo/e2e/basic/00-assert.yaml", &cm("a")),
            ("repo/e2e/other/01-x.yaml", &cm("b")),
            ("repo/unrelated/z.yaml", &cm("z")),
        ]);
        let suite = one(&t.path().join("repo"));
        let tests: Vec<(&str, &str)> = suite
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.classname.as_str()))
            .collect();
        assert_eq!(tests, [("basic", "e2e"), ("other", "e2e")]);
        assert_eq!(suite.config.timeout, Some(Duration::from_secs(60)));
        // Pointing at the suite file itself works the same.
        let again = discover(&[t.path().join("repo/kuttl-test.yaml")], None)
            .unwrap()
            .remove(0);
        assert_eq!(again.tests.len(), 2);
    }

    #[test]
    fn filter_marks_tests_skipped() {
        let t = tree(&[
            ("s/smoke-a/a.yaml", &cm("a")),
            ("s/slow-b/b.yaml", &cm("b")),
            ("s/smoke-c/c.yaml", &cm("c")),
        ]);
        let suite = discover(&[t.path().join("s")], Some("^smoke-"))
            .unwrap()
            .remove(0);
        let skipped: Vec<(&str, bool)> = suite
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.skip.is_some()))
            .collect();
        assert_eq!(
            skipped,
            [("slow-b", true), ("smoke-a", false), ("smoke-c", false)]
        );
        assert!(
            suite.tests[0]
                .skip
                .as_deref()
                .unwrap()
                .contains("--filter '^smoke-'")
        );
        let err = discover(&[t.path().join("s")], Some("(")).unwrap_err();
        assert!(matches!(err, TestingError::Filter { .. }), "{err:?}");
    }

    #[test]
    fn single_file_path_and_empty_directories() {
        let t = tree(&[("x/app.yaml", &cm("a")), ("empty/readme.md", "x")]);
        let suite = one(&t.path().join("x/app.yaml"));
        assert_eq!(suite.tests[0].name, "app");
        assert_eq!(names(&suite.tests[0].steps[0].apply), ["a"]);
        let err = discover(&[t.path().join("empty")], None).unwrap_err();
        assert!(matches!(err, TestingError::NoTests { .. }), "{err:?}");
        let err = discover(&[t.path().join("missing")], None).unwrap_err();
        assert!(matches!(err, TestingError::Read { .. }), "{err:?}");
    }

    #[test]
    fn both_suite_files_is_an_error() {
        let t = tree(&[
            (
                "s/devk-test.yaml",
                "apiVersion: devk.dev/v1alpha1\nkind: TestSuite\n",
            ),
            (
                "s/kuttl-test.yaml",
                "apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\n",
            ),
            ("s/t/a.yaml", &cm("a")),
        ]);
        let err = discover(&[t.path().join("s")], None).unwrap_err();
        assert!(err.to_string().contains("keep one"), "{err}");
    }

    #[test]
    fn step_name_parsing() {
        assert_eq!(
            parse_step_file_name("00-install.yaml"),
            Some(("00", "install"))
        );
        assert_eq!(parse_step_file_name("7-a-b.yml"), Some(("7", "a-b")));
        assert_eq!(parse_step_file_name("install.yaml"), None);
        assert_eq!(parse_step_file_name("00-.yaml"), None);
        assert_eq!(parse_step_file_name("00-x.json"), None);
        assert_eq!(parse_step_file_name("v1-x.yaml"), None);
        assert!(role_of_step_file("assert") == Role::Assert);
        assert!(role_of_step_file("assert-pods") == Role::Assert);
        assert!(role_of_step_file("asserts") == Role::Apply);
        assert!(role_of_step_file("errors-x") == Role::Errors);
        assert!(role_in_step_dir("assert-db.yaml") == Role::Assert);
    }
}
