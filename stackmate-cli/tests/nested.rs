//! Nested stacks through the CLI against the simulator: the three-level example created, its
//! outputs read, deleted with nothing left; an error deep in a child reported with its full path;
//! a template that includes itself; the depth limit; and a failure in a grandchild rolling the
//! whole tree back, dependents first.

mod common;
mod stack_changes;

use std::path::Path;

use common::{json, run, sim, stackmate, write};
use stack_changes::writes_since;

/// The example's templates, copied to `dir` (with `edit` applied to the network template).
fn example(dir: &Path, edit: impl Fn(String) -> String) -> std::path::PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stack-core/examples/nested");
    for f in ["root.json", "app.json", "network.json"] {
        let text = std::fs::read_to_string(from.join(f)).expect("example");
        let text = if f == "network.json" { edit(text) } else { text };
        write(dir, f, &text);
    }
    dir.join("root.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_levels_are_created_read_and_deleted_as_one_stack() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let root = example(dir.path(), |t| t);
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["create", "tree", "-o", "json"])
        .arg(&root));
    assert_eq!(code, 0, "{out}{err}");
    let v = json(&out);
    assert_eq!(v["status"], "CREATE_COMPLETE", "{v}");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["describe", "tree", "-o", "json"]));
    assert_eq!(code, 0);
    let described = json(&out);
    let ids: Vec<&str> = described["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["logical_id"].as_str())
        .collect();
    for id in ["Web", "Ip", "App.Vm", "App.Net.Network"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    // Names carry the nesting path, so the tiers' names never collide.
    let names: Vec<String> = sim
        .handle
        .created_resources()
        .into_iter()
        .filter_map(|r| r.name)
        .collect();
    assert!(names.contains(&"tree-App-app".to_string()), "{names:?}");
    assert!(names.contains(&"tree-App-Net-app".to_string()), "{names:?}");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["outputs", "tree", "-o", "json"]));
    assert_eq!(code, 0);
    let outputs = json(&out)["outputs"].clone();
    assert!(
        outputs["AppAddress"].as_str().is_some_and(|a| a.starts_with("10.")),
        "{outputs}"
    );
    assert!(
        outputs["AppStack"].as_str().is_some_and(|a| a.ends_with("/App")),
        "{outputs}"
    );
    // The nested stacks' outputs, by their path.
    assert_eq!(outputs["App.VmAddress"], outputs["AppAddress"], "{outputs}");
    assert!(
        outputs["App.Net.NetworkId"].as_str().is_some_and(|n| !n.is_empty()),
        "{outputs}"
    );
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["list"]));
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().filter(|l| l.contains("tree")).count(),
        1,
        "roots only: {out}"
    );
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["list", "--nested"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("  tree/App\n") && out.contains("  tree/App/Net\n"),
        "{out}"
    );
    // An update of the root changes only what changed inside: the application VM's name, in place.
    let app = std::fs::read_to_string(dir.path().join("app.json")).expect("app");
    write(
        dir.path(),
        "app.json",
        &app.replace(r#""name": "app""#, r#""name": "app2""#),
    );
    let before: Vec<String> = sim.handle.created_resources().into_iter().map(|r| r.id).collect();
    let calls = sim.handle.call_counts();
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["update", "tree"]).arg(&root));
    assert_eq!(code, 0, "{out}{err}");
    let after: Vec<String> = sim.handle.created_resources().into_iter().map(|r| r.id).collect();
    assert_eq!(before, after, "nothing replaced");
    let writes = writes_since(&calls, &sim.handle.call_counts());
    assert!(
        !writes
            .keys()
            .any(|k| k.starts_with("create") || k.starts_with("deploy") || k.starts_with("delete")),
        "an update of a nested resource makes and deletes nothing: {writes:?}"
    );
    assert_eq!(writes.get("updateVirtualMachine"), Some(&1), "{writes:?}");
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["delete", "tree"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problems_in_nested_templates_carry_their_path_and_touch_nothing() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    // An error two levels down.
    let root = example(dir.path(), |t| {
        let mut v: serde_json::Value = serde_json::from_str(&t).expect("json");
        v["Resources"]["Network"]["Properties"]["nosuchproperty"] = 1.into();
        v.to_string()
    });
    let calls = sim.handle.total_calls();
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "bad"]).arg(&root));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "/Resources/App/Properties/TemplateURL -> app.json: /Resources/Net/Properties/TemplateURL -> network.json: /Resources/Network/Properties/nosuchproperty"
        ),
        "{err}"
    );
    assert_eq!(sim.handle.total_calls(), calls, "an invalid tree calls nothing");
    // A template that includes itself through another.
    let a = r#"{"Resources": {"B": {"Type": "CloudStack::Stack", "Properties": {"TemplateURL": "b.json"}}}}"#;
    let b = r#"{"Resources": {"A": {"Type": "CloudStack::Stack", "Properties": {"TemplateURL": "a.json"}}}}"#;
    let a = write(dir.path(), "a.json", a);
    write(dir.path(), "b.json", b);
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["validate"]).arg(&a));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the template includes itself: a.json -> b.json -> a.json"),
        "{err}"
    );
    // Seven levels: over the default limit of 5, within a raised one.
    for level in 0..7 {
        let text = if level < 6 {
            format!(
                r#"{{"Resources": {{"Down": {{"Type": "CloudStack::Stack", "Properties": {{"TemplateURL": "l{}.json"}}}}}}}}"#,
                level + 1
            )
        } else {
            r#"{"Resources": {"Group": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "deep"}}}}"#
                .to_string()
        };
        write(dir.path(), &format!("l{level}.json"), &text);
    }
    let deep = dir.path().join("l0.json");
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["validate"]).arg(&deep));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("levels deep here, over the limit of 5"), "{err}");
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["--limit", "stack_depth=6", "validate"])
        .arg(&deep));
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grandchild_that_fails_rolls_the_whole_tree_back_dependents_first() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    // The network stack gains a VM that cannot be made, after its network.
    let root = example(dir.path(), |t| {
        let mut v: serde_json::Value = serde_json::from_str(&t).expect("json");
        v["Resources"]["Broken"] = serde_json::json!({
            "Type": "CloudStack::VirtualMachine", "DependsOn": "Network",
            "Properties": {"zoneid": {"Ref": "Zone"}, "templateid": "a1b2c3d4-0002-4000-8000-000000000001",
                           "serviceofferingid": "00000000-0000-4000-8000-00000000dead"}});
        v.to_string()
    });
    let text = std::fs::read_to_string(dir.path().join("network.json")).expect("network");
    assert!(text.contains("Broken"), "{text}");
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["create", "fail"]).arg(&root));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("App.Net.Broken"), "{err}");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["describe", "fail", "-o", "json"]));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["status"], "ROLLBACK_COMPLETE");
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
    let (_, out, _) = run(stackmate(&sim.url, &state).args(["events", "fail", "-o", "json"]));
    let events = json(&out);
    let deleted: Vec<String> = events["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["status"] == "DELETE_COMPLETE")
        .filter_map(|e| e["logical_id"].as_str().map(str::to_string))
        .collect();
    let at = |l: &str| deleted.iter().position(|d| d == l);
    // Whatever had been made went, each before what it depended on.
    for (first, then) in [
        ("App.Vm", "Web"),
        ("App.Vm", "App.Net.Network"),
        ("Ip", "App.Net.Network"),
    ] {
        if let (Some(a), Some(b)) = (at(first), at(then)) {
            assert!(a < b, "{first} before {then}: {deleted:?}");
        }
    }
    assert!(at("App.Net.Network").is_some(), "{deleted:?}");
}
