//! What the generator tests share: the releases of `cloudstack-api/specs`, their facts, and the full
//! dumps where the build would find them.
// Each test crate uses its own part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use cloudstack_codegen::manifest::{self, LocatedSpec, Manifest, ManifestEntry, ManifestError};
use cloudstack_codegen::spec::ApiSpec;

/// `cloudstack-api/specs`.
pub fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cloudstack-api/specs")
}

/// The checked-in manifest.
pub fn manifest() -> Manifest {
    manifest::read_manifest(&specs_dir().join(manifest::FILE_NAME)).expect("manifest")
}

/// The manifest entry of `version`.
pub fn entry(version: &str) -> ManifestEntry {
    manifest()
        .specs
        .into_iter()
        .find(|e| e.version == version)
        .unwrap_or_else(|| panic!("{version} is not in the manifest"))
}

/// The committed facts spec of `version`, as text.
pub fn facts_text(version: &str) -> String {
    let e = entry(version);
    std::fs::read_to_string(specs_dir().join(&e.facts)).expect("facts file")
}

/// The committed facts spec of `version`, loaded.
pub fn facts(version: &str) -> ApiSpec {
    let e = entry(version);
    cloudstack_codegen::spec::load_slice(facts_text(version).as_bytes(), &e.facts).expect("facts load")
}

/// The full dump of `version` where the build would find it; `None` (with a note on stderr) when it
/// is not on this machine. A dump with the wrong hash fails the test.
pub fn full_dump(version: &str) -> Option<LocatedSpec> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let env_dir = std::env::var_os("CLOUDSTACK_API_SPECS").map(PathBuf::from);
    let dirs = manifest::search_dirs(&root, env_dir.as_deref());
    match manifest::locate(&entry(version), &dirs) {
        Ok(found) => Some(found),
        Err(ManifestError::Missing { looked, .. }) => {
            eprintln!(
                "note: the full {version} dump is not on this machine (looked in {looked}); only the facts are checked"
            );
            None
        }
        Err(e) => panic!("{e}"),
    }
}
