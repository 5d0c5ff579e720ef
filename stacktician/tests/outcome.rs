//! A failed resource's error is kept as data with its operation: the worker stores the failure's
//! kind, the cloud's code and the API with the outcome, and the API answers them as `failure`.

mod common;

use common::{lamp, world, PASSWORD};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_resource_is_kept_as_data_in_the_operation_outcome() {
    let w = world(10).await;
    let a = &w.alice;
    // The cloud refuses a VM whose service offering it does not have.
    let mut template = lamp();
    template["Resources"]["Vm"]["Properties"]["serviceofferingid"] = json!("00000000-0000-4000-8000-00000000dead");
    let (status, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "refused", "template": template, "parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let id = v["operation"]["id"].as_i64().expect("operation id");
    assert_eq!(common::operation_ended(&w, id).await, "failed");
    let (status, v) = a.get(&format!("/v1/operations/{id}")).await;
    assert_eq!(status, 200, "{v}");
    let failure = &v["failure"];
    assert_eq!(failure["logical"], "Vm", "{v}");
    assert_eq!(failure["kind"], "invalid_request", "{v}");
    assert_eq!(failure["code"], 431, "{v}");
    assert_eq!(failure["api"], "deployVirtualMachine", "{v}");
    assert!(
        v["outcome"]
            .as_str()
            .is_some_and(|o| o.starts_with("ROLLBACK_COMPLETE")),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_error_that_echoes_a_noecho_value_is_masked_in_the_outcome() {
    let w = world(10).await;
    let a = &w.alice;
    // A NoEcho parameter used as an id the cloud does not have: CloudStack's refusal quotes it
    // ("Invalid parameter serviceofferingid value=<it> ...").
    let secret = "00000000-0000-4000-8000-0000005ec7e7";
    let mut template = lamp();
    template["Parameters"]["Offering"] = json!({"Type": "String", "NoEcho": "true"});
    template["Resources"]["Vm"]["Properties"]["serviceofferingid"] = json!({"Ref": "Offering"});
    let (status, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "echoed", "template": template,
                    "parameters": {"DbPassword": PASSWORD, "Offering": secret}}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let id = v["operation"]["id"].as_i64().expect("operation id");
    assert_eq!(common::operation_ended(&w, id).await, "failed");
    let (_, op) = a.get(&format!("/v1/operations/{id}")).await;
    assert_eq!(op["failure"]["code"], 431, "the cloud refused it: {op}");
    let (_, stack) = a.get("/v1/stacks/echoed").await;
    let (_, list) = a.get("/v1/stacks").await;
    let (_, ops) = a.get("/v1/stacks/echoed/operations").await;
    let row = w.service.state.db.operation(id).await.expect("db").expect("row");
    for (what, text) in [
        ("operation", op.to_string()),
        ("stack", stack.to_string()),
        ("list", list.to_string()),
        ("operations", ops.to_string()),
        ("stored outcome", row.outcome.unwrap_or_default()),
        ("log", common::logs()),
    ] {
        assert!(!text.contains(secret), "{what} quotes the NoEcho value: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_noecho_value_refused_by_validation_is_not_quoted_back() {
    let w = world(10).await;
    let a = &w.alice;
    let secret = "the-secret-offering-9f2";
    let mut template = lamp();
    template["Parameters"]["Offering"] = json!({"Type": "String", "NoEcho": "true"});
    template["Resources"]["Vm"]["Properties"]["serviceofferingid"] = json!({"Ref": "Offering"});
    let parameters = json!({"DbPassword": PASSWORD, "Offering": secret});
    for (path, body) in [
        (
            "/v1/stacks",
            json!({"name": "refused", "template": template, "parameters": parameters}),
        ),
        ("/v1/validate", json!({"template": template, "parameters": parameters})),
    ] {
        let (status, v) = a.post(path, &body).await;
        assert_eq!(status, 422, "{path}: {v}");
        assert_eq!(v["error"]["code"], "invalid_template", "{path}: {v}");
        let shown = v.to_string();
        assert!(
            shown.contains("serviceofferingid"),
            "{path}: the refusal names the property: {shown}"
        );
        assert!(!shown.contains(secret), "{path}: the NoEcho value is quoted: {shown}");
    }
    assert!(
        !common::logs().contains(secret),
        "the service log quotes the NoEcho value"
    );
}
