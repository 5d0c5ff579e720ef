//! Embeds the facts spec of every release in `specs/manifest.toml`, and generates the typed bindings of
//! each release whose cargo feature is on.
//!
//! The facts are part of this package, so the build needs nothing outside it. When the release's full
//! dump is found (api-specs/, $CLOUDSTACK_API_SPECS, ../shared/api-specs beside the workspace) with the
//! manifest's sha256, its descriptions become the doc comments; a dump with another hash is reported
//! and not used.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cloudstack_codegen::{facts, manifest};

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

fn main() {
    let crate_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let specs_dir = crate_dir.join("specs");
    let manifest_path = specs_dir.join(manifest::FILE_NAME);
    println!("cargo:rerun-if-changed={}", manifest_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CLOUDSTACK_API_SPECS");
    let manifest = manifest::read_manifest(&manifest_path).unwrap_or_else(|e| fail(&e.to_string()));

    let workspace = crate_dir.parent().map_or_else(|| crate_dir.clone(), Path::to_path_buf);
    let env_dir = std::env::var_os("CLOUDSTACK_API_SPECS").map(PathBuf::from);
    let dirs = manifest::search_dirs(&workspace, env_dir.as_deref());
    // Only existing directories: cargo reruns a build script on every build while a watched path is missing.
    for d in dirs.iter().filter(|d| d.is_dir()) {
        println!("cargo:rerun-if-changed={}", d.display());
    }

    let mut modules = String::new();
    let mut embedded = Vec::new();
    let mut compiled = Vec::new();
    for entry in &manifest.specs {
        let facts_path = specs_dir.join(&entry.facts);
        println!("cargo:rerun-if-changed={}", facts_path.display());
        let bytes = std::fs::read(&facts_path).unwrap_or_else(|e| {
            fail(&format!(
                "cannot read the facts of CloudStack {} ({}): {e}; import the release with `cargo xtask spec-import`",
                entry.version,
                facts_path.display()
            ))
        });
        let mut spec = cloudstack_codegen::spec::load_slice(&bytes, &facts_path.display().to_string())
            .unwrap_or_else(|e| fail(&e.to_string()));
        let header = spec.header.clone().unwrap_or_else(|| {
            fail(&format!(
                "{} is a listApis dump, not a facts spec; import it with `cargo xtask spec-import`",
                facts_path.display()
            ))
        });
        let canonical = facts::render(&spec, &header);
        if canonical.text.as_bytes() != bytes.as_slice() {
            println!(
                "cargo:warning={} is not in canonical form (edited by hand?); re-import the release with `cargo xtask spec-import`",
                facts_path.display()
            );
        }
        let facts_const = format!("FACTS_{}", entry.feature.to_ascii_uppercase());
        let _ = writeln!(
            modules,
            "static {facts_const}: &str = include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/specs/{}\"));",
            entry.facts
        );
        embedded.push(format!(
            "crate::specs::Embedded::new({:?}, {facts_const}, {:?})",
            entry.version, canonical.sha256
        ));

        let feature_var = format!("CARGO_FEATURE_{}", entry.feature.to_ascii_uppercase());
        if std::env::var_os(&feature_var).is_none() {
            continue;
        }
        let descriptions = match manifest::locate(entry, &dirs) {
            Ok(found) => {
                println!("cargo:rerun-if-changed={}", found.path.display());
                let full = cloudstack_codegen::spec::load_slice(&found.bytes, &found.path.display().to_string())
                    .unwrap_or_else(|e| fail(&e.to_string()));
                spec.merge_descriptions(&full);
                format!("Descriptions from `{}`.", entry.dump)
            }
            Err(e @ manifest::ManifestError::HashMismatch { .. }) => {
                println!(
                    "cargo:warning=doc comments of CloudStack {} have no descriptions: {e}",
                    entry.version
                );
                no_descriptions(&entry.version)
            }
            Err(_) => no_descriptions(&entry.version),
        };
        let generated = cloudstack_codegen::generate(&spec, &entry.version).unwrap_or_else(|e| fail(&e.to_string()));
        let file = out_dir.join(format!("{}.rs", entry.feature));
        std::fs::write(&file, generated.tokens.to_string())
            .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", file.display())));
        let s = generated.stats;
        let _ = writeln!(
            modules,
            "#[doc = \"Bindings for CloudStack {v}: {a} APIs ({p} parameters), {st} response structs, \
             {n} participants.\\n\\nGenerated from `specs/{f}` (facts sha256 `{h}`). {d}\"]\n\
             #[allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]\n\
             pub mod {m} {{ include!(concat!(env!(\"OUT_DIR\"), \"/{m}.rs\")); }}",
            v = entry.version,
            a = s.apis,
            p = s.params,
            st = s.structs,
            n = s.participants,
            f = entry.facts,
            h = canonical.sha256,
            d = descriptions.replace('\\', "\\\\").replace('"', "\\\""),
            m = entry.feature,
        );
        compiled.push(format!(
            "crate::Version::compiled({:?}, &{m}::apis::ALL, &{m}::participants::ALL, {facts_const}, {:?})",
            entry.version,
            canonical.sha256,
            m = entry.feature
        ));
    }
    let _ = writeln!(
        modules,
        "/// Every release whose typed bindings are compiled in (by cargo feature), oldest first.\n\
         pub static VERSIONS: [crate::Version; {}] = [{}];\n\
         /// The facts spec of every release this crate ships, oldest first, whatever the features.\n\
         pub(crate) static EMBEDDED: [crate::specs::Embedded; {}] = [{}];",
        compiled.len(),
        compiled.join(", "),
        embedded.len(),
        embedded.join(", ")
    );
    let file = out_dir.join("versions.rs");
    std::fs::write(&file, modules).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", file.display())));
}

fn no_descriptions(version: &str) -> String {
    format!(
        "This build has no descriptions: they are in the CloudStack {version} API reference \
         (https://cloudstack.apache.org/api.html), and in doc comments when the release's listApis dump \
         is in api-specs/ or $CLOUDSTACK_API_SPECS (see api-specs/README.md)."
    )
}
