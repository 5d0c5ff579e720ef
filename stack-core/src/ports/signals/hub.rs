//! [`SignalHub`]: handles, signals and metadata kept in this process. It implements [`Signals`] for
//! the engine and answers what a transport hands it: a signal's body ([`SignalHub::signal`]) and a
//! request for metadata ([`SignalHub::metadata`]).
//!
//! The answers to a signal ([`SignalAnswer`]):
//! - taken (only this changes anything);
//! - an unknown handle;
//! - a body that is not such a signal ([`super::body`]), or `Data` over 4,096 bytes;
//! - the handle already holds `Count` + [`SIGNAL_MARGIN`] distinct signals (a repeated `UniqueId`
//!   replaces its earlier signal and always goes through);
//! - the signal could not be kept (the store failed): send it again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use super::body::{parse_signal, SignalRefused};
use super::metadata::Published;
use super::{HandleKey, MetadataEntry, Signals, WaitError, SIGNAL_MARGIN};
use crate::state::{SignalRecord, StateStore};
use stack_template::BoxFuture;

/// How often a waiting condition whose handle is kept in a store reads the signals there.
const STORE_POLL: Duration = Duration::from_secs(1);

/// Distinct signals a handle takes before its condition starts waiting (its `Count` not known yet).
pub(crate) const SIGNALS_BEFORE_WAIT: usize = 64;

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

/// Handles, signals and metadata of the stacks run in this process. Cheap to clone; clones share
/// everything.
#[derive(Clone)]
pub struct SignalHub {
    base_url: String,
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for SignalHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalHub").field("base_url", &self.base_url).finish()
    }
}

/// What a signal got.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignalAnswer {
    /// Taken (and kept in the store, when the handle has one).
    Taken,
    /// No such handle (or no longer).
    UnknownHandle,
    /// Not a signal cfn-signal sends ([`super::body`]).
    Refused(SignalRefused),
    /// The handle already holds as many distinct signals as it takes.
    Full {
        /// How many it holds.
        held: usize,
    },
    /// The store could not keep it: nothing changed, and it may be sent again.
    NotKept,
}

impl SignalAnswer {
    /// The HTTP status a transport answers with: 200, 404, 400, 413, 429 or 503.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Taken => 200,
            Self::UnknownHandle => 404,
            Self::Refused(SignalRefused::DataTooLarge(_)) => 413,
            Self::Refused(_) => 400,
            Self::Full { .. } => 429,
            Self::NotKept => 503,
        }
    }

    /// The answer's text, for the guest.
    pub fn message(&self) -> String {
        match self {
            Self::Taken => "success\n".into(),
            Self::UnknownHandle => "unknown wait condition handle\n".into(),
            Self::Refused(e) => format!("{e}\n"),
            Self::Full { held } => format!("this handle already holds {held} distinct signals, as many as it takes\n"),
            Self::NotKept => "the signal could not be kept; send it again\n".into(),
        }
    }
}

impl SignalHub {
    /// A hub whose guests reach it at `base_url` (`CloudStack::StackMateApiURL`; a `/` is added
    /// when missing).
    pub fn new(base_url: impl Into<String>) -> Self {
        let mut base_url = base_url.into();
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        Self {
            base_url,
            inner: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers a new handle of `stack_id` with a random token and no store (its signals live in
    /// memory only); returns its URL (which holds the token: a secret).
    pub fn new_handle(&self, stack_id: &str) -> String {
        self.register_handle(
            HandleKey {
                stack_id,
                stack_name: stack_id,
                logical: "Handle",
                token: &stack_template::secrets::random_token(),
            },
            Vec::new(),
            None,
        )
    }

    /// Waits for `count` distinct success signals on the handle at `url` (see [`Signals::wait`]).
    /// A handle kept in a store is read there too, every second while it waits: signals that
    /// another process took into the store ([`super::stored::take_stored_signal`]) count.
    pub async fn wait(&self, url: &str, count: usize, timeout: Duration, waited: Duration) -> Result<Value, WaitError> {
        let token = url.rsplit('/').next().unwrap_or_default().to_string();
        let started = Instant::now();
        loop {
            let (notify, kept_in) = {
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
                let kept_in = h
                    .store
                    .clone()
                    .map(|store| (store, h.stack_name.clone(), h.logical.clone()));
                (Arc::clone(&h.notify), kept_in)
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
            let left = timeout - so_far;
            let step = if kept_in.is_some() { left.min(STORE_POLL) } else { left };
            let _ = tokio::time::timeout(step, notify.notified()).await;
            if let Some((store, stack_name, logical)) = kept_in {
                match store.signals(&stack_name, &logical).await {
                    Ok(kept) => self.merge(&token, kept),
                    Err(e) => tracing::warn!(stack = %stack_name, error = %e, "could not read a handle's signals"),
                }
            }
        }
    }

    /// Adds the signals `kept` in the store to handle `token`'s (one per `UniqueId`, the stored one
    /// winning).
    fn merge(&self, token: &str, kept: Vec<SignalRecord>) {
        let mut inner = self.lock();
        let Some(h) = inner.handles.get_mut(token) else {
            return;
        };
        for s in kept {
            match h.signals.iter_mut().find(|x| x.unique_id == s.unique_id) {
                Some(existing) => *existing = s,
                None => h.signals.push(s),
            }
        }
    }

    /// Takes a signal sent to handle `token` of stack `stack` with `body` (cfn-signal's JSON). It is
    /// kept in the handle's store before it is answered [`SignalAnswer::Taken`], so a signal taken is
    /// never lost to a crash.
    pub async fn signal(&self, stack: &str, token: &str, body: &[u8]) -> SignalAnswer {
        let (s, store, stack_name, logical) = {
            let mut inner = self.lock();
            let Some(h) = inner.handles.get_mut(token).filter(|h| h.stack_id == stack) else {
                tracing::warn!(stack, "signal for an unknown wait condition handle");
                return SignalAnswer::UnknownHandle;
            };
            let parsed = match parse_signal(body) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(stack, error = %e, "wait condition signal refused");
                    return SignalAnswer::Refused(e);
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
                return SignalAnswer::Full { held };
            }
            (s, h.store.clone(), h.stack_name.clone(), h.logical.clone())
        };
        // Kept before it is answered: a signal taken is never lost to a crash.
        if let Some(store) = store {
            match store.save_signal(&stack_name, &logical, &s).await {
                Ok(true) => {}
                Ok(false) => return SignalAnswer::UnknownHandle,
                Err(e) => {
                    tracing::error!(stack, error = %e, "could not keep a wait condition signal");
                    return SignalAnswer::NotKept;
                }
            }
        }
        let mut inner = self.lock();
        let Some(h) = inner.handles.get_mut(token) else {
            return SignalAnswer::UnknownHandle;
        };
        match h.signals.iter_mut().find(|x| x.unique_id == s.unique_id) {
            Some(existing) => *existing = s.clone(),
            None => h.signals.push(s.clone()),
        }
        tracing::info!(stack, success = s.success, unique_id = %s.unique_id, "wait condition signal");
        h.notify.notify_waiters();
        SignalAnswer::Taken
    }

    /// The metadata detail of `logical` in `stack` (an id or a name) for a request that presented
    /// `token`; `None` for "no such resource" and "not yours" alike.
    pub fn metadata(&self, stack: &str, logical: &str, token: Option<&str>) -> Option<Value> {
        self.lock().metadata.read(stack, logical, token)
    }
}

impl Signals for SignalHub {
    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn register_handle(
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

    fn remove_handle(&self, stack_id: &str, logical: &str) {
        self.lock()
            .handles
            .retain(|_, h| !(h.stack_id == stack_id && h.logical == logical));
    }

    fn wait(
        &self,
        url: &str,
        count: usize,
        timeout: Duration,
        waited: Duration,
    ) -> BoxFuture<Result<Value, WaitError>> {
        let (hub, url) = (self.clone(), url.to_string());
        Box::pin(async move { SignalHub::wait(&hub, &url, count, timeout, waited).await })
    }

    fn publish(&self, e: MetadataEntry<'_>) {
        let detail = json!({"DescribeStackResourceResponse": {"DescribeStackResourceResult": {"StackResourceDetail": {
            "Description": "", "ResourceType": e.resource_type, "LogicalResourceId": e.logical,
            "Metadata": e.metadata.to_string(), "PhysicalResourceId": e.physical_id, "ResourceStatus": "CREATE_COMPLETE",
            "ResourceStatusReason": "StackMate_Resource", "StackId": e.stack_id, "StackName": e.stack_name,
            "LastUpdatedTimestamp": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())}},
            "ResponseMetadata": {"RequestId": stack_template::secrets::random_token()}}});
        self.lock()
            .metadata
            .publish(e.stack_id, e.stack_name, e.logical, e.token.expose(), detail);
    }
}
