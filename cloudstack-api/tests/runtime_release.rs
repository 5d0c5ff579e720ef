//! Releases loaded at run time have exactly the tables the build generates, and any dump loads.

use cloudstack_api::{specs, Origin, Version};

#[test]
fn a_loaded_release_equals_the_compiled_one_table_by_table() {
    let compiled = cloudstack_api::version("4.17").expect("4.17 is compiled in (default feature)");
    assert_eq!(compiled.origin, Origin::Compiled);
    let loaded = Version::load(compiled.facts.as_bytes(), "4.17 facts").expect("loads");
    assert_eq!(loaded.origin, Origin::Loaded);
    assert_eq!(loaded.version, "4.17");
    assert_eq!(loaded.facts_sha256, compiled.facts_sha256);
    assert_eq!(loaded.apis.len(), compiled.apis.len());
    for (a, b) in compiled.apis.iter().zip(loaded.apis) {
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "API {}", a.name);
    }
    assert_eq!(loaded.participants.len(), compiled.participants.len());
    for (a, b) in compiled.participants.iter().zip(loaded.participants) {
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "participant {}", a.type_name);
    }
}

#[test]
fn every_shipped_release_is_found_with_or_without_its_feature() {
    assert_eq!(specs::releases(), ["4.15", "4.16", "4.17"]);
    let counts: Vec<(String, usize)> = specs::releases()
        .iter()
        .map(|v| {
            let r = specs::release(v).expect("shipped");
            (r.version.to_string(), r.participants.len())
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("4.15".to_string(), 113),
            ("4.16".to_string(), 116),
            ("4.17".to_string(), 116)
        ]
    );
    // A release whose feature is off comes from its facts; one that is on, from its compiled tables.
    // Either way, asking again returns the same tables.
    for e in specs::embedded() {
        let r = specs::release(e.version).expect("shipped");
        assert_eq!(r.facts_sha256, e.facts_sha256);
        assert!(std::ptr::eq(r, specs::release(e.version).expect("again")));
        match cloudstack_api::version(e.version) {
            Some(compiled) => assert!(std::ptr::eq(r, compiled)),
            None => assert_eq!(r.origin, Origin::Loaded),
        }
        let by_sha = specs::by_sha256(e.facts_sha256).expect("found").expect("loads");
        assert!(std::ptr::eq(r, by_sha));
    }
    assert_eq!(specs::newest().expect("newest").version, "4.17");
    let err = specs::release("4.99").unwrap_err().to_string();
    assert!(
        err.contains("4.99") && err.contains("4.15, 4.16, 4.17") && err.contains("--api-spec"),
        "{err}"
    );
}

#[test]
fn a_release_the_crate_never_saw_is_derived_from_its_dump() {
    let dump = br#"{"listapisresponse":{"count":3,"api":[
        {"name":"createGizmo","isasync":true,"params":[
            {"name":"name","type":"string","required":true,"length":64},
            {"name":"zoneid","type":"uuid","required":true}],
         "response":[{"name":"id","type":"string"},{"name":"name","type":"string"},{}]},
        {"name":"deleteGizmo","isasync":true,"params":[{"name":"id","type":"uuid","required":true}],"response":[]},
        {"name":"listGizmos","isasync":false,"params":[{"name":"id","type":"uuid","required":false}],
         "response":[{"name":"id","type":"string"}]}]}}"#;
    let v = Version::load(dump, "gizmos.json").expect("loads");
    assert_eq!(v.version, "unknown");
    let gizmo = v.participant("CloudStack::Gizmo").expect("the pair is a participant");
    assert_eq!((gizmo.create.name, gizmo.delete.name), ("createGizmo", "deleteGizmo"));
    assert!(gizmo.create.is_async);
    let name = gizmo.param("NAME").expect("case-insensitive lookup");
    assert!(name.required);
    assert_eq!(name.length, Some(64));
    assert_eq!(
        v.api("listGizmos").expect("list").method,
        cloudstack_client::HttpMethod::Get
    );
    assert_eq!(
        v.api("createGizmo").expect("create").method,
        cloudstack_client::HttpMethod::Post
    );
    let keys = gizmo
        .delete_params(&[], &serde_json::json!({"id": "g-1"}))
        .expect("keys");
    assert_eq!(keys, [("id".to_string(), "g-1".to_string())]);
    // Named by the caller when the dump does not say.
    let spec = cloudstack_codegen::spec::load_slice(dump, "gizmos.json").expect("loads");
    let named = Version::from_spec(&spec, Some("9.1")).expect("loads");
    assert_eq!(named.version, "9.1");
    assert!(!std::ptr::eq(v, named));
}

#[test]
fn a_broken_dump_names_its_file_and_pointer() {
    let err = Version::load(br#"{"api":[{"name":"x","params":5}]}"#, "bad.json").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("bad.json") && text.contains("/api/0/params"), "{text}");
}
