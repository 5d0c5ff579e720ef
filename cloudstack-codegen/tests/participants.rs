//! Participant derivation on the real dumps: counts, the pairs the issue names, and their delete keys.

use cloudstack_codegen::participants::{derive, KeySource, Origin, ParticipantTable};

mod common;

fn load(version: &str) -> cloudstack_codegen::spec::ApiSpec {
    common::facts(version)
}

#[test]
fn counts_per_version() {
    let table = ParticipantTable::builtin().expect("table");
    let counts: Vec<(String, usize)> = ["4.15", "4.16", "4.17"]
        .iter()
        .map(|v| (v.to_string(), derive(&load(v), &table).participants.len()))
        .collect();
    // These are the numbers api-specs/README.md prints; update both together.
    assert_eq!(
        counts,
        [
            ("4.15".to_string(), 113),
            ("4.16".to_string(), 116),
            ("4.17".to_string(), 116)
        ]
    );
    assert!(counts[2].1 >= 93);
}

#[test]
fn named_pairs_and_keys() {
    let d = derive(&load("4.17"), &ParticipantTable::builtin().expect("table"));
    let get = |t: &str| {
        d.participants
            .iter()
            .find(|p| p.type_name() == t)
            .unwrap_or_else(|| panic!("{t} missing"))
    };
    let vm = get("CloudStack::VirtualMachine");
    assert_eq!(
        (vm.create.as_str(), vm.delete.as_str()),
        ("deployVirtualMachine", "destroyVirtualMachine")
    );
    assert_eq!(vm.keys[0].sources, [KeySource::Attribute("id".into())]);
    assert_eq!(vm.delete_defaults, [("expunge".to_string(), "true".to_string())]);
    assert_eq!(vm.tag_resource_type.as_deref(), Some("UserVm"));

    let sg = get("CloudStack::SecurityGroup");
    assert_eq!(
        (sg.create.as_str(), sg.delete.as_str()),
        ("createSecurityGroup", "deleteSecurityGroup")
    );
    assert_eq!(
        sg.keys[0].param, "id",
        "deleteSecurityGroup has no required param; id is used"
    );

    let ingress = get("CloudStack::SecurityGroupIngress");
    assert_eq!(ingress.origin, Origin::Curated);
    assert_eq!(ingress.keys[0].sources[0], KeySource::Attribute("ruleid".into()));

    let ssh = get("CloudStack::SSHKeyPair");
    assert_eq!(ssh.keys[0].param, "name");
    assert_eq!(ssh.keys[0].sources, [KeySource::Attribute("name".into())]);
    assert!(
        ssh.keys.iter().any(|k| k.param == "projectid" && !k.required),
        "scope forwarded"
    );
    assert_eq!(get("CloudStack::RegisterSSHKeyPair").create, "registerSSHKeyPair");

    let nat = get("CloudStack::StaticNat");
    assert_eq!(nat.keys[0].sources, [KeySource::Parameter("ipaddressid".into())]);
    let snap = get("CloudStack::VMSnapshot");
    assert_eq!(
        (snap.keys[0].param.as_str(), &snap.keys[0].sources),
        ("vmsnapshotid", &vec![KeySource::Attribute("id".into())])
    );
    let tags = get("CloudStack::Tags");
    let params: Vec<&str> = tags.keys.iter().map(|k| k.param.as_str()).collect();
    assert!(
        params.contains(&"resourceids") && params.contains(&"resourcetype") && params.contains(&"tags"),
        "{params:?}"
    );
    assert_eq!(get("CloudStack::SnapshotPolicy").delete, "deleteSnapshotPolicies");
    assert_eq!(get("CloudStack::IpAddress").delete, "disassociateIpAddress");
}

#[test]
fn the_maker_of_an_id_comes_from_related_and_the_name() {
    let spec = load("4.17");
    let d = derive(&spec, &ParticipantTable::builtin().expect("table"));
    let maker = |api: &str, param: &str| {
        let p = spec
            .api(api)
            .and_then(|a| a.params.iter().find(|p| p.name == param))
            .unwrap_or_else(|| panic!("{api}.{param}"));
        d.producer_of(p).map(|m| m.name.clone())
    };
    assert_eq!(
        maker("deployVirtualMachine", "securitygroupids").as_deref(),
        Some("SecurityGroup")
    );
    assert_eq!(
        maker("createPortForwardingRule", "ipaddressid").as_deref(),
        Some("IpAddress")
    );
    // Related to deployVirtualMachine and importUnmanagedInstance: the name says which.
    assert_eq!(
        maker("enableStaticNat", "virtualmachineid").as_deref(),
        Some("VirtualMachine")
    );
    // A template id is made by more than one participant: any kind goes.
    assert_eq!(maker("deployVirtualMachine", "templateid"), None);
    // The dump relates a pod id to an API that makes no pods: not trusted.
    assert_eq!(maker("deployVirtualMachine", "podid"), None);
    // Not an id.
    assert_eq!(maker("deployVirtualMachine", "name"), None);
    let restricted = d
        .participants
        .iter()
        .filter_map(|p| spec.api(&p.create))
        .flat_map(|a| a.params.iter())
        .filter(|p| d.producer_of(p).is_some())
        .count();
    assert!(restricted > 80, "{restricted} parameters take one kind only");
}
