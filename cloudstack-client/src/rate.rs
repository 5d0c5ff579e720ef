//! A client-side rate limit: requests spaced evenly at `N` per second, so that a client keeps under a
//! cloud's known throttle (CloudStack's `api.throttling.max`, 25 per second per account by default)
//! instead of learning it from 429 answers. Requests wait for their turn in order of arrival. The
//! rate can be changed while requests go on ([`crate::Client::set_max_rate`]): a service whose workers
//! share one account's throttle gives each its share as workers come and go.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// At most one request per `interval`.
#[derive(Debug)]
pub(crate) struct RateLimit {
    /// The time between two requests; zero for no limit.
    interval: Mutex<Duration>,
    next: Mutex<Option<Instant>>,
}

/// The time between two requests at `per_second` (zero, no limit, unless it is a positive number).
fn interval_of(per_second: Option<f64>) -> Duration {
    per_second
        .filter(|r| r.is_finite() && *r > 0.0)
        .map_or(Duration::ZERO, |r| Duration::from_secs_f64(1.0 / r))
}

impl RateLimit {
    /// `per_second` requests a second, or no limit.
    pub(crate) fn new(per_second: Option<f64>) -> Self {
        Self {
            interval: Mutex::new(interval_of(per_second)),
            next: Mutex::new(None),
        }
    }

    /// The time between two requests, if limited.
    pub(crate) fn interval(&self) -> Option<Duration> {
        let i = *self.interval.lock().unwrap_or_else(PoisonError::into_inner);
        (!i.is_zero()).then_some(i)
    }

    /// Sets the rate (`None` or a non-positive number: no limit) for the requests from now on.
    pub(crate) fn set(&self, per_second: Option<f64>) {
        *self.interval.lock().unwrap_or_else(PoisonError::into_inner) = interval_of(per_second);
    }

    /// Waits for this request's turn.
    pub(crate) async fn wait(&self) {
        let Some(interval) = self.interval() else {
            return;
        };
        let turn = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let turn = next.map_or(now, |n| n.max(now));
            *next = Some(turn + interval);
            turn
        };
        tokio::time::sleep_until(turn).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_are_spaced_at_the_rate() {
        let rate = std::sync::Arc::new(RateLimit::new(Some(100.0)));
        let started = Instant::now();
        let waits: Vec<_> = (0..11)
            .map(|_| {
                let rate = std::sync::Arc::clone(&rate);
                tokio::spawn(async move { rate.wait().await })
            })
            .collect();
        for w in waits {
            w.await.expect("task");
        }
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(100),
            "11 requests at 100/s take 100 ms: {took:?}"
        );
        assert!(took < Duration::from_millis(400), "{took:?}");
    }
}
