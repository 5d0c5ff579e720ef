//! What the web console reads and sends beyond a plain create: create options (tags, timeout, stack
//! policy, rollback), parameters and outputs in the template's order with descriptions and export
//! names, the last drift check with when it was made, and deleted stacks kept readable.

mod common;

use common::{world, PASSWORD};
use serde_json::json;

fn ordered_text() -> String {
    common::console_template(80)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_options_order_outputs_drift_and_deleted_stacks() {
    let w = world(10).await;
    let a = &w.alice;
    let policy = json!({"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]});

    // Bad options are refused up front, with the JSON error.
    for (body, said) in [
        (json!({"tags": {"cloudstack:stack-id": "x"}}), "reserved"),
        (json!({"timeout_minutes": 0}), "timeout of 0 minutes"),
        (json!({"stack_policy": {"Statement": 3}}), "stack_policy"),
    ] {
        let mut create = json!({"name": "bad", "template": ordered_text(), "parameters": {"DbPassword": PASSWORD}});
        for (k, v) in body.as_object().expect("object") {
            create[k] = v.clone();
        }
        let (status, v) = a.post("/v1/stacks", &create).await;
        assert!(matches!(status, 400 | 422), "{said}: {status} {v}");
        assert!(v["error"]["code"].is_string(), "{v}");
        assert!(v.to_string().contains(said), "{said}: {v}");
    }

    let (status, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "web", "template": ordered_text(), "parameters": {"DbPassword": PASSWORD},
                    "tags": {"team": "web", "cost-centre": "42"}, "timeout_minutes": 30,
                    "stack_policy": policy, "disable_rollback": true}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let d = a.settled("web").await;
    assert_eq!(d["status"], "CREATE_COMPLETE", "{d}");
    assert_eq!(d["parameter_order"], json!(["Size", "DbPassword", "Admin"]), "{d}");
    assert_eq!(d["tags"], json!({"team": "web", "cost-centre": "42"}), "{d}");
    assert_eq!(
        (d["timeout_minutes"].as_u64(), d["disable_rollback"].as_bool()),
        (Some(30), Some(true))
    );
    assert!(
        d["stack_policy"].as_str().is_some_and(|p| p.contains("Update:*")),
        "{d}"
    );
    assert!(d["description"].is_string(), "{d}");
    for r in w.sim.handle.created_resources() {
        if r.tags.iter().any(|t| t.starts_with("cloudstack:stack-name=")) {
            assert!(r.tags.contains(&"team=web".to_string()), "{r:?}");
        }
    }

    // Validation gives the parameters in the template's order too.
    let (_, v) = a.post("/v1/validate", &json!({"template": ordered_text()})).await;
    let names: Vec<&str> = v["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["Size", "DbPassword", "Admin"]);

    // Outputs: declared order, descriptions, export names worked out.
    let (_, o) = a.get("/v1/stacks/web/outputs").await;
    let details = o["details"].as_array().expect("details");
    // The stack's name in the service's store is its owner's and its own (AWS::StackName).
    let export = format!("{}.web-url", w.alice_name);
    let shown: Vec<(&str, &str, &str)> = details
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap_or_default(),
                d["description"].as_str().unwrap_or_default(),
                d["export_name"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("Url", "Where the site answers", export.as_str()),
            ("Address", "The public address", "")
        ],
        "{o}"
    );
    assert!(
        details[0]["value"].as_str().is_some_and(|v| v.starts_with("http://")),
        "{o}"
    );

    // Drift: never checked, then checked and kept with when.
    let (status, v) = a.get("/v1/stacks/web/drift").await;
    assert_eq!(
        (status, v["status"].as_str(), &v["checked"]),
        (200, Some("NOT_CHECKED"), &json!(null)),
        "{v}"
    );
    let (status, checked) = a.post("/v1/stacks/web/drift", &json!({})).await;
    assert_eq!(status, 200, "{checked}");
    assert!(checked["checked"].is_string(), "{checked}");
    let (status, last) = a.get("/v1/stacks/web/drift").await;
    assert_eq!((status, &last), (200, &checked));

    // Deleted: gone from the list and reads, there with ?deleted=true, its events readable.
    let (status, v) = a.delete("/v1/stacks/web").await;
    assert_eq!(status, 202, "{v}");
    a.settled("web").await;
    assert_eq!(a.get("/v1/stacks/web").await.0, 404);
    let (_, list) = a.get("/v1/stacks").await;
    assert_eq!(list["stacks"].as_array().map(Vec::len), Some(0), "{list}");
    let (_, list) = a.get("/v1/stacks?deleted=true").await;
    let stacks = list["stacks"].as_array().expect("stacks");
    assert_eq!(stacks.len(), 1, "{list}");
    assert_eq!(
        (stacks[0]["status"].as_str(), stacks[0]["deleted"].as_bool()),
        (Some("DELETE_COMPLETE"), Some(true))
    );
    let (status, d) = a.get("/v1/stacks/web?deleted=true").await;
    assert_eq!((status, d["status"].as_str()), (200, Some("DELETE_COMPLETE")), "{d}");
    let (status, e) = a.get("/v1/stacks/web/events?deleted=true&limit=1000").await;
    assert_eq!(status, 200, "{e}");
    let last = e["events"]
        .as_array()
        .and_then(|v| v.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (last["logical_id"].as_str(), last["status"].as_str()),
        (Some("web"), Some("DELETE_COMPLETE")),
        "{e}"
    );
    let (status, g) = a.get("/v1/stacks/web/graph?deleted=true").await;
    assert_eq!(status, 200, "{g}");
    // Operations refuse it: a deleted stack is not acted on.
    assert_eq!(a.delete("/v1/stacks/web?deleted=true").await.0, 404);
}
