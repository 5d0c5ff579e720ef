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
