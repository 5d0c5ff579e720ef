//! The update classification of 4.17 for the types the issue names, reviewed against the
//! CloudStack API reference: what updateVirtualMachine, updateNetwork, updateVolume,
//! updateSecurityGroup and updateLoadBalancerRule take, which changes need the VM stopped (the
//! reference says so for updateVirtualMachine, changeServiceForVirtualMachine,
//! resetSSHKeyForVirtualMachine and updateVMAffinityGroup), and what the dedicated APIs change.

use cloudstack_codegen::participants::{derive, ParticipantTable};
use cloudstack_codegen::updates::{classify, render, Effect, UpdateTable};

mod common;

#[test]
fn the_classification_of_4_17() {
    let spec = common::facts("4.17");
    let d = derive(&spec, &ParticipantTable::builtin().expect("table"));
    let table = UpdateTable::builtin().expect("update table");
    let rule = |type_name: &str, property: &str| {
        let p = d
            .participants
            .iter()
            .find(|p| p.name == type_name)
            .unwrap_or_else(|| panic!("{type_name}"));
        let r = classify(&spec, p, &table)
            .into_iter()
            .find(|r| r.property == property)
            .unwrap_or_else(|| panic!("{type_name}.{property}"));
        (r.effect, r.api.unwrap_or_default())
    };
    use Effect::{InPlace, Interruption, Replacement};
    let expected: &[(&str, &str, Effect, &str)] = &[
        ("VirtualMachine", "displayname", InPlace, "updateVirtualMachine"),
        ("VirtualMachine", "group", InPlace, "updateVirtualMachine"),
        ("VirtualMachine", "name", Interruption, "updateVirtualMachine"),
        ("VirtualMachine", "userdata", Interruption, "updateVirtualMachine"),
        (
            "VirtualMachine",
            "securitygroupids",
            Interruption,
            "updateVirtualMachine",
        ),
        (
            "VirtualMachine",
            "serviceofferingid",
            Interruption,
            "changeServiceForVirtualMachine",
        ),
        (
            "VirtualMachine",
            "keypair",
            Interruption,
            "resetSSHKeyForVirtualMachine",
        ),
        (
            "VirtualMachine",
            "affinitygroupids",
            Interruption,
            "updateVMAffinityGroup",
        ),
        ("VirtualMachine", "templateid", Replacement, ""),
        ("VirtualMachine", "zoneid", Replacement, ""),
        ("VirtualMachine", "networkids", Replacement, ""),
        ("VirtualMachine", "rootdisksize", Replacement, ""),
        ("VirtualMachine", "projectid", Replacement, ""),
        ("Network", "name", InPlace, "updateNetwork"),
        ("Network", "displaytext", InPlace, "updateNetwork"),
        ("Network", "networkdomain", InPlace, "updateNetwork"),
        ("Network", "networkofferingid", Interruption, "updateNetwork"),
        ("Network", "zoneid", Replacement, ""),
        ("Network", "gateway", Replacement, ""),
        ("Network", "vlan", Replacement, ""),
        ("Volume", "name", InPlace, "updateVolume"),
        ("Volume", "size", InPlace, "resizeVolume"),
        ("Volume", "diskofferingid", InPlace, "resizeVolume"),
        ("Volume", "zoneid", Replacement, ""),
        ("Volume", "snapshotid", Replacement, ""),
        ("SecurityGroup", "name", InPlace, "updateSecurityGroup"),
        ("SecurityGroup", "description", Replacement, ""),
        ("SecurityGroup", "account", Replacement, ""),
        ("LoadBalancerRule", "algorithm", InPlace, "updateLoadBalancerRule"),
        ("LoadBalancerRule", "name", InPlace, "updateLoadBalancerRule"),
        ("LoadBalancerRule", "description", InPlace, "updateLoadBalancerRule"),
        ("LoadBalancerRule", "publicport", Replacement, ""),
        ("LoadBalancerRule", "privateport", Replacement, ""),
        ("LoadBalancerRule", "publicipid", Replacement, ""),
    ];
    for (t, property, effect, api) in expected {
        assert_eq!(rule(t, property), (*effect, api.to_string()), "{t}.{property}");
    }
    // Every create property of every participant has a rule; the table prints one line each.
    let lines = render(&spec, &d.participants, &table).lines().count();
    let properties: usize = d
        .participants
        .iter()
        .filter_map(|p| spec.api(&p.create))
        .map(|a| a.params.len())
        .sum();
    assert_eq!(lines, properties);
}

#[test]
fn a_dedicated_api_a_release_lacks_is_left_out() {
    let spec = common::facts("4.17");
    let d = derive(&spec, &ParticipantTable::builtin().expect("table"));
    let table = UpdateTable::from_toml(
        r#"
[[dedicated]]
type = "Volume"
property = "size"
api = "resizeVolumeSomeday"
"#,
    )
    .expect("parses");
    let volume = d.participants.iter().find(|p| p.name == "Volume").expect("Volume");
    let size = classify(&spec, volume, &table)
        .into_iter()
        .find(|r| r.property == "size")
        .expect("size");
    assert_eq!(size.effect, Effect::Replacement);
    assert!(UpdateTable::from_toml("[[dedicated]]\ntype = 1").is_err());
}
