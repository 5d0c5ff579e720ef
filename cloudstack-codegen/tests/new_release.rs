//! A new CloudStack release needs a new dump, not new code: generating from a modified dump yields the
//! added API, the relaxed parameter, and participants, with no change to the generator.

mod common;

use cloudstack_codegen::spec::from_value;
use serde_json::{json, Value};

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cloudstack-golden/fixtures/quirks.json"
    ))
    .expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn apis(v: &mut Value) -> &mut Vec<Value> {
    v["listapisresponse"]["api"].as_array_mut().expect("api array")
}

#[test]
fn added_api_and_relaxed_parameter_are_generated() {
    let old_spec = from_value(&fixture(), "old.json").expect("old loads");
    let mut dump = fixture();
    // The "new release": an API added (with its delete, so a new participant appears) ...
    apis(&mut dump).push(json!({
        "name": "createGadget", "description": "Makes a gadget", "isasync": false,
        "params": [{"name": "label", "type": "string", "required": true, "length": 32}],
        "response": [{"name": "id", "type": "string"}, {"name": "label", "type": "string"}]
    }));
    apis(&mut dump).push(json!({
        "name": "deleteGadget", "isasync": false,
        "params": [{"name": "id", "type": "uuid", "required": true}],
        "response": [{"name": "success", "type": "boolean"}]
    }));
    // ... and createWidget's zoneid made optional.
    for api in apis(&mut dump).iter_mut() {
        if api["name"] == "createWidget" {
            for p in api["params"].as_array_mut().expect("params") {
                if p["name"] == "zoneid" {
                    p["required"] = json!(false);
                }
            }
        }
    }
    let new_spec = from_value(&dump, "new.json").expect("new loads");

    let diff = cloudstack_codegen::diff::diff(&old_spec, &new_spec);
    assert_eq!(diff.added_apis, ["createGadget", "deleteGadget"]);
    assert!(diff.removed_apis.is_empty());
    assert_eq!(diff.changed_apis.len(), 1);
    assert_eq!(diff.changed_apis[0].changes, ["~ param zoneid required -> optional"]);

    let old = cloudstack_codegen::generate(&old_spec, "old").expect("old generates");
    let new = cloudstack_codegen::generate(&new_spec, "new").expect("new generates");
    let old_src = cloudstack_codegen::format_source(&old.tokens).expect("formats");
    let new_src = cloudstack_codegen::format_source(&new.tokens).expect("formats");

    assert!(!old_src.contains("pub struct CreateGadget("));
    assert!(new_src.contains("pub struct CreateGadget("));
    assert!(new_src.contains("pub fn new(label: impl Into<String>) -> Self"));
    assert!(old_src.contains("pub fn new(name: impl Into<String>, zoneid: impl Into<String>) -> Self"));
    assert!(new_src.contains("pub fn new(name: impl Into<String>) -> Self"));
    assert!(new_src.contains("pub fn zoneid(mut self, zoneid: impl Into<String>) -> Self"));
    assert_eq!(new.stats.apis, old.stats.apis + 2);
    assert_eq!(
        new.participant_names,
        [
            "CloudStack::Gadget",
            "CloudStack::SecurityGroupIngress",
            "CloudStack::Widget"
        ]
    );
}

#[test]
fn diff_reports_real_release_changes() {
    let (a, b) = (common::facts("4.15"), common::facts("4.17"));
    let d = cloudstack_codegen::diff::diff(&a, &b);
    // 4.17 added listResourceIcon (since 4.16.0.0) and is a superset minus a few removals.
    assert!(
        d.added_apis.iter().any(|n| n == "listResourceIcon"),
        "{:?}",
        &d.added_apis[..5.min(d.added_apis.len())]
    );
    assert_eq!(a.apis.len() + d.added_apis.len() - d.removed_apis.len(), b.apis.len());
}
