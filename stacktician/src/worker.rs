//! A worker: claims queued operations from the service database and carries them out on
//! stack-core engines, several at once, each under a lease it renews.
//!
//! - **Claims** take the oldest claimable operation and raise its fence ([`crate::db`]); a
//!   notification (PostgreSQL `LISTEN`) or the poll interval wakes an idle worker.
//! - **Leases**: an operation's lease is renewed every third of its length. A worker that cannot
//!   renew (its lease ran out and another worker claimed the operation) stops the run at once; the
//!   engine's own stack lock, a lease with a fencing counter checked on every state write, keeps it
//!   from writing anything after the takeover in any case.
//! - **A dead worker's operations** are claimed again when their leases run out, and carried out
//!   through `stackmate resume`'s recovery ([`crate::operations::carry_out`]).
//! - **Shutdown** stops claiming, lets the running operations finish within the grace period, and
//!   hands the rest back to the queue, claimable at once.
//! - **Rate**: every heartbeat counts the live workers and gives this one its share of each
//!   account's request limit.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::db::{Operation, ServiceDb};
use crate::engines::Engines;
use crate::operations::{carry_out, Ended, Job, OpRequest};
use crate::sealing::SealKey;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// This worker's id (unique among the workers of the database).
    pub id: String,
    /// An operation's lease.
    pub lease: Duration,
    /// How often an idle worker looks for work without being woken.
    pub poll: Duration,
    /// Operations carried out at once.
    pub max_operations: usize,
    /// How long shutdown waits for running operations before handing them back.
    pub shutdown_grace: Duration,
    /// Template limits.
    pub limits: stack_core::limits::Limits,
}

impl WorkerSettings {
    /// Settings for worker `id` with the defaults: a 15 s lease, polling every 2 s, 16 operations
    /// at once, 30 s of grace.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            lease: Duration::from_secs(15),
            poll: Duration::from_secs(2),
            max_operations: 16,
            shutdown_grace: Duration::from_secs(30),
            limits: stack_core::limits::Limits::default(),
        }
    }
}

/// A worker id unique to this process.
pub fn new_worker_id() -> String {
    let host = stack_core::state::host_name();
    format!("{host}-{}-{:x}", std::process::id(), stack_core::state::now_ms())
}

fn now_ms() -> i64 {
    i64::try_from(stack_core::state::now_ms()).unwrap_or(i64::MAX)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A worker.
pub struct Worker {
    db: Arc<dyn ServiceDb>,
    engines: Arc<Engines>,
    key: SealKey,
    settings: WorkerSettings,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.settings.id)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// A worker over `db` and `engines`.
    pub fn new(db: Arc<dyn ServiceDb>, engines: Arc<Engines>, key: SealKey, settings: WorkerSettings) -> Self {
        Self {
            db,
            engines,
            key,
            settings,
        }
    }

    /// Runs until `shutdown` resolves, then stops as the module docs say.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        let me = Arc::new(self);
        me.engines.count_worker(1);
        let beat = tokio::spawn(Arc::clone(&me).heartbeats());
        let mut running: JoinSet<()> = JoinSet::new();
        let mut held: BTreeMap<tokio::task::Id, (i64, i64)> = BTreeMap::new();
        tokio::pin!(shutdown);
        tracing::info!(worker = %me.settings.id, "worker started");
        loop {
            while let Some(done) = running.try_join_next_with_id() {
                held.remove(&task_id(&done));
            }
            let mut claimed = false;
            if running.len() < me.settings.max_operations {
                let now = now_ms();
                match me.db.claim(&me.settings.id, now + ms(me.settings.lease), now).await {
                    Ok(Some(op)) => {
                        claimed = true;
                        let (op_id, fence) = (op.id, op.fence);
                        let task = running.spawn(Arc::clone(&me).hold(op));
                        held.insert(task.id(), (op_id, fence));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "could not claim work"),
                }
            }
            if claimed {
                continue;
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = me.db.wait_for_work(me.settings.poll) => {}
                Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                    held.remove(&task_id(&done));
                }
            }
        }
        tracing::info!(worker = %me.settings.id, running = running.len(), "worker stopping");
        let grace = tokio::time::sleep(me.settings.shutdown_grace);
        tokio::pin!(grace);
        while !running.is_empty() {
            tokio::select! {
                () = &mut grace => break,
                Some(done) = running.join_next_with_id() => {
                    held.remove(&task_id(&done));
                }
            }
        }
        running.abort_all();
        while running.join_next().await.is_some() {}
        for (op, fence) in held.into_values() {
            match me.db.hand_back(op, fence).await {
                Ok(true) => tracing::info!(operation = op, "handed back to the queue"),
                Ok(false) => {}
                Err(e) => tracing::warn!(operation = op, error = %e, "could not hand back; its lease will run out"),
            }
        }
        beat.abort();
        me.engines.count_worker(-1);
        let _ = me.db.remove_worker(&me.settings.id).await;
        tracing::info!(worker = %me.settings.id, "worker stopped");
    }

    /// Heartbeats, and this worker's share of each account's rate.
    async fn heartbeats(self: Arc<Self>) {
        let every = self.settings.lease / 3;
        loop {
            let now = now_ms();
            if let Err(e) = self.db.heartbeat(&self.settings.id, now).await {
                tracing::warn!(error = %e, "heartbeat failed");
            }
            if let Ok(n) = self.db.live_workers(now - ms(self.settings.lease)).await {
                self.engines.share_among(n);
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Holds operation `op`: renews its lease while it runs, and finishes it.
    async fn hold(self: Arc<Self>, op: Operation) {
        let span = tracing::info_span!("operation", id = op.id, stack = %op.stack, kind = %op.kind, fence = op.fence);
        async {
            let work = Arc::clone(&self).work(&op);
            tokio::pin!(work);
            let every = self.settings.lease / 3;
            let ended = loop {
                tokio::select! {
                    ended = &mut work => break Some(ended),
                    () = tokio::time::sleep(every) => {
                        let until = now_ms() + ms(self.settings.lease);
                        match self.db.renew(op.id, op.fence, until).await {
                            Ok(true) => {}
                            Ok(false) => {
                                tracing::warn!("lease lost to another worker: stopping");
                                break None;
                            }
                            Err(e) => tracing::warn!(error = %e, "could not renew the lease"),
                        }
                    }
                }
            };
            let Some(ended) = ended else { return };
            tracing::info!(state = ended.state.as_str(), outcome = %first_line(&ended.outcome.text), "operation ended");
            match self
                .db
                .finish(op.id, op.fence, ended.state, &ended.outcome.encode(), now_ms())
                .await
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!("the operation was taken over before it was finished"),
                Err(e) => tracing::warn!(error = %e, "could not finish the operation; it will be claimed again"),
            }
        }
        .instrument(span)
        .await;
    }

    /// Carries out `op`.
    async fn work(self: Arc<Self>, op: &Operation) -> Ended {
        let refuse = |m: String| crate::operations::failed(m);
        let owner = match self.db.owner(op.owner).await {
            Ok(Some(o)) => o,
            Ok(None) => return refuse(format!("owner {} is gone", op.owner)),
            Err(e) => return refuse(e.to_string()),
        };
        let request: OpRequest = match serde_json::from_str(&op.payload) {
            Ok(r) => r,
            Err(e) => return refuse(format!("operation {} cannot be read: {e}", op.id)),
        };
        let secrets: BTreeMap<String, String> = if op.sealed.is_empty() {
            BTreeMap::new()
        } else {
            match self.key.open(&op.sealed).map(|s| serde_json::from_str(&s)) {
                Ok(Ok(m)) => m,
                Ok(Err(e)) => return refuse(format!("operation {} secrets cannot be read: {e}", op.id)),
                Err(e) => return refuse(e.to_string()),
            }
        };
        let engine = match self.engines.for_owner(&owner) {
            Ok(e) => e,
            Err(e) => return refuse(e.to_string()),
        };
        let addr = self.engines.signals().local_addr();
        let _ = self.db.set_guest_addr(op.id, op.fence, &addr.to_string()).await;
        let store_name = crate::names::store_name(&owner.name, &op.stack);
        let job = Job {
            engine: &engine,
            owner: &owner,
            store_name: &store_name,
            secrets: &secrets,
            limits: &self.settings.limits,
        };
        carry_out(&request, &job).await
    }
}

/// The task a join result is of.
fn task_id(done: &Result<(tokio::task::Id, ()), tokio::task::JoinError>) -> tokio::task::Id {
    match done {
        Ok((id, ())) => *id,
        Err(e) => e.id(),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}
