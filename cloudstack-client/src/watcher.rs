//! [`JobWatcher`]: resolves many in-flight async jobs with one `listAsyncJobs` call per poll instead of
//! one `queryAsyncJobResult` per job.
//!
//! When it polls:
//! - every `interval` while any job is pending, and
//! - when a pending job is due by what earlier polls told about the run time of its command
//!   ([`RunTime`]), so a job that takes as long as the others of its kind is noticed about when it ends
//!   instead of up to a whole interval later. These polls are at least half an interval apart, so they
//!   at most double the poll rate.
//!
//! A regular poll is skipped while no pending job can be expected to have ended: every one is fresh,
//! of a command whose run time is pinned down ([`RunTime::quiet_for`]), and younger than that. A job
//! adopted from another run, or of a command whose jobs vary, can end at any time, and keeps the
//! regular polls going.
//!
//! Under a client-side rate limit ([`crate::ClientBuilder::max_rate`]) every poll takes a request of
//! the rate: the interval is at least ten request intervals, and no poll comes sooner than that.
//!
//! What it reads: from the [`ListingCursor`] on, so a poll reads about the jobs in flight rather than
//! every job since the first one. A pending job that a poll does not see is queried on its own. If the
//! account may not call `listAsyncJobs`, the watcher switches to per-job polling for good.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::client::Client;
use crate::error::Error;
use crate::job_listing::ListingCursor;
use crate::job_page;
use crate::job_timing::RunTime;
use crate::jobs::{job_state, JobState};
use crate::meta::HttpMethod;
use crate::slots::{with_priority, WATCHER_PRIORITY};

/// How far before the oldest pending job the `startdate` filter reaches, for clock skew.
const START_MARGIN: Duration = Duration::from_secs(300);

/// Rows read before the newest ones when a first poll jumps to the end of a long list (jobs of other
/// clients that came after ours).
const TAIL_SLACK: u64 = 50;

/// A cursor's start date is moved up once it is this much older than the oldest pending job needs.
const REANCHOR_AFTER: Duration = Duration::from_secs(600);

/// How the watcher polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// One `listAsyncJobs` (paged) per poll for all jobs.
    Batch,
    /// One `queryAsyncJobResult` per job per poll: used when `listAsyncJobs` is not allowed.
    PerJob,
}

struct Watch {
    api: String,
    job_id: String,
    deadline: Instant,
    registered: Instant,
    /// Submitted just before it was handed over, so its run time counts from `registered`.
    fresh: bool,
    /// The waiter's request priority ([`crate::slots`]): of the jobs one poll finds ended, the
    /// waiters of the highest are told first, so the critical path's next steps queue first.
    priority: u32,
    done: oneshot::Sender<Result<Value, Error>>,
}

/// Tracks many in-flight jobs and resolves each when it ends. Cheap to clone; the polling task stops
/// when the last clone is dropped and no job is pending. Must be created inside a tokio runtime.
#[derive(Clone)]
pub struct JobWatcher {
    tx: mpsc::UnboundedSender<Watch>,
    shared: Arc<Shared>,
    timeout: Duration,
}

struct Shared {
    polls: AtomicU64,
    rows: AtomicU64,
    mode: AtomicU8,
}

impl Shared {
    fn per_job(&self) -> bool {
        self.mode.load(Ordering::Relaxed) == WatchMode::PerJob as u8
    }
}

impl std::fmt::Debug for JobWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobWatcher")
            .field("mode", &self.mode())
            .field("polls", &self.polls())
            .finish()
    }
}

impl JobWatcher {
    /// Starts a watcher that polls every `interval` and gives each job up to `timeout`.
    pub fn new(client: Client, interval: Duration, timeout: Duration) -> Self {
        Self::with_mode(client, interval, timeout, WatchMode::Batch)
    }

    /// Starts a watcher in a given mode (tests and benchmarks compare both).
    pub fn with_mode(client: Client, interval: Duration, timeout: Duration, mode: WatchMode) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            polls: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            mode: AtomicU8::new(mode as u8),
        });
        // Under a client-side rate limit every poll costs a request slot of the rate: polls are at
        // least ten request intervals apart, so they take at most a tenth of it.
        let (interval, min_gap) = match client.min_interval() {
            Some(i) => {
                let paced = interval.max(i * POLL_SHARE);
                (paced, paced)
            }
            None => (interval, interval / 2),
        };
        let poller = Poller {
            client,
            interval,
            min_gap,
            shared: Arc::clone(&shared),
            pending: HashMap::new(),
            cursor: None,
            run_times: HashMap::new(),
            last_poll: None,
            quiet_until: BinaryHeap::new(),
            open_ended: HashSet::new(),
        };
        tokio::spawn(poller.run(rx));
        Self { tx, shared, timeout }
    }

    /// Waits for `job_id` (of command `api`), submitted just now, and returns its `jobresult`. How long
    /// it runs teaches the watcher when to poll the next jobs of `api`. Dropping the future stops
    /// watching that job.
    pub async fn wait(&self, api: &str, job_id: &str) -> Result<Value, Error> {
        self.watch(api, job_id, true, self.timeout).await
    }

    /// [`JobWatcher::wait`] with a deadline of its own (the timeout of the resource the job is for)
    /// instead of the watcher's default.
    pub async fn wait_for(&self, api: &str, job_id: &str, timeout: Duration) -> Result<Value, Error> {
        self.watch(api, job_id, true, timeout).await
    }

    /// [`JobWatcher::wait`] for a job submitted earlier (by another run, say), whose run time so far
    /// is unknown: it teaches the watcher nothing.
    pub async fn wait_adopted(&self, api: &str, job_id: &str) -> Result<Value, Error> {
        self.watch(api, job_id, false, self.timeout).await
    }

    /// [`JobWatcher::wait_adopted`] with a deadline of its own.
    pub async fn wait_adopted_for(&self, api: &str, job_id: &str, timeout: Duration) -> Result<Value, Error> {
        self.watch(api, job_id, false, timeout).await
    }

    async fn watch(&self, api: &str, job_id: &str, fresh: bool, timeout: Duration) -> Result<Value, Error> {
        let (done, rx) = oneshot::channel();
        let now = Instant::now();
        let watch = Watch {
            api: api.to_string(),
            job_id: job_id.to_string(),
            deadline: now + timeout,
            registered: now,
            fresh,
            priority: crate::slots::current_priority(),
            done,
        };
        let gone = || Error::Config("the job watcher's task has stopped (was the runtime shut down?)".into());
        self.tx.send(watch).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// Poll rounds so far (each is one `listAsyncJobs` request per page, or one request per job).
    pub fn polls(&self) -> u64 {
        self.shared.polls.load(Ordering::Relaxed)
    }

    /// Job rows read from `listAsyncJobs` so far: with the [`ListingCursor`] about the jobs in flight
    /// per poll, not every job since the first one.
    pub fn rows_listed(&self) -> u64 {
        self.shared.rows.load(Ordering::Relaxed)
    }

    /// The current mode (switches to [`WatchMode::PerJob`] if `listAsyncJobs` is refused).
    pub fn mode(&self) -> WatchMode {
        if self.shared.per_job() {
            WatchMode::PerJob
        } else {
            WatchMode::Batch
        }
    }
}

/// Under a client-side rate limit, polls are at least this many request intervals apart.
const POLL_SHARE: u32 = 10;

/// The polling task's state.
struct Poller {
    client: Client,
    interval: Duration,
    /// The least time between two polls (half the interval; the whole one under a rate limit).
    min_gap: Duration,
    shared: Arc<Shared>,
    /// Waiters by job id.
    pending: HashMap<String, Vec<Watch>>,
    cursor: Option<ListingCursor>,
    /// What polls told about each command's run time.
    run_times: HashMap<String, RunTime>,
    /// When the last poll was sent.
    last_poll: Option<Instant>,
    /// Fresh jobs of a command with a pinned-down run time, by the moment they can be expected to
    /// end (entries of jobs no longer pending are dropped when they reach the top).
    quiet_until: BinaryHeap<Reverse<(Instant, String)>>,
    /// Pending jobs that can end at any time as far as the watcher knows.
    open_ended: HashSet<String>,
}

impl Poller {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Watch>) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if self.pending.is_empty() {
                match rx.recv().await {
                    Some(w) => self.add(w),
                    None => return,
                }
                ticker.reset();
                continue;
            }
            let due = self.next_due();
            tokio::select! {
                w = rx.recv() => match w {
                    Some(w) => self.add(w),
                    None if self.pending.is_empty() => return,
                    None => {}
                },
                _ = ticker.tick() => {
                    if !self.all_quiet() {
                        self.round().await;
                    }
                }
                () = sleep_until(due), if due.is_some() => {
                    self.round().await;
                    // The regular schedule restarts from this poll.
                    ticker.reset();
                }
            }
        }
    }

    fn add(&mut self, w: Watch) {
        let quiet = self.run_times.get(&w.api).and_then(RunTime::quiet_for);
        match quiet.filter(|_| w.fresh) {
            Some(q) => self.quiet_until.push(Reverse((w.registered + q, w.job_id.clone()))),
            None => {
                self.open_ended.insert(w.job_id.clone());
            }
        }
        self.pending.entry(w.job_id.clone()).or_default().push(w);
    }

    /// Whether a regular poll now would be wasted: no pending job can end at any time, and none has
    /// reached the age at which it can be expected to end.
    fn all_quiet(&mut self) -> bool {
        let pending = &self.pending;
        self.open_ended.retain(|id| pending.contains_key(id));
        if !self.open_ended.is_empty() {
            return false;
        }
        while let Some(Reverse((at, id))) = self.quiet_until.peek() {
            if pending.contains_key(id) {
                return Instant::now() < *at;
            }
            self.quiet_until.pop();
        }
        false
    }

    /// The earliest moment after the last poll at which a fresh pending job is due a poll by what is
    /// known of its command's run time ([`RunTime::poll_after`]), no sooner than `min_gap` after the
    /// last poll.
    fn next_due(&self) -> Option<Instant> {
        let last = self.last_poll?;
        let due = self
            .pending
            .values()
            .flatten()
            .filter(|w| w.fresh)
            .filter_map(|w| {
                let after = self.run_times.get(&w.api)?.poll_after()?;
                Some(w.registered + after)
            })
            .filter(|at| *at > last)
            .min()?;
        Some(due.max(last + self.min_gap))
    }

    /// One poll of every pending job, at the watcher's priority (it can unblock many waiters).
    async fn round(&mut self) {
        self.shared.polls.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        self.last_poll = Some(started);
        self.expire(started);
        if self.pending.is_empty() {
            return;
        }
        let client = self.client.clone();
        with_priority(WATCHER_PRIORITY, async {
            if !self.shared.per_job() {
                match self.poll_batch(&client, started).await {
                    Ok(()) => return,
                    Err(Error::Unauthorized { .. }) => {
                        tracing::info!("listAsyncJobs is not allowed for this account; polling jobs one by one");
                        self.shared.mode.store(WatchMode::PerJob as u8, Ordering::Relaxed);
                    }
                    Err(Error::Api(e)) if matches!(e.errorcode, 401 | 432 | 531) => {
                        self.shared.mode.store(WatchMode::PerJob as u8, Ordering::Relaxed);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "listAsyncJobs failed; will retry next interval");
                        return;
                    }
                }
            }
            self.poll_each(&client, started).await;
        })
        .await;
    }

    /// Forgets waiters that went away and times out the ones past their deadline.
    fn expire(&mut self, now: Instant) {
        self.pending.retain(|_, ws| {
            ws.retain(|w| !w.done.is_closed());
            let (expired, live): (Vec<Watch>, Vec<Watch>) =
                std::mem::take(ws).into_iter().partition(|w| now >= w.deadline);
            for w in expired {
                let _ = w.done.send(Err(Error::JobTimeout {
                    waited: now - w.registered,
                    api: w.api,
                    job_id: w.job_id,
                }));
            }
            *ws = live;
            !ws.is_empty()
        });
    }

    /// One `queryAsyncJobResult` per pending job.
    async fn poll_each(&mut self, client: &Client, started: Instant) {
        let mut ids: Vec<String> = self.pending.keys().cloned().collect();
        // The critical path's jobs first.
        ids.sort_by_cached_key(|id| Reverse(self.priority_of(id)));
        for id in ids {
            match client.query_job(&id).await {
                Ok(job) => self.resolve(&id, &job, started),
                Err(e) if e.is_transient() => {}
                Err(e) => {
                    let api = self
                        .pending
                        .get(&id)
                        .and_then(|w| w.first())
                        .map(|w| w.api.clone())
                        .unwrap_or_default();
                    for w in self.pending.remove(&id).unwrap_or_default() {
                        let _ = w
                            .done
                            .send(Err(Error::Config(format!("{api}: cannot poll job {id}: {e}"))));
                    }
                }
            }
        }
    }

    /// Reads `listAsyncJobs` from the cursor on (a new cursor when the start date must move) until every
    /// pending job has been seen or the list ends. Jobs that do not appear (another account's, or one
    /// the cursor skipped) are then queried one by one.
    async fn poll_batch(&mut self, client: &Client, started: Instant) -> Result<(), Error> {
        let unseen: HashSet<String> = self.pending.keys().cloned().collect();
        // Only jobs since the oldest pending one (minus a margin for clock skew): an account keeps its
        // finished jobs for a day. The start date stays put while it is recent enough, so the cursor's
        // row indices stay valid; a job the filter misses is still found by the per-job queries below.
        let oldest = self
            .pending
            .values()
            .flatten()
            .map(|w| w.registered)
            .min()
            .unwrap_or(started);
        let since = SystemTime::now()
            .checked_sub(oldest.elapsed() + START_MARGIN)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let mut cursor = match self.cursor.take() {
            Some(c) if c.startdate() <= since && since - c.startdate() <= REANCHOR_AFTER.as_secs() => c,
            _ => ListingCursor::new(since),
        };
        let read = self.read_window(client, &mut cursor, unseen, started).await;
        self.cursor = Some(cursor);
        read
    }

    /// One batch poll from `cursor` on: resolves what it reads of `unseen`, queries the rest one by
    /// one, and moves the cursor.
    async fn read_window(
        &mut self,
        client: &Client,
        cursor: &mut ListingCursor,
        mut unseen: HashSet<String>,
        started: Instant,
    ) -> Result<(), Error> {
        let startdate = crate::signing::format_utc(cursor.startdate(), "+0000");
        let mut plan = cursor.plan(self.pending.len());
        let mut page = plan.page;
        let mut index = plan.first_index();
        let mut first_open: Option<u64> = None;
        let mut count = None;
        let fresh = index == 0;
        // Rows a jump to the newest ones passed over (from, to), and, while they are read after
        // all, where that stretch ends.
        let mut skipped: Option<(u64, u64)> = None;
        let mut stretch_end: Option<u64> = None;
        while !unseen.is_empty() {
            let wire = vec![
                ("page".to_string(), page.to_string()),
                ("pagesize".to_string(), plan.pagesize.to_string()),
                ("startdate".to_string(), startdate.clone()),
            ];
            let body = client.call_body("listAsyncJobs", HttpMethod::Get, wire).await?;
            let (total, rows) = job_page::read("listAsyncJobs", &body)?;
            count = total;
            if rows.is_empty() {
                break;
            }
            self.shared.rows.fetch_add(rows.len() as u64, Ordering::Relaxed);
            let mut seen = Vec::new();
            for row in rows {
                if row.running() {
                    first_open = Some(first_open.map_or(index, |f| f.min(index)));
                }
                index += 1;
                if let Some(id) = row.id() {
                    if unseen.remove(&id) {
                        seen.push((self.priority_of(&id), id, row.to_job()));
                    }
                }
            }
            // Highest priority first: those waiters' tasks are woken, and queue, before the others.
            seen.sort_by_key(|(priority, _, _)| Reverse(*priority));
            for (_, id, job) in seen {
                self.resolve(&id, &job, started);
            }
            if total.is_some_and(|c| index >= c) || stretch_end.is_some_and(|e| index >= e) {
                // The end of the list (or of the rows passed over): jobs still unseen may be in
                // the rows a jump passed over, so those are read after all.
                match skipped.take() {
                    Some((from, to)) if !unseen.is_empty() => {
                        plan = crate::job_listing::plan_pages(from, to - from);
                        page = plan.page;
                        index = plan.first_index();
                        stretch_end = Some(to);
                        continue;
                    }
                    _ => break,
                }
            }
            // A first read of a long list (a busy account's recent history): the jobs waited for
            // were just submitted, so they are most likely among the newest rows. Read those next;
            // the rows between are read only if a job is not found there.
            let tail = total.map_or(0, |c| c.saturating_sub(unseen.len() as u64 + TAIL_SLACK));
            if fresh && skipped.is_none() && stretch_end.is_none() && tail > index + u64::from(plan.pagesize) {
                let from = index;
                plan = crate::job_listing::plan_pages(tail, total.unwrap_or(tail) - tail);
                page = plan.page;
                index = plan.first_index();
                skipped = Some((from, index));
                continue;
            }
            page += 1;
        }
        cursor.observe(first_open.unwrap_or(index), count);
        for id in unseen {
            if let Ok(job) = client.query_job(&id).await {
                if job_state(&job) == JobState::Pending && plan.first_index() > 0 {
                    // Still running, yet not where the cursor said the open jobs are: this server does
                    // not keep the order the cursor relies on (or jobs expired under it).
                    tracing::debug!(job = %id, "a running job was not in the listed window; reading from the start");
                    cursor.missed();
                }
                self.resolve(&id, &job, started);
            }
        }
        Ok(())
    }

    /// The highest priority among the waiters of `job_id`.
    fn priority_of(&self, job_id: &str) -> u32 {
        self.pending
            .get(job_id)
            .into_iter()
            .flatten()
            .map(|w| w.priority)
            .max()
            .unwrap_or(0)
    }

    /// Hands a finished job to its waiters. Either way, what the poll sent at `polled` saw is noted in
    /// the run time of the job's command.
    fn resolve(&mut self, job_id: &str, job: &Value, polled: Instant) {
        let state = job_state(job);
        let running = state == JobState::Pending;
        for w in self.pending.get(job_id).into_iter().flatten().filter(|w| w.fresh) {
            let t = polled.saturating_duration_since(w.registered);
            let run_time = self.run_times.entry(w.api.clone()).or_default();
            if running {
                run_time.running(t);
            } else {
                run_time.finished(t);
            }
        }
        if running {
            return;
        }
        for w in self.pending.remove(job_id).unwrap_or_default() {
            let result = match &state {
                JobState::Succeeded(v) => Ok(v.clone()),
                JobState::Failed { errorcode, errortext } => Err(Error::JobFailed {
                    api: w.api.clone(),
                    job_id: w.job_id.clone(),
                    errorcode: *errorcode,
                    errortext: errortext.clone(),
                }),
                JobState::Cancelled => Err(Error::JobCancelled {
                    api: w.api.clone(),
                    job_id: w.job_id.clone(),
                }),
                JobState::Pending => continue,
            };
            let _ = w.done.send(result);
        }
    }
}

/// Sleeps until `at`, or forever without one (the `select!` branch is disabled then anyway).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
