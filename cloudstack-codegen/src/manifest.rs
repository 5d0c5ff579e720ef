//! `api-specs/manifest.toml`: which CloudStack versions are built, where their dumps are found, and the
//! sha256 each dump must have.
//!
//! Dumps are looked for, in order, in the workspace's `api-specs/`, in `$CLOUDSTACK_API_SPECS`, and in
//! `../shared/api-specs` beside the workspace. The first file found is used; if its hash differs from the
//! manifest, that is an error (a stale or edited dump must not be built silently).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The parsed manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    /// One entry per CloudStack version.
    #[serde(rename = "spec", default)]
    pub specs: Vec<ManifestEntry>,
}

/// One CloudStack version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// The version, e.g. `4.17`.
    pub version: String,
    /// The dump's file name, looked up in the search directories.
    pub file: String,
    /// Lowercase hex sha256 of the dump.
    pub sha256: String,
    /// The cargo feature that enables this version, e.g. `v4_17`; also the module name.
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
    #[error("{path}: {message}. Each [[spec]] needs version, file, sha256 and feature; see api-specs/README.md")]
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
    #[error("{path}: sha256 is {actual}, but api-specs/manifest.toml expects {expected} for CloudStack {version}. If you replaced the dump on purpose, update the sha256 in the manifest; otherwise restore the original file")]
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
        if e.sha256.len() != 64 || !e.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid(format!(
                "spec {i} ({}): sha256 must be 64 hex digits",
                e.version
            )));
        }
        if e.feature.is_empty() || !e.feature.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(invalid(format!(
                "spec {i} ({}): feature {:?} must be letters, digits and '_' (e.g. v4_17)",
                e.version, e.feature
            )));
        }
        if e.file.contains(['/', '\\']) {
            return Err(invalid(format!(
                "spec {i} ({}): file must be a bare file name",
                e.version
            )));
        }
    }
    Ok(manifest)
}

/// The directories dumps are looked for in, in order: `<workspace>/api-specs`, `$CLOUDSTACK_API_SPECS`
/// (when set), `<workspace>/../shared/api-specs`.
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

/// Finds the dump of `entry` in `dirs` and checks its hash.
pub fn locate(entry: &ManifestEntry, dirs: &[PathBuf]) -> Result<LocatedSpec, ManifestError> {
    let Some(path) = dirs.iter().map(|d| d.join(&entry.file)).find(|p| p.is_file()) else {
        return Err(ManifestError::Missing {
            version: entry.version.clone(),
            file: entry.file.clone(),
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
    if !actual.eq_ignore_ascii_case(&entry.sha256) {
        return Err(ManifestError::HashMismatch {
            version: entry.version.clone(),
            path,
            expected: entry.sha256.clone(),
            actual,
        });
    }
    Ok(LocatedSpec { path, bytes })
}

/// Lowercase hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
