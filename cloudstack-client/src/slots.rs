//! A client's in-flight request slots, handed out by priority.
//!
//! A [`crate::Client`] sends at most `max_in_flight` requests at once. When more are waiting, the one
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
    free: usize,
    waiting: BinaryHeap<Waiter>,
    seq: u64,
}

/// A fixed number of slots.
pub(crate) struct Slots {
    state: Mutex<State>,
}

/// One taken slot; dropping it hands it to the next waiter.
pub(crate) struct Slot {
    owner: Arc<Slots>,
    armed: bool,
}

impl Slots {
    pub(crate) fn new(n: usize) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                free: n.max(1),
                waiting: BinaryHeap::new(),
                seq: 0,
            }),
        })
    }

    /// Waits for a slot at `priority`. Dropping the future gives up the place in the queue.
    pub(crate) async fn acquire(self: &Arc<Self>, priority: u32) -> Slot {
        loop {
            let rx = {
                let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                if st.free > 0 {
                    st.free -= 1;
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

    fn release(self: &Arc<Self>) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(w) = st.waiting.pop() {
            let slot = Slot {
                owner: Arc::clone(self),
                armed: true,
            };
            match w.tx.send(slot) {
                Ok(()) => return,
                // That waiter went away: its slot must not be released again from here.
                Err(mut unused) => unused.armed = false,
            }
        }
        st.free += 1;
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
