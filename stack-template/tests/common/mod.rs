//! What the stack-template tests share: the original StackMate templates.
#![allow(dead_code)]

use std::path::PathBuf;

/// One of the original StackMate templates in `../shared/templates/stackmate/`.
pub fn shared(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/templates/stackmate")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
