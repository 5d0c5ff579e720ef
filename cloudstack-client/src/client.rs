//! The async client: signs, sends (GET or POST as the API says), retries what is safe to retry, turns
//! CloudStack errors into [`Error`] variants and waits for async jobs.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tracing::{debug, warn, Instrument as _};

use crate::decode::{open_envelope, Decode};
use crate::error::Error;
use crate::jobs::{job_state, JobState};
use crate::meta::{ApiMeta, HttpMethod};
pub use crate::replies::{async_reply, error_from_reply, AsyncReply};
use crate::request::Request;
pub use crate::secret::Secret;
use crate::signing::{encode_query, signed_params, SignatureVersion};

/// How async jobs are polled: a delay that starts at `start`, grows by `factor` up to `cap`, until
/// `timeout` has passed.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPolicy {
    /// First delay before polling.
    pub start: Duration,
    /// Growth factor per poll.
    pub factor: f64,
    /// Longest delay between polls.
    pub cap: Duration,
    /// Give up (with [`Error::JobTimeout`], carrying the job id) after this long.
    pub timeout: Duration,
}

impl Default for JobPolicy {
    fn default() -> Self {
        Self {
            start: Duration::from_millis(250),
            factor: 1.5,
            cap: Duration::from_secs(5),
            timeout: Duration::from_secs(3600),
        }
    }
}

impl JobPolicy {
    /// The delay after `delay`.
    pub fn next_delay(&self, delay: Duration) -> Duration {
        delay.mul_f64(self.factor.max(1.0)).min(self.cap)
    }
}

/// How read-only calls are retried after transient failures (connection errors, 429, 502/503/504,
/// 530/534/536): up to `attempts` tries in all, with full-jitter exponential backoff from `base` to
/// `cap`. A request that got no answer within the request timeout is not retried (a silent server
/// fails after one timeout), and state-changing calls are never retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Tries in all, including the first (1 disables retries).
    pub attempts: u32,
    /// Backoff base.
    pub base: Duration,
    /// Longest backoff.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The jittered delay before try `attempt` (1-based count of failures so far).
    pub fn delay(&self, failures: u32) -> Duration {
        let exp = self.base.saturating_mul(1u32 << failures.min(16));
        let max = exp.min(self.cap);
        max.mul_f64(fastrand::f64())
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    endpoint: String,
    api_key: String,
    secret: Secret,
    signature: SignatureVersion,
    timeout: Duration,
    connect_timeout: Duration,
    jobs: JobPolicy,
    retry: RetryPolicy,
    max_in_flight: usize,
    max_rate: Option<f64>,
}

/// Requests one client has on the wire at once unless [`ClientBuilder::max_in_flight`] says otherwise.
///
/// Eight keeps a management server busy without queueing inside it (CloudStack's optional API
/// throttling allows 25 requests per second per account by default), and with a priority queue in
/// front of them the next request of a critical resource waits for at most one of eight to finish.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 8;

impl ClientBuilder {
    /// A builder for `endpoint`, e.g. `http://cloud.example.com:8080/client/api`.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            api_key: String::new(),
            secret: Secret::new(""),
            signature: SignatureVersion::default(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            jobs: JobPolicy::default(),
            retry: RetryPolicy::default(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_rate: None,
        }
    }

    /// How many requests this client (and its clones) sends at once; more wait for a free slot, the
    /// highest [priority](crate::slots) first (default [`DEFAULT_MAX_IN_FLIGHT`]). Hundreds of parallel
    /// resources then share a few kept-alive connections instead of opening one each: that is faster
    /// for both ends and spares the management server's request threads. At least 1.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// The API key and secret key of the user to act as.
    pub fn credentials(mut self, api_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self.secret = Secret::new(secret_key);
        self
    }

    /// Signature version (default: 3 with a 10-minute lifetime).
    pub fn signature_version(mut self, v: SignatureVersion) -> Self {
        self.signature = v;
        self
    }

    /// Timeout of one HTTP request (default 60 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// How async jobs are polled.
    pub fn job_policy(mut self, p: JobPolicy) -> Self {
        self.jobs = p;
        self
    }

    /// How read-only calls are retried.
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// Sends at most `per_second` requests a second, spaced evenly: a client that knows the cloud's
    /// throttle (CloudStack's `api.throttling.max`) stays under it. Without it the client learns the
    /// throttle from 429 answers and lowers its in-flight limit.
    pub fn max_rate(mut self, per_second: f64) -> Self {
        self.max_rate = (per_second.is_finite() && per_second > 0.0).then_some(per_second);
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let url = reqwest::Url::parse(&self.endpoint)
            .map_err(|e| Error::Config(format!("endpoint {:?} is not a URL: {e}", self.endpoint)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "endpoint {:?} must be http:// or https://",
                self.endpoint
            )));
        }
        if self.api_key.is_empty() || self.secret.expose().is_empty() {
            return Err(Error::Config(
                "an API key and a secret key are required (set CLOUDSTACK_KEY and CLOUDSTACK_SECRET)".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .pool_max_idle_per_host(self.max_in_flight)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint: self.endpoint,
                api_key: self.api_key,
                secret: self.secret,
                signature: self.signature,
                timeout: self.timeout,
                jobs: self.jobs,
                retry: self.retry,
                requests: AtomicU64::new(0),
                slots: crate::slots::Slots::new(self.max_in_flight),
                rate: crate::rate::RateLimit::new(self.max_rate),
            }),
        })
    }
}

/// An async CloudStack client. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: String,
    api_key: String,
    secret: Secret,
    signature: SignatureVersion,
    timeout: Duration,
    jobs: JobPolicy,
    retry: RetryPolicy,
    requests: AtomicU64,
    /// One slot per request on the wire, handed out by the caller's priority.
    slots: Arc<crate::slots::Slots>,
    /// The client-side rate limit (none until a rate is set).
    rate: crate::rate::RateLimit,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.inner.api_key;
        let shown: String = key.chars().take(6).collect();
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("api_key", &format!("{shown}…"))
            .field("secret", &self.inner.secret)
            .field("signature", &self.inner.signature)
            .finish()
    }
}

impl Client {
    /// A builder for `endpoint`.
    pub fn builder(endpoint: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(endpoint)
    }

    /// A client from `CLOUDSTACK_ENDPOINT`, `CLOUDSTACK_KEY` and `CLOUDSTACK_SECRET` (the variables the
    /// Python `cs` client reads), with default settings.
    pub fn from_env() -> Result<Self, Error> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::Config(format!("environment variable {name} is not set")))
        };
        ClientBuilder::new(var("CLOUDSTACK_ENDPOINT")?)
            .credentials(var("CLOUDSTACK_KEY")?, var("CLOUDSTACK_SECRET")?)
            .build()
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The API key (it names the account; the secret key is never handed out).
    pub fn api_key(&self) -> &str {
        &self.inner.api_key
    }

    /// A token derived from the secret key for `context` (HMAC-SHA1, hex): the same on every run with
    /// these credentials, so a resumed run hands out the same one, and of no use for signing API
    /// calls (what it is computed over starts with a NUL byte, which no request's canonical string
    /// holds, and it is hex, not a base64 signature). It is a secret like the key it comes from.
    pub fn derive_token(&self, context: &str) -> Secret {
        let message = [b"\0stackmate derived token\0", context.as_bytes()].concat();
        Secret::new(crate::signing::hmac_hex(&message, self.inner.secret.expose()))
    }

    /// The job polling policy.
    pub fn job_policy(&self) -> &JobPolicy {
        &self.inner.jobs
    }

    /// How many HTTP requests this client (and its clones) has sent.
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// Sends `req` and returns its typed result; for async commands, waits for the job and returns the
    /// job's result.
    pub async fn execute<R: Request>(&self, req: &R) -> Result<R::Response, Error> {
        let meta = req.meta();
        let value = self.execute_raw(meta, req.wire_params()?).await?;
        Ok(R::Response::decode(meta.name, value)?)
    }

    /// Sends an async command and returns its job id (and new resource id) without waiting.
    pub async fn submit<R: Request>(&self, req: &R) -> Result<AsyncReply, Error> {
        let meta = req.meta();
        let inner = self.call(meta.name, meta.method, req.wire_params()?).await?;
        async_reply(meta.name, &inner)
    }

    /// [`Client::execute`] on wire parameters: the value inside the reply's envelope, or the job result.
    pub async fn execute_raw(&self, meta: &ApiMeta, wire: Vec<(String, String)>) -> Result<Value, Error> {
        let inner = self.call(meta.name, meta.method, wire).await?;
        if meta.is_async {
            let reply = async_reply(meta.name, &inner)?;
            self.wait_job(meta.name, &reply.job_id).await
        } else {
            Ok(inner)
        }
    }

    /// Polls `queryAsyncJobResult` for `job_id` with the client's [`JobPolicy`] until the job ends.
    /// Returns the job's `jobresult`. `api` names the command in errors. Dropping the future stops
    /// polling; the job itself goes on in the cloud.
    pub async fn wait_job(&self, api: &str, job_id: &str) -> Result<Value, Error> {
        let policy = self.inner.jobs.clone();
        let started = Instant::now();
        let mut delay = policy.start;
        loop {
            let job = self.query_job(job_id).await?;
            match job_state(&job) {
                JobState::Pending => {}
                JobState::Succeeded(result) => return Ok(result),
                JobState::Failed { errorcode, errortext } => {
                    return Err(Error::JobFailed {
                        api: api.to_string(),
                        job_id: job_id.to_string(),
                        errorcode,
                        errortext,
                    })
                }
                JobState::Cancelled => {
                    return Err(Error::JobCancelled {
                        api: api.to_string(),
                        job_id: job_id.to_string(),
                    })
                }
            }
            let waited = started.elapsed();
            if waited >= policy.timeout {
                return Err(Error::JobTimeout {
                    api: api.to_string(),
                    job_id: job_id.to_string(),
                    waited,
                });
            }
            tokio::time::sleep(delay.min(policy.timeout - waited)).await;
            delay = policy.next_delay(delay);
        }
    }

    /// One `queryAsyncJobResult` call: the job object as the server describes it.
    pub async fn query_job(&self, job_id: &str) -> Result<Value, Error> {
        self.call(
            "queryAsyncJobResult",
            HttpMethod::Get,
            vec![("jobid".to_string(), job_id.to_string())],
        )
        .await
    }

    /// The least time between two requests under the client-side rate limit
    /// ([`ClientBuilder::max_rate`]), if there is one.
    pub fn min_interval(&self) -> Option<Duration> {
        self.inner.rate.interval()
    }

    /// Sets the client-side rate limit of this client and its clones to `per_second` requests a
    /// second from now on (`None` lifts it).
    pub fn set_max_rate(&self, per_second: Option<f64>) {
        self.inner.rate.set(per_second);
    }

    /// How many requests may be in flight now: the configured maximum, lower while the server
    /// throttles (see [`crate::slots`]).
    pub fn in_flight_limit(&self) -> usize {
        self.inner.slots.limit()
    }

    /// Sends one command with its wire parameters and returns the value inside the reply's envelope.
    /// Read-only (GET) calls are retried on transient failures; POST calls never are.
    pub async fn call(&self, command: &str, method: HttpMethod, wire: Vec<(String, String)>) -> Result<Value, Error> {
        let body = self.call_body(command, method, wire).await?;
        Ok(open_envelope(command, &body)?.1)
    }

    /// [`Client::call`] up to the text of a successful (200) reply, for readers that parse it their
    /// own way (the job watcher reads job pages without building a tree of every job).
    pub(crate) async fn call_body(
        &self,
        command: &str,
        method: HttpMethod,
        wire: Vec<(String, String)>,
    ) -> Result<String, Error> {
        let span = tracing::debug_span!("cloudstack.call", api = command, method = ?method);
        async move {
            let retry = &self.inner.retry;
            let mut failures = 0;
            loop {
                match self.send_once(command, method, wire.clone()).await {
                    Ok(v) => return Ok(v),
                    Err(e)
                        if method == HttpMethod::Get
                            && e.is_transient()
                            && !matches!(e, Error::Timeout { .. })
                            && failures + 1 < retry.attempts =>
                    {
                        failures += 1;
                        let delay = match &e {
                            Error::Throttled {
                                retry_after: Some(d), ..
                            } => (*d).max(retry.delay(failures)),
                            _ => retry.delay(failures),
                        };
                        warn!(api = command, error = %e, attempt = failures, ?delay, "transient failure, retrying");
                        tokio::time::sleep(delay).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        .instrument(span)
        .await
    }

    /// One signed request; the body of a 200 reply, or the error another status means.
    async fn send_once(&self, command: &str, method: HttpMethod, wire: Vec<(String, String)>) -> Result<String, Error> {
        let inner = &self.inner;
        let _slot = inner.slots.acquire(crate::slots::current_priority()).await;
        inner.rate.wait().await;
        let names: Vec<&str> = wire.iter().map(|(k, _)| k.as_str()).collect();
        tracing::trace!(api = command, params = ?names, "signing");
        let params = signed_params(
            command,
            wire,
            &inner.api_key,
            inner.secret.expose(),
            inner.signature,
            SystemTime::now(),
        );
        let body = encode_query(&params);
        let request = match method {
            HttpMethod::Get => {
                let sep = if inner.endpoint.contains('?') { '&' } else { '?' };
                inner.http.get(format!("{}{sep}{body}", inner.endpoint))
            }
            HttpMethod::Post => inner
                .http
                .post(&inner.endpoint)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        };
        inner.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let response = request.send().await.map_err(|e| self.transport_error(command, e))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| self.transport_error(command, e))?;
        // CloudStack answers in UTF-8; anything else is shown, not refused.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        debug!(
            api = command,
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "reply"
        );
        if status == 200 {
            inner.slots.succeeded();
            return Ok(text);
        }
        let e = error_from_reply(command, status, &text);
        if matches!(e, Error::Throttled { .. }) {
            inner.slots.throttled();
        } else {
            inner.slots.succeeded();
        }
        Err(e)
    }

    fn transport_error(&self, command: &str, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            return Error::Timeout {
                api: command.to_string(),
                after: self.inner.timeout,
            };
        }
        // reqwest's message can contain the full URL, which for GET holds the signature: leave it out.
        let not_sent = e.is_connect();
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Error::Transport {
            api: command.to_string(),
            endpoint: self.inner.endpoint.clone(),
            message,
            not_sent,
            source: Box::new(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy::default();
        for f in 0..40 {
            assert!(p.delay(f) <= p.cap);
        }
        let j = JobPolicy::default();
        let mut d = j.start;
        for _ in 0..50 {
            d = j.next_delay(d);
        }
        assert_eq!(d, j.cap);
    }
}
