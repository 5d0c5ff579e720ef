//! `cargo xtask spec-import DUMP --version X.Y`: turns a listApis dump into the facts spec that
//! `cloudstack-api` ships, records it in the manifest and declares its cargo feature.

use std::path::Path;

use cloudstack_codegen::facts;
use cloudstack_codegen::manifest::{self, ManifestEntry};

/// Imports `dump` as release `version`; `feature` defaults to `vX_Y`.
pub fn run(root: &Path, dump: &Path, version: &str, feature: Option<String>) -> Result<(), String> {
    if version.is_empty()
        || !version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(format!(
            "--version {version:?}: use the release number, e.g. 4.18 (letters, digits, '.' and '-')"
        ));
    }
    let bytes = std::fs::read(dump).map_err(|e| format!("cannot read {}: {e}", dump.display()))?;
    let spec = cloudstack_codegen::spec::load_slice(&bytes, &dump.display().to_string()).map_err(|e| e.to_string())?;
    if spec.header.is_some() {
        return Err(format!(
            "{} is already a facts spec; import the full listApis dump it came from",
            dump.display()
        ));
    }
    let dump_sha = manifest::sha256_hex(&bytes);
    let rendered = facts::render(&spec, &facts::header_for(version, &dump_sha));
    // The facts must load back to the same spec and render to the same text (canonical form).
    let again = cloudstack_codegen::spec::load_slice(rendered.text.as_bytes(), "facts").map_err(|e| e.to_string())?;
    let header = again.header.clone().ok_or("the rendered facts lost their header")?;
    if facts::render(&again, &header) != rendered {
        return Err("the facts spec does not render back to itself; this is a bug in cloudstack-codegen".into());
    }
    let specs_dir = root.join("cloudstack-api").join("specs");
    std::fs::create_dir_all(&specs_dir).map_err(|e| format!("cannot create {}: {e}", specs_dir.display()))?;
    let facts_name = format!("{version}.facts.json");
    let facts_path = specs_dir.join(&facts_name);
    std::fs::write(&facts_path, &rendered.text).map_err(|e| format!("cannot write {}: {e}", facts_path.display()))?;

    let manifest_path = specs_dir.join(manifest::FILE_NAME);
    let mut m = if manifest_path.is_file() {
        manifest::read_manifest(&manifest_path).map_err(|e| e.to_string())?
    } else {
        manifest::Manifest { specs: Vec::new() }
    };
    let feature = feature.unwrap_or_else(|| manifest::feature_name(version));
    let dump_name = dump
        .file_name()
        .map_or_else(|| format!("{version}.json"), |n| n.to_string_lossy().into_owned());
    let entry = ManifestEntry {
        version: version.to_string(),
        facts: facts_name.clone(),
        dump: dump_name,
        dump_sha256: dump_sha,
        feature: feature.clone(),
    };
    match m.specs.iter_mut().find(|e| e.version == version) {
        Some(e) => *e = entry,
        None => m.specs.push(entry),
    }
    m.specs.sort_by_key(|e| release_order(&e.version));
    let text = manifest::render_manifest(&m);
    manifest::parse_manifest(&text, &manifest_path).map_err(|e| e.to_string())?;
    std::fs::write(&manifest_path, text).map_err(|e| format!("cannot write {}: {e}", manifest_path.display()))?;
    let added_feature = declare_feature(&root.join("cloudstack-api").join("Cargo.toml"), &feature)?;

    let derivation = cloudstack_codegen::participants::derive(
        &spec,
        &cloudstack_codegen::participants::ParticipantTable::builtin().map_err(|e| e.to_string())?,
    );
    println!(
        "CloudStack {version}: {} APIs, {} parameters, {} participants; facts {} ({:.2} MB, sha256 {})",
        spec.apis.len(),
        spec.apis.iter().map(|a| a.params.len()).sum::<usize>(),
        derivation.participants.len(),
        facts_path.display(),
        rendered.text.len() as f64 / 1e6,
        &rendered.sha256[..12],
    );
    println!("manifest: {}", manifest_path.display());
    if added_feature {
        println!("cargo feature `{feature}` declared in cloudstack-api/Cargo.toml (not on by default)");
    }
    println!(
        "the engine and the CLI can use it now (`stackmate --api-version {version}`); typed bindings: \
         `cargo build -p cloudstack-api --features {feature}`"
    );
    Ok(())
}

/// `4.9` < `4.10` < `4.17.1`: numbers compared as numbers.
fn release_order(v: &str) -> Vec<(u64, String)> {
    v.split(['.', '-'])
        .map(|p| (p.parse().unwrap_or(u64::MAX), p.to_string()))
        .collect()
}

/// Adds `feature = []` to the `[features]` table of `cargo_toml` unless it is there; true when added.
fn declare_feature(cargo_toml: &Path, feature: &str) -> Result<bool, String> {
    let text = std::fs::read_to_string(cargo_toml).map_err(|e| format!("cannot read {}: {e}", cargo_toml.display()))?;
    let table: toml::Table = text.parse().map_err(|e| format!("{}: {e}", cargo_toml.display()))?;
    let has = table
        .get("features")
        .and_then(toml::Value::as_table)
        .is_some_and(|f| f.contains_key(feature));
    if has {
        return Ok(false);
    }
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let new_line = format!("{feature} = []");
    match lines.iter().position(|l| l.trim() == "[features]") {
        Some(start) => {
            // The end of the table: the next header, or the end of the file; then back over blank lines.
            let mut end = lines[start + 1..]
                .iter()
                .position(|l| l.trim_start().starts_with('['))
                .map_or(lines.len(), |i| start + 1 + i);
            while end > start + 1 && lines[end - 1].trim().is_empty() {
                end -= 1;
            }
            lines.insert(end, new_line);
        }
        None => {
            lines.push(String::new());
            lines.push("[features]".into());
            lines.push(new_line);
        }
    }
    let out = lines.join("\n") + "\n";
    std::fs::write(cargo_toml, out).map_err(|e| format!("cannot write {}: {e}", cargo_toml.display()))?;
    Ok(true)
}
