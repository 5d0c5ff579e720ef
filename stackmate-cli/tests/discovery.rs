//! Discovery for newcomers: `stackmate types`, `stackmate cloud ...`, and a live view whose clock
//! ticks while a resource is being made.

mod common;

use common::{json, on_a_terminal, run, sim, stackmate, write};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn types_lists_properties_required_first_and_attributes() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let sm = || {
        let mut c = stackmate(&sim.url, &dir.path().join("state"));
        c.args(["--api-version", "4.17"]);
        c
    };
    let (code, out, err) = run(sm().args(["types", "vm"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("CloudStack::VirtualMachine  (deployVirtualMachine / destroyVirtualMachine)"),
        "{out}"
    );
    let vm = &out[out.find("CloudStack::VirtualMachine ").expect("vm")..];
    let required = &vm[vm.find("required:").expect("required")..vm.find("optional:").expect("optional")];
    assert!(
        required.contains("zoneid (uuid)") && required.contains("templateid (uuid)"),
        "{required}"
    );
    assert!(vm.contains("PrivateIp"), "{vm}");
    let (code, out, _) = run(sm().args(["types", "SecurityGroup", "-o", "json"]));
    assert_eq!(code, 0);
    let v = json(&out);
    let group = v["types"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["type_name"] == "CloudStack::SecurityGroup"))
        .expect("group")
        .clone();
    assert_eq!(group["origin"]["create"], "createSecurityGroup");
    assert_eq!(group["properties"][0]["name"], "name");
    assert_eq!(group["properties"][0]["required"], true);
    let (code, all, _) = run(sm().arg("types"));
    assert_eq!(code, 0);
    assert!(
        all.contains("AWS::CloudFormation::WaitCondition") && all.lines().count() > 100,
        "{all}"
    );
    let (code, _, err) = run(sm().args(["types", "NoSuchThing"]));
    assert_eq!(code, 2);
    assert!(err.contains("no type of CloudStack 4.17 matches"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_lists_the_ids_a_template_needs() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    for (what, id) in [
        ("zones", cloudstack_sim::fixtures::ZONE_ID),
        ("templates", cloudstack_sim::fixtures::TEMPLATE_ID),
        ("offerings", cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID),
    ] {
        let (code, out, err) = run(stackmate(&sim.url, &state).args(["cloud", what]));
        assert_eq!(code, 0, "{what}: {err}");
        assert!(out.contains("ID  ") && out.contains(id), "{what}: {out}");
        let (code, out, _) = run(stackmate(&sim.url, &state).args(["cloud", what, "-o", "json"]));
        assert_eq!(code, 0);
        let v = json(&out);
        assert!(
            v["items"].as_array().is_some_and(|i| i.iter().any(|x| x["id"] == id)),
            "{what}: {out}"
        );
    }
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["cloud", "networks"]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["cloud", "nothing"]));
    assert_eq!(code, 2, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_view_clock_ticks_while_a_resource_is_made() {
    let sim = sim(1500).await;
    let dir = tempfile::tempdir().expect("tmp");
    let t = write(
        dir.path(),
        "ip.json",
        &format!(
            r#"{{"Resources": {{"Ip": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{}"}}}}}}}}"#,
            cloudstack_sim::fixtures::ZONE_ID
        ),
    );
    let mut cmd = stackmate(&sim.url, &dir.path().join("state"));
    cmd.args(["create", "ticks"]).arg(&t);
    let (code, seen) = on_a_terminal(&cmd, "", "");
    assert_eq!(code, 0, "{seen}");
    // Every redraw of the Ip line while it is in progress shows the time since it started.
    let shown: std::collections::BTreeSet<String> = seen
        .split(['\r', '\n'])
        .filter(|l| l.contains("Ip ") && l.contains("CREATE_IN_PROGRESS"))
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.ends_with('s') && w[..w.len() - 1].parse::<f64>().is_ok())
                .map(str::to_string)
        })
        .collect();
    assert!(shown.len() >= 5, "the clock ticked only through {shown:?}:\n{seen}");
}
