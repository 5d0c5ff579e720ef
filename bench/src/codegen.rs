//! `cargo xtask bench codegen`: per release, the facts spec's size, the time to load a spec at run
//! time and derive its participants, generator time and generated lines; then clean build times of
//! `cloudstack-api` with one release and with all of them.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use cloudstack_codegen::manifest;

/// Runs the benchmark and prints a table.
pub fn run(root: &Path) -> Result<(), String> {
    let specs_dir = root.join("cloudstack-api").join("specs");
    let manifest = manifest::read_manifest(&specs_dir.join(manifest::FILE_NAME)).map_err(|e| e.to_string())?;
    let env_dir = std::env::var_os("CLOUDSTACK_API_SPECS").map(std::path::PathBuf::from);
    let dirs = manifest::search_dirs(root, env_dir.as_deref());
    println!("per release, median of 5 runs (release profile):");
    println!("  facts: size of the committed facts spec; run-time load: parse it, derive participants and API tables");
    println!("  (cloudstack_api::Version::load); generator: load + plan + emit, from the full dump when found");
    println!(
        "{:<8} {:>10} {:>14} {:>12} {:>10} {:>8} {:>8} {:>10} {:>8}",
        "release", "facts MB", "run-time ms", "gen load ms", "emit ms", "apis", "structs", "lines", "partic."
    );
    for entry in &manifest.specs {
        let facts = std::fs::read(specs_dir.join(&entry.facts)).map_err(|e| format!("{}: {e}", entry.facts))?;
        let mut runtime = Vec::new();
        let mut participants = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let v = cloudstack_api::Version::load_uninterned(&facts, &entry.facts).map_err(|e| e.to_string())?;
            runtime.push(t.elapsed());
            participants = v.participants.len();
        }
        let source = match manifest::locate(entry, &dirs) {
            Ok(found) => found.bytes,
            Err(_) => facts.clone(),
        };
        let mut loads = Vec::new();
        let mut emits = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let t = Instant::now();
            let spec = cloudstack_codegen::spec::load_slice(&source, &entry.dump).map_err(|e| e.to_string())?;
            loads.push(t.elapsed());
            let t = Instant::now();
            let g = cloudstack_codegen::generate(&spec, &entry.version).map_err(|e| e.to_string())?;
            // Include the stringification the build script does.
            let text = g.tokens.to_string();
            emits.push(t.elapsed());
            last = Some((g, text.len()));
        }
        let (g, _) = last.ok_or("no run")?;
        if g.stats.participants != participants {
            return Err(format!(
                "{}: the generator finds {} participants, the run-time load {participants}",
                entry.version, g.stats.participants
            ));
        }
        let lines = cloudstack_codegen::format_source(&g.tokens)
            .map_err(|e| e.to_string())?
            .lines()
            .count();
        println!(
            "{:<8} {:>10.2} {:>14.1} {:>12.1} {:>10.1} {:>8} {:>8} {:>10} {:>8}",
            entry.version,
            facts.len() as f64 / 1e6,
            ms(median(&mut runtime)),
            ms(median(&mut loads)),
            ms(median(&mut emits)),
            g.stats.apis,
            g.stats.structs,
            lines,
            g.stats.participants
        );
    }
    let target = root.join("target").join("bench-codegen");
    let newest = manifest.specs.last().ok_or("the manifest lists no versions")?;
    let all: Vec<&str> = manifest.specs.iter().map(|e| e.feature.as_str()).collect();
    println!("\nclean builds of cloudstack-api (dev profile, own target dir, all dependencies included):");
    for (label, features) in [
        ("none".to_string(), String::new()),
        (newest.feature.clone(), newest.feature.clone()),
        ("all".to_string(), all.join(",")),
    ] {
        let _ = std::fs::remove_dir_all(&target);
        let full = cargo_build(root, &target, &features)?;
        // Rebuild only the generated crate: what a change of dump costs.
        let status = Command::new(env!("CARGO"))
            .current_dir(root)
            .env("CARGO_TARGET_DIR", &target)
            .args(["clean", "--quiet", "-p", "cloudstack-api"])
            .status()
            .map_err(|e| format!("cargo clean: {e}"))?;
        if !status.success() {
            return Err("cargo clean -p cloudstack-api failed".into());
        }
        let own = cargo_build(root, &target, &features)?;
        println!(
            "  features {label:<8} clean build {:>6.1} s, cloudstack-api alone (build script + crate) {:>6.1} s",
            full.as_secs_f64(),
            own.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&target);
    Ok(())
}

fn cargo_build(root: &Path, target: &Path, features: &str) -> Result<Duration, String> {
    let t = Instant::now();
    let mut args = vec!["build", "--quiet", "-p", "cloudstack-api", "--no-default-features"];
    if !features.is_empty() {
        args.extend(["--features", features]);
    }
    let status = Command::new(env!("CARGO"))
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .args(&args)
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build with features {features:?} failed"));
    }
    Ok(t.elapsed())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
