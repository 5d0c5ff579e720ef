//! Generated response types decode real server output: drift, missing fields, wrapping, nesting.

use cloudstack_client::decode::{open_envelope, Decode};
use cloudstack_client::List;
use cloudstack_golden::quirks::types::{ListWidgetsResponse, Success, Widget, WidgetUsage};
use serde_json::json;

#[test]
fn list_with_nested_sets_and_drift() {
    let body = r#"{"listwidgetsresponse":{"count":2,"widget":[
        {"id":"w1","name":"a","size":"1024","enabled":"true","ratio":"0.5","counts":[1,2,3],
         "tags":[{"key":"env","value":"prod","resourcetype":"Widget"}],
         "nic":[{"id":"n1","ipaddress":"10.0.0.1","secondaryip":[{"id":"s1","ipaddress":"10.0.0.9","tags":[]}]}],
         "brandnew":"kept"},
        {"id":7,"enabled":false}
    ]}}"#;
    let (envelope, inner) = open_envelope("listWidgets", body).expect("envelope");
    assert_eq!(envelope, "listwidgetsresponse");
    let list: ListWidgetsResponse = Decode::decode("listWidgets", inner).expect("decodes");
    assert_eq!(list.count, Some(2));
    let a = &list.items[0];
    assert_eq!(a.size, Some(1024), "numeric string becomes a number");
    assert_eq!(a.enabled, Some(true), "\"true\" becomes a boolean");
    assert_eq!(a.ratio, Some(0.5));
    assert_eq!(a.counts, Some(vec![1, 2, 3]));
    assert_eq!(a.tags[0].key.as_deref(), Some("env"));
    assert_eq!(
        a.tags[0].extra.get("resourcetype"),
        Some(&json!("Widget")),
        "unknown nested field kept"
    );
    assert_eq!(a.nic[0].secondaryip[0].ipaddress.as_deref(), Some("10.0.0.9"));
    assert_eq!(a.extra.get("brandnew"), Some(&json!("kept")), "unknown field kept");
    let b = &list.items[1];
    assert_eq!(b.id.as_deref(), Some("7"), "numeric id becomes text");
    assert_eq!(b.name, None, "missing field is None");
    assert!(b.tags.is_empty());
}

#[test]
fn empty_list_and_page_past_the_end() {
    let empty: ListWidgetsResponse = Decode::decode("listWidgets", json!({})).expect("decodes");
    assert_eq!((empty.count, empty.items.len()), (None, 0));
    let past: List<Widget> = Decode::decode("listWidgets", json!({"count": 5})).expect("decodes");
    assert_eq!((past.count, past.items.len()), (Some(5), 0));
}

#[test]
fn wrapped_and_flat_single_objects() {
    let wrapped: Widget =
        Decode::decode("createWidget", json!({"widget": {"id": "w1", "name": "x"}})).expect("decodes");
    assert_eq!(wrapped.name.as_deref(), Some("x"));
    let flat: Widget = Decode::decode("createWidget", json!({"id": "w1", "name": "y"})).expect("decodes");
    assert_eq!(flat.name.as_deref(), Some("y"));
    let ok: Success = Decode::decode("deleteWidget", json!({"success": "true"})).expect("decodes");
    assert_eq!(ok.success, Some(true));
}

#[test]
fn values_that_do_not_fit_stay_in_extra() {
    let u: WidgetUsage = Decode::decode("getWidgetUsage", json!({"usage": "lots", "zoneid": 12})).expect("decodes");
    assert_eq!(u.usage, None);
    assert_eq!(u.extra.get("usage"), Some(&json!("lots")));
    assert_eq!(u.zoneid, Some(12));
}

#[test]
fn non_json_bodies_are_errors_with_an_excerpt() {
    let err = open_envelope("listWidgets", "<html>502 Bad Gateway</html>").unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");
    assert!(err.excerpt.contains("502 Bad Gateway"));
}
