//! The releases this crate ships facts for, and finding a [`Version`] by release number.
//!
//! Every release of `specs/manifest.toml` is embedded as its facts spec, whatever cargo features are
//! on; a feature adds only that release's typed bindings. So an engine can plan against any shipped
//! release with no compiled bindings at all, and against any other release by loading its dump
//! ([`Version::load`]).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::load::LoadError;
use crate::registry::Version;

/// A release's facts spec embedded in this crate.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    /// The release, e.g. `4.17`.
    pub version: &'static str,
    /// The facts spec text.
    pub facts: &'static str,
    /// sha256 of the canonical facts.
    pub facts_sha256: &'static str,
}

impl Embedded {
    /// Used by the generated table.
    pub const fn new(version: &'static str, facts: &'static str, facts_sha256: &'static str) -> Self {
        Self {
            version,
            facts,
            facts_sha256,
        }
    }
}

/// Every embedded release, oldest first.
pub fn embedded() -> &'static [Embedded] {
    &crate::EMBEDDED
}

/// The release numbers this crate ships facts for, oldest first.
pub fn releases() -> Vec<&'static str> {
    crate::EMBEDDED.iter().map(|e| e.version).collect()
}

/// Release `v`: its compiled-in tables when its feature is on, otherwise its embedded facts loaded
/// (once per process).
pub fn release(v: &str) -> Result<&'static Version, LoadError> {
    if let Some(compiled) = crate::version(v) {
        return Ok(compiled);
    }
    let e = crate::EMBEDDED
        .iter()
        .find(|e| e.version == v)
        .ok_or_else(|| LoadError::UnknownRelease {
            version: v.to_string(),
            known: releases().join(", "),
        })?;
    // Loaded once per process: later calls cost a lookup, not a parse.
    static LOADED: OnceLock<Mutex<HashMap<&'static str, &'static Version>>> = OnceLock::new();
    let mut loaded = LOADED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(v) = loaded.get(e.version) {
        return Ok(v);
    }
    let version = Version::load(e.facts.as_bytes(), &format!("embedded facts of CloudStack {v}"))?;
    loaded.insert(e.version, version);
    Ok(version)
}

/// The newest shipped release.
pub fn newest() -> Result<&'static Version, LoadError> {
    let e = crate::EMBEDDED.last().ok_or_else(|| LoadError::UnknownRelease {
        version: "(newest)".into(),
        known: String::new(),
    })?;
    release(e.version)
}

/// The shipped or compiled-in release whose facts have this sha256, if any.
pub fn by_sha256(sha256: &str) -> Option<Result<&'static Version, LoadError>> {
    if let Some(v) = crate::VERSIONS.iter().find(|v| v.facts_sha256 == sha256) {
        return Some(Ok(v));
    }
    let e = crate::EMBEDDED.iter().find(|e| e.facts_sha256 == sha256)?;
    Some(release(e.version))
}
