//! Running a plan: the [`Engine`], a create run and the create step of one resource. The run is a
//! forward [`crate::walk`]: each resource starts as soon as all its dependencies are done (not in
//! waves), critical path first, and its API calls carry that chain's length as their priority in the
//! client's request queue ([`cloudstack_client::with_priority`]). Async jobs are watched in batches,
//! each with its resource's own deadline; created resources are tagged (`tagging`); on failure
//! nothing new starts, in-flight work finishes, and what was created is deleted backwards, in
//! parallel (`deletion`, which also deletes stacks and respects `DeletionPolicy: Retain`).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudstack_client::decode::unwrap_object;
use cloudstack_client::participant::lookup_path;
use cloudstack_client::{Client, DynamicRequest, Error as ClientError, JobWatcher, ParticipantSpec};
use serde_json::{Map, Value};
use tracing::Instrument as _;

use crate::events::{Event, EventLog, Status};
use crate::intrinsics::ResourceView;
use crate::plan::{Plan, PlannedResource, ResourceKind};
use crate::signals::SignalServer;
use crate::state::{Intent, IntentKind, LockHolder, StackRecord, StateStore, StoredOptions};
use crate::tagging::{pending_tags, PendingTags};
use crate::visits::CreateVisitor;
use crate::walk::{walk, Direction, Graph, WalkOptions};

/// A boxed future, for [`CustomResource`].
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a custom resource returns when created.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// Its physical id (`Ref`).
    pub physical_id: String,
    /// Its attributes (`Fn::GetAtt`).
    pub attributes: Map<String, Value>,
}

/// A resource type the embedding program provides: anything CloudStack has no create/delete pair for,
/// or another cloud's resources. Register it with [`Engine::register`].
pub trait CustomResource: Send + Sync {
    /// The attributes it exposes (empty: any).
    fn attributes(&self) -> Vec<String> {
        Vec::new()
    }
    /// Creates it from its evaluated properties.
    fn create(&self, logical_id: &str, properties: Value) -> BoxFuture<Result<Created, String>>;
    /// Deletes it.
    fn delete(&self, physical_id: &str, attributes: &Map<String, Value>) -> BoxFuture<Result<(), String>>;
}

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
    /// How long a delete that fails because something is still in use is retried.
    pub in_use_retry_for: Duration,
    /// Timeout of a CloudStack resource whose type has no entry in `type_timeouts` and whose
    /// properties set no `StackMateTimeout`.
    pub resource_timeout: Duration,
    /// Per-type default timeouts (`CloudStack::VirtualMachine` -> 30 min, ...). A resource's own
    /// `StackMateTimeout` property (seconds) overrides them.
    pub type_timeouts: BTreeMap<String, Duration>,
    /// How long a create refused with 429 or a refused connection is retried (with backoff).
    pub transient_retry_for: Duration,
    /// Job watcher poll interval.
    pub poll_interval: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            concurrency: 0,
            disable_rollback: false,
            expunge_vms: true,
            in_use_retry_for: Duration::from_secs(120),
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
            transient_retry_for: Duration::from_secs(60),
            poll_interval: Duration::from_millis(500),
        }
    }
}

pub use crate::state::ResourceRecord;

/// A stack run: its plan, each resource's state and the outputs.
#[derive(Debug, Clone)]
pub struct StackRun {
    /// The plan.
    pub plan: Plan,
    /// Resources by logical id.
    pub resources: BTreeMap<String, ResourceRecord>,
    /// Outputs (NoEcho values masked).
    pub outputs: BTreeMap<String, String>,
    /// The stack's status.
    pub status: Status,
}

/// A stack operation that did not succeed.
#[derive(Debug, thiserror::Error)]
#[error("stack {stack}: {reason}")]
pub struct StackError {
    /// The stack.
    pub stack: String,
    /// What failed first.
    pub reason: String,
    /// The state after the rollback (or without it).
    pub run: Box<StackRun>,
}

impl StackError {
    /// A failure before any resource was touched (the lock, the state store).
    fn before_start(plan: Plan, reason: String) -> Self {
        Self {
            stack: plan.options.stack_name.clone(),
            reason,
            run: Box::new(StackRun {
                plan,
                resources: BTreeMap::new(),
                outputs: BTreeMap::new(),
                status: Status::CreateFailed,
            }),
        }
    }
}

/// A resource's create: its record (and the tags still to put on it), or why it failed and what the
/// cloud already made.
pub(crate) type CreateOutcome = Result<(ResourceRecord, Option<PendingTags>), (String, Option<ResourceRecord>)>;

/// Why [`Engine::launch`] did not produce a stack.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The template or its parameters are invalid; nothing was called.
    #[error("{0}")]
    Invalid(crate::problem::Problems),
    /// The stack failed while running (and was rolled back unless rollback is disabled).
    #[error(transparent)]
    Failed(#[from] StackError),
}

/// Runs plans against one cloud.
#[derive(Clone)]
pub struct Engine {
    pub(crate) client: Client,
    pub(crate) watcher: JobWatcher,
    pub(crate) signals: SignalServer,
    pub(crate) config: EngineConfig,
    pub(crate) events: EventLog,
    pub(crate) custom: BTreeMap<String, Arc<dyn CustomResource>>,
    pub(crate) store: Option<Arc<dyn StateStore>>,
    pub(crate) holder: Arc<LockHolder>,
    /// Jobs and entities adopted by lost-create recovery in this process (never adopted twice).
    pub(crate) adopted: Arc<std::sync::Mutex<BTreeSet<String>>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("client", &self.client)
            .field("config", &self.config)
            .finish()
    }
}

/// Resources as intrinsics see them during a run: every logical id of the plan exists; records hold
/// what is known (for a resource being created: its dependencies).
struct View<'a>(
    &'a BTreeMap<String, ResourceRecord>,
    &'a BTreeMap<String, PlannedResource>,
);

impl ResourceView for View<'_> {
    fn exists(&self, logical: &str) -> bool {
        self.1.contains_key(logical)
    }
    fn physical_id(&self, logical: &str) -> Option<Value> {
        self.0.get(logical)?.physical_id.clone().map(Value::String)
    }
    fn attribute(&self, logical: &str, attribute: &str) -> Option<Value> {
        let r = self.0.get(logical)?;
        r.attributes.get(attribute).cloned().or_else(|| {
            (attribute == "Ref")
                .then(|| r.physical_id.clone().map(Value::String))
                .flatten()
        })
    }
}

/// How long a stack lock lasts without renewal (renewed every third of it while the engine runs).
pub const LOCK_LEASE: Duration = Duration::from_secs(30);

/// Holds a stack's lock; renews it in the background and releases it when dropped.
pub(crate) struct LockGuard {
    store: Arc<dyn StateStore>,
    holder: Arc<LockHolder>,
    stack: String,
    renew: tokio::task::JoinHandle<()>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.renew.abort();
        if let Err(e) = self.store.release_lock(&self.stack, &self.holder) {
            tracing::warn!(error = %e, "could not release the stack lock");
        }
    }
}

/// The values of the plan's NoEcho parameters (never written anywhere in clear).
fn secrets_of(plan: &Plan) -> Vec<String> {
    plan.params
        .values()
        .filter(|p| p.no_echo && !p.text.is_empty())
        .map(|p| p.text.clone())
        .collect()
}

/// `text` with every secret replaced by `****`.
fn mask(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |acc, s| {
        if acc.contains(s.as_str()) {
            acc.replace(s.as_str(), "****")
        } else {
            acc
        }
    })
}

fn mask_value(v: &Value, secrets: &[String]) -> Value {
    match v {
        Value::String(s) => Value::String(mask(s, secrets)),
        Value::Array(a) => Value::Array(a.iter().map(|x| mask_value(x, secrets)).collect()),
        Value::Object(o) => Value::Object(mask_map(o, secrets)),
        other => other.clone(),
    }
}

fn mask_map(m: &Map<String, Value>, secrets: &[String]) -> Map<String, Value> {
    m.iter().map(|(k, v)| (k.clone(), mask_value(v, secrets))).collect()
}

/// A write-ahead intent stamped now.
pub(crate) fn intent(kind: IntentKind, api: &str) -> Intent {
    Intent {
        kind,
        api: api.to_string(),
        at_ms: crate::state::now_ms(),
    }
}

/// Job ids and physical ids the stack already knows (a lost create must not adopt one of them).
pub(crate) fn claimed_jobs(records: &BTreeMap<String, ResourceRecord>) -> BTreeSet<String> {
    records
        .values()
        .flat_map(|r| r.job_id.iter().chain(r.physical_id.iter()))
        .cloned()
        .collect()
}

/// What a create leaves besides its record: on failure, what the cloud already made (for rollback);
/// on success, the tags still to put on.
#[derive(Default)]
pub(crate) struct Leftovers {
    partial: Option<ResourceRecord>,
    pending: Option<PendingTags>,
}

/// A `StackMateTimeout` value in seconds (a number, or a string holding one).
fn timeout_seconds(v: &Value) -> Option<u64> {
    v.as_str().map_or_else(|| v.as_u64(), |s| s.trim().parse().ok())
}

impl Engine {
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

    /// An engine using `client`, with a signal server already started.
    pub fn new(client: Client, signals: SignalServer, config: EngineConfig) -> Self {
        let watcher = JobWatcher::new(client.clone(), config.poll_interval, config.resource_timeout);
        Self {
            client,
            watcher,
            signals,
            config,
            events: EventLog::default(),
            custom: BTreeMap::new(),
            store: None,
            holder: Arc::new(LockHolder::this_process()),
            adopted: Arc::default(),
        }
    }

    /// Keeps durable state in `store`: stacks, resources with write-ahead intents, events and locks.
    /// Without a store the engine runs in memory and cannot resume after a crash.
    pub fn with_store(mut self, store: Arc<dyn StateStore>) -> Self {
        self.store = Some(store);
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

    /// Registers a custom resource type.
    pub fn register(&mut self, type_name: &str, resource: Arc<dyn CustomResource>) {
        self.custom.insert(type_name.to_string(), resource);
    }

    /// The custom types and their attributes, for [`crate::plan::PlanOptions::custom_types`].
    pub fn custom_types(&self) -> BTreeMap<String, Vec<String>> {
        self.custom.iter().map(|(k, v)| (k.clone(), v.attributes())).collect()
    }

    /// The event log (subscribe to follow a run).
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// The signal server.
    pub fn signals(&self) -> &SignalServer {
        &self.signals
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn event(
        &self,
        plan: &Plan,
        logical: &str,
        type_name: &str,
        physical: Option<&str>,
        status: Status,
        reason: Option<String>,
    ) {
        let physical = physical.map(|p| {
            if p.contains("/waitcondition/") {
                SignalServer::masked(p)
            } else {
                p.to_string()
            }
        });
        let secrets = secrets_of(plan);
        let event = Event {
            timestamp_ms: 0,
            stack: plan.options.stack_name.clone(),
            logical_id: logical.to_string(),
            resource_type: type_name.to_string(),
            physical_id: physical,
            status,
            reason: reason.map(|r| mask(&r, &secrets)),
        };
        let stored = self.events.emit(event);
        if let Some(store) = &self.store {
            if let Err(e) = store.append_event(&stored) {
                tracing::error!(error = %e, "could not store an event");
            }
        }
    }

    /// Writes a resource's record to the store (NoEcho values masked). Without a store, nothing.
    pub(crate) fn persist(&self, plan: &Plan, rec: &ResourceRecord) -> Result<(), String> {
        let Some(store) = &self.store else { return Ok(()) };
        let secrets = secrets_of(plan);
        let mut stored = rec.clone();
        if !secrets.is_empty() {
            for (_, v) in &mut stored.create_wire {
                *v = mask(v, &secrets);
            }
            stored.attributes = mask_map(&stored.attributes, &secrets);
            stored.reason = stored.reason.map(|r| mask(&r, &secrets));
        }
        if stored
            .physical_id
            .as_deref()
            .is_some_and(|p| p.contains("/waitcondition/"))
        {
            // A wait-condition handle's URL carries its token: it is never stored.
            stored.physical_id = stored.physical_id.as_deref().map(SignalServer::masked);
        }
        store
            .save_resource(&plan.options.stack_name, &stored)
            .map_err(|e| format!("cannot record the state of {}: {e}", rec.logical))
    }

    /// Writes the stack's record (template, parameters without NoEcho values, options).
    pub(crate) fn save_stack(&self, plan: &Plan, status: Status, disable_rollback: bool) -> Result<(), String> {
        let Some(store) = &self.store else { return Ok(()) };
        let created_ms = store
            .stack(&plan.options.stack_name)
            .ok()
            .flatten()
            .filter(|s| s.stack_id == plan.options.stack_id)
            .map_or_else(crate::state::now_ms, |s| s.created_ms);
        let record = StackRecord {
            name: plan.options.stack_name.clone(),
            stack_id: plan.options.stack_id.clone(),
            template: plan.source.clone().unwrap_or_default(),
            params: plan
                .given
                .iter()
                .filter(|(k, _)| !plan.params.get(*k).is_some_and(|p| p.no_echo))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
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
            },
            status,
            reason: None,
            created_ms,
            updated_ms: crate::state::now_ms(),
        };
        // The spec first: a stack record never names a spec the store lacks.
        crate::cloud_release::keep(store.as_ref(), plan.options.version).map_err(|e| e.to_string())?;
        store.save_stack(&record).map_err(|e| e.to_string())
    }

    /// Takes the stack's lock (with a lease renewed in the background) when there is a store.
    pub(crate) fn lock(&self, stack: &str) -> Result<Option<LockGuard>, String> {
        let Some(store) = &self.store else { return Ok(None) };
        store
            .acquire_lock(stack, &self.holder, LOCK_LEASE)
            .map_err(|e| e.to_string())?;
        let (store2, holder, name) = (Arc::clone(store), Arc::clone(&self.holder), stack.to_string());
        let renew = tokio::spawn(async move {
            loop {
                tokio::time::sleep(LOCK_LEASE / 3).await;
                if let Err(e) = store2.renew_lock(&name, &holder, LOCK_LEASE) {
                    tracing::error!(error = %e, "could not renew the stack lock");
                }
            }
        });
        Ok(Some(LockGuard {
            store: Arc::clone(store),
            holder: Arc::clone(&self.holder),
            stack: stack.to_string(),
            renew,
        }))
    }

    pub(crate) fn stack_event(&self, plan: &Plan, status: Status, reason: Option<String>) {
        let name = plan.options.stack_name.clone();
        if let Some(store) = &self.store {
            let masked = reason.as_deref().map(|r| mask(r, &secrets_of(plan)));
            if let Err(e) = store.set_stack_status(&name, status, masked.as_deref()) {
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
        );
    }

    /// Parses and validates `template_text` (JSON or YAML) with `params`, then creates the stack.
    /// Nothing is called, not even a read, unless the whole template is valid: planning is pure.
    pub async fn launch(
        &self,
        template_text: &str,
        params: &BTreeMap<String, String>,
        options: &crate::plan::PlanOptions,
    ) -> Result<StackRun, LaunchError> {
        let template = crate::template::parse_with(template_text.as_bytes(), &options.limits)
            .map_err(|p| LaunchError::Invalid(crate::problem::Problems(p)))?;
        let mut plan = crate::plan::plan(&template, params, options).map_err(LaunchError::Invalid)?;
        plan.source = Some(template_text.to_string());
        Ok(self.create(plan).await?)
    }

    /// Creates the stack of `plan`. On failure the error carries the state after rollback.
    pub async fn create(&self, plan: Plan) -> Result<StackRun, StackError> {
        let span = tracing::info_span!("stack", stack = %plan.options.stack_name);
        async {
            let name = plan.options.stack_name.clone();
            let guard = match self.lock(&name) {
                Ok(g) => g,
                Err(e) => return Err(StackError::before_start(plan, e)),
            };
            if let Some(store) = &self.store {
                match store.stack(&name) {
                    Ok(Some(old)) if !matches!(old.status, Status::DeleteComplete | Status::RollbackComplete) => {
                        let reason = format!(
                            "a stack named {name} already exists ({}); delete it, resume it, or pick another name",
                            old.status.as_str()
                        );
                        return Err(StackError::before_start(plan, reason));
                    }
                    Ok(Some(_)) => {
                        let _ = store.remove_stack(&name);
                    }
                    Ok(None) => {}
                    Err(e) => return Err(StackError::before_start(plan, e.to_string())),
                }
            }
            if let Err(e) = self.save_stack(&plan, Status::CreateInProgress, self.config.disable_rollback) {
                return Err(StackError::before_start(plan, e));
            }
            let out = self
                .create_inner(plan, BTreeMap::new(), self.config.disable_rollback)
                .await;
            drop(guard);
            out
        }
        .instrument(span)
        .await
    }

    /// Creates what `prior` (records from the state store) does not have as complete; adopts jobs
    /// and lost creates recorded there.
    pub(crate) async fn create_inner(
        &self,
        plan: Plan,
        prior: BTreeMap<String, ResourceRecord>,
        disable_rollback: bool,
    ) -> Result<StackRun, StackError> {
        self.stack_event(&plan, Status::CreateInProgress, None);
        let mut records: BTreeMap<String, ResourceRecord> = plan
            .resources
            .values()
            .map(|r| {
                let rec = prior
                    .get(&r.logical)
                    .cloned()
                    .unwrap_or_else(|| ResourceRecord::new(&r.logical, &r.type_name, Status::CreateInProgress));
                (r.logical.clone(), rec)
            })
            .collect();
        // Complete and tagged (or untaggable) resources of an earlier run are done already.
        let finished = |l: &str| {
            records.get(l).is_some_and(|x| {
                x.status == Status::CreateComplete
                    && (x.tagged
                        || !matches!(plan.resources.get(l).map(|r| r.kind), Some(ResourceKind::CloudStack(s)) if s.tag_resource_type.is_some()))
            })
        };
        let done: BTreeSet<String> = plan
            .resources
            .values()
            .filter(|r| r.enabled && finished(&r.logical))
            .map(|r| r.logical.clone())
            .collect();
        let to_create: Vec<String> = plan
            .order
            .iter()
            .filter(|l| plan.resources.get(*l).is_some_and(|r| r.enabled) && !done.contains(*l))
            .cloned()
            .collect();
        let graph = Graph::new(to_create, |l| {
            plan.resources[l].depends_on.iter().map(String::as_str).collect()
        });
        let plan = Arc::new(plan);
        let mut visitor = CreateVisitor {
            engine: self,
            plan: Arc::clone(&plan),
            records: &mut records,
            failure: None,
            tagging: tokio::task::JoinSet::new(),
        };
        let options = WalkOptions {
            direction: Direction::Forward,
            concurrency: self.config.concurrency,
            stop_on_failure: true,
        };
        walk(&graph, options, &mut visitor).await;
        visitor.finish_tagging().await;
        let failure = visitor.failure;
        let plan = Arc::try_unwrap(plan).unwrap_or_else(|p| (*p).clone());
        let mut run = StackRun {
            plan,
            resources: records,
            outputs: BTreeMap::new(),
            status: Status::CreateInProgress,
        };
        if let Some(reason) = failure {
            if disable_rollback {
                run.status = Status::CreateFailed;
                self.stack_event(
                    &run.plan,
                    Status::CreateFailed,
                    Some(format!("{reason}; rollback disabled, created resources kept")),
                );
            } else {
                self.stack_event(&run.plan, Status::RollbackInProgress, Some(reason.clone()));
                let ok = self.delete_all(&mut run, false).await;
                run.status = if ok {
                    Status::RollbackComplete
                } else {
                    Status::RollbackFailed
                };
                self.stack_event(&run.plan, run.status, None);
            }
            return Err(StackError {
                stack: run.plan.options.stack_name.clone(),
                reason,
                run: Box::new(run),
            });
        }
        run.outputs = self.outputs(&run);
        run.status = Status::CreateComplete;
        self.stack_event(&run.plan, Status::CreateComplete, None);
        Ok(run)
    }

    pub(crate) fn outputs(&self, run: &StackRun) -> BTreeMap<String, String> {
        let plan = &run.plan;
        let view = View(&run.resources, &run.plan.resources);
        let secrets = secrets_of(plan);
        let mut out = BTreeMap::new();
        for (name, o) in &plan.template.outputs {
            if o.condition
                .as_ref()
                .is_some_and(|c| !plan.conditions.get(c).copied().unwrap_or(true))
            {
                continue;
            }
            let text = match plan.evaluate(&view, &o.value, &format!("/Outputs/{name}/Value")) {
                Ok(Some(Value::String(s))) => s,
                Ok(Some(v)) => v.to_string(),
                Ok(None) => "(unknown)".to_string(),
                Err(p) => format!("(error: {p})"),
            };
            let masked = if secrets.iter().any(|s| text.contains(s.as_str())) {
                "****".to_string()
            } else {
                text
            };
            out.insert(name.clone(), masked);
        }
        out
    }

    /// Creates one resource; on failure also returns what the cloud already made, for rollback.
    pub(crate) async fn create_one(
        &self,
        plan: &Plan,
        r: &PlannedResource,
        snapshot: &BTreeMap<String, ResourceRecord>,
        earlier: Option<ResourceRecord>,
        claimed: BTreeSet<String>,
    ) -> CreateOutcome {
        let mut left = Leftovers::default();
        self.create_one_inner(plan, r, snapshot, &mut left, earlier, claimed)
            .await
            .map(|rec| (rec, left.pending))
            .map_err(|e| (e, left.partial))
    }

    async fn create_one_inner(
        &self,
        plan: &Plan,
        r: &PlannedResource,
        snapshot: &BTreeMap<String, ResourceRecord>,
        left: &mut Leftovers,
        earlier: Option<ResourceRecord>,
        claimed: BTreeSet<String>,
    ) -> Result<ResourceRecord, String> {
        let view = View(snapshot, &plan.resources);
        let mut props = Map::new();
        for (k, v) in &r.decl.properties {
            match plan.evaluate(&view, v, &format!("/Resources/{}/Properties/{k}", r.logical)) {
                Ok(Some(v)) if v.as_str() == Some(crate::intrinsics::NO_VALUE) => {}
                Ok(Some(v)) => {
                    props.insert(k.clone(), v);
                }
                Ok(None) => return Err(format!("property {k} depends on a value that is not known")),
                Err(p) => return Err(p.to_string()),
            }
        }
        let mut rec = ResourceRecord::new(&r.logical, &r.type_name, Status::CreateInProgress);
        match r.kind {
            ResourceKind::CloudStack(spec) => {
                let mut props = props;
                let timeout = self.timeout_of(&r.type_name, props.remove(crate::plan::TIMEOUT_PROPERTY).as_ref());
                let step = self.create_cloudstack(plan, r, spec, props, &mut rec, timeout, earlier, &claimed);
                match step.await {
                    Ok(tags) => left.pending = tags,
                    Err(reason) => {
                        // Keep what the cloud already made (the id of an async create), so rollback deletes it.
                        left.partial = rec.physical_id.is_some().then(|| ResourceRecord {
                            status: Status::CreateFailed,
                            reason: Some(reason.clone()),
                            ..rec
                        });
                        return Err(reason);
                    }
                }
            }
            ResourceKind::WaitConditionHandle => {
                rec.physical_id = Some(
                    self.signals
                        .new_handle(&plan.options.stack_id, &plan.options.stack_name),
                );
            }
            ResourceKind::WaitCondition => {
                let url = props
                    .get("Handle")
                    .and_then(Value::as_str)
                    .ok_or("Handle did not resolve to a URL")?
                    .to_string();
                let num = |k: &str, d: u64| {
                    props
                        .get(k)
                        .and_then(|v| v.as_str().map_or_else(|| v.as_u64(), |s| s.parse().ok()))
                        .unwrap_or(d)
                };
                let (count, timeout) = (num("Count", 1) as usize, Duration::from_secs(num("Timeout", 600)));
                let data = self
                    .signals
                    .wait(&url, count, timeout)
                    .await
                    .map_err(|e| e.to_string())?;
                rec.physical_id = Some(format!("{}-{}", plan.options.stack_name, r.logical));
                rec.attributes.insert("Data".into(), Value::String(data.to_string()));
            }
            ResourceKind::Custom => match earlier.filter(|e| e.status == Status::CreateComplete) {
                Some(done) => rec = done,
                None => {
                    let custom = self
                        .custom
                        .get(&r.type_name)
                        .ok_or("custom type is no longer registered")?;
                    rec.intent = Some(intent(IntentKind::Create, &r.type_name));
                    self.persist(plan, &rec)?;
                    let created = custom.create(&r.logical, Value::Object(props)).await?;
                    rec.physical_id = Some(created.physical_id);
                    rec.attributes = created.attributes;
                }
            },
        }
        rec.status = Status::CreateComplete;
        rec.intent = None;
        rec.job_id = None;
        if let (Some(meta), Some(pid)) = (&r.decl.metadata, &rec.physical_id) {
            let resolved = plan
                .evaluate(&view, meta, &format!("/Resources/{}/Metadata", r.logical))
                .ok()
                .flatten()
                .unwrap_or(Value::Null);
            self.signals.publish(
                &plan.options.stack_id,
                &plan.options.stack_name,
                &r.logical,
                &r.type_name,
                pid,
                &resolved,
            );
        }
        Ok(rec)
    }

    #[allow(clippy::too_many_arguments)]
    async fn create_cloudstack(
        &self,
        plan: &Plan,
        r: &PlannedResource,
        spec: &'static ParticipantSpec,
        props: Map<String, Value>,
        rec: &mut ResourceRecord,
        timeout: Duration,
        earlier: Option<ResourceRecord>,
        claimed: &BTreeSet<String>,
    ) -> Result<Option<PendingTags>, String> {
        let started = Instant::now();
        let mut req = DynamicRequest::new(spec.create);
        let mut template_tags: Vec<(String, String)> = Vec::new();
        for (k, v) in props {
            if k.eq_ignore_ascii_case("tags") && spec.param(&k).is_none() {
                for t in v.as_array().into_iter().flatten() {
                    let get = |n: &str| {
                        t.as_object()
                            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)))
                            .and_then(|(_, v)| v.as_str())
                    };
                    if let (Some(key), Some(value)) = (get("Key"), get("Value")) {
                        template_tags.push((key.to_string(), value.to_string()));
                    }
                }
                continue;
            }
            let v = match (plan.options.unique_names, spec.param(&k)) {
                (true, Some(p)) if p.name == "name" => v
                    .as_str()
                    .map_or(v.clone(), |s| Value::String(format!("{}-{s}", plan.options.stack_name))),
                _ => v,
            };
            req.set_json(&k, &v).map_err(|e| e.to_string())?;
        }
        let wire = cloudstack_client::Request::wire_params(&req).map_err(|e| e.to_string())?;
        // What an earlier, interrupted run left: a finished create (maybe untagged), a job to watch
        // again, or a call whose reply was lost.
        let mut adopted: Option<Value> = None;
        let mut resumed_job: Option<String> = None;
        match earlier {
            Some(done) if done.status == Status::CreateComplete => {
                *rec = done;
                // Finished by an earlier run but not tagged: the tags follow, off the critical path.
                return Ok(pending_tags(
                    rec,
                    spec,
                    template_tags,
                    timeout.saturating_sub(started.elapsed()),
                ));
            }
            Some(e) if e.intent.as_ref().is_some_and(|i| i.kind == IntentKind::Create) => {
                rec.physical_id.clone_from(&e.physical_id);
                if let Some(id) = &e.physical_id {
                    rec.attributes.insert("id".into(), Value::String(id.clone()));
                }
                match e.job_id {
                    Some(job) => resumed_job = Some(job),
                    None => {
                        let at_ms = e.intent.map_or(0, |i| i.at_ms);
                        match crate::recovery::find_lost_create(
                            &self.client,
                            plan,
                            spec,
                            &wire,
                            at_ms,
                            claimed,
                            &self.adopted,
                        )
                        .await?
                        {
                            crate::recovery::Lost::Job { job_id, entity_id } => {
                                tracing::info!(job = %job_id, "adopting the job of a create whose reply was lost");
                                rec.physical_id.clone_from(&entity_id);
                                resumed_job = Some(job_id);
                            }
                            crate::recovery::Lost::Entity(object) => {
                                tracing::info!("adopting a resource whose create reply was lost (found by name)");
                                adopted = Some(object);
                            }
                            crate::recovery::Lost::NotCreated => {
                                tracing::info!("the interrupted create never reached the cloud; creating it");
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        rec.create_wire = wire.clone();
        let mut tagged_early = false;
        let result = if let Some(object) = adopted {
            object
        } else if spec.create.is_async {
            let resumed = resumed_job.is_some();
            let job_id = match resumed_job {
                Some(job) => job,
                None => {
                    // Write ahead: the call about to be made, so a crash after it can be recovered.
                    rec.intent = Some(intent(IntentKind::Create, spec.create.name));
                    self.persist(plan, rec)?;
                    let reply = self
                        .retrying(timeout.saturating_sub(started.elapsed()), || self.client.submit(&req))
                        .await
                        .map_err(|e| e.to_string())?;
                    if let Some(id) = &reply.id {
                        rec.physical_id = Some(id.clone());
                    }
                    rec.job_id = Some(reply.job_id.clone());
                    self.persist(plan, rec)?;
                    reply.job_id
                }
            };
            rec.job_id = Some(job_id.clone());
            if rec.intent.is_none() {
                rec.intent = Some(intent(IntentKind::Create, spec.create.name));
            }
            if let Some(id) = rec.physical_id.clone() {
                // The reply's id is the new entity's: it is what the delete call's key reads.
                rec.attributes.insert("id".into(), Value::String(id.clone()));
                for key in spec.delete_keys.iter().filter(|k| k.required) {
                    if let Some(cloudstack_client::KeySource::Attribute(a)) = key.sources.first() {
                        if !a.contains('.') {
                            rec.attributes.insert((*a).to_string(), Value::String(id.clone()));
                        }
                    }
                }
            }
            let left = timeout.saturating_sub(started.elapsed());
            // The entity exists (in an allocating state) as soon as the reply names it, so it is
            // tagged while its job runs: the tag job then costs no time on the critical path.
            let early = spec.tag_resource_type.zip(rec.physical_id.clone());
            let tagging = async {
                match &early {
                    Some((rtype, id)) => self.tag(plan, &r.logical, rtype, id, template_tags.clone(), left).await,
                    None => Ok(()),
                }
            };
            let watching = async {
                if resumed {
                    self.watcher.wait_adopted_for(spec.create.name, &job_id, left).await
                } else {
                    self.watcher.wait_for(spec.create.name, &job_id, left).await
                }
            };
            let waiting = tokio::time::timeout(left, watching);
            let (waited, tagged) = tokio::join!(waiting, tagging);
            let result = match waited {
                Ok(r) => r.map_err(|e| e.to_string())?,
                Err(_) => return Err(format!("timed out after {timeout:?} (job {job_id} still running)")),
            };
            tagged?;
            tagged_early = early.is_some();
            result
        } else {
            rec.intent = Some(intent(IntentKind::Create, spec.create.name));
            self.persist(plan, rec)?;
            self.retrying(timeout.saturating_sub(started.elapsed()), || self.client.execute(&req))
                .await
                .map_err(|e| e.to_string())?
        };
        let attrs = match result {
            Value::Object(o) => unwrap_object(o, spec.create.fields),
            _ => Map::new(),
        };
        rec.attributes = attrs;
        if spec.create.name == "deployVirtualMachine" {
            if let Some(ip) = lookup_path(&Value::Object(rec.attributes.clone()), "nic.0.ipaddress").cloned() {
                rec.attributes.insert("PrivateIp".into(), ip.clone());
                rec.attributes.insert("PublicIp".into(), ip);
            }
        }
        // The physical id is the first delete key (id, ruleid, name, ...).
        let keys = spec
            .delete_params(&rec.create_wire, &Value::Object(rec.attributes.clone()))
            .map_err(|e| e.to_string())?;
        if let Some((_, v)) = keys.first() {
            rec.physical_id = Some(v.clone());
        }
        // Created: recorded before tagging, so a crash now does not lose it.
        rec.status = Status::CreateComplete;
        rec.intent = None;
        rec.job_id = None;
        rec.tagged = tagged_early || spec.tag_resource_type.is_none();
        self.persist(plan, rec)?;
        // A synchronous create's entity exists now: dependents go on while its tags are put on.
        Ok(pending_tags(
            rec,
            spec,
            template_tags,
            timeout.saturating_sub(started.elapsed()),
        ))
    }

    /// Runs `call`, retrying what the server refused before acting, so a retry is safe: a 429
    /// throttle (CloudStack's limiter executes nothing), for as long as `budget` (the resource's time
    /// left) allows, waiting what the answer asks (else a backoff capped at the 1 s throttle
    /// interval); and a connection that was never made, for at most `transient_retry_for`.
    pub(crate) async fn retrying<T, F, Fut>(&self, budget: Duration, call: F) -> Result<T, ClientError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let started = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            let outcome = call().await;
            let Err(e) = &outcome else { return outcome };
            let elapsed = started.elapsed();
            let wait = match e {
                ClientError::Throttled { retry_after, .. } => retry_after.unwrap_or(delay).min(Duration::from_secs(5)),
                _ if e.is_safe_to_retry_write() && elapsed < self.config.transient_retry_for => delay,
                _ => return outcome,
            };
            if elapsed + wait >= budget {
                return outcome;
            }
            tracing::warn!(error = %e, ?wait, "refused before the server acted; retrying");
            tokio::time::sleep(wait).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }
}
