//! One error shape for all of `/v1`: every refusal, the extractors' included (a path or query value
//! of the wrong type, a body not sent as JSON), is the JSON error with its stable code; and the
//! events stream of a deleted stack ends with its `end` event.

mod common;

use std::time::Duration;

use common::{lamp, world, PASSWORD};
use serde_json::json;
use stacktician_rest::ErrorAnswer;

/// (method, path, content type, body, status, code).
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<String>,
    u16,
    &'static str,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_v1_refusal_is_the_json_error_with_its_code() {
    let w = world(10).await;
    let a = &w.alice;
    let http = reqwest::Client::new();
    let create = json!({"name": "s", "template": lamp(), "parameters": {"DbPassword": PASSWORD}}).to_string();
    let cases: Vec<Case> = vec![
        (
            "GET",
            "/v1/stacks/x/events?limit=abc",
            None,
            None,
            400,
            "invalid_request",
        ),
        (
            "GET",
            "/v1/stacks/x/events?after=-1",
            None,
            None,
            400,
            "invalid_request",
        ),
        ("GET", "/v1/operations/abc", None, None, 400, "invalid_request"),
        (
            "GET",
            "/v1/templates/x/versions/abc",
            None,
            None,
            400,
            "invalid_request",
        ),
        ("GET", "/v1/stacks?owner=", None, None, 404, "not_found"),
        (
            "POST",
            "/v1/stacks",
            Some("text/plain"),
            Some(create.clone()),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/v1/stacks",
            Some("application/x-www-form-urlencoded"),
            Some(create.clone()),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/v1/stacks",
            None,
            Some(create.clone()),
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/v1/stacks",
            Some("application/json"),
            Some("{".into()),
            400,
            "malformed_body",
        ),
        (
            "POST",
            "/v1/stacks",
            Some("application/json"),
            Some(String::new()),
            400,
            "malformed_body",
        ),
        (
            "POST",
            "/v1/validate",
            Some("text/yaml"),
            Some("Resources: {}".into()),
            415,
            "unsupported_media_type",
        ),
        ("GET", "/v1/nothing-here", None, None, 404, "no_such_route"),
        ("PATCH", "/v1/stacks", None, None, 404, "no_such_route"),
        ("GET", "/v1/stacks/nope", None, None, 404, "not_found"),
    ];
    let mut wrong = Vec::new();
    for (method, path, content_type, body, status, code) in cases {
        let mut r = http
            .request(method.parse().expect("method"), format!("{}{path}", a.base))
            .bearer_auth(&a.token);
        if let Some(t) = content_type {
            r = r.header("content-type", t);
        }
        if let Some(b) = body {
            r = r.body(b);
        }
        let resp = r.send().await.expect("answers");
        let got = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        match serde_json::from_str::<ErrorAnswer>(&text) {
            Ok(e) if got == status && e.error.code == code && !e.error.message.is_empty() => {}
            Ok(e) => wrong.push(format!(
                "{method} {path} {content_type:?}: {got} {} (want {status} {code})",
                e.error.code
            )),
            Err(_) => wrong.push(format!(
                "{method} {path} {content_type:?}: {got}, not the JSON error: {text}"
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "answers not in the one error shape:\n{}",
        wrong.join("\n")
    );
    // The JSON body still works with a charset.
    let ok = http
        .post(format!("{}/v1/stacks", a.base))
        .bearer_auth(&a.token)
        .header("content-type", "application/json; charset=utf-8")
        .body(create)
        .send()
        .await
        .expect("answers");
    assert_eq!(ok.status().as_u16(), 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_stream_of_a_deleted_stack_ends() {
    let w = world(10).await;
    let a = &w.alice;
    let (s, v) = a
        .post(
            "/v1/stacks",
            &json!({"name": "short", "template": lamp(), "parameters": {"DbPassword": PASSWORD}}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let created = a.settled("short").await;
    assert_eq!(created["status"], "CREATE_COMPLETE", "{created}");
    let mut stream = reqwest::Client::new()
        .get(format!("{}/v1/stacks/short/events/stream", a.base))
        .bearer_auth(&a.token)
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status().as_u16(), 200);
    let (s, v) = a.delete("/v1/stacks/short").await;
    assert_eq!(s, 202, "{v}");
    let mut text = String::new();
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(chunk) = stream.chunk().await.expect("chunk") {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream did not end after the delete: {text}");
    assert!(text.contains("DELETE_COMPLETE"), "{text}");
    assert!(text.contains("event: end"), "it ends with its end event: {text}");
}
