//! The embedded metadata and wait-condition server (axum).
//!
//! A WaitConditionHandle is a URL with an unguessable token: `PUT` (or `POST`) of cfn-signal's JSON
//! `{"Status":"SUCCESS"|"FAILURE","Reason":..,"UniqueId":..,"Data":..}` signals it. A WaitCondition
//! completes on `Count` distinct successful signals within its `Timeout`, and fails on the first
//! FAILURE.
//!
//! The answers to a signal:
//! - 200: taken (only this changes anything);
//! - 404: an unknown handle;
//! - 400: a body that is not such a signal ([`crate::signal_body`]);
//! - 413: `Data` over 4,096 bytes, or a body over [`crate::signal_body::MAX_SIGNAL_BODY`];
//! - 429: the handle already holds `Count` + [`SIGNAL_MARGIN`] distinct signals (a repeated
//!   `UniqueId` replaces its earlier signal and always goes through).
//!
//! The server also serves each resource's `Metadata` for cfn-init, at
//! `GET /metadata/<stack id>/<logical id>` and
//! `GET /?Action=DescribeStackResource&StackName=..&LogicalResourceId=..`, to requests with the
//! stack's metadata token only ([`crate::metadata`]). Tokens never appear in logs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use crate::metadata::{not_found, presented, Published};

/// One signal received on a handle.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// SUCCESS (true) or FAILURE (false).
    pub success: bool,
    /// `Reason`.
    pub reason: String,
    /// `UniqueId` (signals with the same id count once).
    pub unique_id: String,
    /// `Data`.
    pub data: String,
}

/// Why waiting ended without success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    /// A FAILURE signal.
    #[error("received a FAILURE signal: {0}")]
    Failure(String),
    /// Not enough success signals in time.
    #[error("timed out after {waited:?} with {received} of {count} success signals")]
    Timeout {
        /// Signals received.
        received: usize,
        /// Signals needed.
        count: usize,
        /// How long it waited.
        waited: Duration,
    },
    /// The handle is not registered.
    #[error("unknown wait condition handle")]
    UnknownHandle,
}

/// Distinct signals a handle takes beyond its condition's `Count`.
pub const SIGNAL_MARGIN: usize = 8;

/// Distinct signals a handle takes before its condition starts waiting (its `Count` not known yet).
const SIGNALS_BEFORE_WAIT: usize = 64;

struct Handle {
    stack_id: String,
    signals: Vec<Signal>,
    notify: Arc<Notify>,
    /// The condition's `Count`, once it waits.
    count: Option<usize>,
}

impl Handle {
    /// How many distinct signals it takes.
    fn limit(&self) -> usize {
        self.count.map_or(SIGNALS_BEFORE_WAIT, |c| c.max(1) + SIGNAL_MARGIN)
    }
}

#[derive(Default)]
struct Inner {
    handles: HashMap<String, Handle>,
    /// Resource metadata for guests.
    metadata: Published,
}

/// A running signal server. Cheap to clone.
#[derive(Clone)]
pub struct SignalServer {
    base_url: String,
    inner: Arc<Mutex<Inner>>,
    _stop: Arc<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for SignalServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalServer")
            .field("base_url", &self.base_url)
            .finish()
    }
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 20];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: fall back to time-seeded bytes (still not logged anywhere).
        let t = Instant::now().elapsed().as_nanos() ^ std::process::id() as u128;
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (t >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SignalServer {
    /// Starts serving on `listen`. `public_base` is the URL guests use to reach it (default:
    /// `http://<bound address>/`).
    pub async fn start(listen: SocketAddr, public_base: Option<String>) -> std::io::Result<Self> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route(
                "/waitcondition/{stack}/{token}",
                put(signal)
                    .post(signal)
                    .layer(DefaultBodyLimit::max(crate::signal_body::MAX_SIGNAL_BODY)),
            )
            .route("/metadata/{stack}/{logical}", get(metadata))
            .route("/", get(describe))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        let mut base_url = public_base.unwrap_or_else(|| format!("http://{addr}/"));
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        Ok(Self {
            base_url,
            inner,
            _stop: Arc::new(tx),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The base URL (`CloudStack::StackMateApiURL`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Registers a new handle of `stack_id`; returns its URL (which holds the token: a secret).
    pub fn new_handle(&self, stack_id: &str) -> String {
        let token = random_token();
        let mut inner = self.lock();
        inner.handles.insert(
            token.clone(),
            Handle {
                stack_id: stack_id.to_string(),
                signals: Vec::new(),
                notify: Arc::new(Notify::new()),
                count: None,
            },
        );
        format!("{}waitcondition/{stack_id}/{token}", self.base_url)
    }

    /// Forgets a handle (its URL stops working).
    pub fn remove_handle(&self, url: &str) {
        if let Some(token) = url.rsplit('/').next() {
            self.lock().handles.remove(token);
        }
    }

    /// A URL with its token replaced by `****`, for logs and events.
    pub fn masked(url: &str) -> String {
        match url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/****"),
            None => "****".into(),
        }
    }

    /// Waits for `count` distinct success signals on the handle at `url`, or a failure, or `timeout`.
    /// Returns the signals' data as `{"<UniqueId>": "<Data>"}`.
    pub async fn wait(&self, url: &str, count: usize, timeout: Duration) -> Result<Value, WaitError> {
        let token = url.rsplit('/').next().unwrap_or_default().to_string();
        let started = Instant::now();
        loop {
            let notify = {
                let mut inner = self.lock();
                let h = inner.handles.get_mut(&token).ok_or(WaitError::UnknownHandle)?;
                h.count = Some(count);
                if let Some(f) = h.signals.iter().find(|s| !s.success) {
                    return Err(WaitError::Failure(f.reason.clone()));
                }
                if h.signals.len() >= count {
                    let data: Map<String, Value> = h
                        .signals
                        .iter()
                        .map(|s| (s.unique_id.clone(), Value::String(s.data.clone())))
                        .collect();
                    return Ok(Value::Object(data));
                }
                Arc::clone(&h.notify)
            };
            let waited = started.elapsed();
            if waited >= timeout {
                let received = self.lock().handles.get(&token).map_or(0, |h| h.signals.len());
                return Err(WaitError::Timeout {
                    received,
                    count,
                    waited,
                });
            }
            let _ = tokio::time::timeout(timeout - waited, notify.notified()).await;
        }
    }

    /// Publishes a created resource's Metadata for cfn-init, readable with the stack's metadata
    /// `token` only ([`crate::metadata`]).
    #[allow(clippy::too_many_arguments)]
    pub fn publish(
        &self,
        stack_id: &str,
        stack_name: &str,
        logical: &str,
        resource_type: &str,
        physical_id: &str,
        metadata: &Value,
        token: &cloudstack_client::Secret,
    ) {
        let detail = json!({"DescribeStackResourceResponse": {"DescribeStackResourceResult": {"StackResourceDetail": {
            "Description": "", "ResourceType": resource_type, "LogicalResourceId": logical,
            "Metadata": metadata.to_string(), "PhysicalResourceId": physical_id, "ResourceStatus": "CREATE_COMPLETE",
            "ResourceStatusReason": "StackMate_Resource", "StackId": stack_id, "StackName": stack_name,
            "LastUpdatedTimestamp": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())}},
            "ResponseMetadata": {"RequestId": random_token()}}});
        self.lock()
            .metadata
            .publish(stack_id, stack_name, logical, token.expose(), detail);
    }
}

async fn signal(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path((stack, token)): Path<(String, String)>,
    body: Bytes,
) -> (StatusCode, String) {
    use crate::signal_body::{parse_signal, SignalRefused};
    let mut inner = inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(h) = inner.handles.get_mut(&token).filter(|h| h.stack_id == stack) else {
        tracing::warn!(stack, "signal for an unknown wait condition handle");
        return (StatusCode::NOT_FOUND, "unknown wait condition handle\n".into());
    };
    let parsed = match parse_signal(&body) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(stack, error = %e, "wait condition signal refused");
            let status = match e {
                SignalRefused::DataTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            return (status, format!("{e}\n"));
        }
    };
    let unique_id = parsed
        .unique_id
        .unwrap_or_else(|| format!("signal-{}", h.signals.len() + 1));
    let s = Signal {
        success: parsed.success,
        reason: parsed.reason,
        unique_id,
        data: parsed.data,
    };
    let (held, limit) = (h.signals.len(), h.limit());
    match h.signals.iter_mut().find(|x| x.unique_id == s.unique_id) {
        Some(existing) => *existing = s.clone(),
        None if held >= limit => {
            tracing::warn!(stack, limit, "wait condition signal refused: the handle is full");
            return (
                StatusCode::TOO_MANY_REQUESTS,
                format!("this handle already holds {held} distinct signals, as many as it takes\n"),
            );
        }
        None => h.signals.push(s.clone()),
    }
    tracing::info!(stack, success = s.success, unique_id = %s.unique_id, "wait condition signal");
    h.notify.notify_waiters();
    (StatusCode::OK, "success\n".into())
}

async fn metadata(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path((stack, logical)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let token = presented(&headers, &q);
    let inner = inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    answer(inner.metadata.read(&stack, &logical, token))
}

async fn describe(
    State(inner): State<Arc<Mutex<Inner>>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let token = presented(&headers, &q);
    let inner = inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let found = match (q.get("StackName"), q.get("LogicalResourceId")) {
        (Some(stack), Some(logical)) => inner.metadata.read(stack, logical, token),
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
