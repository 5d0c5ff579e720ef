//! `stackmate update` against the simulator: changes in place, changes that stop and start a VM,
//! a replacement with a dependent (create first, dependent changed, old one deleted last), a
//! failure midway rolled back to the exact previous state, and a stack policy that refuses an
//! update before any call.

mod common;

use std::collections::BTreeMap;

use common::{json, run, sim, stackmate, write};
use serde_json::Value;

/// A network, a security group and a VM in that group.
fn stack(vm_name: &str, offering: &str, group_description: &str, net_name: &str, extra: &str) -> String {
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let tpl = cloudstack_sim::fixtures::TEMPLATE_ID;
    let net_offering = cloudstack_sim::fixtures::NETWORK_OFFERING_ID;
    format!(
        r#"{{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {{
    "Net": {{"Type": "CloudStack::Network", "Properties": {{"zoneid": "{zone}", "networkofferingid": "{net_offering}",
      "name": "{net_name}", "displaytext": "app network"}}}},
    "Web": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "web", "description": "{group_description}"}}}},
    "Vm": {{"Type": "CloudStack::VirtualMachine", "Properties": {{"zoneid": "{zone}", "templateid": "{tpl}",
      "serviceofferingid": "{offering}", "name": "{vm_name}", "displayname": "{vm_name} server",
      "securitygroupids": [{{"Ref": "Web"}}]}}}}{extra}
  }},
  "Outputs": {{"VmOffering": {{"Value": {{"Fn::GetAtt": ["Vm", "serviceofferingname"]}}}}}}
}}"#
    )
}

const SMALL: &str = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
const MEDIUM: &str = cloudstack_sim::fixtures::SERVICE_OFFERING_MEDIUM_ID;

/// A VM that cannot be made (its offering does not exist), after `Vm`.
const BROKEN: &str = r#",
    "Broken": {"Type": "CloudStack::VirtualMachine", "DependsOn": "Vm", "Properties": {
      "zoneid": "a1b2c3d4-0001-4000-8000-000000000001", "templateid": "a1b2c3d4-0002-4000-8000-000000000001",
      "serviceofferingid": "00000000-0000-4000-8000-00000000dead"}}"#;

/// The physical ids of the stack's resources, by logical id.
fn physical_ids(url: &str, state: &std::path::Path, name: &str) -> BTreeMap<String, String> {
    let (code, out, err) = run(stackmate(url, state).args(["describe", name, "-o", "json"]));
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    v["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["status"]
                .as_str()
                .is_some_and(|s| s.ends_with("_COMPLETE") && !s.starts_with("DELETE"))
        })
        .filter_map(|r| {
            Some((
                r["logical_id"].as_str()?.to_string(),
                r["physical_id"].as_str()?.to_string(),
            ))
        })
        .collect()
}

fn status(url: &str, state: &std::path::Path, name: &str) -> String {
    let (_, out, _) = run(stackmate(url, state).args(["describe", name, "-o", "json"]));
    json(&out)["status"].as_str().unwrap_or("?").to_string()
}

/// The simulator's object `id` of list API `list` (under `key`).
async fn object(url: &str, list: &str, key: &str, id: &str) -> Value {
    let client = cloudstack_client::Client::builder(url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
    let listed = client
        .call(list, cloudstack_client::HttpMethod::Get, vec![("id".into(), id.into())])
        .await
        .expect("list");
    listed[key][0].clone()
}

/// Calls per command made since `before`, for the commands that change something.
fn writes_since(before: &BTreeMap<String, u64>, now: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    now.iter()
        .filter(|(k, _)| !k.starts_with("list") && !k.starts_with("query") && *k != "listApis")
        .filter_map(|(k, n)| {
            let d = n - before.get(k).copied().unwrap_or(0);
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_place_and_interruption_changes_keep_every_resource() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let v1 = write(dir.path(), "v1.json", &stack("app", SMALL, "web tier", "net", ""));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "s"]).arg(&v1));
    assert_eq!(code, 0, "{err}");
    let before = physical_ids(&sim.url, &state, "s");
    assert_eq!(before.len(), 3, "{before:?}");

    // A network's name: updateNetwork, in place.
    let v2 = write(dir.path(), "v2.json", &stack("app", SMALL, "web tier", "net2", ""));
    let calls = sim.handle.call_counts();
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["update", "s"]).arg(&v2));
    assert_eq!(code, 0, "{out}{err}");
    let writes = writes_since(&calls, &sim.handle.call_counts());
    assert_eq!(writes.keys().collect::<Vec<_>>(), ["updateNetwork"], "{writes:?}");
    assert_eq!(physical_ids(&sim.url, &state, "s"), before, "nothing replaced");
    let net = object(&sim.url, "listNetworks", "network", &before["Net"]).await;
    assert_eq!(net["name"], "s-net2", "{net}");
    assert_eq!(status(&sim.url, &state, "s"), "UPDATE_COMPLETE");

    // A VM's name and service offering: stopped, changed, started; the same VM.
    let v3 = write(dir.path(), "v3.json", &stack("app2", MEDIUM, "web tier", "net2", ""));
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["change-set", "preview", "s"])
        .arg(&v3));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("serviceofferingid (interruption)"), "{out}");
    let calls = sim.handle.call_counts();
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["update", "s"]).arg(&v3));
    assert_eq!(code, 0, "{out}{err}");
    let writes = writes_since(&calls, &sim.handle.call_counts());
    for api in [
        "stopVirtualMachine",
        "changeServiceForVirtualMachine",
        "updateVirtualMachine",
        "startVirtualMachine",
    ] {
        assert_eq!(writes.get(api), Some(&1), "{api}: {writes:?}");
    }
    assert!(!writes.contains_key("deployVirtualMachine"), "{writes:?}");
    assert_eq!(physical_ids(&sim.url, &state, "s"), before, "nothing replaced");
    let vm = object(&sim.url, "listVirtualMachines", "virtualmachine", &before["Vm"]).await;
    assert_eq!(
        (vm["serviceofferingid"].as_str(), vm["state"].as_str()),
        (Some(MEDIUM), Some("Running")),
        "{vm}"
    );
    assert_eq!(vm["name"], "s-app2");
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["outputs", "s", "-o", "json"]));
    assert_eq!(code, 0);
    assert_eq!(json(&out)["outputs"]["VmOffering"], "Medium Instance", "{out}");

    // The same template again: nothing to do.
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["update", "s"]).arg(&v3));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no updates are to be performed"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_group_is_made_first_and_deleted_last() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let v1 = write(dir.path(), "v1.json", &stack("app", SMALL, "web tier", "net", ""));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "r"]).arg(&v1));
    assert_eq!(code, 0, "{err}");
    let before = physical_ids(&sim.url, &state, "r");
    // A group's description can only change by replacing the group, and the VM that uses it
    // follows (its groups change while it is stopped).
    let v2 = write(dir.path(), "v2.json", &stack("app", SMALL, "web servers", "net", ""));
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["update", "r"]).arg(&v2));
    assert_eq!(code, 0, "{out}{err}");
    let after = physical_ids(&sim.url, &state, "r");
    assert_ne!(after["Web"], before["Web"], "the group is new");
    assert_eq!((&after["Vm"], &after["Net"]), (&before["Vm"], &before["Net"]));
    let vm = object(&sim.url, "listVirtualMachines", "virtualmachine", &after["Vm"]).await;
    assert_eq!(
        vm["securitygroup"][0]["id"].as_str(),
        Some(after["Web"].as_str()),
        "{vm}"
    );
    assert_eq!(vm["state"], "Running");
    let live: Vec<String> = sim.handle.created_resources().into_iter().map(|r| r.id).collect();
    assert!(!live.contains(&before["Web"]), "the old group is deleted");
    assert!(live.contains(&after["Web"]));
    // In CloudFormation's order: the new group, then the VM, then the old group's delete.
    let (code, out, _) = run(stackmate(&sim.url, &state).args(["events", "r", "-o", "json"]));
    assert_eq!(code, 0);
    let events = json(&out);
    let seq: Vec<(String, String, String)> = events["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("logical_id"), s("status"), s("physical_id"))
        })
        .collect();
    let at = |logical: &str, status: &str, pid: &str| {
        seq.iter()
            .position(|(l, s, p)| l == logical && s == status && (pid.is_empty() || p == pid))
            .unwrap_or_else(|| panic!("no {logical} {status} {pid} in {seq:?}"))
    };
    let made = at("Web", "UPDATE_COMPLETE", &after["Web"]);
    let vm_done = at("Vm", "UPDATE_COMPLETE", "");
    let cleanup = at("r", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "");
    let old_gone = at("Web", "DELETE_COMPLETE", &before["Web"]);
    assert!(made < vm_done && vm_done < cleanup && cleanup < old_gone, "{seq:?}");
    assert!(
        seq.last().is_some_and(|(l, s, _)| l == "r" && s == "UPDATE_COMPLETE"),
        "{seq:?}"
    );
    // Delete leaves nothing.
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["delete", "r"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_update_rolls_back_to_the_exact_previous_state() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let v1 = write(dir.path(), "v1.json", &stack("app", SMALL, "web tier", "net", ""));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "f"]).arg(&v1));
    assert_eq!(code, 0, "{err}");
    let before = physical_ids(&sim.url, &state, "f");
    let vm_before = object(&sim.url, "listVirtualMachines", "virtualmachine", &before["Vm"]).await;
    let live_before: Vec<String> = sim.handle.created_resources().into_iter().map(|r| r.id).collect();
    // Renames the VM (in place, with a restart), replaces the group, changes the offering, and
    // adds a VM that cannot be made: the update fails after the others changed.
    let v2 = write(
        dir.path(),
        "v2.json",
        &stack("app2", MEDIUM, "web servers", "net2", BROKEN),
    );
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["update", "f"]).arg(&v2));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("UPDATE_ROLLBACK_COMPLETE"), "{err}");
    assert_eq!(status(&sim.url, &state, "f"), "UPDATE_ROLLBACK_COMPLETE");
    assert_eq!(physical_ids(&sim.url, &state, "f"), before, "the same resources");
    let mut live_after: Vec<String> = sim.handle.created_resources().into_iter().map(|r| r.id).collect();
    let mut expected = live_before.clone();
    live_after.sort();
    expected.sort();
    assert_eq!(
        live_after, expected,
        "nothing the update made is left, nothing it replaced is gone"
    );
    let vm = object(&sim.url, "listVirtualMachines", "virtualmachine", &before["Vm"]).await;
    for field in ["name", "displayname", "serviceofferingid", "state"] {
        assert_eq!(vm[field], vm_before[field], "{field}: {vm}");
    }
    assert_eq!(vm["securitygroup"][0]["id"].as_str(), Some(before["Web"].as_str()));
    let net = object(&sim.url, "listNetworks", "network", &before["Net"]).await;
    assert_eq!(net["name"], "f-net");
    // The stack is the old one again: an update to the new template without the broken VM works.
    let v3 = write(dir.path(), "v3.json", &stack("app2", MEDIUM, "web tier", "net", ""));
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["change-set", "preview", "f"])
        .arg(&v3));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Vm") && !out.contains("Web") && !out.contains("Broken"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_policy_refuses_an_update_before_any_call() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let v1 = write(dir.path(), "v1.json", &stack("app", SMALL, "web tier", "net", ""));
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "p"]).arg(&v1));
    assert_eq!(code, 0, "{err}");
    let policy = write(
        dir.path(),
        "policy.json",
        r#"{"Statement": [
            {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": ["Update:Replace", "Update:Delete"], "Principal": "*",
             "Resource": "LogicalResourceId/Web"}]}"#,
    );
    // A rename is allowed, and keeps the policy with the stack.
    let v2 = write(dir.path(), "v2.json", &stack("app", SMALL, "web tier", "net2", ""));
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["update", "p", "--stack-policy"])
        .arg(&policy)
        .arg(&v2));
    assert_eq!(code, 0, "{out}{err}");
    // Replacing the group is not.
    let v3 = write(dir.path(), "v3.json", &stack("app", SMALL, "web servers", "net2", ""));
    let calls = sim.handle.call_counts();
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["update", "p"]).arg(&v3));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Update:Replace on Web"), "{err}");
    assert!(
        writes_since(&calls, &sim.handle.call_counts()).is_empty(),
        "nothing was called"
    );
    assert_eq!(status(&sim.url, &state, "p"), "UPDATE_COMPLETE");
    // A policy for this update alone lets it through.
    let open = write(
        dir.path(),
        "open.json",
        r#"{"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]}"#,
    );
    let (code, out, err) = run(stackmate(&sim.url, &state)
        .args(["update", "p", "--policy-override"])
        .arg(&open)
        .arg(&v3));
    assert_eq!(code, 0, "{out}{err}");
    let bad = write(dir.path(), "bad.json", r#"{"Statement": [{"Effect": "Perhaps"}]}"#);
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["update", "p", "--stack-policy"])
        .arg(&bad)
        .arg(&v1));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("/Statement/0/Effect"), "{err}");
}

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
    let client = cloudstack_client::Client::builder(&sim.url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
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
    let client = cloudstack_client::Client::builder(&sim.url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
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
