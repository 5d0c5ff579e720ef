//! Tagging: every resource a stack makes carries the stack's id and name (plus the template's `Tags`),
//! so a stack whose state is lost can still be found and deleted.
//!
//! Tags never sit on the critical path. An async create is tagged while its job runs; a synchronous
//! one after it returns ([`PendingTags`]). Neither the resource nor its dependents wait for the
//! tags; the stack does, and a tag failure fails it.
//!
//! And they cost few calls: `createTags` takes many `resourceids` of one `resourcetype`, so the
//! [`TagBatcher`] tags the resources of one type and tag set in one call, its job polled with the
//! others': a resource goes at once when no call for its kind is in flight, and otherwise with the
//! others that arrive until that call ends or a short window passes (twenty request intervals, at
//! most a second, under a client-side rate limit, so tags take a small share of it). The tags of a
//! resource that ends a longest chain of the run are expedited ([`expediting`]): the stack ends
//! with them, so they wait only for those that arrive within a millisecond, and go at their
//! resource's request priority. A batch the cloud refuses is tried
//! again resource by resource, so one bad resource fails only itself. Nothing is lost to a crash in
//! the window: a resource's record says `tagged` only after its tags are confirmed, and a resumed
//! run tags what is not.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cloudstack_client::{ApiMeta, Client, DynamicRequest, Error as ClientError, JobWatcher, ParticipantSpec};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

use crate::plan::Plan;
use crate::retry::{CallKind, RetryPolicy};
use crate::state::ResourceRecord;

/// The tag every resource of a stack carries, with the stack's id.
pub const STACK_ID_TAG: &str = "cloudstack:stack-id";
/// The tag every resource of a stack carries, with the stack's name.
pub const STACK_NAME_TAG: &str = "cloudstack:stack-name";

/// The most resources one `createTags` call names.
const MAX_PER_CALL: usize = 100;

/// How long expedited tags wait for others to join them (those of resources started by the same
/// poll arrive within it), at most the batcher's window.
const EXPEDITE_WINDOW: Duration = Duration::from_millis(1);

/// The stack's tags for a resource that exists, still to be put on it. Its dependents do not wait
/// for them; the stack does, and a tag failure fails it.
#[derive(Debug, Clone)]
pub(crate) struct PendingTags {
    pub(crate) rtype: &'static str,
    pub(crate) id: String,
    pub(crate) extra: Vec<(String, String)>,
    pub(crate) budget: Duration,
}

/// The tags of a resource that exists: still to put on, or already on their way (an async create's,
/// sent while its job ran). Either way the stack, not the resource's dependents, waits for them.
pub(crate) enum TagWork {
    /// To put on.
    Pending(PendingTags),
    /// Handed to the batcher; resolves once they are on.
    Started(TagsSent),
}

/// Tags handed to the [`TagBatcher`]: resolves once they are on (or failed).
pub(crate) type TagsSent = Pin<Box<dyn Future<Output = Result<(), ClientError>> + Send>>;

/// The tags still to put on `rec`'s entity, if it has a taggable type and is not tagged yet.
pub(crate) fn pending_tags(
    rec: &ResourceRecord,
    spec: &ParticipantSpec,
    extra: Vec<(String, String)>,
    budget: Duration,
) -> Option<TagWork> {
    match (rec.tagged, spec.tag_resource_type, &rec.physical_id) {
        (false, Some(rtype), Some(id)) => Some(TagWork::Pending(PendingTags {
            rtype,
            id: id.clone(),
            extra,
            budget,
        })),
        _ => None,
    }
}

/// The tags of a resource of `plan`: the stack's id and name, the stack's own tags (but those the
/// resource sets itself), then the template's own.
pub(crate) fn stack_tags(plan: &Plan, extra: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut tags = vec![
        (STACK_ID_TAG.to_string(), plan.options.stack_id.clone()),
        (STACK_NAME_TAG.to_string(), plan.options.stack_name.clone()),
    ];
    tags.extend(
        plan.options
            .stack_tags
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(own, _)| own == *k))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    tags.extend(extra);
    tags
}

/// What one batch shares: the API (of the plan's release), the resource type and the tags.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct BatchKey {
    api: usize,
    rtype: &'static str,
    tags: Vec<(String, String)>,
}

struct TagJob {
    meta: &'static ApiMeta,
    key: BatchKey,
    id: String,
    deadline: Instant,
    /// Sent after a short wait ([`EXPEDITE_WINDOW`]), with what waits for its key, even while a call
    /// for that key is in flight; and at its resource's request priority, not below every resource.
    expedite: bool,
    /// The request priority of the resource it is for ([`cloudstack_client::with_priority`]).
    priority: u32,
    done: oneshot::Sender<Result<(), ClientError>>,
}

tokio::task_local! {
    static EXPEDITE: bool;
}

/// Runs `fut` (a resource's create) with the tags it submits expedited or not: see
/// [`TagBatcher::submit`].
pub(crate) async fn expediting<F: Future>(expedite: bool, fut: F) -> F::Output {
    EXPEDITE.scope(expedite, fut).await
}

/// Whether tags submitted from here go at once ([`expediting`]); not outside it.
pub(crate) fn expedited() -> bool {
    EXPEDITE.try_with(|e| *e).unwrap_or(false)
}

/// Puts tags on many resources in few `createTags` calls (see the module's docs).
pub(crate) struct TagBatcher {
    client: Client,
    watcher: JobWatcher,
    retry: RetryPolicy,
    window: Duration,
    queue: Mutex<Option<mpsc::UnboundedSender<Msg>>>,
}

/// What the gathering task hears: a resource to tag, a key's window ending (or all of them), a
/// key's call done.
enum Msg {
    Job(TagJob),
    Flush(BatchKey, u64),
    FlushAll,
    Done(BatchKey),
}

impl TagBatcher {
    /// A batcher sending with `client`, gathering for `window`.
    pub(crate) fn new(client: Client, watcher: JobWatcher, retry: RetryPolicy, window: Duration) -> Self {
        Self {
            client,
            watcher,
            retry,
            window,
            queue: Mutex::new(None),
        }
    }

    /// Hands over `tags` for the entity `id` of `rtype`, to go on within `budget` with others of the
    /// same type and tags in one call. The batcher has them when this returns (so a [`Self::flush`]
    /// after it sends them); the answer says when they are on. `expedite` sends them at once, with
    /// those that wait for the same call, even while another call for them is in flight.
    pub(crate) fn submit(
        &self,
        meta: &'static ApiMeta,
        rtype: &'static str,
        id: &str,
        tags: Vec<(String, String)>,
        budget: Duration,
        expedite: bool,
    ) -> TagsSent {
        let (done, answer) = oneshot::channel();
        let job = TagJob {
            meta,
            key: BatchKey {
                api: std::ptr::from_ref(meta) as usize,
                rtype,
                tags,
            },
            id: id.to_string(),
            deadline: Instant::now() + budget,
            expedite,
            priority: cloudstack_client::current_priority(),
            done,
        };
        let handed = self.sender().send(Msg::Job(job));
        Box::pin(async move {
            handed.map_err(|_| gone())?;
            answer.await.map_err(|_| gone())?
        })
    }

    /// Sends everything gathered now, without waiting for windows to end: for a run whose
    /// resources are all done, as no more of its resources can join a batch.
    pub(crate) fn flush(&self) {
        let queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = queue.as_ref() {
            let _ = tx.send(Msg::FlushAll);
        }
    }

    /// The queue, started on first use (inside the runtime).
    fn sender(&self) -> mpsc::UnboundedSender<Msg> {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tx) = queue.as_ref().filter(|tx| !tx.is_closed()) {
            return tx.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let sending = Arc::new(Sending {
            client: self.client.clone(),
            watcher: self.watcher.clone(),
            retry: self.retry.clone(),
        });
        // Under a client-side rate limit, resources finish at most one per request interval: the
        // window spans twenty of them (at most a second), so a batch names many and tags take a
        // small share of the rate.
        let window = self
            .client
            .min_interval()
            .map_or(self.window, |i| self.window.max((i * 20).min(Duration::from_secs(1))));
        tokio::spawn(gather(rx, tx.downgrade(), sending, window));
        *queue = Some(tx.clone());
        tx
    }
}

fn gone() -> ClientError {
    ClientError::Config("the tagging task ended".into())
}

struct Sending {
    client: Client,
    watcher: JobWatcher,
    retry: RetryPolicy,
}

/// Gathers resources per key and sends them in batches. A resource of a key with no call in flight
/// goes at once; while one is in flight, the resources that arrive go together when it ends or when
/// the first of them has waited `window` (an expedited one [`EXPEDITE_WINDOW`]), whichever comes
/// first; a full batch goes at once.
async fn gather(
    mut rx: mpsc::UnboundedReceiver<Msg>,
    me: mpsc::WeakUnboundedSender<Msg>,
    sending: Arc<Sending>,
    window: Duration,
) {
    #[derive(Default)]
    struct KeyState {
        queued: Vec<TagJob>,
        in_flight: usize,
        /// The flush scheduled for the current queue: its number (a flush of an earlier queue,
        /// sent already, does nothing) and when it is due.
        timer: Option<(u64, Instant)>,
    }
    let mut keys: BTreeMap<BatchKey, KeyState> = BTreeMap::new();
    let mut timers: u64 = 0;
    let send = |key: &BatchKey, state: &mut KeyState| {
        let jobs = std::mem::take(&mut state.queued);
        state.timer = None;
        if jobs.is_empty() {
            return;
        }
        state.in_flight += 1;
        // Tags wait behind every resource's calls, unless the stack is about to end with them.
        let priority = jobs
            .iter()
            .filter(|j| j.expedite)
            .map(|j| j.priority)
            .max()
            .unwrap_or(cloudstack_client::DEFAULT_PRIORITY);
        let (sending, me, key) = (Arc::clone(&sending), me.clone(), key.clone());
        tokio::spawn(async move {
            cloudstack_client::with_priority(priority, send_batch(sending, jobs)).await;
            if let Some(tx) = me.upgrade() {
                let _ = tx.send(Msg::Done(key));
            }
        });
    };
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Job(job) => {
                let key = job.key.clone();
                let expedite = job.expedite;
                let state = keys.entry(key.clone()).or_default();
                state.queued.push(job);
                if state.in_flight == 0 || state.queued.len() >= MAX_PER_CALL {
                    send(&key, state);
                    continue;
                }
                let wait = if expedite { EXPEDITE_WINDOW.min(window) } else { window };
                let due = Instant::now() + wait;
                if state.timer.is_none_or(|(_, at)| at > due) {
                    timers += 1;
                    state.timer = Some((timers, due));
                    let (me, number) = (me.clone(), timers);
                    tokio::spawn(async move {
                        tokio::time::sleep(wait).await;
                        if let Some(tx) = me.upgrade() {
                            let _ = tx.send(Msg::Flush(key, number));
                        }
                    });
                }
            }
            Msg::Flush(key, number) => {
                if let Some(state) = keys.get_mut(&key) {
                    if state.timer.is_some_and(|(n, _)| n == number) {
                        send(&key, state);
                    }
                }
            }
            Msg::FlushAll => {
                for (key, state) in &mut keys {
                    send(key, state);
                }
            }
            Msg::Done(key) => {
                if let Some(state) = keys.get_mut(&key) {
                    state.in_flight = state.in_flight.saturating_sub(1);
                    // Idle again: what waited goes now (with other calls still in flight, the
                    // window's end sends it).
                    if state.in_flight == 0 {
                        send(&key, state);
                    }
                    if state.in_flight == 0 && state.queued.is_empty() {
                        keys.remove(&key);
                    }
                }
            }
        }
    }
}

/// Tags a batch in one call; if the cloud refuses it, each resource alone.
async fn send_batch(sending: Arc<Sending>, jobs: Vec<TagJob>) {
    let Some(first) = jobs.first() else { return };
    let (meta, key) = (first.meta, first.key.clone());
    let deadline = jobs.iter().map(|j| j.deadline).min().unwrap_or_else(Instant::now);
    let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    let outcome = tag_ids(&sending, meta, &key, &ids, deadline).await;
    match outcome {
        Ok(()) => {
            for j in jobs {
                let _ = j.done.send(Ok(()));
            }
        }
        Err(e) if jobs.len() == 1 => {
            if let Some(j) = jobs.into_iter().next() {
                // A run resumed after a crash tags again: tags that are already there are ours.
                let answer = if tagged_already(&sending.client, key.rtype, &j.id, &key.tags).await {
                    Ok(())
                } else {
                    Err(e)
                };
                let _ = j.done.send(answer);
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, resources = jobs.len(), "a batch of tags was refused; tagging one by one");
            let singles = jobs.into_iter().map(|j| send_batch(Arc::clone(&sending), vec![j]));
            futures_util::future::join_all(singles).await;
        }
    }
}

async fn tag_ids(
    sending: &Sending,
    meta: &'static ApiMeta,
    key: &BatchKey,
    ids: &[String],
    deadline: Instant,
) -> Result<(), ClientError> {
    let mut req = DynamicRequest::new(meta);
    let tags_json: Vec<Value> = key.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
    req.set_json("resourceids", &json!(ids))
        .and_then(|r| r.set_json("resourcetype", &json!(key.rtype)))
        .and_then(|r| r.set_json("tags", &Value::Array(tags_json)))
        .map_err(|e| ClientError::Config(e.to_string()))?;
    let left = deadline.saturating_duration_since(Instant::now());
    let reply = sending
        .retry
        .run(CallKind::Write, left, || sending.client.submit(&req))
        .await?;
    let left = deadline.saturating_duration_since(Instant::now());
    sending
        .watcher
        .wait_for(meta.name, &reply.job_id, left)
        .await
        .map(|_| ())
}

/// Whether the entity already carries these tags (the stack id's among them).
async fn tagged_already(client: &Client, rtype: &str, id: &str, tags: &[(String, String)]) -> bool {
    let Some((_, value)) = tags.iter().find(|(k, _)| k == STACK_ID_TAG) else {
        return false;
    };
    stack_ids_on(client, rtype, id)
        .await
        .is_some_and(|ids| ids.iter().any(|v| v == value))
}

/// The stack ids tagged on entity `id` of tag type `rtype`; `None` when the cloud cannot say.
pub(crate) async fn stack_ids_on(client: &Client, rtype: &str, id: &str) -> Option<Vec<String>> {
    let wire = vec![
        ("resourcetype".to_string(), rtype.to_string()),
        ("resourceid".to_string(), id.to_string()),
        ("key".to_string(), STACK_ID_TAG.to_string()),
        ("listall".to_string(), "true".to_string()),
    ];
    let inner = client
        .call("listTags", cloudstack_client::HttpMethod::Get, wire)
        .await
        .ok()?;
    Some(
        inner
            .get("tag")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("value").and_then(Value::as_str).map(str::to_string))
            .collect(),
    )
}
