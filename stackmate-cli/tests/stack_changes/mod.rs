//! Shared by the tests of updates, drift and import: a stack of a network, a security group and a
//! VM, and readers of what the state and the simulator say.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::Value;

use super::common::{json, run, stackmate};

/// A client of the simulator with the demo account's keys.
pub fn client(url: &str) -> cloudstack_client::Client {
    cloudstack_client::Client::builder(url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client")
}

/// A network, a security group and a VM in that group.
pub fn stack(vm_name: &str, offering: &str, group_description: &str, net_name: &str, extra: &str) -> String {
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

pub const SMALL: &str = cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID;
pub const MEDIUM: &str = cloudstack_sim::fixtures::SERVICE_OFFERING_MEDIUM_ID;

/// A VM that cannot be made (its offering does not exist), after `Vm`.
pub const BROKEN: &str = r#",
    "Broken": {"Type": "CloudStack::VirtualMachine", "DependsOn": "Vm", "Properties": {
      "zoneid": "a1b2c3d4-0001-4000-8000-000000000001", "templateid": "a1b2c3d4-0002-4000-8000-000000000001",
      "serviceofferingid": "00000000-0000-4000-8000-00000000dead"}}"#;

/// The physical ids of the stack's resources, by logical id.
pub fn physical_ids(url: &str, state: &std::path::Path, name: &str) -> BTreeMap<String, String> {
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

pub fn status(url: &str, state: &std::path::Path, name: &str) -> String {
    let (_, out, _) = run(stackmate(url, state).args(["describe", name, "-o", "json"]));
    json(&out)["status"].as_str().unwrap_or("?").to_string()
}

/// The simulator's object `id` of list API `list` (under `key`).
pub async fn object(url: &str, list: &str, key: &str, id: &str) -> Value {
    let listed = client(url)
        .call(list, cloudstack_client::HttpMethod::Get, vec![("id".into(), id.into())])
        .await
        .expect("list");
    listed[key][0].clone()
}

/// Calls per command made since `before`, for the commands that change something.
pub fn writes_since(before: &BTreeMap<String, u64>, now: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    now.iter()
        .filter(|(k, _)| !k.starts_with("list") && !k.starts_with("query") && *k != "listApis")
        .filter_map(|(k, n)| {
            let d = n - before.get(k).copied().unwrap_or(0);
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}
