//! The [`Engine`] and its settings ([`EngineConfig`]): what runs plans against one cloud. The runs
//! themselves are elsewhere: `create` (a create run), `deletion` (delete and rollback runs),
//! [`crate::durable`] (resume, delete by name, continue a rollback).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloudstack_client::{Client, JobWatcher};
use serde_json::Value;

use crate::custom::CustomResource;
use crate::events::EventLog;
use crate::plan::Plan;
use crate::retry::RetryPolicy;
use crate::signals::Signals;
use crate::state::{Lease, LockHolder, StateStore};
use crate::tagging::TagBatcher;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Resources created or deleted at once; 0 (the default) sets no cap, so that the client's
    /// request slots and the cloud's throttle are the limit.
    pub concurrency: usize,
    /// Keep what was created when a create fails (for debugging).
    pub disable_rollback: bool,
    /// Destroy VMs with expunge (a destroyed, unexpunged VM still holds its networks and groups).
    pub expunge_vms: bool,
    /// Timeout of a CloudStack resource whose type has no entry in `type_timeouts` and whose
    /// properties set no `StackMateTimeout`.
    pub resource_timeout: Duration,
    /// Per-type default timeouts (`CloudStack::VirtualMachine` -> 30 min, ...). A resource's own
    /// `StackMateTimeout` property (seconds) overrides them.
    pub type_timeouts: BTreeMap<String, Duration>,
    /// How failed calls are retried (throttled, transient, in use, not yet visible).
    pub retry: RetryPolicy,
    /// Job watcher poll interval.
    pub poll_interval: Duration,
    /// How long a stack lock lasts without renewal (renewed every third of it while a run goes on).
    /// A run killed without releasing its lock holds the stack this long.
    pub lock_lease: Duration,
    /// How long taking a stack's lock waits for another holder's lease to run out before it gives up.
    pub lock_wait: Duration,
    /// How long the tags of resources that exist are gathered before one `createTags` call puts them
    /// on all those of one type (under a client-side rate limit, twenty request intervals, at most 1 s).
    pub tag_window: Duration,
}

/// How long a stack lock lasts without renewal by default.
pub const LOCK_LEASE: Duration = Duration::from_secs(30);

/// How long taking a lock waits for a holder with lease `lease` (the one rule every front-end
/// uses): a lease and a second, so that a holder that renewed just before it died has run out. A
/// dead holder's stack is taken as soon as its lease runs out; a holder that keeps renewing it (a
/// live run) is refused, naming it, as soon as its lease would outlast the wait.
pub fn lock_wait_for(lease: Duration) -> Duration {
    lease + Duration::from_secs(1)
}

impl EngineConfig {
    /// This config with stack locks of `lease` and the wait that goes with it ([`lock_wait_for`]).
    pub fn with_lock_lease(mut self, lease: Duration) -> Self {
        self.lock_lease = lease;
        self.lock_wait = lock_wait_for(lease);
        self
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            concurrency: 0,
            disable_rollback: false,
            expunge_vms: true,
            resource_timeout: Duration::from_secs(600),
            type_timeouts: [
                ("CloudStack::VirtualMachine", 1800),
                ("CloudStack::Volume", 1800),
                ("CloudStack::Snapshot", 3600),
                ("CloudStack::Template", 3600),
                ("CloudStack::RegisterTemplate", 3600),
                ("CloudStack::KubernetesCluster", 3600),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Duration::from_secs(v)))
            .collect(),
            retry: RetryPolicy::default(),
            poll_interval: Duration::from_millis(500),
            lock_lease: LOCK_LEASE,
            lock_wait: lock_wait_for(LOCK_LEASE),
            tag_window: Duration::from_millis(5),
        }
    }
}

/// Runs plans against one cloud. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Engine {
    pub(crate) client: Client,
    pub(crate) watcher: JobWatcher,
    /// Where guests signal and read metadata; none: wait conditions are refused at plan time.
    pub(crate) signals: Option<Arc<dyn Signals>>,
    /// Shared, so that an engine is cheap to clone (each resource's task holds one).
    pub(crate) config: Arc<EngineConfig>,
    pub(crate) events: EventLog,
    pub(crate) custom: Arc<BTreeMap<String, Arc<dyn CustomResource>>>,
    pub(crate) store: Option<Arc<dyn StateStore>>,
    pub(crate) holder: Arc<LockHolder>,
    /// The leases this engine holds, by stack: every write to a stack names its lease.
    pub(crate) leases: Arc<Mutex<BTreeMap<String, Lease>>>,
    /// Jobs and entities adopted by lost-create recovery in this process (never adopted twice).
    pub(crate) adopted: Arc<Mutex<BTreeSet<String>>>,
    /// Tags of many resources put on in few calls.
    pub(crate) tags: Arc<TagBatcher>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("client", &self.client)
            .field("config", &self.config)
            .finish()
    }
}

/// A `StackMateTimeout` value in seconds (a number, or a string holding one).
fn timeout_seconds(v: &Value) -> Option<u64> {
    v.as_str().map_or_else(|| v.as_u64(), |s| s.trim().parse().ok())
}

impl Engine {
    /// An engine using `client`. It binds nothing and spawns nothing until it runs a stack; without
    /// [`Engine::with_signals`] it refuses templates that need guests to signal or read metadata,
    /// and without [`Engine::with_store`] it keeps state in memory only.
    pub fn new(client: Client, config: EngineConfig) -> Self {
        let watcher = JobWatcher::new(client.clone(), config.poll_interval, config.resource_timeout);
        let tags = Arc::new(TagBatcher::new(
            client.clone(),
            watcher.clone(),
            config.retry.clone(),
            config.tag_window,
        ));
        Self {
            client,
            watcher,
            signals: None,
            config: Arc::new(config),
            events: EventLog::default(),
            custom: Arc::default(),
            store: None,
            holder: Arc::new(LockHolder::this_process()),
            leases: Arc::default(),
            adopted: Arc::default(),
            tags,
        }
    }

    /// Keeps durable state in `store`: stacks, resources with write-ahead intents, events and locks.
    /// Without a store the engine runs in memory and cannot resume after a crash.
    pub fn with_store(mut self, store: Arc<dyn StateStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Serves wait conditions and metadata through `signals` (the `stack-signals-http` crate's
    /// server, a [`crate::signals::SignalHub`], or a service's own).
    pub fn with_signals(mut self, signals: Arc<dyn Signals>) -> Self {
        self.signals = Some(signals);
        self
    }

    /// The state store, if any.
    pub fn store(&self) -> Option<&Arc<dyn StateStore>> {
        self.store.as_ref()
    }

    /// The engine's settings.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// This engine (sharing its client, store, leases and events) with rollback on failure turned
    /// off or on, for one run: a service's engine serves stacks that ask for either.
    pub fn with_disable_rollback(&self, disable: bool) -> Self {
        let mut e = self.clone();
        Arc::make_mut(&mut e.config).disable_rollback = disable;
        e
    }

    /// This engine (sharing everything) with its own cap on resources created or deleted at once
    /// (0: none), for one stack's runs.
    pub fn with_concurrency(&self, concurrency: usize) -> Self {
        let mut e = self.clone();
        Arc::make_mut(&mut e.config).concurrency = concurrency;
        e
    }

    /// Registers a custom resource type.
    pub fn register(&mut self, type_name: &str, resource: Arc<dyn CustomResource>) {
        Arc::make_mut(&mut self.custom).insert(type_name.to_string(), resource);
    }

    /// The custom types and their attributes, for [`crate::plan::PlanOptions::custom_types`].
    pub fn custom_types(&self) -> BTreeMap<String, Vec<String>> {
        self.custom.iter().map(|(k, v)| (k.clone(), v.attributes())).collect()
    }

    /// The event log (subscribe to follow a run).
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// Where guests signal and read metadata, if anywhere.
    pub fn signals(&self) -> Option<&Arc<dyn Signals>> {
        self.signals.as_ref()
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The timeout of a resource of `type_name` whose `StackMateTimeout` is `own` (when set): its own,
    /// else its type's default, else the engine's. Every job of the resource (its create, its tags,
    /// its delete) has this deadline.
    pub(crate) fn timeout_of(&self, type_name: &str, own: Option<&Value>) -> Duration {
        match own.and_then(timeout_seconds) {
            Some(secs) => Duration::from_secs(secs),
            None => self
                .config
                .type_timeouts
                .get(type_name)
                .copied()
                .unwrap_or(self.config.resource_timeout),
        }
    }

    /// The deadline of each delete job of a resource of `plan` (and of the wait for a create job an
    /// interrupted run left): its own timeout ([`Engine::timeout_of`]; a literal `StackMateTimeout`
    /// in its declaration counts), but never less than the engine's default, so that a short create
    /// timeout, meant to fail fast, does not make the clean-up after it fail too.
    pub(crate) fn delete_timeout(&self, plan: &Plan, logical: &str, type_name: &str) -> Duration {
        let own = plan
            .resources
            .get(logical)
            .and_then(|r| r.decl.properties.get(crate::plan::TIMEOUT_PROPERTY));
        self.timeout_of(type_name, own).max(self.config.resource_timeout)
    }
}
