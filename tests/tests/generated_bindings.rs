//! The generated bindings of the real 4.15, 4.16 and 4.17 dumps, used as a caller would.

use cloudstack_api::v4_17::{self, types, DeployVirtualMachine, ListVirtualMachines};
use cloudstack_client::decode::{open_envelope, Decode};
use cloudstack_client::{HttpMethod, ParamKind, Request, ResponseKind};
use serde_json::json;

const ID: &str = "1f0e4c1a-6b1e-4c51-9d43-7a9d2f6b8e01";

fn has(wire: &[(String, String)], k: &str, v: &str) -> bool {
    wire.iter().any(|(a, b)| a == k && b == v)
}

#[test]
fn versions_and_participant_counts() {
    let counts: Vec<(&str, usize, usize)> = cloudstack_api::VERSIONS
        .iter()
        .map(|v| (v.version, v.apis.len(), v.participants.len()))
        .collect();
    assert_eq!(counts, [("4.15", 614, 113), ("4.16", 653, 116), ("4.17", 650, 116)]);
    assert_eq!(cloudstack_api::latest().map(|v| v.version), Some("4.17"));
    let v = cloudstack_api::version("4.17").expect("4.17 compiled in");
    assert_eq!(
        v.api_ignore_case("DEPLOYVIRTUALMACHINE").map(|a| a.name),
        Some("deployVirtualMachine")
    );
}

#[test]
fn deploy_virtual_machine_wire_parameters() {
    let req = DeployVirtualMachine::new(ID, ID, ID)
        .name("web-1")
        .startvm(true)
        .securitygroupids([ID, ID])
        .details([("cpuNumber", "2"), ("memory", "1024")])
        .iptonetworklist([vec![("ip", "10.1.1.5"), ("networkid", ID)]])
        .userdata("I2Nsb3VkLWNvbmZpZw==");
    let wire = req.wire_params().expect("valid");
    assert!(has(&wire, "securitygroupids", &format!("{ID},{ID}")));
    assert!(has(&wire, "details[0].cpuNumber", "2"));
    assert!(has(&wire, "details[0].memory", "1024"));
    assert!(has(&wire, "iptonetworklist[0].ip", "10.1.1.5"));
    assert!(has(&wire, "iptonetworklist[0].networkid", ID));
    assert!(has(&wire, "startvm", "true"));
    let meta = req.meta();
    assert_eq!(
        (meta.name, meta.is_async, meta.method),
        ("deployVirtualMachine", true, HttpMethod::Post)
    );
    let userdata = meta.param("userdata").expect("userdata");
    assert!(
        userdata.length.is_some_and(|l| l >= 32768),
        "userdata limit comes from the dump: {:?}",
        userdata.length
    );
}

#[test]
fn list_apis_are_get_and_decode_lists() {
    let req = ListVirtualMachines::new().listall(true).page(1).pagesize(500);
    assert_eq!(req.meta().method, HttpMethod::Get);
    assert_eq!(req.meta().response, ResponseKind::List);
    let body = json!({"listvirtualmachinesresponse": {"count": 1, "virtualmachine": [
        {"id": ID, "name": "web-1", "state": "Running", "cpunumber": "2", "haenable": "false",
         "nic": [{"id": ID, "ipaddress": "10.1.1.5", "isdefault": true}],
         "securitygroup": [{"id": ID, "name": "web", "ingressrule": [{"ruleid": ID, "startport": 80}]}],
         "tags": [{"key": "stack", "value": "s1"}]}
    ]}})
    .to_string();
    let (_, inner) = open_envelope("listVirtualMachines", &body).expect("envelope");
    let list: types::ListVirtualMachinesResponse = Decode::decode("listVirtualMachines", inner).expect("decodes");
    let vm = &list.items[0];
    assert_eq!(vm.cpunumber, Some(2));
    assert_eq!(vm.haenable, Some(false));
    assert_eq!(vm.nic[0].ipaddress.as_deref(), Some("10.1.1.5"));
    assert_eq!(vm.securitygroup[0].ingressrule[0].startport, Some(80));
    assert_eq!(vm.tags[0].value.as_deref(), Some("s1"));
}

#[test]
fn participants_carry_specs_and_resolve_delete_keys() {
    let vm = v4_17::participant("CloudStack::VirtualMachine").expect("VM participant");
    assert_eq!(
        (vm.create.name, vm.delete.name),
        ("deployVirtualMachine", "destroyVirtualMachine")
    );
    let zone = vm.param("ZoneId").expect("case-insensitive lookup");
    assert_eq!((zone.name, zone.kind, zone.required), ("zoneid", ParamKind::Uuid, true));
    assert!(vm.attribute("nic").is_some_and(|a| !a.children.is_empty()));
    let del = vm.delete_params(&[], &json!({"id": ID})).expect("keys");
    assert_eq!(
        del,
        vec![
            ("id".to_string(), ID.to_string()),
            ("expunge".to_string(), "true".to_string())
        ]
    );

    let ingress = v4_17::participant("CloudStack::SecurityGroupIngress").expect("ingress");
    let result = json!({"securitygroup": {}, "ingressrule": [{"ruleid": "r-1"}]});
    assert_eq!(
        ingress
            .delete_params(&[], &result)
            .expect("falls back to ingressrule[0]"),
        vec![("id".to_string(), "r-1".to_string())]
    );

    let tags = v4_17::participant("CloudStack::Tags").expect("tags");
    let create_wire: Vec<(String, String)> = [
        ("resourceids", ID),
        ("resourcetype", "UserVm"),
        ("tags[0].key", "stack"),
        ("tags[0].value", "s1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let del = tags
        .delete_params(&create_wire, &json!({"success": true}))
        .expect("keys");
    assert!(
        del.contains(&("tags[0].key".to_string(), "stack".to_string())),
        "{del:?}"
    );
    let missing = vm.delete_params(&[], &json!({})).unwrap_err();
    assert!(missing.to_string().contains("CloudStack::VirtualMachine"), "{missing}");

    for v in cloudstack_api::VERSIONS.iter() {
        for name in [
            "CloudStack::VirtualMachine",
            "CloudStack::SecurityGroup",
            "CloudStack::SecurityGroupIngress",
            "CloudStack::Network",
            "CloudStack::Volume",
        ] {
            assert!(v.participant(name).is_some(), "{} lacks {name}", v.version);
        }
    }
}

#[test]
fn every_api_of_every_version_has_consistent_metadata() {
    for v in cloudstack_api::VERSIONS.iter() {
        let mut prev = "";
        for api in v.apis {
            assert!(api.name > prev, "{}: APIs sorted", v.version);
            prev = api.name;
            assert!(
                api.params.windows(2).all(|w| w[0].name < w[1].name),
                "{}: params sorted",
                api.name
            );
            if api.name.starts_with("list") {
                assert_eq!(api.response, ResponseKind::List);
            }
            if api.params.iter().any(|p| p.sensitive) {
                assert_eq!(api.method, HttpMethod::Post, "{} carries a secret", api.name);
            }
        }
        for p in v.participants {
            for key in p.delete_keys {
                assert!(
                    p.delete.param(key.param).is_some(),
                    "{}: delete key {} exists",
                    p.type_name,
                    key.param
                );
            }
        }
    }
}
