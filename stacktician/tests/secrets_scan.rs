//! No secret anywhere the service should not put it. Alice's stacks are given three NoEcho values:
//! one the template's validation refuses (an offering that is not a resource id), one the cloud
//! refuses and quotes back in its error ("Invalid parameter serviceofferingid value=..."), and a
//! database password a stack lives with through change set, update, drift and delete. Then every
//! API answer, the service log (debug) and every byte of every file under the service's directory
//! (databases, journals, key) are searched for each of them and for the owners' CloudStack secret
//! keys and API token, in every spelling the CLI's scan knows. Alone in its file: the log it reads
//! is the whole test process's.

mod common;

use common::{lamp, world};
use integration_tests::secret_scan::Scan;
use serde_json::{json, Value};

/// The database password: a space, `&`, `/` and a quote make its encodings differ from it.
const PASSWORD: &str = "Pw-7s3cr3t pa&ss/\"q";
/// An offering validation refuses (not a resource id).
const REFUSED: &str = "Of-s3cr3t&val/\"x 9";
/// An offering the cloud refuses and quotes.
const ECHOED: &str = "00000000-0000-4000-8000-0000005ec7e7";

/// The test template with the VM's offering a NoEcho parameter.
fn secret_offering() -> Value {
    let mut template = lamp();
    template["Parameters"]["Offering"] = json!({"Type": "String", "NoEcho": "true"});
    template["Resources"]["Vm"]["Properties"]["serviceofferingid"] = json!({"Ref": "Offering"});
    template
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_answers_errors_outcomes_the_log_or_any_service_file() {
    let w = world(10).await;
    let a = &w.alice;
    let token_secret = a.token.rsplit('_').next().expect("token").to_string();
    let mut scan = Scan::new([
        ("NoEcho password", PASSWORD),
        ("NoEcho offering refused by validation", REFUSED),
        ("NoEcho offering quoted by the cloud", ECHOED),
        ("alice's CloudStack secret", common::ALICE_SECRET),
        ("bob's CloudStack secret", common::BOB_SECRET),
        ("admin's CloudStack secret", cloudstack_sim::DEMO_SECRET_KEY),
        ("alice's API token", token_secret.as_str()),
    ]);

    // Validation errors: both doors refuse the offering and name the property, not its value.
    let refused = json!({"DbPassword": PASSWORD, "Offering": REFUSED});
    for (path, body) in [
        (
            "/v1/stacks",
            json!({"name": "refused", "template": secret_offering(), "parameters": refused}),
        ),
        (
            "/v1/validate",
            json!({"template": secret_offering(), "parameters": refused}),
        ),
    ] {
        let (status, v) = a.post(path, &body).await;
        assert_eq!(
            (status, v["error"]["code"].as_str()),
            (422, Some("invalid_template")),
            "{path}: {v}"
        );
        assert!(
            v.to_string().contains("serviceofferingid"),
            "{path}: names the property: {v}"
        );
    }

    // A cloud error that quotes the value: the operation fails with it, masked.
    let (status, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "echoed", "template": secret_offering(),
                    "parameters": {"DbPassword": PASSWORD, "Offering": ECHOED}}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let id = v["operation"]["id"].as_i64().expect("operation id");
    assert_eq!(common::operation_ended(&w, id).await, "failed");
    let (_, op) = a.get(&format!("/v1/operations/{id}")).await;
    assert_eq!(op["failure"]["code"], 431, "the cloud refused it: {op}");
    for path in ["/v1/stacks/echoed", "/v1/stacks", "/v1/stacks/echoed/operations"] {
        assert_eq!(a.get(path).await.0, 200, "{path}");
    }

    // A stack that lives: created, read every way, a change set, drift, an update, deleted.
    let (status, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "web", "template": lamp(), "parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    assert_eq!(a.settled("web").await["status"], "CREATE_COMPLETE");
    for path in [
        "/v1/stacks/web",
        "/v1/stacks/web/resources",
        "/v1/stacks/web/events?limit=1000",
        "/v1/stacks/web/outputs",
        "/v1/stacks/web/template",
        "/v1/stacks/web/graph",
        "/v1/stacks/web/operations",
    ] {
        assert_eq!(a.get(path).await.0, 200, "{path}");
    }
    let (status, v) = a
        .post(
            "/v1/stacks/web/change-sets",
            &json!({"name": "bigger", "parameters": {"Size": "large", "DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(a.get("/v1/stacks/web/change-sets").await.0, 200);
    assert_eq!(a.post("/v1/stacks/web/drift", &json!({})).await.0, 200);
    let (status, v) = a
        .post(
            "/v1/stacks/web/change-sets/bigger/execute",
            &json!({"parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    assert_eq!(a.settled("web").await["status"], "UPDATE_COMPLETE");
    scan.files_under(w.dir.path(), "while the stack stands");
    let (status, v) = a.delete("/v1/stacks/web").await;
    assert_eq!(status, 202, "{v}");
    a.settled("web").await;

    scan.check("alice's API answers", a.seen().as_bytes());
    let logs = common::logs();
    assert!(logs.contains("operation"), "the log was captured");
    scan.check("the service log", logs.as_bytes());
    let files = scan.files_under(w.dir.path(), "after delete");
    assert!(files >= 3, "the service's files were read ({files})");
    assert!(scan.scanned > 8, "scanned {}", scan.scanned);
    scan.assert_clean();
}
