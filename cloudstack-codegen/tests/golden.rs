//! The generated code of the fixture dump must equal the checked-in `cloudstack-golden/src/quirks.rs`.
//! (The test lives here, not in the golden crate, so it can rewrite the file even when the old one no
//! longer compiles.)

use std::path::PathBuf;

const HEADER: &str = "// Generated from fixtures/quirks.json by cloudstack-codegen/tests/golden.rs. Do not edit; run\n// `UPDATE_GOLDEN=1 cargo test -p cloudstack-codegen --test golden` and review the diff.\n";

#[test]
fn generated_code_matches_golden_file() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../cloudstack-golden");
    let spec = cloudstack_codegen::spec::load_file(&root.join("fixtures/quirks.json")).expect("fixture loads");
    let generated = cloudstack_codegen::generate(&spec, "quirks").expect("generates");
    let source = format!(
        "{HEADER}{}",
        cloudstack_codegen::format_source(&generated.tokens).expect("formats")
    );
    let golden_path = root.join("src/quirks.rs");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden_path, &source).expect("writes golden file");
    }
    let golden = std::fs::read_to_string(&golden_path).expect("golden file exists");
    if golden != source {
        let first_diff = golden
            .lines()
            .zip(source.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(golden.lines().count().min(source.lines().count()));
        panic!(
            "generated code differs from src/quirks.rs at line {}:\n  golden:    {:?}\n  generated: {:?}\nRun with UPDATE_GOLDEN=1 to accept after review.",
            first_diff + 1,
            golden.lines().nth(first_diff),
            source.lines().nth(first_diff)
        );
    }
    // The fixture covers one participant found by the naming rule and one from the curated table.
    assert_eq!(
        generated.participant_names,
        ["CloudStack::SecurityGroupIngress", "CloudStack::Widget"]
    );
}
