//! The wait-condition server takes signals as cfn-signal sends them and refuses anything else,
//! without changing what the handle holds.

use std::time::Duration;

use stack_core::signals::{WaitError, SIGNAL_MARGIN};
use stack_signals_http::SignalServer;

async fn server() -> SignalServer {
    SignalServer::start("127.0.0.1:0".parse().expect("addr"), None)
        .await
        .expect("server")
}

async fn put(url: &str, body: impl Into<reqwest::Body>) -> u16 {
    reqwest::Client::new()
        .put(url)
        .body(body)
        .send()
        .await
        .expect("answer")
        .status()
        .as_u16()
}

fn success(id: &str) -> String {
    format!(r#"{{"Status":"SUCCESS","Reason":"ok","UniqueId":"{id}","Data":"d-{id}"}}"#)
}

/// How many signals the handle holds (a wait for more than it can hold times out at once).
async fn held(s: &SignalServer, url: &str) -> usize {
    match s
        .hub()
        .wait(url, 10_000, Duration::from_millis(1), Duration::ZERO)
        .await
    {
        Err(WaitError::Timeout { received, .. }) => received,
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_and_unknown_statuses_get_400_and_change_nothing() {
    let s = server().await;
    let url = s.hub().new_handle("st-id");
    for body in [
        "not json",
        "[]",
        "{}",
        r#"{"Status":"FAILED","UniqueId":"a"}"#,
        r#"{"Status":"DONE","UniqueId":"a"}"#,
        r#"{"Status":"SUCCESS","UniqueId":{"x":1}}"#,
    ] {
        assert_eq!(put(&url, body).await, 400, "{body}");
    }
    assert_eq!(held(&s, &url).await, 0);
    assert_eq!(put(&url, success("a")).await, 200);
    let data = s
        .hub()
        .wait(&url, 1, Duration::from_secs(1), Duration::ZERO)
        .await
        .expect("one success");
    assert_eq!(data["a"], "d-a");
}

#[tokio::test]
async fn a_failure_signal_fails_the_condition() {
    let s = server().await;
    let url = s.hub().new_handle("st-id");
    assert_eq!(
        put(&url, r#"{"Status":"FAILURE","Reason":"disk full","UniqueId":"w"}"#).await,
        200
    );
    let got = s.hub().wait(&url, 1, Duration::from_secs(1), Duration::ZERO).await;
    assert_eq!(got, Err(WaitError::Failure("disk full".into())));
}

#[tokio::test]
async fn data_and_bodies_over_the_limits_get_413() {
    let s = server().await;
    let url = s.hub().new_handle("st-id");
    let big_data = format!(r#"{{"Status":"SUCCESS","UniqueId":"b","Data":"{}"}}"#, "x".repeat(4097));
    assert_eq!(put(&url, big_data).await, 413);
    let huge_body = format!(
        r#"{{"Status":"SUCCESS","UniqueId":"c","Reason":"{}"}}"#,
        "x".repeat(1_900_000)
    );
    assert_eq!(put(&url, huge_body).await, 413);
    assert_eq!(held(&s, &url).await, 0);
    let at_limit = format!(r#"{{"Status":"SUCCESS","UniqueId":"d","Data":"{}"}}"#, "x".repeat(4096));
    assert_eq!(put(&url, at_limit).await, 200);
}

#[tokio::test]
async fn a_handle_takes_count_plus_a_margin_of_distinct_signals() {
    let s = server().await;
    let url = s.hub().new_handle("st-id");
    // The condition waits for 2 (and gives up at once here): the handle now knows its Count.
    assert!(s
        .hub()
        .wait(&url, 2, Duration::from_millis(1), Duration::ZERO)
        .await
        .is_err());
    for i in 0..2 + SIGNAL_MARGIN {
        assert_eq!(put(&url, success(&format!("s{i}"))).await, 200, "signal {i}");
    }
    assert_eq!(put(&url, success("one-too-many")).await, 429);
    // The same UniqueId again replaces its signal: always taken.
    assert_eq!(put(&url, success("s0")).await, 200);
    assert_eq!(held(&s, &url).await, 2 + SIGNAL_MARGIN);
}

#[tokio::test]
async fn a_signal_for_an_unknown_handle_gets_404() {
    let s = server().await;
    let url = s.hub().new_handle("st-id");
    let wrong = format!("{}x", url);
    assert_eq!(put(&wrong, success("a")).await, 404);
    let other_stack = url.replace("/st-id/", "/other/");
    assert_eq!(put(&other_stack, success("a")).await, 404);
}
