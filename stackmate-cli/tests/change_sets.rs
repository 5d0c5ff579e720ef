//! `stackmate change-set preview`: what an update would change, from the stored stack and a new
//! template, without touching the cloud or the state.

mod common;

use common::{json, run, sim, stackmate, template, write};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_change_sets_are_described_executed_and_go_stale() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let old = write(dir.path(), "old.json", &template(false));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "web"]).arg(&old));
    assert_eq!(code, 0, "{err}");
    let renamed = write(
        dir.path(),
        "renamed.json",
        &template(false).replace(r#""name": "vm""#, r#""name": "vm2""#),
    );
    let ported = write(
        dir.path(),
        "ported.json",
        &template(false).replace(
            r#""startport": 443, "endport": 443"#,
            r#""startport": 444, "endport": 444"#,
        ),
    );
    let calls = sim.handle.total_calls();
    for (set, file) in [("rename", &renamed), ("port", &ported)] {
        let (code, out, err) = run(stackmate(&sim.url, &state)
            .args(["change-set", "create", "web", set])
            .arg(file));
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!("change set {set} of stack web")), "{out}");
    }
    assert_eq!(sim.handle.total_calls(), calls, "making change sets calls nothing");
    let (code, out, _) =
        run(stackmate(&sim.url, &state).args(["change-set", "describe", "web", "rename", "-o", "json"]));
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v["stale"], false);
    assert_eq!(v["changes"][0]["logical"], "Vm", "{v}");
    assert_eq!(v["changes"][0]["properties"][0]["effect"], "interruption");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["change-set", "list", "web"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("port") && out.contains("rename") && !out.contains("stale"),
        "{out}"
    );
    // Executing one updates the stack and discards the other.
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["change-set", "execute", "web", "rename"]));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["describe", "web", "-o", "json"]));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["status"], "UPDATE_COMPLETE");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["change-set", "list", "web"]));
    assert_eq!(code, 0);
    assert!(out.trim().is_empty(), "{out}");
    // A change set made before the stack changed is stale, and refused.
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["change-set", "create", "web", "port"])
        .arg(&ported));
    assert_eq!(code, 0, "{err}");
    let back = write(dir.path(), "back.json", &template(false));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["update", "web"]).arg(&back));
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["change-set", "list", "web"]));
    assert_eq!(code, 0);
    assert!(
        out.trim().is_empty(),
        "an update discards the stack's change sets: {out}"
    );
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["change-set", "create", "web", "port"])
        .arg(&ported));
    assert_eq!(code, 0, "{err}");
    // The stack changes by other means than an update (a continued rollback, say): played here by
    // touching its record's time in the state file.
    let db = state.join(stack_store_sqlite::STATE_FILE);
    let touched = std::process::Command::new("python3")
        .arg("-c")
        .arg("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('UPDATE stacks SET updated_ms = updated_ms + 1'); c.commit()")
        .arg(&db)
        .status()
        .expect("python3");
    assert!(touched.success());
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["change-set", "list", "web"]));
    assert_eq!(code, 0);
    assert!(out.contains("(stale)"), "{out}");
    let calls = sim.handle.total_calls();
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["change-set", "execute", "web", "port"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("change set port of stack web is stale"), "{err}");
    assert_eq!(sim.handle.total_calls(), calls, "a stale change set calls nothing");
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["change-set", "delete", "web", "port"]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["change-set", "create", "web", "bad name!"])
        .arg(&ported));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a change set name"), "{err}");
}
