//! A client-side rate limit: requests spaced evenly at `N` per second, so that a client keeps under a
//! cloud's known throttle (CloudStack's `api.throttling.max`, 25 per second per account by default)
//! instead of learning it from 429 answers. Requests wait for their turn in order of arrival.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// At most one request per `interval`.
#[derive(Debug)]
pub(crate) struct RateLimit {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimit {
    /// `per_second` requests a second (more than 0).
    pub(crate) fn new(per_second: f64) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(None),
        }
    }

    /// The time between two requests.
    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for this request's turn.
    pub(crate) async fn wait(&self) {
        let turn = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let turn = next.map_or(now, |n| n.max(now));
            *next = Some(turn + self.interval);
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
        let rate = std::sync::Arc::new(RateLimit::new(100.0));
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
