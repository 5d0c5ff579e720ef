//! Manifest parsing, dump discovery order and hash verification.

mod common;

use std::path::{Path, PathBuf};

use cloudstack_codegen::manifest::{locate, parse_manifest, search_dirs, sha256_hex, ManifestEntry, ManifestError};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cs-manifest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn entry(file: &str, sha: &str) -> ManifestEntry {
    ManifestEntry {
        version: "9.9".into(),
        facts: "9.9.facts.json".into(),
        dump: file.into(),
        dump_sha256: sha.into(),
        feature: "v9_9".into(),
    }
}

#[test]
fn search_order_is_workspace_env_shared() {
    let dirs = search_dirs(Path::new("/ws"), Some(Path::new("/env")));
    assert_eq!(
        dirs,
        [
            PathBuf::from("/ws/api-specs"),
            PathBuf::from("/env"),
            PathBuf::from("/ws/../shared/api-specs")
        ]
    );
    assert_eq!(search_dirs(Path::new("/ws"), None).len(), 2);
}

#[test]
fn first_directory_that_has_the_file_wins_and_is_verified() {
    let d = temp_dir("order");
    let (a, b) = (d.join("a"), d.join("b"));
    std::fs::create_dir_all(&a).expect("a");
    std::fs::create_dir_all(&b).expect("b");
    std::fs::write(b.join("x.json"), b"{\"api\":[]}").expect("write");
    let sha = sha256_hex(b"{\"api\":[]}");
    let found = locate(&entry("x.json", &sha), &[a.clone(), b.clone()]).expect("found in b");
    assert_eq!(found.path, b.join("x.json"));
    // A different file earlier in the order is used, and its wrong hash is reported, not skipped.
    std::fs::write(a.join("x.json"), b"{\"api\":[1]}").expect("write");
    match locate(&entry("x.json", &sha), &[a.clone(), b]) {
        Err(e @ ManifestError::HashMismatch { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&a.join("x.json").display().to_string()) && msg.contains("spec-import"),
                "{msg}"
            );
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
}

#[test]
fn missing_dump_says_where_it_looked_and_what_to_do() {
    let d = temp_dir("missing");
    let err = locate(&entry("gone.json", &"0".repeat(64)), &[d.join("one"), d.join("two")]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("gone.json") && msg.contains("9.9"), "{msg}");
    assert!(
        msg.contains(&d.join("one").display().to_string()) && msg.contains(&d.join("two").display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("CLOUDSTACK_API_SPECS"), "{msg}");
}

fn manifest_text(version: &str, facts: &str, dump: &str, sha: &str, feature: &str) -> String {
    format!(
        "[[spec]]\nversion = \"{version}\"\nfacts = \"{facts}\"\ndump = \"{dump}\"\ndump_sha256 = \"{sha}\"\nfeature = \"{feature}\"\n"
    )
}

#[test]
fn manifest_errors_are_clear() {
    let p = Path::new("cloudstack-api/specs/manifest.toml");
    let sha = "a".repeat(64);
    let ok = parse_manifest(&manifest_text("4.17", "4.17.facts.json", "4.17.json", &sha, "v4_17"), p).expect("valid");
    assert_eq!(ok.specs[0].feature, "v4_17");
    let bad_hash = parse_manifest(&manifest_text("1", "1.facts.json", "a.json", "abc", "v1"), p).unwrap_err();
    assert!(bad_hash.to_string().contains("64 hex digits"), "{bad_hash}");
    let missing_key = parse_manifest("[[spec]]\nversion = \"1\"\n", p).unwrap_err();
    assert!(missing_key.to_string().contains("manifest.toml"), "{missing_key}");
    let path_in_file = parse_manifest(&manifest_text("1", "1.facts.json", "../x.json", &sha, "v1"), p).unwrap_err();
    assert!(path_in_file.to_string().contains("bare file name"), "{path_in_file}");
    let twice = format!(
        "{}\n{}",
        manifest_text("1", "1.facts.json", "1.json", &sha, "v1"),
        manifest_text("1", "1.facts.json", "1.json", &sha, "v1b")
    );
    let dup = parse_manifest(&twice, p).unwrap_err();
    assert!(dup.to_string().contains("unique"), "{dup}");
}

#[test]
fn rendered_manifest_parses_back() {
    let m = common::manifest();
    let text = cloudstack_codegen::manifest::render_manifest(&m);
    assert_eq!(parse_manifest(&text, Path::new("x")).expect("parses"), m);
}

#[test]
fn checked_in_manifest_is_valid() {
    let m = common::manifest();
    let versions: Vec<&str> = m.specs.iter().map(|e| e.version.as_str()).collect();
    assert_eq!(versions, ["4.15", "4.16", "4.17"]);
    for e in &m.specs {
        assert!(
            common::specs_dir().join(&e.facts).is_file(),
            "{} has no facts file",
            e.version
        );
    }
}
