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
use crate::state::{SignalRecord, StateStore};

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

/// What names a wait-condition handle.
#[derive(Debug, Clone, Copy)]
pub struct HandleKey<'a> {
    /// The stack's id (in the URL).
    pub stack_id: &'a str,
    /// The stack's name (the store's key).
    pub stack_name: &'a str,
    /// The handle's logical id.
    pub logical: &'a str,
    /// Its token (in the URL; a secret).
    pub token: &'a str,
}

/// Distinct signals a handle takes beyond its condition's `Count`.
pub const SIGNAL_MARGIN: usize = 8;

/// Distinct signals a handle takes before its condition starts waiting (its `Count` not known yet).
const SIGNALS_BEFORE_WAIT: usize = 64;

struct Handle {
    stack_id: String,
    stack_name: String,
    logical: String,
    signals: Vec<SignalRecord>,
    notify: Arc<Notify>,
    /// The condition's `Count`, once it waits.
    count: Option<usize>,
    /// Where each signal is kept before it is answered, so that none is lost to a crash.
    store: Option<Arc<dyn StateStore>>,
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
    local_addr: Option<SocketAddr>,
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

/// 20 random bytes as hex. Without the operating system's randomness (which should never happen),
/// a SHA-256 of the clock, the process, a counter and an address, which is unique but guessable by
/// someone who knows when the process ran: a warning says so.
pub(crate) fn random_token() -> String {
    use sha2::Digest as _;
    static FALLBACKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut bytes = [0u8; 20];
    if let Err(e) = getrandom::fill(&mut bytes) {
        tracing::warn!(error = %e, "no randomness from the operating system: tokens are weaker");
        let n = FALLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seed = format!("{nanos} {} {n} {:p}", std::process::id(), &bytes);
        bytes.copy_from_slice(&sha2::Sha256::digest(seed.as_bytes())[..20]);
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
            local_addr: Some(addr),
            inner,
            _stop: Arc::new(tx),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The base URL (`CloudStack::StackMateApiURL`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Registers a new handle of `stack_id` with a random token and no store (its signals live in
    /// memory only); returns its URL (which holds the token: a secret).
    pub fn new_handle(&self, stack_id: &str) -> String {
        self.register_handle(
            HandleKey {
                stack_id,
                stack_name: stack_id,
                logical: "Handle",
                token: &random_token(),
            },
            Vec::new(),
            None,
        )
    }

    /// Registers the handle `key` (again, after a restart), holding the signals it already
    /// received; each new signal is kept in `store`, when given, before it is answered. Returns the
    /// handle's URL (which holds the token: a secret).
    pub fn register_handle(
        &self,
        key: HandleKey<'_>,
        earlier: Vec<SignalRecord>,
        store: Option<Arc<dyn StateStore>>,
    ) -> String {
        let mut inner = self.lock();
        inner.handles.insert(
            key.token.to_string(),
            Handle {
                stack_id: key.stack_id.to_string(),
                stack_name: key.stack_name.to_string(),
                logical: key.logical.to_string(),
                signals: earlier,
                notify: Arc::new(Notify::new()),
                count: None,
                store,
            },
        );
        self.handle_url(key.stack_id, key.token)
    }

    /// The URL of the handle of `stack_id` with `token`.
    pub fn handle_url(&self, stack_id: &str, token: &str) -> String {
        format!("{}waitcondition/{stack_id}/{token}", self.base_url)
    }

    /// Forgets handle `logical` of stack `stack_id` (its URL stops working).
    pub fn remove_handle(&self, stack_id: &str, logical: &str) {
        self.lock()
            .handles
            .retain(|_, h| !(h.stack_id == stack_id && h.logical == logical));
    }

    /// Waits for `count` distinct success signals on the handle at `url`, or a failure, or the end of
    /// `timeout`, of which `waited` already passed (in an earlier run). Returns the signals' data as
    /// `{"<UniqueId>": "<Data>"}`.
    pub async fn wait(&self, url: &str, count: usize, timeout: Duration, waited: Duration) -> Result<Value, WaitError> {
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
            let so_far = waited + started.elapsed();
            if so_far >= timeout {
                let received = self.lock().handles.get(&token).map_or(0, |h| h.signals.len());
                return Err(WaitError::Timeout {
                    received,
                    count,
                    waited: so_far,
                });
            }
            let _ = tokio::time::timeout(timeout - so_far, notify.notified()).await;
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

/// The one answer to a signal for a handle that does not exist (or no longer does).
fn unknown_handle() -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, "unknown wait condition handle\n".into())
}

async fn signal(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path((stack, token)): Path<(String, String)>,
    body: Bytes,
) -> (StatusCode, String) {
    use crate::signal_body::{parse_signal, SignalRefused};
    let lock = || inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (s, store, stack_name, logical) = {
        let mut inner = lock();
        let Some(h) = inner.handles.get_mut(&token).filter(|h| h.stack_id == stack) else {
            tracing::warn!(stack, "signal for an unknown wait condition handle");
            return unknown_handle();
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
        let s = SignalRecord {
            success: parsed.success,
            reason: parsed.reason,
            unique_id,
            data: parsed.data,
            received_ms: crate::state::now_ms(),
        };
        let (held, limit) = (h.signals.len(), h.limit());
        if held >= limit && !h.signals.iter().any(|x| x.unique_id == s.unique_id) {
            tracing::warn!(stack, limit, "wait condition signal refused: the handle is full");
            return (
                StatusCode::TOO_MANY_REQUESTS,
                format!("this handle already holds {held} distinct signals, as many as it takes\n"),
            );
        }
        (s, h.store.clone(), h.stack_name.clone(), h.logical.clone())
    };
    // Kept before it is answered: a signal taken is never lost to a crash.
    if let Some(store) = store {
        match store.save_signal(&stack_name, &logical, &s).await {
            Ok(true) => {}
            Ok(false) => return unknown_handle(),
            Err(e) => {
                tracing::error!(stack, error = %e, "could not keep a wait condition signal");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the signal could not be kept; send it again\n".into(),
                );
            }
        }
    }
    let mut inner = lock();
    let Some(h) = inner.handles.get_mut(&token) else {
        return unknown_handle();
    };
    match h.signals.iter_mut().find(|x| x.unique_id == s.unique_id) {
        Some(existing) => *existing = s.clone(),
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
