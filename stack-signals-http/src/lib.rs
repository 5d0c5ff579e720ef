//! The HTTP server of stack-core's signals port: where a stack's guests signal wait conditions
//! (cfn-signal's `PUT`) and read their resources' `Metadata` (cfn-init, `curl`). It serves a
//! [`SignalHub`] and hands the engine what it needs through [`Signals`].
//!
//! ```no_run
//! # async fn run(client: cloudstack_client::Client) -> std::io::Result<()> {
//! use std::sync::Arc;
//! let server = stack_signals_http::SignalServer::start("127.0.0.1:0".parse().expect("address"), None).await?;
//! let engine = stack_core::Engine::new(client, stack_core::EngineConfig::default()).with_signals(Arc::new(server));
//! # Ok(()) }
//! ```
//!
//! Routes:
//! - `PUT`/`POST /waitcondition/<stack id>/<token>`: a signal; 200 taken, 404 unknown handle, 400 not
//!   a signal, 413 `Data` over 4,096 bytes, 429 the handle is full, 503 not kept (send again);
//! - `GET /metadata/<stack id>/<logical id>` and `GET /?Action=DescribeStackResource&StackName=..&LogicalResourceId=..`:
//!   a resource's metadata, to requests with the stack's metadata token only ([`presented`]); the
//!   same 404 for "no such resource" and "not yours".
//!
//! Tokens never appear in logs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use stack_core::signals::{HandleKey, MetadataEntry, SignalHub, Signals, WaitError};
use stack_core::state::{SignalRecord, StateStore};
use stack_core::BoxFuture;

/// A running signal server. Cheap to clone; the server stops when the last clone is dropped.
#[derive(Clone)]
pub struct SignalServer {
    hub: SignalHub,
    local_addr: SocketAddr,
    _stop: Arc<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for SignalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalServer")
            .field("base_url", &self.hub.base_url())
            .field("local_addr", &self.local_addr)
            .finish()
    }
}

impl SignalServer {
    /// Starts serving on `listen`. `public_base` is the URL guests use to reach it (default:
    /// `http://<bound address>/`).
    pub async fn start(listen: SocketAddr, public_base: Option<String>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let hub = SignalHub::new(public_base.unwrap_or_else(|| format!("http://{addr}/")));
        let app = router(hub.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            hub,
            local_addr: addr,
            _stop: Arc::new(tx),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL (`CloudStack::StackMateApiURL`).
    pub fn base_url(&self) -> &str {
        self.hub.base_url()
    }

    /// The hub it serves.
    pub fn hub(&self) -> &SignalHub {
        &self.hub
    }
}

impl Signals for SignalServer {
    fn base_url(&self) -> &str {
        self.hub.base_url()
    }

    fn listen_addr(&self) -> Option<SocketAddr> {
        Some(self.local_addr)
    }

    fn register_handle(
        &self,
        key: HandleKey<'_>,
        earlier: Vec<SignalRecord>,
        store: Option<Arc<dyn StateStore>>,
    ) -> String {
        self.hub.register_handle(key, earlier, store)
    }

    fn remove_handle(&self, stack_id: &str, logical: &str) {
        self.hub.remove_handle(stack_id, logical);
    }

    fn wait(
        &self,
        url: &str,
        count: usize,
        timeout: Duration,
        waited: Duration,
    ) -> BoxFuture<Result<Value, WaitError>> {
        Signals::wait(&self.hub, url, count, timeout, waited)
    }

    fn publish(&self, entry: MetadataEntry<'_>) {
        self.hub.publish(entry);
    }
}

/// The routes serving `hub`.
pub fn router(hub: SignalHub) -> Router {
    Router::new()
        .route(
            "/waitcondition/{stack}/{token}",
            put(signal)
                .post(signal)
                .layer(DefaultBodyLimit::max(stack_core::signal_body::MAX_SIGNAL_BODY)),
        )
        .route("/metadata/{stack}/{logical}", get(metadata))
        .route("/", get(describe))
        .with_state(hub)
}

/// The answer to a request for metadata it may not read, or that does not exist.
pub fn not_found() -> Value {
    json!({"Error": {"Code": "NotFound", "Message": "no such stack resource (or no valid token: send the stack's metadata token in an X-StackMate-Token header)"}})
}

/// The token a request presents: an `X-StackMate-Token` or `Authorization: Bearer` header, a
/// `Token` query parameter, or, from cfn-init run with `--access-key TOKEN --secret-key any`, the
/// access key of its signed request (`AWSAccessKeyId`, or the `Credential` of an AWS4 header; the
/// signature itself is not checked: the token is the credential).
pub fn presented<'a>(headers: &'a HeaderMap, query: &'a HashMap<String, String>) -> Option<&'a str> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let aws4 = |v: &'a str| {
        let rest = v.strip_prefix("AWS4-HMAC-SHA256")?;
        let cred = rest.split(',').find_map(|p| p.trim().strip_prefix("Credential="))?;
        cred.split('/').next()
    };
    header("x-stackmate-token")
        .or_else(|| header("authorization").and_then(|v| v.strip_prefix("Bearer ").or_else(|| aws4(v))))
        .or_else(|| query.get("Token").map(String::as_str))
        .or_else(|| query.get("AWSAccessKeyId").map(String::as_str))
        .map(str::trim)
}

async fn signal(
    State(hub): State<SignalHub>,
    Path((stack, token)): Path<(String, String)>,
    body: Bytes,
) -> (StatusCode, String) {
    let answer = hub.signal(&stack, &token, &body).await;
    let status = StatusCode::from_u16(answer.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, answer.message())
}

async fn metadata(
    State(hub): State<SignalHub>,
    Path((stack, logical)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    answer(hub.metadata(&stack, &logical, presented(&headers, &q)))
}

async fn describe(
    State(hub): State<SignalHub>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let found = match (q.get("StackName"), q.get("LogicalResourceId")) {
        (Some(stack), Some(logical)) => hub.metadata(stack, logical, presented(&headers, &q)),
        _ => None,
    };
    answer(found)
}

/// 200 with the detail, or the one 404 for "no such resource" and "not yours".
fn answer(found: Option<Value>) -> (StatusCode, Json<Value>) {
    match found {
        Some(v) => (StatusCode::OK, Json(v)),
        None => (StatusCode::NOT_FOUND, Json(not_found())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_token_comes_from_a_header_a_query_or_cfn_inits_access_key() {
        let none = HashMap::new();
        let mut h = HeaderMap::new();
        h.insert("x-stackmate-token", HeaderValue::from_static("t1"));
        assert_eq!(presented(&h, &none), Some("t1"));
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("Bearer t2"));
        assert_eq!(presented(&h, &none), Some("t2"));
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=t3/20261201/zone/cloudformation/aws4_request, SignedHeaders=host, Signature=ab"),
        );
        assert_eq!(presented(&h, &none), Some("t3"));
        let q = HashMap::from([("AWSAccessKeyId".to_string(), "t4".to_string())]);
        assert_eq!(presented(&HeaderMap::new(), &q), Some("t4"));
        assert_eq!(presented(&HeaderMap::new(), &none), None);
    }
}
