//! A client's in-flight request slots, handed out by priority, and fewer of them while the server
//! throttles.
//!
//! A [`crate::Client`] sends at most `max_in_flight` requests at once. A 429 answer halves that
//! limit (at most once per second, CloudStack's throttle interval), and each run of successes as long
//! as the limit adds one slot back, up to `max_in_flight` (additive increase, multiplicative
//! decrease, as TCP does). When more are waiting, the one
//! with the highest priority goes next (first come, first served among equals). The priority is that
//! of the task the request is made from: [`with_priority`] sets it for everything a future does, so an
//! orchestrator can let the resources on its critical path, and the job watcher that unblocks
//! everyone, overtake the bulk without passing a priority through every call.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use cloudstack_client::slots::{current_priority, with_priority, DEFAULT_PRIORITY};
//! assert_eq!(current_priority(), DEFAULT_PRIORITY);
//! let inside = with_priority(7, async { current_priority() }).await;
//! assert_eq!(inside, 7);
//! # }
//! ```

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

/// The priority of requests made outside [`with_priority`].
pub const DEFAULT_PRIORITY: u32 = 0;

/// The priority of the job watcher's polls: above every resource, since each poll can unblock many.
pub const WATCHER_PRIORITY: u32 = u32::MAX;

tokio::task_local! {
    static PRIORITY: u32;
}

/// Runs `fut` with its requests queued at `priority` (higher goes first).
pub async fn with_priority<F: Future>(priority: u32, fut: F) -> F::Output {
    PRIORITY.scope(priority, fut).await
}

/// The priority of requests made from here.
pub fn current_priority() -> u32 {
    PRIORITY.try_with(|p| *p).unwrap_or(DEFAULT_PRIORITY)
}

struct Waiter {
    priority: u32,
    seq: u64,
    tx: oneshot::Sender<Slot>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Waiter {}

impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Waiter {
    /// Higher priority first, then the earlier arrival.
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

struct State {
    /// Requests on the wire.
    in_use: usize,
    /// How many may be: lowered on throttling, raised again as calls succeed (AIMD).
    limit: usize,
    /// The configured maximum.
    max: usize,
    /// Successes since the limit last grew.
    successes: usize,
    /// When the limit was last cut (one cut per throttle interval).
    last_cut: Option<Instant>,
    waiting: BinaryHeap<Waiter>,
    seq: u64,
}

/// The in-flight slots: at most `limit` at once, where `limit` adapts to the server's throttle
/// (additive increase, multiplicative decrease) between 1 and the configured maximum.
pub(crate) struct Slots {
    state: Mutex<State>,
}

/// One taken slot; dropping it hands it to the next waiter.
pub(crate) struct Slot {
    owner: Arc<Slots>,
    armed: bool,
}

/// How long after one cut of the limit another 429 counts as the same throttling (CloudStack's
/// throttle interval is one second by default).
const CUT_INTERVAL: Duration = Duration::from_secs(1);

impl Slots {
    pub(crate) fn new(n: usize) -> Arc<Self> {
        let n = n.max(1);
        Arc::new(Self {
            state: Mutex::new(State {
                in_use: 0,
                limit: n,
                max: n,
                successes: 0,
                last_cut: None,
                waiting: BinaryHeap::new(),
                seq: 0,
            }),
        })
    }

    /// The current limit.
    pub(crate) fn limit(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).limit
    }

    /// Waits for a slot at `priority`. Dropping the future gives up the place in the queue.
    pub(crate) async fn acquire(self: &Arc<Self>, priority: u32) -> Slot {
        loop {
            let rx = {
                let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                if st.in_use < st.limit && st.waiting.is_empty() {
                    st.in_use += 1;
                    return Slot {
                        owner: Arc::clone(self),
                        armed: true,
                    };
                }
                let (tx, rx) = oneshot::channel();
                st.seq += 1;
                let seq = st.seq;
                st.waiting.push(Waiter { priority, seq, tx });
                rx
            };
            // A sender is only dropped unsent when the waiter was skipped; then queue again.
            if let Ok(slot) = rx.await {
                return slot;
            }
        }
    }

    /// The server throttled a call: halve the limit (once per throttle interval).
    pub(crate) fn throttled(&self) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if st.last_cut.is_some_and(|t| t.elapsed() < CUT_INTERVAL) {
            return;
        }
        let before = st.limit;
        st.limit = (st.limit / 2).max(1);
        st.successes = 0;
        st.last_cut = Some(Instant::now());
        tracing::debug!(from = before, to = st.limit, "throttled: fewer requests in flight");
    }

    /// A call succeeded: after as many successes as the limit, one more slot (up to the maximum).
    pub(crate) fn succeeded(self: &Arc<Self>) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if st.limit >= st.max {
            return;
        }
        st.successes += 1;
        if st.successes >= st.limit {
            st.limit += 1;
            st.successes = 0;
            self.dispatch(&mut st);
        }
    }

    /// Hands free slots to waiters, highest priority first.
    fn dispatch(self: &Arc<Self>, st: &mut State) {
        while st.in_use < st.limit {
            let Some(w) = st.waiting.pop() else { return };
            st.in_use += 1;
            let slot = Slot {
                owner: Arc::clone(self),
                armed: true,
            };
            if let Err(mut unused) = w.tx.send(slot) {
                // That waiter went away: its slot must not be released again from here.
                unused.armed = false;
                st.in_use -= 1;
            }
        }
    }

    fn release(self: &Arc<Self>) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.in_use = st.in_use.saturating_sub(1);
        self.dispatch(&mut st);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.armed {
            self.owner.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex as StdMutex;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn waiters_go_by_priority_then_arrival() {
        let slots = Slots::new(1);
        let held = slots.acquire(0).await;
        let order = Arc::new(StdMutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (name, priority) in [("low", 1), ("high", 5), ("mid", 3), ("high2", 5)] {
            let (slots, order) = (Arc::clone(&slots), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let _s = slots.acquire(priority).await;
                order.lock().expect("lock").push(name);
            }));
            // Arrival order is part of the contract: let each one queue before the next.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(held);
        for t in tasks {
            t.await.expect("task");
        }
        assert_eq!(*order.lock().expect("lock"), ["high", "high2", "mid", "low"]);
    }

    #[tokio::test]
    async fn a_cancelled_waiter_does_not_lose_the_slot() {
        let slots = Slots::new(1);
        let held = slots.acquire(0).await;
        let gave_up = tokio::time::timeout(Duration::from_millis(10), slots.acquire(9)).await;
        assert!(gave_up.is_err());
        drop(held);
        let again = tokio::time::timeout(Duration::from_millis(100), slots.acquire(0)).await;
        assert!(again.is_ok(), "the slot came back");
    }

    #[tokio::test]
    async fn throttling_halves_the_limit_and_successes_raise_it_again() {
        let slots = Slots::new(8);
        slots.throttled();
        assert_eq!(slots.limit(), 4);
        slots.throttled();
        assert_eq!(slots.limit(), 4, "one cut per throttle interval");
        let held: Vec<Slot> = futures_held(&slots, 4).await;
        let blocked = tokio::time::timeout(Duration::from_millis(10), slots.acquire(0)).await;
        assert!(blocked.is_err(), "a fifth request waits while the limit is 4");
        for _ in 0..4 {
            slots.succeeded();
        }
        assert_eq!(slots.limit(), 5);
        let fifth = tokio::time::timeout(Duration::from_millis(100), slots.acquire(0)).await;
        assert!(fifth.is_ok(), "the raised limit lets one more in");
        drop(held);
        for _ in 0..100 {
            slots.succeeded();
        }
        assert_eq!(slots.limit(), 8, "never above the maximum");
    }

    async fn futures_held(slots: &Arc<Slots>, n: usize) -> Vec<Slot> {
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(slots.acquire(0).await);
        }
        v
    }

    #[tokio::test]
    async fn priority_is_inherited_by_the_future() {
        assert_eq!(current_priority(), DEFAULT_PRIORITY);
        let p = with_priority(3, async {
            tokio::task::yield_now().await;
            current_priority()
        })
        .await;
        assert_eq!(p, 3);
    }
}
