//! `stackmate update` against the simulator: changes in place, changes that stop and start a VM,
//! a replacement with a dependent (create first, dependent changed, old one deleted last), a
//! failure midway rolled back to the exact previous state, a stack policy that refuses an update
//! before any call, a retained replacement, and a stuck rollback continued past a resource.

mod common;
mod stack_changes;

use common::{json, run, sim, stackmate, write};
use stack_changes::{object, physical_ids, stack, status, writes_since, BROKEN, MEDIUM, SMALL};

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
async fn a_retained_replacement_stays_and_a_stuck_rollback_goes_on_when_told_to_skip() {
    use cloudstack_sim::FaultRule;
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let retain = r#""Web": {"Type": "CloudStack::SecurityGroup", "UpdateReplacePolicy": "Retain","#;
    let v1 =
        stack("app", SMALL, "web tier", "net", "").replace(r#""Web": {"Type": "CloudStack::SecurityGroup","#, retain);
    let v1 = write(dir.path(), "v1.json", &v1);
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "k"]).arg(&v1));
    assert_eq!(code, 0, "{err}");
    let before = physical_ids(&sim.url, &state, "k");
    let v2 = stack("app", SMALL, "web servers", "net", "")
        .replace(r#""Web": {"Type": "CloudStack::SecurityGroup","#, retain);
    let v2 = write(dir.path(), "v2.json", &v2);
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["update", "k"]).arg(&v2));
    assert_eq!(code, 0, "{out}{err}");
    let after = physical_ids(&sim.url, &state, "k");
    assert_ne!(after["Web"], before["Web"]);
    let live: Vec<String> = sim.handle.created_resources().into_iter().map(|r| r.id).collect();
    assert!(
        live.contains(&before["Web"]),
        "UpdateReplacePolicy Retain keeps the old group"
    );
    let (_, events, _) = run(stackmate(&sim.url, &state).args(["events", "k"]));
    assert!(
        events
            .lines()
            .any(|l| l.contains("DELETE_SKIPPED") && l.contains(&before["Web"])),
        "{events}"
    );

    // A rollback that cannot change the VM back is UPDATE_ROLLBACK_FAILED; skipping it goes on.
    let v3 = write(
        dir.path(),
        "v3.json",
        &stack("app2", SMALL, "web servers", "net", BROKEN)
            .replace(r#""Web": {"Type": "CloudStack::SecurityGroup","#, retain),
    );
    let slow = FaultRule::parse("deployVirtualMachine:latency=600ms").expect("rule");
    sim.handle.set_faults(vec![slow.clone()]);
    let renames = || {
        sim.handle
            .call_counts()
            .get("updateVirtualMachine")
            .copied()
            .unwrap_or(0)
    };
    let before_renaming = renames();
    let child = stackmate(&sim.url, &state)
        .args(["update", "k"])
        .arg(&v3)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Once the VM is renamed, its changes start failing: the rollback cannot rename it back.
    let started = std::time::Instant::now();
    while renames() <= before_renaming {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the VM was never renamed"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let failing = FaultRule::parse("updateVirtualMachine:next=100,code=431").expect("rule");
    sim.handle.set_faults(vec![slow, failing]);
    let out = child.wait_with_output().expect("update");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(status(&sim.url, &state, "k"), "UPDATE_ROLLBACK_FAILED");
    sim.handle.set_faults(Vec::new());
    let (code, out, err) = run(stackmate(&sim.url, &state).args(["continue-update-rollback", "k", "--skip", "Vm"]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(status(&sim.url, &state, "k"), "UPDATE_ROLLBACK_COMPLETE");
    let vm = object(&sim.url, "listVirtualMachines", "virtualmachine", &after["Vm"]).await;
    assert_eq!(vm["name"], "k-app2", "the skipped VM stays as it is");
    assert_eq!(vm["state"], "Running");
    assert_eq!(physical_ids(&sim.url, &state, "k")["Web"], after["Web"]);
}
