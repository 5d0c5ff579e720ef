//! The guests' endpoints: wait-condition signals and resource metadata, under `/guest` (the URL
//! base guests are given). A signal is taken here, by whichever API process the guest reached, into
//! the state store (kept before it is answered 200, with the CLI's rules: the handle's token is the
//! credential, cfn-signal's body, one signal per `UniqueId`), whether or not a worker holds the stack;
//! the worker waiting on the condition reads it there. Metadata requests are passed, unchanged, to
//! the worker whose signal server runs the stack now (metadata needs the stack's metadata token);
//! while no worker runs it, they get the same 404 as anything unknown, and while one is taking it
//! over, 503 asks the guest to send again.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::Shared;
use crate::db::OpState;

/// The guest routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/guest/waitcondition/{stack}/{token}",
            axum::routing::put(signal)
                .post(signal)
                .layer(axum::extract::DefaultBodyLimit::max(
                    stack_core::signal_body::MAX_SIGNAL_BODY,
                )),
        )
        .route("/guest/metadata/{stack}/{logical}", get(metadata))
        .route("/guest/", get(describe))
}

/// The owner and stack a guest URL's stack (a store name, or a stack id made from one) names.
fn owner_and_stacks(stack: &str) -> Option<(&str, Vec<&str>)> {
    let (owner, rest) = crate::names::split_store_name(stack)?;
    let mut candidates = vec![rest];
    // A stack id: `<store name>-<time>-<random>`.
    let mut parts = rest.rsplitn(3, '-');
    if let (Some(_), Some(_), Some(name)) = (parts.next(), parts.next(), parts.next()) {
        candidates.push(name);
    }
    Some((owner, candidates))
}

enum Target {
    Worker(String),
    Moving,
    Nobody,
}

async fn target(state: &Shared, stack: &str) -> Target {
    let Some((owner, candidates)) = owner_and_stacks(stack) else {
        return Target::Nobody;
    };
    let Ok(Some(owner)) = state.db.owner_named(owner).await else {
        return Target::Nobody;
    };
    for name in candidates {
        let Ok(ops) = state.db.operations(owner.id, name, 1).await else {
            return Target::Nobody;
        };
        if let Some(op) = ops
            .into_iter()
            .next()
            .filter(|o| o.state == OpState::Running || o.state == OpState::Queued)
        {
            return match (op.state, op.guest_addr) {
                (OpState::Running, Some(addr)) if op.lease_until_ms >= super::submit::now_ms() => Target::Worker(addr),
                _ => Target::Moving,
            };
        }
    }
    Target::Nobody
}

async fn pass(
    state: &Shared,
    stack: &str,
    method: Method,
    path: &str,
    query: Option<String>,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let addr = match target(state, stack).await {
        Target::Worker(a) => a,
        Target::Moving => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [("retry-after", "5")],
                "the stack is moving to another worker; send it again\n",
            )
                .into_response()
        }
        Target::Nobody => return not_here(path),
    };
    let url = match query {
        Some(q) => format!("http://{addr}{path}?{q}"),
        None => format!("http://{addr}{path}"),
    };
    let mut req = state.http.request(method, url).body(body);
    for name in ["x-stackmate-token", "authorization", "content-type"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v.clone());
        }
    }
    match req.send().await {
        Ok(r) => {
            let status = r.status();
            let kind = r.headers().get("content-type").cloned();
            let body = r.bytes().await.unwrap_or_default();
            let mut out = (status, body).into_response();
            if let Some(k) = kind {
                out.headers_mut().insert("content-type", k);
            }
            out
        }
        Err(e) => {
            tracing::warn!(error = %e.without_url(), "a guest request could not reach its worker");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [("retry-after", "5")],
                "the stack's worker did not answer; send it again\n",
            )
                .into_response()
        }
    }
}

/// The answer for a stack no worker runs: what the CLI's server says of an unknown handle or
/// resource.
fn not_here(path: &str) -> Response {
    if path.starts_with("/waitcondition/") {
        (StatusCode::NOT_FOUND, "unknown wait condition handle\n").into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"Error": {"Code": "NotFound", "Message": "no such stack resource"}})),
        )
            .into_response()
    }
}

async fn signal(State(state): State<Shared>, Path((stack, token)): Path<(String, String)>, body: Bytes) -> Response {
    if body.len() > stack_core::signal_body::MAX_SIGNAL_BODY {
        return (StatusCode::PAYLOAD_TOO_LARGE, "the signal is too large\n").into_response();
    }
    let mut answer = stack_core::signals::SignalAnswer::UnknownHandle;
    if let Some((owner, candidates)) = owner_and_stacks(&stack) {
        let store = state.engines.store();
        for name in candidates {
            let store_name = crate::names::store_name(owner, name);
            answer =
                stack_core::signals::stored::take_stored_signal(store.as_ref(), &store_name, &stack, &token, &body)
                    .await;
            if answer != stack_core::signals::SignalAnswer::UnknownHandle {
                break;
            }
        }
    }
    let status = StatusCode::from_u16(answer.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, answer.message()).into_response()
}

async fn metadata(
    State(state): State<Shared>,
    Path((stack, logical)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let path = format!("/metadata/{stack}/{logical}");
    pass(&state, &stack, Method::GET, &path, query, &headers, Bytes::new()).await
}

async fn describe(State(state): State<Shared>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let stack = query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("StackName="))
        .map(|s| s.replace("%2E", ".").replace("%2e", "."))
        .unwrap_or_default();
    pass(&state, &stack, Method::GET, "/", query, &headers, Bytes::new()).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_guest_url_names_its_owner_and_stack_by_store_name_or_stack_id() {
        let (o, c) = super::owner_and_stacks("alice.web-app-18f3a-1a2b3c4d").expect("split");
        assert_eq!(o, "alice");
        assert_eq!(c, vec!["web-app-18f3a-1a2b3c4d", "web-app"]);
        let (o, c) = super::owner_and_stacks("bob.db").expect("split");
        assert_eq!((o, c), ("bob", vec!["db"]));
        assert!(super::owner_and_stacks("nodot").is_none());
    }
}
