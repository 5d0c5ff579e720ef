//! Generates one module per enabled CloudStack version from the dumps listed in api-specs/manifest.toml.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cloudstack_codegen::manifest;

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

fn main() {
    let crate_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let workspace = crate_dir.parent().map_or_else(|| crate_dir.clone(), Path::to_path_buf);
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let manifest_path = workspace.join("api-specs").join("manifest.toml");
    println!("cargo:rerun-if-changed={}", manifest_path.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CLOUDSTACK_API_SPECS");

    let manifest = manifest::read_manifest(&manifest_path).unwrap_or_else(|e| fail(&e.to_string()));
    let env_dir = std::env::var_os("CLOUDSTACK_API_SPECS").map(PathBuf::from);
    let dirs = manifest::search_dirs(&workspace, env_dir.as_deref());
    for d in &dirs {
        println!("cargo:rerun-if-changed={}", d.display());
    }

    let mut modules = String::new();
    let mut table = Vec::new();
    for entry in &manifest.specs {
        let feature_var = format!("CARGO_FEATURE_{}", entry.feature.to_ascii_uppercase());
        if std::env::var_os(&feature_var).is_none() {
            continue;
        }
        let located = manifest::locate(entry, &dirs).unwrap_or_else(|e| fail(&e.to_string()));
        println!("cargo:rerun-if-changed={}", located.path.display());
        let spec = cloudstack_codegen::spec::load_slice(&located.bytes, &located.path.display().to_string())
            .unwrap_or_else(|e| fail(&e.to_string()));
        let generated = cloudstack_codegen::generate(&spec, &entry.version).unwrap_or_else(|e| fail(&e));
        let file = out_dir.join(format!("{}.rs", entry.feature));
        std::fs::write(&file, generated.tokens.to_string())
            .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", file.display())));
        let s = generated.stats;
        let _ = writeln!(
            modules,
            "#[doc = \"Bindings for CloudStack {v}: {a} APIs ({p} parameters), {st} response structs, \
             {n} participants.\\n\\nGenerated from `{f}` (sha256 `{h}`).\"]\n\
             #[allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]\n\
             pub mod {m} {{ include!(concat!(env!(\"OUT_DIR\"), \"/{m}.rs\")); }}",
            v = entry.version,
            a = s.apis,
            p = s.params,
            st = s.structs,
            n = s.participants,
            f = entry.file,
            h = entry.sha256,
            m = entry.feature,
        );
        table.push(format!(
            "crate::Version::new({:?}, &{m}::apis::ALL, &{m}::participants::ALL)",
            entry.version,
            m = entry.feature
        ));
    }
    let _ = writeln!(
        modules,
        "/// Every version compiled in, oldest first.\npub static VERSIONS: [crate::Version; {}] = [{}];",
        table.len(),
        table.join(", ")
    );
    let file = out_dir.join("versions.rs");
    std::fs::write(&file, modules).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", file.display())));
}
