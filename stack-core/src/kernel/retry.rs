//! Retry policy as a value: one [`RetryPolicy`] with a [`Backoff`] per reason a call may be tried
//! again ([`RetryReason`]), and one loop ([`Attempts`]) that every retrying step of the engine uses.
//!
//! Which failures are worth a retry is decided from the client's classification
//! ([`cloudstack_client::Error::kind`]), never from an error's text:
//! - a write (a create, a tag) is retried only when the server refused it before acting: a 429 throttle
//!   (CloudStack's limiter executes nothing) or a connection that was never made;
//! - a delete is also retried while the resource is in use (536) or the failure is transient;
//! - "not yet visible" covers the wait for a lost create's candidate jobs, still pending, to end.
//!
//! Every wait also stays within the resource's own time left, so no policy outlives a timeout.
//! (The client's own `cloudstack_client::RetryPolicy` is a different thing: it retries reads.)

use std::future::Future;
use std::time::{Duration, Instant};

use cloudstack_client::{Error as ClientError, FailureKind};

/// Why a failed call may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RetryReason {
    /// 429: the account's API limit. The server did nothing.
    Throttled,
    /// No connection, a gateway error, 530/534.
    Transient,
    /// 536: something still uses the resource.
    InUse,
    /// What a lost create made is not known yet: a job that may be it is still pending.
    NotYetVisible,
}

/// How one reason is retried: the first wait, the longest wait (waits double up to it), and how long
/// the reason may keep a call going (`None`: as long as the resource's timeout allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first wait.
    pub first: Duration,
    /// The longest wait; also caps a server's "retry after" hint.
    pub max: Duration,
    /// How long this reason may be retried for, from the first try.
    pub budget: Option<Duration>,
}

/// The engine's retries, one [`Backoff`] per [`RetryReason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// 429 answers: retried within the resource's timeout, waiting what the answer asks.
    pub throttled: Backoff,
    /// Connections never made, gateway errors, 530/534.
    pub transient: Backoff,
    /// Deletes refused because something still uses the resource.
    pub in_use: Backoff,
    /// A lost create's candidate jobs still pending.
    pub not_yet_visible: Backoff,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            throttled: Backoff {
                first: Duration::from_millis(100),
                max: Duration::from_secs(5),
                budget: None,
            },
            transient: Backoff {
                first: Duration::from_millis(100),
                max: Duration::from_secs(1),
                budget: Some(Duration::from_secs(60)),
            },
            in_use: Backoff {
                first: Duration::from_millis(250),
                max: Duration::from_secs(10),
                budget: Some(Duration::from_secs(120)),
            },
            not_yet_visible: Backoff {
                first: Duration::from_millis(200),
                max: Duration::from_millis(200),
                budget: Some(Duration::from_secs(600)),
            },
        }
    }
}

/// Which calls a failure may be retried for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// A create or a tag: only what the server refused before acting.
    Write,
    /// A delete: also in use and transient failures.
    Delete,
}

impl RetryPolicy {
    /// The backoff of `reason`.
    pub fn backoff(&self, reason: RetryReason) -> &Backoff {
        match reason {
            RetryReason::Throttled => &self.throttled,
            RetryReason::Transient => &self.transient,
            RetryReason::InUse => &self.in_use,
            RetryReason::NotYetVisible => &self.not_yet_visible,
        }
    }

    /// Why `e` may be retried for a call of `kind`, with the server's hint of when.
    pub fn reason(kind: CallKind, e: &ClientError) -> Option<(RetryReason, Option<Duration>)> {
        let hint = match e {
            ClientError::Throttled { retry_after, .. } => *retry_after,
            _ => None,
        };
        match (kind, e.kind()) {
            (_, FailureKind::Throttled) => Some((RetryReason::Throttled, hint)),
            (CallKind::Write, _) if e.is_safe_to_retry_write() => Some((RetryReason::Transient, None)),
            (CallKind::Delete, FailureKind::Transient) => Some((RetryReason::Transient, None)),
            (CallKind::Delete, FailureKind::InUse) => Some((RetryReason::InUse, None)),
            _ => None,
        }
    }

    /// Starts counting the tries of one call that has `time_left` (the resource's).
    pub fn attempts(&self, time_left: Duration) -> Attempts<'_> {
        Attempts {
            policy: self,
            started: Instant::now(),
            time_left,
            delays: Vec::new(),
        }
    }

    /// Runs `call` until it succeeds, fails for good, or the policy or `time_left` says stop.
    pub async fn run<T, F, Fut>(&self, kind: CallKind, time_left: Duration, call: F) -> Result<T, ClientError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        self.run_classified(time_left, |e| Self::reason(kind, e), call).await
    }

    /// [`RetryPolicy::run`] for calls whose failures `classify` says the retry reason of (custom
    /// resources, say).
    pub async fn run_classified<T, E, F, Fut>(
        &self,
        time_left: Duration,
        classify: impl Fn(&E) -> Option<(RetryReason, Option<Duration>)>,
        call: F,
    ) -> Result<T, E>
    where
        E: std::fmt::Display,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut attempts = self.attempts(time_left);
        loop {
            let outcome = call().await;
            let Err(e) = &outcome else { return outcome };
            match attempts.wait_after(classify(e)) {
                Some(wait) => {
                    tracing::warn!(error = %e, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                }
                None => return outcome,
            }
        }
    }
}

/// The tries of one call so far: how long to wait before the next, or none.
#[derive(Debug)]
pub struct Attempts<'a> {
    policy: &'a RetryPolicy,
    started: Instant,
    time_left: Duration,
    delays: Vec<(RetryReason, Duration)>,
}

impl Attempts<'_> {
    /// After a failure retryable for `reason` (with the server's hint), the wait before the next
    /// try; `None` when the failure is final, the reason's budget is spent, or the wait would end
    /// past the call's time left.
    pub fn wait_after(&mut self, reason: Option<(RetryReason, Option<Duration>)>) -> Option<Duration> {
        let (reason, hint) = reason?;
        let backoff = *self.policy.backoff(reason);
        let elapsed = self.started.elapsed();
        if backoff.budget.is_some_and(|b| elapsed >= b) {
            return None;
        }
        let delay = match self.delays.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, d)) => {
                *d = (*d * 2).min(backoff.max);
                *d
            }
            None => {
                self.delays.push((reason, backoff.first));
                backoff.first
            }
        };
        let wait = hint.unwrap_or(delay).min(backoff.max);
        (elapsed + wait < self.time_left).then_some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled() -> ClientError {
        ClientError::Throttled {
            api: "createTags".into(),
            retry_after: Some(Duration::from_millis(30)),
            errortext: String::new(),
        }
    }

    #[test]
    fn throttling_waits_what_the_server_asks_within_the_time_left() {
        let policy = RetryPolicy::default();
        let mut a = policy.attempts(Duration::from_secs(1));
        let reason = RetryPolicy::reason(CallKind::Write, &throttled());
        assert_eq!(a.wait_after(reason), Some(Duration::from_millis(30)));
        let mut short = policy.attempts(Duration::from_millis(10));
        assert_eq!(short.wait_after(reason), None, "a wait past the time left is not made");
    }

    #[test]
    fn waits_double_per_reason_up_to_their_cap() {
        let policy = RetryPolicy {
            in_use: Backoff {
                first: Duration::from_millis(10),
                max: Duration::from_millis(25),
                budget: None,
            },
            ..RetryPolicy::default()
        };
        let mut a = policy.attempts(Duration::from_secs(60));
        let in_use = Some((RetryReason::InUse, None));
        let waits: Vec<_> = (0..4).filter_map(|_| a.wait_after(in_use)).collect();
        assert_eq!(waits, [10, 20, 25, 25].map(Duration::from_millis));
        assert_eq!(a.wait_after(None), None, "a final failure is not retried");
    }

    #[test]
    fn a_write_is_retried_only_when_the_server_did_nothing() {
        let refused_after = ClientError::Api(cloudstack_client::ApiError {
            api: "deployVirtualMachine".into(),
            http_status: 530,
            errorcode: 530,
            cserrorcode: None,
            errortext: "internal".into(),
        });
        assert_eq!(RetryPolicy::reason(CallKind::Write, &refused_after), None);
        assert_eq!(
            RetryPolicy::reason(CallKind::Delete, &refused_after).map(|r| r.0),
            Some(RetryReason::Transient)
        );
    }
}
