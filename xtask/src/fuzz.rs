//! `cargo xtask fuzz TARGET [--seconds N]`: a coverage-guided run of a `fuzz/` target with cargo fuzz
//! (libFuzzer), from a corpus assembled under `target/fuzz-corpus/TARGET`:
//! - `template`: the project's templates (the demo's, and `fuzz/seeds/template/web.yaml`) and, where
//!   they are on this machine,
//!   StackMate's original templates from `../shared/templates/stackmate` (read there, never copied
//!   into the repository);
//! - `dump`: the fixture dump and, where they are on this machine, the first APIs of each real dump
//!   in `../shared/api-specs` (each seed kept small, as libFuzzer mutates better on short inputs).
//!
//! It needs `cargo install cargo-fuzz`. cargo fuzz wants a nightly compiler for its default address
//! sanitizer; on a stable toolchain it runs with `RUSTC_BOOTSTRAP=1`, which this task sets.

use std::path::Path;
use std::process::Command;

/// Runs `target` for `seconds`.
pub fn run(root: &Path, target: &str, seconds: u64) -> Result<(), String> {
    if !["template", "dump"].contains(&target) {
        return Err(format!(
            "unknown fuzz target {target:?}; the targets are template and dump"
        ));
    }
    let corpus = crate::test::target_dir(root).join("fuzz-corpus").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let copy = |from: &Path, name: &str| -> Result<(), String> {
        std::fs::copy(from, corpus.join(name))
            .map(|_| ())
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))
    };
    // The project's own inputs, from where they live.
    let own: Vec<std::path::PathBuf> = if target == "template" {
        vec![
            root.join("fuzz/seeds/template/web.yaml"),
            root.join("cloudstack-sim/templates/lamp-demo.json"),
        ]
    } else {
        vec![root.join("cloudstack-golden/fixtures/quirks.json")]
    };
    for path in &own {
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            copy(path, &format!("seed-{name}"))?;
        }
    }
    let shared = root.join("..").join("shared");
    let mut from_shared = 0;
    if target == "template" {
        if let Ok(dir) = std::fs::read_dir(shared.join("templates").join("stackmate")) {
            for entry in dir.flatten() {
                let path = entry.path();
                if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                    copy(&path, &format!("shared-{name}"))?;
                    from_shared += 1;
                }
            }
        }
    } else if let Ok(dir) = std::fs::read_dir(shared.join("api-specs")) {
        for entry in dir.flatten() {
            let path = entry.path();
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let Ok(root_value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                continue;
            };
            let list = root_value
                .get("listapisresponse")
                .unwrap_or(&root_value)
                .get("api")
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (i, chunk) in list.chunks(4).take(8).enumerate() {
                let doc = serde_json::json!({"listapisresponse": {"count": chunk.len(), "api": chunk}});
                let name = format!(
                    "shared-{}-{i}.json",
                    path.file_stem().and_then(|s| s.to_str()).unwrap_or("dump")
                );
                std::fs::write(corpus.join(name), doc.to_string()).map_err(|e| e.to_string())?;
                from_shared += 1;
            }
        }
    }
    println!(
        "corpus {} ({from_shared} seeds from ../shared); running {target} for {seconds} s",
        corpus.display()
    );
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root.join("fuzz"))
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", "-O", target])
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-max_len=65536")
        .arg("-rss_limit_mb=1024")
        .arg("-print_final_stats=1")
        .status()
        .map_err(|e| format!("cannot run cargo fuzz ({e}); install it with `cargo install cargo-fuzz`"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo fuzz run {target} found a failure ({status}); the input is in fuzz/artifacts/{target}/"
        ))
    }
}
