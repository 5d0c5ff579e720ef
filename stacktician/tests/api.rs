//! The REST API against a running service (SQLite, one worker) with the simulator behind it: every
//! endpoint, two owners who cannot see each other, bad tokens, bad bodies, oversized templates, the
//! guests' endpoints and the OpenAPI document. (The secrets scan over all of it is
//! `secrets_scan.rs`.)

mod common;

use common::{lamp, world, Api, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

async fn create(api: &Api, name: &str) -> Value {
    let (status, v) = api
        .post(
            "/v1/stacks",
            &json!({"name": name, "template": lamp(), "parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    assert_eq!(v["operation"]["kind"], "create");
    api.settled(name).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_through_a_stacks_life() {
    let w = world(20).await;
    let a = &w.alice;
    assert_eq!(a.get("/v1/health").await.0, 200);
    let (s, me) = a.get("/v1/whoami").await;
    assert_eq!((s, me["name"].as_str()), (200, Some("alice")));

    // Stored templates, with versions.
    let (s, v) = a
        .post("/v1/templates", &json!({"name": "lamp", "template": lamp()}))
        .await;
    assert_eq!((s, v["version"].as_i64()), (201, Some(1)), "{v}");
    let mut second = lamp();
    second["Description"] = json!("second version");
    let (s, v) = a
        .post("/v1/templates", &json!({"name": "lamp", "template": second}))
        .await;
    assert_eq!((s, v["version"].as_i64()), (201, Some(2)), "{v}");
    let (_, v) = a.get("/v1/templates").await;
    assert_eq!(v["templates"][0]["version"], 2, "{v}");
    let (_, v) = a.get("/v1/templates/lamp").await;
    assert_eq!(v["versions"].as_array().map(Vec::len), Some(2));
    let (s, v) = a.get("/v1/templates/lamp/versions/1").await;
    assert_eq!(s, 200);
    assert!(
        v["template"].as_str().is_some_and(|t| t.contains("database password")),
        "{v}"
    );
    assert_eq!(a.get("/v1/templates/lamp/versions/9").await.0, 404);

    // Validate: the parameters a form needs; with values, the whole plan.
    let (s, v) = a
        .post("/v1/validate", &json!({"template_name": "lamp", "template_version": 1}))
        .await;
    assert_eq!(s, 200, "{v}");
    let p: Vec<&str> = v["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(p, ["DbPassword", "Size"]);
    assert_eq!(v["parameters"][0]["no_echo"], true);
    let (s, v) = a
        .post(
            "/v1/validate",
            &json!({"template": lamp(), "parameters": {"DbPassword": "short"}}),
        )
        .await;
    assert_eq!((s, v["error"]["code"].as_str()), (422, Some("invalid_template")), "{v}");
    assert_eq!(v["error"]["problems"][0]["pointer"], "/Parameters/DbPassword", "{v}");

    // Create from the stored template, and read it every way.
    let (s, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "web", "template_name": "lamp", "parameters": {"DbPassword": PASSWORD}, "concurrency": 2}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let op_id = v["operation"]["id"].as_i64().expect("id");
    let d = a.settled("web").await;
    assert_eq!(d["status"], "CREATE_COMPLETE", "{d}");
    assert_eq!(d["parameters"]["DbPassword"], "****");
    assert_eq!(d["parameters"]["Size"], "small");
    assert!(d["outputs"]["Address"].as_str().is_some_and(|a| a.contains('.')), "{d}");
    let (s, v) = a.get(&format!("/v1/operations/{op_id}")).await;
    assert_eq!((s, v["state"].as_str()), (200, Some("done")));
    let (_, v) = a.get("/v1/stacks").await;
    assert_eq!(v["stacks"].as_array().map(Vec::len), Some(1), "{v}");
    let (_, v) = a.get("/v1/stacks?status=DELETE_COMPLETE").await;
    assert_eq!(v["stacks"].as_array().map(Vec::len), Some(0), "{v}");
    let (_, v) = a.get("/v1/stacks/web/resources").await;
    assert_eq!(v["resources"].as_array().map(Vec::len), Some(4), "{v}");
    let (_, v) = a.get("/v1/stacks/web/outputs").await;
    assert!(v["outputs"]["Address"].is_string());
    let (_, v) = a.get("/v1/stacks/web/template").await;
    assert!(
        v["template"].as_str().is_some_and(|t| t.contains("second version")),
        "the newest version"
    );
    let (_, v) = a.get("/v1/stacks/web/graph").await;
    assert_eq!(v["nodes"].as_array().map(Vec::len), Some(4));
    assert!(
        v["edges"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["from"] == "Web" && e["to"] == "Vm")),
        "{v}"
    );
    assert!(v["nodes"]
        .as_array()
        .is_some_and(|n| n.iter().all(|n| n["status"] == "CREATE_COMPLETE")));
    let (_, v) = a.get("/v1/stacks/web/operations").await;
    assert_eq!(v["operations"].as_array().map(Vec::len), Some(1));

    // Events: pages, then the live stream from an id.
    let (_, all) = a.get("/v1/stacks/web/events?limit=1000").await;
    let n = all["events"].as_array().map_or(0, Vec::len);
    assert!(n >= 10, "{all}");
    assert_eq!(
        all["events"][0]["logical_id"], "web",
        "stack events name the stack as its owner does"
    );
    let (_, p1) = a.get("/v1/stacks/web/events?limit=3").await;
    assert_eq!(p1["events"].as_array().map(Vec::len), Some(3));
    assert_eq!(p1["more"], true);
    let next = p1["next"].as_u64().expect("next");
    let (_, p2) = a.get(&format!("/v1/stacks/web/events?after={next}&limit=3")).await;
    assert_eq!(p2["events"][0]["id"].as_u64(), Some(next + 1));
    assert_eq!(a.get("/v1/stacks/web/events?limit=0").await.0, 400);
    let stream = reqwest::Client::new()
        .get(format!("{}/v1/stacks/web/events/stream?after={}", a.base, n - 2))
        .header("authorization", format!("Bearer {}", a.token))
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut body = stream;
    let mut text = String::new();
    while text.matches("event: event").count() < 2 {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), body.chunk())
            .await
            .expect("events arrive")
            .expect("chunk")
            .expect("more");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        text.contains(&format!("id: {}", n - 1)) && text.contains(&format!("id: {n}")),
        "{text}"
    );

    // A change set, described and executed; drift; an update.
    let mut bigger = lamp();
    bigger["Resources"]["Ssh"] = json!({"Type": "CloudStack::SecurityGroupIngress", "Properties": {
        "securitygroupid": {"Ref": "Web"}, "protocol": "tcp", "startport": 22, "endport": 22, "cidrlist": "10.0.0.0/8"}});
    let (s, v) = a
        .post(
            "/v1/stacks/web/change-sets",
            &json!({"name": "add-ssh", "template": bigger, "parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert!(
        v["changes"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["logical"] == "Ssh" && c["action"] == "Add")),
        "{v}"
    );
    let (_, v) = a.get("/v1/stacks/web/change-sets").await;
    assert_eq!(v["change_sets"].as_array().map(Vec::len), Some(1));
    let (s, v) = a.get("/v1/stacks/web/change-sets/add-ssh").await;
    assert_eq!((s, v["name"].as_str()), (200, Some("add-ssh")));
    let (s, v) = a
        .post(
            "/v1/stacks/web/change-sets/add-ssh/execute",
            &json!({"parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let d = a.settled("web").await;
    assert_eq!(d["status"], "UPDATE_COMPLETE", "{d}");
    let (_, v) = a.get("/v1/stacks/web/resources").await;
    assert_eq!(v["resources"].as_array().map(Vec::len), Some(5), "{v}");
    let (s, v) = a
        .post(
            "/v1/stacks/web/change-sets",
            &json!({"name": "nothing", "parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(a.delete("/v1/stacks/web/change-sets/nothing").await.0, 200);
    assert_eq!(a.get("/v1/stacks/web/change-sets/nothing").await.0, 404);
    let (s, v) = a.post("/v1/stacks/web/drift", &json!({})).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("IN_SYNC")), "{v}");
    let (s, v) = a
        .put(
            "/v1/stacks/web",
            &json!({"parameters": {"Size": "large", "DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let d = a.settled("web").await;
    assert_eq!(
        (d["status"].as_str(), d["parameters"]["Size"].as_str()),
        (Some("UPDATE_COMPLETE"), Some("large")),
        "{d}"
    );

    // Resume and continue-rollback are queued, and end.
    let (s, v) = a
        .post(
            "/v1/stacks/web/resume",
            &json!({"parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    a.settled("web").await;
    let (s, v) = a.post("/v1/stacks/web/continue-rollback", &json!({})).await;
    assert_eq!(s, 202, "{v}");
    let d = a.settled("web").await;
    assert_eq!(d["operation"]["kind"], "continue_rollback");
    let (s, v) = a
        .post("/v1/stacks/web/resume", &json!({"parameters": {"Size": "x"}}))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_request")),
        "only NoEcho values: {v}"
    );

    // Delete, and it is gone; its cloud resources too.
    let (s, v) = a.delete("/v1/stacks/web").await;
    assert_eq!(s, 202, "{v}");
    let d = a.settled("web").await;
    assert_eq!(a.get("/v1/stacks/web").await.0, 404, "{d}");
    assert!(
        w.sim.handle.created_resources().is_empty(),
        "{:?}",
        w.sim.handle.created_resources()
    );

    // Tokens: make one, list, revoke.
    let (s, t) = a.post("/v1/tokens", &json!({"label": "ci"})).await;
    assert_eq!(s, 201);
    let before = a.seen().len();
    let (_, list) = a.get("/v1/tokens").await;
    assert_eq!(list["tokens"].as_array().map(Vec::len), Some(2));
    assert!(
        !list.to_string().contains(t["token"].as_str().expect("token")),
        "a token is shown once"
    );
    let id = t["id"].as_str().expect("id");
    assert_eq!(a.delete(&format!("/v1/tokens/{id}")).await.0, 200);
    assert!(
        !a.seen()[before..].contains(&t["token"].as_str().expect("token")[20..]),
        "shown once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_owners_cannot_see_or_touch_each_others_stacks() {
    let w = world(10).await;
    create(&w.alice, "web").await;
    let d = create(&w.bob, "web").await;
    assert_eq!(
        d["status"], "CREATE_COMPLETE",
        "two owners may each have a stack named web: {d}"
    );
    let (_, b) = w.bob.get("/v1/stacks").await;
    assert_eq!(b["stacks"].as_array().map(Vec::len), Some(1));
    assert_eq!(b["stacks"][0]["owner"], "bob");
    for path in [
        "/v1/stacks/web?owner=alice",
        "/v1/stacks/web/events?owner=alice",
        "/v1/stacks/web/resources?owner=alice",
        "/v1/stacks?owner=alice",
        "/v1/templates?owner=alice",
    ] {
        let (s, v) = w.bob.get(path).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{path}: {v}"
        );
    }
    assert_eq!(w.bob.delete("/v1/stacks/web?owner=alice").await.0, 404);
    let (_, ops) = w.alice.get("/v1/stacks/web/operations").await;
    let alices_op = ops["operations"][0]["id"].as_i64().expect("op");
    assert_eq!(w.bob.get(&format!("/v1/operations/{alices_op}")).await.0, 404);
    assert_eq!(w.bob.get("/v1/owners").await.0, 403);
    // The admin sees both and reaches alice's.
    let (_, all) = w.admin.get("/v1/stacks").await;
    let owners: Vec<&str> = all["stacks"]
        .as_array()
        .expect("stacks")
        .iter()
        .filter_map(|s| s["owner"].as_str())
        .collect();
    assert_eq!(owners, ["alice", "bob"], "{all}");
    assert_eq!(w.admin.get("/v1/stacks/web?owner=alice").await.0, 200);
    let (s, _) = w.admin.get("/v1/owners").await;
    assert_eq!(s, 200);
    // An admin adds an owner through the API; its secret is sealed and never shown.
    let carol = json!({"name": "carol", "endpoint": w.sim.url, "api_key": "carol-key", "secret_key": "carol-secret-never-shown"});
    assert_eq!(w.bob.post("/v1/owners", &carol).await.0, 403);
    let (s, v) = w.admin.post("/v1/owners", &carol).await;
    assert_eq!((s, v["name"].as_str()), (201, Some("carol")), "{v}");
    assert_eq!(w.admin.post("/v1/owners", &carol).await.0, 409, "a name is taken once");
    let (_, t) = w.admin.post("/v1/tokens", &json!({"owner": "carol"})).await;
    let carol_api = Api::new(&w.admin.base, t["token"].as_str().expect("token"));
    let (_, v) = carol_api.get("/v1/stacks").await;
    assert_eq!(
        v["stacks"].as_array().map(Vec::len),
        Some(0),
        "carol sees none of the others' stacks"
    );
    assert!(!w.admin.seen().contains("carol-secret-never-shown"));
    // Bob deletes his; alice's stays.
    w.bob.delete("/v1/stacks/web").await;
    w.bob.settled("web").await;
    assert_eq!(w.alice.get("/v1/stacks/web").await.1["status"], "CREATE_COMPLETE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_bad_and_revoked_tokens_are_refused() {
    let w = world(10).await;
    let a = &w.alice;
    let (s, v) = a.raw(Method::GET, "/v1/stacks", None, None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (401, Some("missing_token")), "{v}");
    for bad in [
        "nonsense",
        "stk_0123456789abcdef_0000000000000000000000000000000000000000",
    ] {
        let (s, v) = a.raw(Method::GET, "/v1/stacks", Some(bad), None).await;
        assert_eq!((s, v["error"]["code"].as_str()), (401, Some("bad_token")), "{v}");
    }
    // The right id with a wrong secret.
    let id = a.token.split('_').nth(1).expect("id");
    let forged = format!("stk_{id}_{}", "f".repeat(40));
    assert_eq!(a.raw(Method::GET, "/v1/stacks", Some(&forged), None).await.0, 401);
    let (_, t) = a.post("/v1/tokens", &json!({"label": "short-lived"})).await;
    let token = t["token"].as_str().expect("token").to_string();
    assert_eq!(a.raw(Method::GET, "/v1/whoami", Some(&token), None).await.0, 200);
    a.delete(&format!("/v1/tokens/{}", t["id"].as_str().expect("id"))).await;
    let (s, v) = a.raw(Method::GET, "/v1/whoami", Some(&token), None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (401, Some("revoked_token")), "{v}");
    // Bob cannot revoke alice's tokens, nor make them.
    let alice_id = a.token.split('_').nth(1).expect("id");
    assert_eq!(w.bob.delete(&format!("/v1/tokens/{alice_id}")).await.0, 404);
    assert_eq!(w.bob.post("/v1/tokens", &json!({"owner": "alice"})).await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_and_oversized_templates_are_refused_with_stable_codes() {
    let w = world(10).await;
    let a = &w.alice;
    let t = Some(a.token.as_str());
    for (body, code) in [
        (&b"not json"[..], "malformed_body"),
        (b"", "malformed_body"),
        (br#"{"name": "web"}"#, "invalid_request"),
        (br#"{"name": "web", "template": {}, "surprise": 1}"#, "malformed_body"),
        (br#"{"name": 5, "template": {}}"#, "malformed_body"),
        (
            br#"{"name": "1-bad", "template": {"Resources": {}}}"#,
            "invalid_request",
        ),
        (br#"{"name": "web", "template": 7}"#, "invalid_request"),
        (
            br#"{"name": "web", "template": "{\"Resources\": "}"#,
            "invalid_template",
        ),
        (br#"{"name": "web", "template_name": "nope"}"#, "not_found"),
    ] {
        let (s, v) = a.raw(Method::POST, "/v1/stacks", t, Some(body.to_vec())).await;
        assert_eq!(
            v["error"]["code"].as_str(),
            Some(code),
            "{}: {s} {v}",
            String::from_utf8_lossy(body)
        );
        assert!((400..500).contains(&s), "{s}");
    }
    let (s, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "web", "template": {"Resources": {"X": {"Type": "CloudStack::Nope"}}}}),
        )
        .await;
    assert_eq!(
        (s, v["error"]["problems"][0]["pointer"].as_str()),
        (422, Some("/Resources/X/Type")),
        "{v}"
    );
    // A template over the 1 MiB limit, and a body over the body limit.
    let big = format!(
        "{{\"Description\": \"{}\", \"Resources\": {{}}}}",
        "x".repeat(1_100_000)
    );
    let (s, v) = a.post("/v1/stacks", &json!({"name": "big", "template": big})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (413, Some("template_too_large")),
        "{v}"
    );
    assert!(
        v["error"]["message"].as_str().is_some_and(|m| m.contains("1048576")),
        "{v}"
    );
    let huge = vec![b' '; 3 * 1024 * 1024];
    let (s, v) = a.raw(Method::POST, "/v1/stacks", t, Some(huge)).await;
    assert_eq!((s, v["error"]["code"].as_str()), (413, Some("body_too_large")), "{v}");
    let (s, v) = a.post("/v1/templates", &json!({"name": "big", "template": big})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (413, Some("template_too_large")),
        "{v}"
    );
    // Unknown routes and methods are JSON errors too; nothing was created.
    let (s, v) = a.get("/v1/nope").await;
    assert_eq!((s, v["error"]["code"].as_str()), (404, Some("no_such_route")));
    let (s, v) = a.raw(Method::PATCH, "/v1/stacks", t, None).await;
    assert_eq!((s, v["error"]["code"].as_str()), (404, Some("no_such_route")), "{v}");
    assert_eq!(a.get("/v1/stacks").await.1["stacks"].as_array().map(Vec::len), Some(0));
    // A second create of one name while the first runs, and of a name that exists.
    create(a, "web").await;
    let (s, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "web", "template": lamp(), "parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!((s, v["error"]["code"].as_str()), (409, Some("conflict")), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route_and_each_answers() {
    let w = world(10).await;
    let (s, doc) = w.alice.raw(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(s, 200);
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.push((method.clone(), path.clone()));
                let responses = &item[method]["responses"];
                assert!(
                    responses.as_object().is_some_and(|r| !r.is_empty()),
                    "{method} {path} documents its answers"
                );
            }
        }
    }
    documented.sort();
    let mut routes: Vec<(String, String)> = stacktician::api::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_string(), (*p).to_string()))
        .collect();
    routes.sort();
    assert_eq!(documented, routes, "the document and the router list the same routes");
    // Each route exists on the server: whatever it answers, it is not "no such route".
    for (method, path) in &routes {
        let concrete = path
            .replace("{name}", "web")
            .replace("{change_set}", "cs")
            .replace("{version}", "1")
            .replace("{id}", "1");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let (s, v) = w
            .alice
            .raw(m, &concrete, Some(&w.alice.token), Some(b"{}".to_vec()))
            .await;
        assert_ne!(
            v["error"]["code"].as_str(),
            Some("no_such_route"),
            "{method} {concrete}: {s} {v}"
        );
        let documented_codes = &doc["paths"][path][method]["responses"];
        if path != "/v1/stacks/{name}/events/stream" {
            assert!(
                documented_codes.get(s.to_string()).is_some(),
                "{method} {path} answered {s}, which the document does not list: {v}"
            );
        }
    }
}
