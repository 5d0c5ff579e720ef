//! [`MemoryStore`]: the contract kept in memory, for tests and for programs that run stacks without a
//! disk. It keeps everything a [`super::SqliteStore`] keeps, for as long as the process lives.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::{
    expiry, now_ms, ChangeSetRecord, HandleRecord, Lease, LockHolder, ResourceRecord, SignalRecord, StackRecord,
    StateError, StateStore, StoreFuture,
};
use crate::events::{Event, Status};

#[derive(Debug)]
struct LockRow {
    holder: LockHolder,
    since_ms: u64,
    expires_ms: u64,
    fence: u64,
    released: bool,
}

#[derive(Debug, Default)]
struct Inner {
    stacks: BTreeMap<String, StackRecord>,
    resources: BTreeMap<String, BTreeMap<String, ResourceRecord>>,
    events: Vec<(u64, Event)>,
    seq: u64,
    locks: BTreeMap<String, LockRow>,
    specs: BTreeMap<String, String>,
    endpoints: BTreeMap<String, (String, u64)>,
    /// Handles by stack, then logical id.
    handles: BTreeMap<String, BTreeMap<String, HandleRecord>>,
    /// Signals by (stack, handle), in the order first received.
    signals: BTreeMap<(String, String), Vec<SignalRecord>>,
    /// Change sets by stack, then name.
    change_sets: BTreeMap<String, BTreeMap<String, ChangeSetRecord>>,
}

impl Inner {
    fn check(&self, lease: &Lease) -> Result<(), StateError> {
        match self.locks.get(&lease.stack) {
            Some(l) if !l.released && l.holder.token == lease.token && l.fence == lease.fence => Ok(()),
            _ => Err(StateError::Fenced {
                stack: lease.stack.clone(),
                fence: lease.fence,
            }),
        }
    }
}

/// A store in memory. Cheap to make; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Inner) -> Result<T, StateError>) -> StoreFuture<'static, T> {
        let out = f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner));
        Box::pin(std::future::ready(out))
    }
}

impl StateStore for MemoryStore {
    fn save_stack<'a>(&'a self, lease: &'a Lease, stack: &'a StackRecord) -> StoreFuture<'a, ()> {
        self.run(|s| {
            if stack.name != lease.stack {
                return Err(StateError::WrongStack {
                    record: stack.name.clone(),
                    lease: lease.stack.clone(),
                });
            }
            s.check(lease)?;
            let mut stored = stack.clone();
            stored.updated_ms = now_ms();
            s.stacks.insert(stack.name.clone(), stored);
            Ok(())
        })
    }

    fn set_stack_status<'a>(
        &'a self,
        lease: &'a Lease,
        status: Status,
        reason: Option<&'a str>,
    ) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.check(lease)?;
            if let Some(st) = s.stacks.get_mut(&lease.stack) {
                st.status = status;
                st.reason = reason.map(str::to_string);
                st.updated_ms = now_ms();
            }
            Ok(())
        })
    }

    fn stack<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<StackRecord>> {
        self.run(|s| Ok(s.stacks.get(name).cloned()))
    }

    fn stacks(&self) -> StoreFuture<'_, Vec<StackRecord>> {
        self.run(|s| Ok(s.stacks.values().cloned().collect()))
    }

    fn remove_stack<'a>(&'a self, lease: &'a Lease) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.check(lease)?;
            s.stacks.remove(&lease.stack);
            s.resources.remove(&lease.stack);
            s.events.retain(|(_, e)| e.stack != lease.stack);
            s.handles.remove(&lease.stack);
            s.signals.retain(|(stack, _), _| *stack != lease.stack);
            s.change_sets.remove(&lease.stack);
            Ok(())
        })
    }

    fn save_resource<'a>(&'a self, lease: &'a Lease, resource: &'a ResourceRecord) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.check(lease)?;
            s.resources
                .entry(lease.stack.clone())
                .or_default()
                .insert(resource.logical.clone(), resource.clone());
            Ok(())
        })
    }

    fn resources<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<ResourceRecord>> {
        self.run(|s| {
            Ok(s.resources
                .get(stack)
                .map(|r| r.values().cloned().collect())
                .unwrap_or_default())
        })
    }

    fn append_event<'a>(&'a self, lease: &'a Lease, event: &'a Event) -> StoreFuture<'a, u64> {
        self.run(|s| {
            if event.stack != lease.stack {
                return Err(StateError::WrongStack {
                    record: event.stack.clone(),
                    lease: lease.stack.clone(),
                });
            }
            s.check(lease)?;
            s.seq += 1;
            let seq = s.seq;
            s.events.push((seq, event.clone()));
            Ok(seq)
        })
    }

    fn events<'a>(&'a self, stack: &'a str, after: u64) -> StoreFuture<'a, Vec<(u64, Event)>> {
        self.run(|s| {
            Ok(s.events
                .iter()
                .filter(|(seq, e)| *seq > after && e.stack == stack)
                .cloned()
                .collect())
        })
    }

    fn acquire_lock<'a>(
        &'a self,
        stack: &'a str,
        holder: &'a LockHolder,
        duration: Duration,
    ) -> StoreFuture<'a, Lease> {
        self.run(|s| {
            let now = now_ms();
            let mut fence = 1;
            if let Some(l) = s.locks.get(stack) {
                let live = !l.released && l.expires_ms > now;
                if live && l.holder.token != holder.token {
                    return Err(StateError::locked(
                        stack,
                        l.holder.pid,
                        &l.holder.host,
                        l.since_ms,
                        l.expires_ms,
                    ));
                }
                fence = l.fence + 1;
            }
            s.locks.insert(
                stack.to_string(),
                LockRow {
                    holder: holder.clone(),
                    since_ms: now,
                    expires_ms: expiry(now, duration),
                    fence,
                    released: false,
                },
            );
            Ok(Lease {
                stack: stack.to_string(),
                token: holder.token.clone(),
                fence,
            })
        })
    }

    fn renew_lock<'a>(&'a self, lease: &'a Lease, duration: Duration) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.check(lease)?;
            if let Some(l) = s.locks.get_mut(&lease.stack) {
                l.expires_ms = expiry(now_ms(), duration);
            }
            Ok(())
        })
    }

    fn release_lock<'a>(&'a self, lease: &'a Lease) -> StoreFuture<'a, ()> {
        self.run(|s| {
            if s.check(lease).is_ok() {
                if let Some(l) = s.locks.get_mut(&lease.stack) {
                    l.released = true;
                    l.expires_ms = 0;
                }
            }
            Ok(())
        })
    }

    fn save_change_set<'a>(&'a self, lease: &'a Lease, change_set: &'a ChangeSetRecord) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.check(lease)?;
            s.change_sets
                .entry(lease.stack.clone())
                .or_default()
                .insert(change_set.name.clone(), change_set.clone());
            Ok(())
        })
    }

    fn change_sets<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<ChangeSetRecord>> {
        self.run(|s| {
            Ok(s.change_sets
                .get(stack)
                .map(|c| c.values().cloned().collect())
                .unwrap_or_default())
        })
    }

    fn remove_change_sets<'a>(&'a self, lease: &'a Lease, name: Option<&'a str>) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.check(lease)?;
            if let Some(sets) = s.change_sets.get_mut(&lease.stack) {
                match name {
                    Some(n) => {
                        sets.remove(n);
                    }
                    None => sets.clear(),
                }
            }
            Ok(())
        })
    }

    fn save_handle<'a>(&'a self, lease: &'a Lease, handle: &'a HandleRecord) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.check(lease)?;
            s.handles
                .entry(lease.stack.clone())
                .or_default()
                .insert(handle.logical.clone(), handle.clone());
            Ok(())
        })
    }

    fn handles<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<HandleRecord>> {
        self.run(|s| {
            Ok(s.handles
                .get(stack)
                .map(|h| h.values().cloned().collect())
                .unwrap_or_default())
        })
    }

    fn save_signal<'a>(&'a self, stack: &'a str, handle: &'a str, signal: &'a SignalRecord) -> StoreFuture<'a, bool> {
        self.run(|s| {
            if !s.handles.get(stack).is_some_and(|h| h.contains_key(handle)) {
                return Ok(false);
            }
            let held = s.signals.entry((stack.to_string(), handle.to_string())).or_default();
            match held.iter_mut().find(|x| x.unique_id == signal.unique_id) {
                Some(existing) => *existing = signal.clone(),
                None => held.push(signal.clone()),
            }
            Ok(true)
        })
    }

    fn signals<'a>(&'a self, stack: &'a str, handle: &'a str) -> StoreFuture<'a, Vec<SignalRecord>> {
        self.run(|s| {
            Ok(s.signals
                .get(&(stack.to_string(), handle.to_string()))
                .cloned()
                .unwrap_or_default())
        })
    }

    fn save_spec<'a>(&'a self, sha256: &'a str, facts: &'a str) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.specs.entry(sha256.to_string()).or_insert_with(|| facts.to_string());
            Ok(())
        })
    }

    fn spec<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<String>> {
        self.run(|s| Ok(s.specs.get(sha256).cloned()))
    }

    fn set_endpoint_spec<'a>(&'a self, endpoint: &'a str, sha256: &'a str) -> StoreFuture<'a, ()> {
        self.run(|s| {
            s.endpoints.insert(endpoint.to_string(), (sha256.to_string(), now_ms()));
            Ok(())
        })
    }

    fn endpoint_spec<'a>(&'a self, endpoint: &'a str) -> StoreFuture<'a, Option<(String, u64)>> {
        self.run(|s| Ok(s.endpoints.get(endpoint).cloned()))
    }
}
