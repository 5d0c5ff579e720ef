//! `cloudstack-api/specs/manifest.toml`: the CloudStack releases `cloudstack-api` knows, the facts spec
//! of each (committed beside the manifest), and the full dump it was made from.
//!
//! The build always has the facts. The full dump is optional: it only adds the CloudStack project's
//! descriptions to the generated doc comments. It is looked for, in order, in the workspace's
//! `api-specs/`, in `$CLOUDSTACK_API_SPECS`, and in `../shared/api-specs` beside the workspace; the
//! first file found is used if its sha256 matches the manifest, and reported (never silently used)
//! if it does not.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The manifest's file name inside the specs directory.
pub const FILE_NAME: &str = "manifest.toml";

/// The parsed manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    /// One entry per CloudStack release, oldest first.
    #[serde(rename = "spec", default)]
    pub specs: Vec<ManifestEntry>,
}

/// One CloudStack release.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// The release, e.g. `4.17`.
    pub version: String,
    /// The facts spec's file name, in the specs directory.
    pub facts: String,
    /// The full dump's file name, looked up in the search directories.
    pub dump: String,
    /// Lowercase hex sha256 of the full dump.
    pub dump_sha256: String,
    /// The cargo feature that compiles this release's typed bindings, e.g. `v4_17`; also the module name.
    pub feature: String,
}

/// Why the manifest or a dump could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The manifest could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The manifest path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The manifest is not valid.
    #[error(
        "{path}: {message}. Each [[spec]] needs version, facts, dump, dump_sha256 and feature; see api-specs/README.md"
    )]
    Invalid {
        /// The manifest path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A dump was not found in any search directory.
    #[error("CloudStack {version} API dump `{file}` not found; looked in: {looked}. Put the dump in one of these directories or set CLOUDSTACK_API_SPECS to the directory that holds it (see api-specs/README.md)")]
    Missing {
        /// The version.
        version: String,
        /// The file name.
        file: String,
        /// The directories searched, comma-separated.
        looked: String,
    },
    /// A dump's hash differs from the manifest.
    #[error("{path}: sha256 is {actual}, but the manifest expects {expected} for CloudStack {version}. If you replaced the dump on purpose, import it again with `cargo xtask spec-import`; otherwise restore the original file")]
    HashMismatch {
        /// The version.
        version: String,
        /// The file found.
        path: PathBuf,
        /// The manifest's hash.
        expected: String,
        /// The file's hash.
        actual: String,
    },
    /// A dump could not be read.
    #[error("cannot read {path}: {source}")]
    ReadDump {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Reads and checks a manifest file.
pub fn read_manifest(path: &Path) -> Result<Manifest, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_manifest(&text, path)
}

/// Parses manifest text; `path` is used in messages.
pub fn parse_manifest(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
    let invalid = |message: String| ManifestError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let manifest: Manifest = toml::from_str(text).map_err(|e| invalid(e.to_string().trim().to_string()))?;
    for (i, e) in manifest.specs.iter().enumerate() {
        if e.dump_sha256.len() != 64 || !e.dump_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(format!(
                "spec {i} ({}): dump_sha256 must be 64 hex digits",
                e.version
            )));
        }
        if e.feature.is_empty() || !e.feature.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(invalid(format!(
                "spec {i} ({}): feature {:?} must be letters, digits and '_' (e.g. v4_17)",
                e.version, e.feature
            )));
        }
        for (key, file) in [("dump", &e.dump), ("facts", &e.facts)] {
            if file.is_empty() || file.contains(['/', '\\']) {
                return Err(invalid(format!(
                    "spec {i} ({}): {key} must be a bare file name",
                    e.version
                )));
            }
        }
        if manifest.specs[..i]
            .iter()
            .any(|o| o.version == e.version || o.feature == e.feature)
        {
            return Err(invalid(format!(
                "spec {i} ({}): version and feature must be unique",
                e.version
            )));
        }
    }
    Ok(manifest)
}

/// The manifest as TOML, with the comment that explains it.
pub fn render_manifest(m: &Manifest) -> String {
    let mut body = String::new();
    for e in &m.specs {
        body.push_str(&format!(
            "[[spec]]\nversion = {:?}\nfacts = {:?}\ndump = {:?}\ndump_sha256 = {:?}\nfeature = {:?}\n\n",
            e.version, e.facts, e.dump, e.dump_sha256, e.feature
        ));
    }
    format!(
        "# The CloudStack releases cloudstack-api knows. Each has a facts spec in this directory (API names,\n\
         # types, flags, lengths and response fields, without the dump's descriptions), from which the typed\n\
         # bindings of its cargo feature are generated and which run-time users load. The full dump is\n\
         # optional: when the build finds it (api-specs/, $CLOUDSTACK_API_SPECS, ../shared/api-specs) with\n\
         # this sha256, its descriptions become doc comments. Written by `cargo xtask spec-import`; see\n\
         # api-specs/README.md.\n\n{}",
        body.trim_end()
    ) + "\n"
}

/// The directories full dumps are looked for in, in order: `<workspace>/api-specs`,
/// `$CLOUDSTACK_API_SPECS` (when set), `<workspace>/../shared/api-specs`.
pub fn search_dirs(workspace_root: &Path, env_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = vec![workspace_root.join("api-specs")];
    if let Some(d) = env_dir.filter(|d| !d.as_os_str().is_empty()) {
        dirs.push(d.to_path_buf());
    }
    dirs.push(workspace_root.join("..").join("shared").join("api-specs"));
    dirs
}

/// A dump found and verified.
#[derive(Debug, Clone)]
pub struct LocatedSpec {
    /// Where it was found.
    pub path: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Finds the full dump of `entry` in `dirs` and checks its hash.
pub fn locate(entry: &ManifestEntry, dirs: &[PathBuf]) -> Result<LocatedSpec, ManifestError> {
    let Some(path) = dirs.iter().map(|d| d.join(&entry.dump)).find(|p| p.is_file()) else {
        return Err(ManifestError::Missing {
            version: entry.version.clone(),
            file: entry.dump.clone(),
            looked: dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let bytes = std::fs::read(&path).map_err(|source| ManifestError::ReadDump {
        path: path.clone(),
        source,
    })?;
    let actual = sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(&entry.dump_sha256) {
        return Err(ManifestError::HashMismatch {
            version: entry.version.clone(),
            path,
            expected: entry.dump_sha256.clone(),
            actual,
        });
    }
    Ok(LocatedSpec { path, bytes })
}

/// Lowercase hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `4.17` -> `v4_17`: the feature and module name of a release.
pub fn feature_name(version: &str) -> String {
    let cleaned: String = version
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("v{cleaned}")
}
