//! Recording a run: the stack's lock (a lease renewed in the background, named by every write),
//! write-ahead intents, resource and stack records, wait-condition handles, and events, with every
//! secret ([`crate::secrets`]) masked in everything written.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, PoisonError};

use crate::engine::Engine;
use crate::events::{Event, Status};
use crate::masked_records::mask_record;
use crate::plan::Plan;
use crate::state::{
    HandleRecord, Intent, IntentKind, Lease, ResourceRecord, StackRecord, StackVersion, StateError, StateStore,
    StoredOptions,
};

/// A write-ahead intent stamped now.
pub(crate) fn intent(kind: IntentKind, api: &str) -> Intent {
    Intent {
        kind,
        api: api.to_string(),
        at_ms: crate::state::now_ms(),
    }
}

/// Where a resource's record is written while it is deleted: as itself, or, for the old resource of
/// a replacement (deleted by an update's clean-up), inside the record of the resource that took its
/// place ([`ResourceRecord::replaced`]), so that the live record is never overwritten.
pub(crate) enum Slot<'a> {
    /// The record is the resource's own.
    Own,
    /// The record is the `replaced` part of this live record.
    ReplacedIn(&'a ResourceRecord),
}

impl Slot<'_> {
    /// What is written for `rec`.
    pub(crate) fn record(&self, rec: &ResourceRecord) -> ResourceRecord {
        match self {
            Self::Own => rec.clone(),
            Self::ReplacedIn(live) => ResourceRecord {
                replaced: Some(Box::new(ResourceRecord {
                    replaced: None,
                    ..rec.clone()
                })),
                ..(*live).clone()
            },
        }
    }
}

/// Job ids and physical ids the stack already knows (a lost create must not adopt one of them).
pub(crate) fn claimed_jobs(records: &BTreeMap<String, ResourceRecord>) -> BTreeSet<String> {
    records
        .values()
        .flat_map(|r| std::iter::once(r).chain(r.replaced.as_deref()))
        .flat_map(|r| r.job_id.iter().chain(r.physical_id.iter()))
        .cloned()
        .collect()
}

/// Holds a stack's lock; renews it in the background. [`LockGuard::release`] gives it back; a guard
/// dropped without it releases in the background.
pub(crate) struct LockGuard {
    store: Arc<dyn StateStore>,
    lease: Lease,
    leases: Arc<std::sync::Mutex<BTreeMap<String, Lease>>>,
    renew: tokio::task::JoinHandle<()>,
    released: bool,
}

impl LockGuard {
    /// Gives the lock back.
    pub(crate) async fn release(mut self) {
        self.released = true;
        self.renew.abort();
        self.forget();
        if let Err(e) = self.store.release_lock(&self.lease).await {
            tracing::warn!(error = %e, "could not release the stack lock");
        }
    }

    fn forget(&self) {
        let mut leases = self.leases.lock().unwrap_or_else(PoisonError::into_inner);
        if leases.get(&self.lease.stack) == Some(&self.lease) {
            leases.remove(&self.lease.stack);
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        self.renew.abort();
        self.forget();
        let (store, lease) = (Arc::clone(&self.store), self.lease.clone());
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(e) = store.release_lock(&lease).await {
                    tracing::warn!(error = %e, "could not release the stack lock");
                }
            });
        }
    }
}

impl Engine {
    /// The lease this engine holds on `stack`.
    fn lease(&self, stack: &str) -> Option<Lease> {
        self.leases
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(stack)
            .cloned()
    }

    /// The lease on `stack`, which every write needs.
    pub(crate) fn lease_for_write(&self, stack: &str) -> Result<Lease, StateError> {
        self.lease(stack).ok_or_else(|| StateError::Fenced {
            stack: stack.to_string(),
            fence: 0,
        })
    }

    /// Records an event of a resource (or of the stack) and hands it to subscribers.
    pub(crate) async fn event(
        &self,
        plan: &Plan,
        logical: &str,
        type_name: &str,
        physical: Option<&str>,
        status: Status,
        reason: Option<String>,
    ) {
        let masker = plan.masker();
        let masked = |text: &str| masker.mask(text);
        let event = Event {
            timestamp_ms: 0,
            stack: plan.options.stack_name.clone(),
            logical_id: logical.to_string(),
            resource_type: type_name.to_string(),
            physical_id: physical.map(masked),
            status,
            reason: reason.as_deref().map(masked),
        };
        let stored = self.events.emit(event);
        if let Some(store) = &self.store {
            let written = match self.lease_for_write(&stored.stack) {
                Ok(lease) => store.append_event(&lease, &stored).await.map(|_| ()),
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                tracing::error!(error = %e, "could not store an event");
            }
        }
    }

    /// Writes a resource's record to the store (secrets masked). Without a store, nothing.
    pub(crate) async fn persist(&self, plan: &Plan, rec: &ResourceRecord) -> Result<(), StateError> {
        let Some(store) = &self.store else { return Ok(()) };
        let stored = mask_record(rec, &plan.masker());
        let lease = self.lease_for_write(&plan.options.stack_name)?;
        store.save_resource(&lease, &stored).await
    }

    /// Writes a wait-condition handle (its token's hash) to the store. Without a store, nothing.
    pub(crate) async fn save_handle(&self, plan: &Plan, handle: &HandleRecord) -> Result<(), StateError> {
        let Some(store) = &self.store else { return Ok(()) };
        let lease = self.lease_for_write(&plan.options.stack_name)?;
        store.save_handle(&lease, handle).await
    }

    /// Writes the stack's record (template, parameters without NoEcho values, options).
    pub(crate) async fn save_stack(
        &self,
        plan: &Plan,
        status: Status,
        disable_rollback: bool,
    ) -> Result<(), StateError> {
        self.save_stack_version(plan, status, disable_rollback, None, None)
            .await
    }

    /// [`Engine::save_stack`] with the version an update started from (`previous`, what its
    /// rollback returns to) and a new stack policy (`None` keeps the stored one).
    pub(crate) async fn save_stack_version(
        &self,
        plan: &Plan,
        status: Status,
        disable_rollback: bool,
        previous: Option<StackVersion>,
        stack_policy: Option<String>,
    ) -> Result<(), StateError> {
        let Some(store) = &self.store else { return Ok(()) };
        let existing = store
            .stack(&plan.options.stack_name)
            .await
            .ok()
            .flatten()
            .filter(|s| s.stack_id == plan.options.stack_id);
        let created_ms = existing.as_ref().map_or_else(crate::state::now_ms, |s| s.created_ms);
        let stack_policy = stack_policy
            .or_else(|| existing.and_then(|s| s.options.stack_policy))
            .or_else(|| plan.options.stack_policy.clone());
        let record = StackRecord {
            name: plan.options.stack_name.clone(),
            stack_id: plan.options.stack_id.clone(),
            template: plan.source.clone().unwrap_or_default(),
            params: plan.stored_params(),
            no_echo: plan
                .given
                .keys()
                .filter(|k| plan.params.get(*k).is_some_and(|p| p.no_echo))
                .cloned()
                .collect(),
            options: StoredOptions {
                version: plan.options.version.version.to_string(),
                spec_sha256: plan.options.version.facts_sha256.to_string(),
                zones: plan.options.zones.clone(),
                unique_names: plan.options.unique_names,
                disable_rollback,
                metadata_url: Some(plan.options.metadata_url.clone()),
                metadata_listen: self
                    .signals
                    .as_ref()
                    .and_then(|s| s.listen_addr())
                    .map(|a| a.to_string()),
                stack_policy,
                stack_tags: plan.options.stack_tags.clone(),
                timeout_minutes: plan.options.timeout_minutes,
            },
            status,
            reason: None,
            created_ms,
            updated_ms: crate::state::now_ms(),
            previous,
        };
        // The spec first: a stack record never names a spec the store lacks.
        crate::cloud_release::keep(store.as_ref(), plan.options.version).await?;
        let lease = self.lease_for_write(&plan.options.stack_name)?;
        store.save_stack(&lease, &record).await
    }

    /// Discards every stored change set of `stack` (an update ran: they describe a stack that is gone).
    pub(crate) async fn discard_change_sets(&self, stack: &str) -> Result<(), StateError> {
        let Some(store) = &self.store else { return Ok(()) };
        let lease = self.lease_for_write(stack)?;
        store.remove_change_sets(&lease, None).await
    }

    /// Removes the stack from the store (its lock stays held until released).
    pub(crate) async fn forget_stack(&self, stack: &str) -> Result<(), StateError> {
        let Some(store) = &self.store else { return Ok(()) };
        let lease = self.lease_for_write(stack)?;
        store.remove_stack(&lease).await
    }

    /// Takes the stack's lock (with a lease renewed in the background) when there is a store. A lock
    /// held by another holder is waited for while its lease would run out within `lock_wait`.
    pub(crate) async fn lock(&self, stack: &str) -> Result<Option<LockGuard>, StateError> {
        let Some(store) = &self.store else { return Ok(None) };
        let (lease_for, started) = (self.config.lock_lease, std::time::Instant::now());
        let lease = loop {
            match store.acquire_lock(stack, &self.holder, lease_for).await {
                Ok(lease) => break lease,
                Err(StateError::Locked { until_ms, .. })
                    if started.elapsed() + remaining(until_ms) <= self.config.lock_wait =>
                {
                    let wait = remaining(until_ms) + std::time::Duration::from_millis(20);
                    tracing::warn!(
                        stack,
                        ?wait,
                        "the stack is locked; waiting for the holder's lease to run out"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        };
        self.leases
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(stack.to_string(), lease.clone());
        let (store2, renewing, leases) = (Arc::clone(store), lease.clone(), Arc::clone(&self.leases));
        let renew = tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease_for / 3).await;
                if let Err(e) = store2.renew_lock(&renewing, lease_for).await {
                    tracing::error!(error = %e, "could not renew the stack lock");
                    if matches!(e, StateError::Fenced { .. }) {
                        // Taken over: nothing more is written under this lease.
                        leases
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .remove(&renewing.stack);
                        return;
                    }
                }
            }
        });
        Ok(Some(LockGuard {
            store: Arc::clone(store),
            lease,
            leases: Arc::clone(&self.leases),
            renew,
            released: false,
        }))
    }

    /// Runs `work` holding the stack's lock, and releases it after.
    pub(crate) async fn locked<T, E: From<StateError>>(
        &self,
        stack: &str,
        work: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let guard = self.lock(stack).await?;
        let out = work.await;
        if let Some(g) = guard {
            g.release().await;
        }
        out
    }

    /// Records the stack's status and its event.
    pub(crate) async fn stack_event(&self, plan: &Plan, status: Status, reason: Option<String>) {
        let name = plan.options.stack_name.clone();
        if let Some(store) = &self.store {
            let masked = reason.as_deref().map(|r| plan.masker().mask(r));
            let written = match self.lease_for_write(&name) {
                Ok(lease) => store.set_stack_status(&lease, status, masked.as_deref()).await,
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                tracing::error!(error = %e, "could not record the stack status");
            }
        }
        self.event(
            plan,
            &name,
            "CloudStack::Stack",
            Some(&plan.options.stack_id),
            status,
            reason,
        )
        .await;
    }
}

/// Time until `until_ms` (ms since the epoch).
fn remaining(until_ms: u64) -> std::time::Duration {
    std::time::Duration::from_millis(until_ms.saturating_sub(crate::state::now_ms()))
}
