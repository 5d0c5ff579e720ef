//! What some CloudStack types need beyond what their spec says, in one place: the attributes a VM
//! gives templates (`PrivateIp`, `PublicIp`), a VM's delete without expunge when asked, and where a
//! lost synchronous create shows (a static NAT, on its address).

use cloudstack_client::participant::lookup_path;
use cloudstack_client::ParticipantSpec;
use serde_json::{Map, Value};

/// The create API of virtual machines.
const DEPLOY_VM: &str = "deployVirtualMachine";

/// Adds the attributes a type has beyond its create response: a VM's first NIC's address as
/// `PrivateIp` and `PublicIp` (StackMate's names).
pub(crate) fn created_attributes(spec: &ParticipantSpec, attributes: &mut Map<String, Value>) {
    if spec.create.name == DEPLOY_VM {
        if let Some(ip) = lookup_path(&Value::Object(attributes.clone()), "nic.0.ipaddress").cloned() {
            attributes.insert("PrivateIp".into(), ip.clone());
            attributes.insert("PublicIp".into(), ip);
        }
    }
}

/// The delete call's parameters adjusted: a VM destroyed without `expunge` unless `expunge_vms`.
pub(crate) fn delete_wire(
    spec: &ParticipantSpec,
    mut wire: Vec<(String, String)>,
    expunge_vms: bool,
) -> Vec<(String, String)> {
    if spec.create.name == DEPLOY_VM && !expunge_vms {
        wire.retain(|(k, _)| k != "expunge");
    }
    wire
}

/// The APIs that stop and start a resource of `spec` around a change that needs it stopped (an
/// "interruption" in the release's update table): a VM's `stopVirtualMachine` and
/// `startVirtualMachine`. Other types' interrupting changes interrupt by themselves (a network's
/// new offering restarts it), so they have none.
pub(crate) fn power_cycle(spec: &ParticipantSpec) -> Option<(&'static str, &'static str)> {
    (spec.create.name == DEPLOY_VM).then_some(("stopVirtualMachine", "startVirtualMachine"))
}

/// What a synchronous create without a `name`, whose reply was lost, left, where the cloud shows it
/// elsewhere: a static NAT (`enableStaticNat`) shows on its address, as `isstaticnat` with the VM's
/// id. `Some` with the create's result when that address is already static-NATed to the same VM
/// (the lost call went through), `None` when it cannot be told or it is not so.
pub(crate) async fn lost_sync_create(
    client: &cloudstack_client::Client,
    spec: &ParticipantSpec,
    wire: &[(String, String)],
) -> Option<Value> {
    if spec.create.name != "enableStaticNat" {
        return None;
    }
    let arg = |k: &str| wire.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (ip, vm) = (arg("ipaddressid")?, arg("virtualmachineid")?);
    let listed = client
        .call(
            "listPublicIpAddresses",
            cloudstack_client::HttpMethod::Get,
            vec![("id".into(), ip.clone()), ("listall".into(), "true".into())],
        )
        .await
        .ok()?;
    let address = listed
        .get("publicipaddress")
        .and_then(Value::as_array)?
        .iter()
        .find(|a| a.get("id").and_then(Value::as_str) == Some(ip.as_str()))?;
    let nat = address.get("isstaticnat").and_then(Value::as_bool) == Some(true)
        && address.get("virtualmachineid").and_then(Value::as_str) == Some(vm.as_str());
    nat.then(|| serde_json::json!({"success": true}))
}
