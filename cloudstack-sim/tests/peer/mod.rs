//! Finding the Python that has the peer clients (`cs`, `libcloud`) installed.

use std::path::PathBuf;
use std::process::Command;

/// The Python to run a peer client with: `$STACKMATE_PEER_PYTHON` (set by `cargo xtask test`), the
/// venv `cargo xtask test` makes under `target/peer-venv`, or `python3`, whichever imports `module`.
/// `None` only when `SKIP_PEER_TESTS` is set; otherwise a missing client fails the test with what to do.
pub fn python(module: &str) -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let candidates = std::env::var_os("STACKMATE_PEER_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([target.join("peer-venv/bin/python"), PathBuf::from("python3")]);
    for c in candidates {
        let imports = Command::new(&c)
            .args(["-c", &format!("import {module}")])
            .status()
            .is_ok_and(|s| s.success());
        if imports {
            return Some(c);
        }
    }
    if std::env::var_os("SKIP_PEER_TESTS").is_some() {
        eprintln!("skipping: no Python with `{module}` and SKIP_PEER_TESTS is set");
        return None;
    }
    panic!(
        "no Python with the peer client `{module}`: run the suite with `cargo xtask test` (it installs the \
         peer clients in target/peer-venv), or set STACKMATE_PEER_PYTHON, or SKIP_PEER_TESTS=1"
    );
}
