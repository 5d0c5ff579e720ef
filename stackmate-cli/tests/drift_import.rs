//! `stackmate drift` after out-of-band changes and deletes, an update that brings the drift back,
//! and `stackmate import` of resources made outside any stack, against the simulator.

mod common;
mod stack_changes;

use common::{json, run, sim, stackmate, write};
use stack_changes::{client, physical_ids, stack, status, writes_since, MEDIUM, SMALL};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_after_out_of_band_changes_and_an_update_that_brings_them_back() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let v1 = write(dir.path(), "v1.json", &stack("app", SMALL, "web tier", "net", ""));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "d"]).arg(&v1));
    assert_eq!(code, 0, "{err}");
    let ids = physical_ids(&sim.url, &state, "d");
    let drift = |state: &std::path::Path| {
        let (code, out, err) = run(stackmate(&sim.url, state).args(["drift", "d", "-o", "json"]));
        assert_eq!(code, 0, "{err}");
        json(&out)
    };
    let report = drift(&state);
    assert_eq!(report["status"], "IN_SYNC", "{report}");
    // Out of band: the VM renamed for display, the network deleted.
    let client = client(&sim.url);
    let get = cloudstack_client::HttpMethod::Get;
    client
        .call(
            "updateVirtualMachine",
            get,
            vec![
                ("id".into(), ids["Vm"].clone()),
                ("displayname".into(), "by hand".into()),
            ],
        )
        .await
        .expect("update by hand");
    let deleted = client
        .call("deleteNetwork", get, vec![("id".into(), ids["Net"].clone())])
        .await
        .expect("delete by hand");
    let job = deleted["jobid"].as_str().expect("job").to_string();
    client.wait_job("deleteNetwork", &job).await.expect("deleted");
    let report = drift(&state);
    assert_eq!(report["status"], "DRIFTED", "{report}");
    let of = |logical: &str| {
        report["resources"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["logical"] == logical))
            .cloned()
            .unwrap_or_else(|| panic!("no {logical} in {report}"))
    };
    assert_eq!(of("Net")["status"], "DELETED");
    assert_eq!(of("Web")["status"], "IN_SYNC");
    let vm = of("Vm");
    assert_eq!(vm["status"], "MODIFIED");
    assert_eq!(
        vm["differences"],
        serde_json::json!([{"property": "displayname", "expected": "app server", "actual": "by hand",
                            "difference": "NOT_EQUAL"}])
    );
    let (code, table, _) = run(stackmate(&sim.url, &state).args(["drift", "d"]));
    assert_eq!(code, 0);
    assert!(
        table.contains("NOT_EQUAL displayname: expected \"app server\", actual \"by hand\""),
        "{table}"
    );
    // An update from the drift, with the stack's own template: the VM is changed back in place,
    // the network made again.
    let calls = sim.handle.call_counts();
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["update", "d", "--from-drift"]));
    assert_eq!(code, 0, "{out}{err}");
    let writes = writes_since(&calls, &sim.handle.call_counts());
    assert_eq!(writes.get("updateVirtualMachine"), Some(&1), "{writes:?}");
    assert_eq!(writes.get("createNetwork"), Some(&1), "{writes:?}");
    assert!(
        !writes.contains_key("stopVirtualMachine"),
        "a display name needs no restart: {writes:?}"
    );
    let after = physical_ids(&sim.url, &state, "d");
    assert_eq!(after["Vm"], ids["Vm"]);
    assert_ne!(after["Net"], ids["Net"]);
    assert_eq!(drift(&state)["status"], "IN_SYNC");
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["delete", "d"]));
    assert_eq!(code, 0, "{err}");
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vm_made_outside_any_stack_is_imported_checked_tagged_and_deleted_with_it() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let client = client(&sim.url);
    let get = cloudstack_client::HttpMethod::Get;
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let deployed = client
        .call(
            "deployVirtualMachine",
            get,
            vec![
                ("zoneid".into(), zone.into()),
                ("templateid".into(), tpl.into()),
                ("serviceofferingid".into(), SMALL.into()),
                ("name".into(), "legacy".into()),
            ],
        )
        .await
        .expect("deploy");
    let vm_id = deployed["id"].as_str().expect("id").to_string();
    client
        .wait_job("deployVirtualMachine", deployed["jobid"].as_str().expect("job"))
        .await
        .expect("deployed");
    let vm_template = |offering: &str, extra: &str| {
        format!(
            r#"{{"Resources": {{"Legacy": {{"Type": "CloudStack::VirtualMachine", "DeletionPolicy": "Delete",
                "Properties": {{"zoneid": "{zone}", "templateid": "{tpl}", "serviceofferingid": "{offering}",
                "name": "legacy"}}}}{extra}}}}}"#
        )
    };
    let resource = format!("Legacy={vm_id}");
    // A template that says otherwise is refused, naming the difference; so is an id that does not exist.
    let wrong = write(dir.path(), "wrong.json", &vm_template(MEDIUM, ""));
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["import", "old", "--resource", &resource])
        .arg(&wrong));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("serviceofferingid is") && err.contains(SMALL), "{err}");
    let right = write(dir.path(), "right.json", &vm_template(SMALL, ""));
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args([
            "import",
            "old",
            "--resource",
            "Legacy=00000000-0000-4000-8000-000000000bad",
        ])
        .arg(&right));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no CloudStack::VirtualMachine 00000000-0000-4000-8000-000000000bad exists"),
        "{err}"
    );
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["list"]));
    assert_eq!(code, 0);
    assert!(!out.contains("old"), "a refused import records nothing: {out}");
    // The import: the VM becomes the stack's, tagged with it.
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["import", "old", "--resource", &resource])
        .arg(&right));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(status(&sim.url, &state, "old"), "CREATE_COMPLETE");
    assert_eq!(physical_ids(&sim.url, &state, "old")["Legacy"], vm_id);
    let tagged = sim
        .handle
        .created_resources()
        .into_iter()
        .find(|r| r.id == vm_id)
        .expect("vm")
        .tags;
    assert!(
        tagged
            .iter()
            .any(|t| t.starts_with(stack_core::STACK_NAME_TAG) && t.ends_with("=old")),
        "{tagged:?}"
    );
    // A group made by hand, imported into the existing stack with a template that adds it.
    let group = client
        .call("createSecurityGroup", get, vec![("name".into(), "handmade".into())])
        .await
        .expect("group");
    let group_id = group["securitygroup"]["id"].as_str().expect("id").to_string();
    let more = write(
        dir.path(),
        "more.json",
        &vm_template(
            SMALL,
            r#", "Group": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "handmade"}}"#,
        ),
    );
    // Another stack cannot take the VM.
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["import", "other", "--resource", &resource])
        .arg(&right));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("belongs to stack"), "{err}");
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["import", "old", "--resource", &format!("Group={group_id}")])
        .arg(&more));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(status(&sim.url, &state, "old"), "UPDATE_COMPLETE");
    assert_eq!(physical_ids(&sim.url, &state, "old").len(), 2);
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["drift", "old", "-o", "json"]));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["status"], "IN_SYNC", "{out}");
    // Delete treats them as the stack's own.
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["delete", "old"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
}
