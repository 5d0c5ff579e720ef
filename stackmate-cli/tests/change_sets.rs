//! `stackmate change-set preview`: what an update would change, from the stored stack and a new
//! template, without touching the cloud or the state.

mod common;

use common::{run, sim, stackmate, template, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_lists_each_change_with_its_effect() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let old = write(dir.path(), "old.json", &template(false));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "web"]).arg(&old));
    assert_eq!(code, 0, "{err}");
    let changed = template(false).replace(r#""name": "vm""#, r#""name": "vm2""#).replace(
        r#""startport": 443, "endport": 443"#,
        r#""startport": 444, "endport": 444"#,
    );
    assert_ne!(changed, template(false));
    let new = write(dir.path(), "new.json", &changed);
    let calls = sim.handle.created_resources().len();
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["change-set", "preview", "web"])
        .arg(&new));
    assert_eq!(code, 0, "{err}");
    let line = |logical: &str| {
        out.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(logical))
            .unwrap_or_else(|| panic!("no {logical} in:\n{out}"))
            .to_string()
    };
    let vm = line("Vm");
    assert!(
        vm.starts_with("Modify") && vm.contains("False") && vm.contains("name (interruption)"),
        "{vm}"
    );
    let fw = line("Fw1");
    assert!(fw.contains("True") && fw.contains("startport (replacement)"), "{fw}");
    assert!(!out.contains("Fw2"), "unchanged resources are not listed: {out}");
    let (code, json, _) = run(stackmate(&sim.url, &state)
        .args(["change-set", "preview", "web", "-o", "json"])
        .arg(&new));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["changes"].as_array().map(Vec::len), Some(2), "{json}");
    assert_eq!(sim.handle.created_resources().len(), calls, "a preview changes nothing");
    let (code, unchanged, _) = run(stackmate(&sim.url, &state)
        .args(["change-set", "preview", "web"])
        .arg(&old));
    assert_eq!(code, 0);
    assert!(unchanged.contains("changes nothing"), "{unchanged}");
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["change-set", "preview", "nope"])
        .arg(&new));
    assert_eq!(code, 2, "{err}");
}
