//! A tour of the generated bindings, offline: versions, a typed request and its exact wire parameters,
//! a decoded reply with drift, and the participant a stack would use for a VM.
//!
//! Run: `cargo run -p cloudstack-api --example tour`

use cloudstack_api::v4_17::{types, DeployVirtualMachine};
use cloudstack_client::decode::{open_envelope, Decode};
use cloudstack_client::Request;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for v in cloudstack_api::VERSIONS.iter() {
        println!(
            "CloudStack {}: {} APIs, {} participants",
            v.version,
            v.apis.len(),
            v.participants.len()
        );
    }

    // Required parameters are constructor arguments; optional ones are setters.
    let zone = "1f0e4c1a-6b1e-4c51-9d43-7a9d2f6b8e01";
    let req = DeployVirtualMachine::new(zone, zone, zone)
        .name("web-1")
        .securitygroupids(["5e3c9a4b-2f1d-4e6a-8b7c-0d1e2f3a4b5c"])
        .details([("cpuNumber", "2")]);
    println!(
        "\n{} ({:?}, async: {}):",
        req.meta().name,
        req.meta().method,
        req.meta().is_async
    );
    for (k, v) in req.wire_params()? {
        println!("  {k}={v}");
    }

    // A reply as a real server sends it: ids as numbers, booleans as strings, fields nobody described.
    let body = r#"{"deployvirtualmachineresponse":{"virtualmachine":{"id":42,"name":"web-1","state":"Running",
        "haenable":"false","nic":[{"ipaddress":"10.1.1.5","isdefault":true}],"newfield":"kept"}}}"#;
    let (_, inner) = open_envelope("deployVirtualMachine", body)?;
    let vm: types::DeployVirtualMachineResponse = Decode::decode("deployVirtualMachine", inner)?;
    println!(
        "\ndecoded: id={:?} state={:?} haenable={:?} first nic={:?} extra={:?}",
        vm.id,
        vm.state,
        vm.haenable,
        vm.nic.first().and_then(|n| n.ipaddress.clone()),
        vm.extra
    );

    let p = cloudstack_api::v4_17::participant("CloudStack::VirtualMachine").ok_or("no VM participant")?;
    let required: Vec<&str> = p.params().iter().filter(|x| x.required).map(|x| x.name).collect();
    println!(
        "\n{}: create {} (required: {}), delete {} with {:?}",
        p.type_name,
        p.create.name,
        required.join(", "),
        p.delete.name,
        p.delete_params(&[], &serde_json::json!({"id": "42"}))?
    );
    Ok(())
}
