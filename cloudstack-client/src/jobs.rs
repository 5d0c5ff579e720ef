//! Async jobs: reading a job's state, and [`JobWatcher`], which resolves many in-flight jobs with one
//! `listAsyncJobs` call per poll interval instead of one `queryAsyncJobResult` per job.

use serde_json::Value;

use crate::decode::scalar_text;

/// The state of an async job as `queryAsyncJobResult`/`listAsyncJobs` describe it.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    /// `jobstatus` 0.
    Pending,
    /// `jobstatus` 1: the `jobresult`.
    Succeeded(Value),
    /// `jobstatus` 2: `jobresult.errorcode`/`errortext` (or `jobresultcode`).
    Failed {
        /// The error code.
        errorcode: u16,
        /// The error text.
        errortext: String,
    },
    /// `jobstatus` 3.
    Cancelled,
}

/// Reads a job object.
pub fn job_state(job: &Value) -> JobState {
    let status = job
        .get("jobstatus")
        .and_then(scalar_text)
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let result = job.get("jobresult").cloned().unwrap_or(Value::Null);
    match status {
        0 => JobState::Pending,
        1 => JobState::Succeeded(result),
        3 => JobState::Cancelled,
        _ => {
            let code = |v: Option<&Value>| v.and_then(scalar_text).and_then(|s| s.parse::<u16>().ok());
            JobState::Failed {
                errorcode: code(result.get("errorcode"))
                    .or_else(|| code(job.get("jobresultcode")))
                    .unwrap_or(530),
                errortext: result
                    .get("errortext")
                    .and_then(scalar_text)
                    .or_else(|| result.as_str().map(str::to_string))
                    .unwrap_or_else(|| "the job failed without an error text".to_string()),
            }
        }
    }
}

#[cfg(feature = "http")]
pub use watcher::{JobWatcher, WatchMode};

#[cfg(feature = "http")]
mod watcher {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use serde_json::Value;
    use tokio::sync::{mpsc, oneshot};

    use super::{job_state, JobState};
    use crate::client::Client;
    use crate::decode::{scalar_text, split_list};
    use crate::error::Error;
    use crate::meta::HttpMethod;

    /// How far before the oldest pending job the `startdate` filter reaches, for clock skew.
    const START_MARGIN: Duration = Duration::from_secs(300);

    /// How the watcher polls.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum WatchMode {
        /// One `listAsyncJobs` (paged) per interval for all jobs.
        Batch,
        /// One `queryAsyncJobResult` per job per interval: used when `listAsyncJobs` is not allowed.
        PerJob,
    }

    struct Watch {
        api: String,
        job_id: String,
        deadline: Instant,
        registered: Instant,
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
        mode: AtomicU8,
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
                mode: AtomicU8::new(mode as u8),
            });
            tokio::spawn(run(client, interval, rx, Arc::clone(&shared)));
            Self { tx, shared, timeout }
        }

        /// Waits for `job_id` (of command `api`) and returns its `jobresult`. Dropping the future stops
        /// watching that job.
        pub async fn wait(&self, api: &str, job_id: &str) -> Result<Value, Error> {
            let (done, rx) = oneshot::channel();
            let now = Instant::now();
            let watch = Watch {
                api: api.to_string(),
                job_id: job_id.to_string(),
                deadline: now + self.timeout,
                registered: now,
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

        /// The current mode (switches to [`WatchMode::PerJob`] if `listAsyncJobs` is refused).
        pub fn mode(&self) -> WatchMode {
            if self.shared.mode.load(Ordering::Relaxed) == WatchMode::PerJob as u8 {
                WatchMode::PerJob
            } else {
                WatchMode::Batch
            }
        }
    }

    async fn run(client: Client, interval: Duration, mut rx: mpsc::UnboundedReceiver<Watch>, shared: Arc<Shared>) {
        let mut pending: HashMap<String, Vec<Watch>> = HashMap::new();
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if pending.is_empty() {
                match rx.recv().await {
                    Some(w) => pending.entry(w.job_id.clone()).or_default().push(w),
                    None => return,
                }
                ticker.reset();
                continue;
            }
            tokio::select! {
                w = rx.recv() => match w {
                    Some(w) => pending.entry(w.job_id.clone()).or_default().push(w),
                    None if pending.is_empty() => return,
                    None => {}
                },
                _ = ticker.tick() => {
                    shared.polls.fetch_add(1, Ordering::Relaxed);
                    poll_round(&client, &mut pending, &shared).await;
                }
            }
        }
    }

    fn resolve(pending: &mut HashMap<String, Vec<Watch>>, job_id: &str, job: &Value) {
        let state = job_state(job);
        if state == JobState::Pending {
            return;
        }
        for w in pending.remove(job_id).unwrap_or_default() {
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

    async fn poll_round(client: &Client, pending: &mut HashMap<String, Vec<Watch>>, shared: &Shared) {
        // Forget waiters that went away, and time out the ones past their deadline.
        let now = Instant::now();
        pending.retain(|_, ws| {
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
        if pending.is_empty() {
            return;
        }
        if shared.mode.load(Ordering::Relaxed) == WatchMode::Batch as u8 {
            match poll_batch(client, pending).await {
                Ok(()) => return,
                Err(Error::Unauthorized { .. }) => {
                    tracing::info!("listAsyncJobs is not allowed for this account; polling jobs one by one");
                    shared.mode.store(WatchMode::PerJob as u8, Ordering::Relaxed);
                }
                Err(Error::Api(e)) if matches!(e.errorcode, 401 | 432 | 531) => {
                    shared.mode.store(WatchMode::PerJob as u8, Ordering::Relaxed);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "listAsyncJobs failed; will retry next interval");
                    return;
                }
            }
        }
        let ids: Vec<String> = pending.keys().cloned().collect();
        for id in ids {
            match client.query_job(&id).await {
                Ok(job) => resolve(pending, &id, &job),
                Err(e) if e.is_transient() => {}
                Err(e) => {
                    let api = pending
                        .get(&id)
                        .and_then(|w| w.first())
                        .map(|w| w.api.clone())
                        .unwrap_or_default();
                    for w in pending.remove(&id).unwrap_or_default() {
                        let _ = w
                            .done
                            .send(Err(Error::Config(format!("{api}: cannot poll job {id}: {e}"))));
                    }
                }
            }
        }
    }

    /// Pages through `listAsyncJobs` until every pending job has been seen or the list ends. Jobs that
    /// do not appear (another account's, say) are then queried one by one.
    async fn poll_batch(client: &Client, pending: &mut HashMap<String, Vec<Watch>>) -> Result<(), Error> {
        let mut unseen: std::collections::HashSet<String> = pending.keys().cloned().collect();
        // Only jobs since the oldest pending one (minus a margin for clock skew): an account keeps its
        // finished jobs for a day, and paging through all of them every round would not scale. A job
        // the filter misses is still found by the per-job queries below.
        let oldest = pending
            .values()
            .flatten()
            .map(|w| w.registered)
            .min()
            .unwrap_or_else(Instant::now);
        let since = std::time::SystemTime::now()
            .checked_sub(oldest.elapsed() + START_MARGIN)
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let startdate = crate::signing::format_utc(since, "+0000");
        let mut page = 1u32;
        let mut fetched = 0u64;
        while !unseen.is_empty() {
            let wire = vec![
                ("page".to_string(), page.to_string()),
                ("pagesize".to_string(), "500".to_string()),
                ("startdate".to_string(), startdate.clone()),
            ];
            let inner = client.call("listAsyncJobs", HttpMethod::Get, wire).await?;
            let (count, jobs) = split_list("listAsyncJobs", inner)?;
            if jobs.is_empty() {
                break;
            }
            fetched += jobs.len() as u64;
            for job in jobs {
                let job = Value::Object(job);
                if let Some(id) = job.get("jobid").and_then(scalar_text) {
                    if unseen.remove(&id) {
                        resolve(pending, &id, &job);
                    }
                }
            }
            if count.is_some_and(|c| fetched >= c) {
                break;
            }
            page += 1;
        }
        for id in unseen {
            if let Ok(job) = client.query_job(&id).await {
                resolve(pending, &id, &job);
            }
        }
        Ok(())
    }
}
