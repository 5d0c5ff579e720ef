//! Any CloudStack release at run time, with no rebuild: a modified 4.17 dump (an API renamed, a new
//! create/delete pair, a parameter made required) drives validation and the created participants,
//! through `--api-spec FILE` and through the cloud's own listApis, and the simulator serves it.

mod common;

use std::path::Path;

use common::{stackmate, write};
use serde_json::{json, Value};

/// The shipped 4.17 facts as a plain listApis dump, with the three changes.
fn modified_dump() -> String {
    let facts = cloudstack_api::specs::embedded()
        .iter()
        .find(|e| e.version == "4.17")
        .expect("4.17 ships")
        .facts;
    let root: Value = serde_json::from_str(facts).expect("facts parse");
    let mut apis = root["listapisresponse"]["api"].as_array().expect("api").clone();
    for api in &mut apis {
        match api["name"].as_str() {
            // Renamed: CloudStack::InstanceGroup has no create API any more.
            Some("createInstanceGroup") => api["name"] = json!("makeInstanceGroup"),
            // A parameter made required.
            Some("createSecurityGroup") => {
                for p in api["params"].as_array_mut().expect("params") {
                    if p["name"] == "description" {
                        p["required"] = json!(true);
                    }
                }
            }
            _ => {}
        }
    }
    // A new create/delete pair (and its list API).
    apis.push(json!({"name": "createGizmo", "isasync": true, "params": [
        {"name": "name", "type": "string", "required": true, "length": 64},
        {"name": "zoneid", "type": "uuid", "required": true},
        {"name": "size", "type": "integer", "required": false}],
        "response": [{"name": "id", "type": "string"}, {"name": "name", "type": "string"},
                     {"name": "size", "type": "integer"}]}));
    apis.push(json!({"name": "deleteGizmo", "isasync": true,
        "params": [{"name": "id", "type": "uuid", "required": true}],
        "response": [{"name": "success", "type": "boolean"}]}));
    apis.push(json!({"name": "listGizmos", "isasync": false,
        "params": [{"name": "id", "type": "uuid", "required": false}],
        "response": [{"name": "id", "type": "string"}, {"name": "name", "type": "string"}]}));
    let count = apis.len();
    // No facts header: this is a dump as a modified server would answer.
    json!({"listapisresponse": {"count": count, "api": apis}}).to_string()
}

fn group_without_description() -> String {
    r#"{"Resources": {"Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}}}}"#.into()
}

fn instance_group() -> String {
    r#"{"Resources": {"Group": {"Type": "CloudStack::InstanceGroup", "Properties": {"name": "g"}}}}"#.into()
}

fn gizmo_stack() -> String {
    format!(
        r#"{{"Resources": {{
  "Web": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "web", "description": "now required"}}}},
  "Thing": {{"Type": "CloudStack::Gizmo", "DependsOn": "Web",
             "Properties": {{"name": "thing", "zoneid": "{}", "size": 3}}}}
}},
"Outputs": {{"Size": {{"Value": {{"Fn::GetAtt": ["Thing", "size"]}}}}}}}}"#,
        cloudstack_sim::fixtures::ZONE_ID
    )
}

fn run(c: &mut std::process::Command) -> (i32, String, String) {
    let out = c.output().expect("stackmate runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn sim_serving(path: &Path) -> cloudstack_sim::RunningSim {
    cloudstack_sim::start(cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(std::time::Duration::from_millis(20)),
        spec: cloudstack_sim::SpecSource::File(path.to_path_buf()),
        ..cloudstack_sim::SimConfig::ephemeral()
    })
    .await
    .expect("simulator serves the modified dump")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modified_dump_drives_validation_participants_and_the_simulator() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = write(dir.path(), "4.17-modified.json", &modified_dump());
    let sim = sim_serving(&dump).await;
    let state = dir.path().join("state");
    let t_group = write(dir.path(), "group.json", &group_without_description());
    let t_igroup = write(dir.path(), "igroup.json", &instance_group());
    let t_gizmo = write(dir.path(), "gizmo.json", &gizmo_stack());
    let spec_flag = ["--api-spec".to_string(), dump.display().to_string()];

    // The shipped 4.17 accepts what the modified release refuses, and refuses the new type.
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["--api-version", "4.17", "validate"])
        .arg(&t_group));
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, _) = run(stackmate(&sim.url, &state)
        .args(["--api-version", "4.17", "validate"])
        .arg(&t_igroup));
    assert_eq!(code, 0);
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["--api-version", "4.17", "validate"])
        .arg(&t_gizmo));
    assert_eq!(code, 2);
    assert!(err.contains("CloudStack::Gizmo"), "{err}");

    // --api-spec: the modified release.
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(&spec_flag)
        .arg("validate")
        .arg(&t_group));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing required property \"description\""), "{err}");
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(&spec_flag)
        .arg("validate")
        .arg(&t_igroup));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown resource type \"CloudStack::InstanceGroup\""),
        "{err}"
    );
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(&spec_flag)
        .arg("validate")
        .arg(&t_gizmo));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("CloudStack::Gizmo"), "{out}");

    // Created through the new pair, on the simulator serving the same dump.
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(&spec_flag)
        .args(["create", "gz"])
        .arg(&t_gizmo)
        .args(["-o", "json"]));
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["status"], "CREATE_COMPLETE");
    assert_eq!(v["outputs"]["Size"], "3", "{v}");
    let kinds: Vec<String> = sim.handle.created_resources().iter().map(|r| r.kind.clone()).collect();
    assert!(kinds.contains(&"gizmo".to_string()), "{kinds:?}");
    assert!(sim.handle.call_counts().get("createGizmo").is_some_and(|n| *n == 1));
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["describe", "gz"]));
    assert_eq!(code, 0);
    assert!(out.contains("CloudStack 4.17-modified"), "{out}");
    // Deleting needs no --api-spec: the stack's spec is kept with its state.
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["delete", "gz"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
    assert_eq!(sim.handle.call_counts().get("deleteGizmo"), Some(&1));

    // No flag: the CLI reads the cloud's own listApis (the simulator's modified one) and keeps it.
    let fresh = dir.path().join("fresh-state");
    let (code, _, err) = run(stackmate(&sim.url, &fresh).args(["create", "g2"]).arg(&t_group));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing required property \"description\""), "{err}");
    let list_apis = sim.handle.call_counts().get("listApis").copied().unwrap_or(0);
    assert_eq!(list_apis, 1);
    let (code, out, _) = run(stackmate(&sim.url, &fresh).args(["api-spec", "show", "-o", "json"]));
    assert_eq!(code, 0);
    let shown: Value = serde_json::from_str(&out).expect("json");
    assert!(shown["participants"].as_u64().is_some_and(|n| n > 100), "{shown}");
    assert!(
        shown["source"].as_str().is_some_and(|s| s.contains(&sim.url)),
        "{shown}"
    );
    // Offline validation uses the kept spec too, with no call.
    let (code, _, err) = run(stackmate(&sim.url, &fresh).arg("validate").arg(&t_igroup));
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        sim.handle.call_counts().get("listApis").copied().unwrap_or(0),
        list_apis
    );
    // Until asked to read it again.
    let (code, out, err) = run(stackmate(&sim.url, &fresh).args(["api-spec", "refresh"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        sim.handle.call_counts().get("listApis").copied().unwrap_or(0),
        list_apis + 1
    );
}
