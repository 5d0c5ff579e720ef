//! Durable stack state: the [`StateStore`] contract (a port: the engine implements none but the
//! in-memory one), its records, [`MemoryStore`] (for tests and programs that embed the engine
//! without a disk) and [`conformance`], the one test suite every store runs. The SQLite store of the
//! CLI (`stack-store-sqlite`) and the PostgreSQL store of the service (`stack-store-postgres`) are
//! sibling crates.
//!
//! The engine writes ahead: before each state-changing API call it records what it is about to call
//! (an [`Intent`]), after the reply the job id or physical id, and after the job the result. A process
//! killed anywhere between those points leaves enough behind for [`crate::Engine::resume`] to finish or
//! undo the work.
//!
//! What is stored: each stack's template text, its parameters (NoEcho values never: they are asked for
//! again on resume), options and status; each resource's status, physical id, attributes, the create
//! call's parameters and the async job in flight; every event; each wait-condition handle (its token
//! only as a SHA-256) and the signals guests sent to it; and a lock per stack. Secrets (NoEcho values,
//! the metadata token, handle tokens) are masked in everything written, in every encoding
//! (see `secrets` in the crate docs).
//!
//! ## Locks: a lease with a fencing counter
//!
//! A stack is written only by the holder of its lock. [`StateStore::acquire_lock`] hands out a
//! [`Lease`]: a random token and a fencing counter that grows with every acquisition of that stack's
//! lock. The holder renews it while it works. A lock whose lease ran out may be taken by anyone, and the
//! taker's counter is higher, so every later write of the old holder is refused
//! ([`StateError::Fenced`]): each write names its lease and the store checks it in the same
//! transaction. Nothing depends on process ids or host names (they are kept only to say who holds a
//! lock), so holders in containers or on other hosts are safe.
//!
//! The methods are async and return boxed futures, so the trait can be a `dyn StateStore`; a store
//! with blocking I/O (SQLite) keeps it off the runtime's threads.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::events::{Event, Status};

pub mod conformance;
mod memory;

pub use memory::MemoryStore;

/// What every [`StateStore`] method returns: a future that may be sent between threads.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StateError>> + Send + 'a>>;

/// Why the state store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The store could not be opened, read or written.
    #[error("{store}: {message}")]
    Storage {
        /// The store (`state file /path/stackmate.db`, a database address).
        store: String,
        /// What the database said.
        message: String,
    },
    /// The store was written by a newer stackmate.
    #[error(
        "{store} has schema version {found}, newer than this build's {supported}: \
         upgrade this program, or use another state store"
    )]
    TooNew {
        /// The store.
        store: String,
        /// Its version.
        found: i64,
        /// This build's.
        supported: i64,
    },
    /// Another holder's lease on the stack has not run out.
    #[error(
        "stack {stack} is locked by pid {pid} on {host} since {since} (lease until {until}); wait for it \
         to finish, or stop it; a lock whose holder died is taken over once its lease runs out"
    )]
    Locked {
        /// The stack.
        stack: String,
        /// The holder's pid (for the message only).
        pid: u32,
        /// The holder's host (for the message only).
        host: String,
        /// When it took the lock (UTC).
        since: String,
        /// When its lease ends (UTC).
        until: String,
        /// When its lease ends (ms since the epoch), to wait for it.
        until_ms: u64,
    },
    /// A write under a lease that is no longer the stack's: another holder took the lock over after
    /// this one's lease ran out, so this holder must stop.
    #[error(
        "stack {stack}: this run lost its lock (lease {fence}); another run took the stack over after the \
         lease ran out, so nothing more is written by this one"
    )]
    Fenced {
        /// The stack.
        stack: String,
        /// The fencing counter of the refused lease.
        fence: u64,
    },
    /// A write for one stack under the lease of another.
    #[error("a write for stack {record} was made under the lease of stack {lease}: a bug in the caller")]
    WrongStack {
        /// The stack the record names.
        record: String,
        /// The stack the lease is for.
        lease: String,
    },
    /// A stored value could not be read back.
    #[error("state of stack {stack} is damaged: {message}")]
    Corrupt {
        /// The stack.
        stack: String,
        /// What was wrong.
        message: String,
    },
}

impl StateError {
    /// The stack is held by `pid` on `host` since `since_ms` until `until_ms`.
    pub fn locked(stack: &str, pid: u32, host: &str, since_ms: u64, until_ms: u64) -> Self {
        Self::Locked {
            stack: stack.to_string(),
            pid,
            host: host.to_string(),
            since: utc(since_ms),
            until: utc(until_ms),
            until_ms,
        }
    }
}

/// What the engine is about to do to a resource (recorded before the API call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntentKind {
    /// A create call.
    Create,
    /// A delete call.
    Delete,
    /// An update call (or a stop or start around one): the record's `create_wire` is what the
    /// resource is being changed to.
    Update,
}

impl IntentKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Delete => "delete",
            Self::Update => "update",
        }
    }
    /// From its stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "create" => Some(Self::Create),
            "delete" => Some(Self::Delete),
            "update" => Some(Self::Update),
            _ => None,
        }
    }
}

/// A write-ahead intent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Intent {
    /// Create or delete.
    pub kind: IntentKind,
    /// The API about to be called.
    pub api: String,
    /// When it was recorded (ms since the epoch).
    pub at_ms: u64,
}

/// The stored options of a stack (what is needed to plan it again on resume).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredOptions {
    /// CloudStack release of the participants (`4.17`, or a cloud's `cloudstackversion`).
    pub version: String,
    /// sha256 of the facts spec the stack was planned against; the spec itself is kept in the store
    /// ([`StateStore::spec`]). Empty in records written before specs were stored: then `version` is a
    /// release shipped with `cloudstack-api`.
    #[serde(default)]
    pub spec_sha256: String,
    /// Zone ids.
    pub zones: Vec<String>,
    /// Whether `name` properties were made unique per stack.
    pub unique_names: bool,
    /// Whether rollback was disabled.
    pub disable_rollback: bool,
    /// The metadata server's URL the stack's guests were given (`CloudStack::StackMateApiURL`): a
    /// resume serves the wait conditions there again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_url: Option<String>,
    /// The address that server listened on (a resume listens there again unless told otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_listen: Option<String>,
    /// The stack policy (CloudFormation's JSON) every update is checked against, once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_policy: Option<String>,
    /// The stack's own tags, put on every resource that takes tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stack_tags: BTreeMap<String, String>,
    /// Minutes the create may take, counted from the stack's `created_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u32>,
}

/// One stack in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct StackRecord {
    /// Name (unique in a store).
    pub name: String,
    /// Id (tags carry it).
    pub stack_id: String,
    /// The template text.
    pub template: String,
    /// Parameter values, without NoEcho ones.
    pub params: BTreeMap<String, String>,
    /// Names of NoEcho parameters that were given (their values must be supplied again on resume).
    pub no_echo: Vec<String>,
    /// Options.
    pub options: StoredOptions,
    /// Status.
    pub status: Status,
    /// Why, for failures.
    pub reason: Option<String>,
    /// Created (ms since the epoch).
    pub created_ms: u64,
    /// Last change (ms since the epoch).
    pub updated_ms: u64,
    /// While an update runs (or its rollback, or a rollback that failed): the template and
    /// parameters the stack had before it, what a rollback goes back to.
    pub previous: Option<StackVersion>,
}

/// A stack's template and parameters at one point (the one before an update).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StackVersion {
    /// The template text.
    pub template: String,
    /// Parameter values, without NoEcho ones.
    pub params: BTreeMap<String, String>,
    /// Names of NoEcho parameters that were given.
    pub no_echo: Vec<String>,
}

/// One resource of a stack: what the engine knows of it, in memory and in the store.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResourceRecord {
    /// Logical id.
    pub logical: String,
    /// Type.
    pub type_name: String,
    /// Status.
    pub status: Status,
    /// Physical id, once known.
    pub physical_id: Option<String>,
    /// Attributes, once created.
    pub attributes: Map<String, Value>,
    /// The create call's wire parameters (the delete call's keys may come from them; NoEcho values are
    /// masked when stored).
    pub create_wire: Vec<(String, String)>,
    /// The call in flight, if any (written before the call).
    pub intent: Option<Intent>,
    /// Its async job id, once the reply is recorded.
    pub job_id: Option<String>,
    /// Whether the stack tags were confirmed on the resource.
    pub tagged: bool,
    /// Why it failed.
    pub reason: Option<String>,
    /// During an update that replaces this resource: the physical resource it replaces, kept
    /// until the update's clean-up deletes it (or its rollback restores it). Written in the same
    /// record, so the pair is never half saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<Box<ResourceRecord>>,
}

impl ResourceRecord {
    /// A record with nothing known yet.
    pub fn new(logical: &str, type_name: &str, status: Status) -> Self {
        Self {
            logical: logical.to_string(),
            type_name: type_name.to_string(),
            status,
            physical_id: None,
            attributes: Map::new(),
            create_wire: Vec::new(),
            intent: None,
            job_id: None,
            tagged: false,
            reason: None,
            replaced: None,
        }
    }
}

/// A wait-condition handle of a stack, as stored: its token only as a SHA-256, enough to check a
/// signal's URL and never enough to make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandleRecord {
    /// The handle's logical id.
    pub logical: String,
    /// Lowercase hex SHA-256 of its token.
    pub token_sha256: String,
    /// When it was made (ms since the epoch).
    pub created_ms: u64,
}

/// A signal a guest sent to a wait-condition handle, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalRecord {
    /// SUCCESS (true) or FAILURE (false).
    pub success: bool,
    /// `Reason`.
    pub reason: String,
    /// `UniqueId` (one record per id: a later signal with the same id replaces it, in place).
    pub unique_id: String,
    /// `Data`.
    pub data: String,
    /// When it was received (ms since the epoch).
    pub received_ms: u64,
}

/// A change set kept for a stack: what its body holds is the engine's business
/// ([`crate::change_set::StoredChangeSet`]); the store keeps it as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetRecord {
    /// Its name (unique per stack).
    pub name: String,
    /// The change set, as JSON text.
    pub body: String,
    /// When it was made (ms since the epoch).
    pub created_ms: u64,
}

/// Who asks for a stack's lock. Its token identifies it; pid and host only say who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Process id (for messages).
    pub pid: u32,
    /// Host name (for messages).
    pub host: String,
    /// A random token of this holder (two engines in one process differ).
    pub token: String,
}

impl LockHolder {
    /// This process, with a fresh token.
    pub fn this_process() -> Self {
        let mut bytes = [0u8; 8];
        let _ = getrandom::fill(&mut bytes);
        Self {
            pid: std::process::id(),
            host: host_name(),
            token: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// A held lock: every write to the stack names it, and the store refuses it once another holder
/// took the lock over ([`StateError::Fenced`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The stack.
    pub stack: String,
    /// The holder's token.
    pub token: String,
    /// The fencing counter: higher for every acquisition of this stack's lock.
    pub fence: u64,
}

/// The host name (from `/proc`, the environment, or `localhost`).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Durable storage of stacks, resources, events, locks and API specs. Implementations must be safe to
/// call from many tasks; each call is one transaction. Writes to a stack name its [`Lease`] and are
/// refused unless it is the stack's current one.
pub trait StateStore: Send + Sync {
    /// Inserts or replaces a stack record (`stack.name` must be the lease's stack).
    fn save_stack<'a>(&'a self, lease: &'a Lease, stack: &'a StackRecord) -> StoreFuture<'a, ()>;
    /// Sets the leased stack's status (and reason).
    fn set_stack_status<'a>(&'a self, lease: &'a Lease, status: Status, reason: Option<&'a str>)
        -> StoreFuture<'a, ()>;
    /// One stack.
    fn stack<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<StackRecord>>;
    /// All stacks, by name.
    fn stacks(&self) -> StoreFuture<'_, Vec<StackRecord>>;
    /// Removes the leased stack with its resources, events, handles, signals and change sets (its
    /// lock's counter stays).
    fn remove_stack<'a>(&'a self, lease: &'a Lease) -> StoreFuture<'a, ()>;
    /// Inserts or replaces a resource record of the leased stack.
    fn save_resource<'a>(&'a self, lease: &'a Lease, resource: &'a ResourceRecord) -> StoreFuture<'a, ()>;
    /// A stack's resources, by logical id.
    fn resources<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<ResourceRecord>>;
    /// Appends an event of the leased stack; returns its sequence number (increasing per store).
    fn append_event<'a>(&'a self, lease: &'a Lease, event: &'a Event) -> StoreFuture<'a, u64>;
    /// A stack's events after sequence number `after`, oldest first, with their sequence numbers.
    fn events<'a>(&'a self, stack: &'a str, after: u64) -> StoreFuture<'a, Vec<(u64, Event)>>;
    /// Takes the stack's lock for `duration`: free, released, or with a lease that ran out. Refused
    /// with [`StateError::Locked`] while another holder's lease lasts.
    fn acquire_lock<'a>(&'a self, stack: &'a str, holder: &'a LockHolder, duration: Duration)
        -> StoreFuture<'a, Lease>;
    /// Extends a held lease by `duration` from now; [`StateError::Fenced`] if it was taken over.
    fn renew_lock<'a>(&'a self, lease: &'a Lease, duration: Duration) -> StoreFuture<'a, ()>;
    /// Releases a held lease (a lease already taken over is left alone).
    fn release_lock<'a>(&'a self, lease: &'a Lease) -> StoreFuture<'a, ()>;
    /// Inserts or replaces a wait-condition handle of the leased stack.
    fn save_handle<'a>(&'a self, lease: &'a Lease, handle: &'a HandleRecord) -> StoreFuture<'a, ()>;
    /// A stack's wait-condition handles, by logical id.
    fn handles<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<HandleRecord>>;
    /// Keeps a signal received on handle `handle` of `stack`; one with the same `unique_id` is
    /// replaced in place. Not under a lease: signals come from guests, to whichever process serves
    /// the handle. Returns false, keeping nothing, when the store has no such handle.
    fn save_signal<'a>(&'a self, stack: &'a str, handle: &'a str, signal: &'a SignalRecord) -> StoreFuture<'a, bool>;
    /// The signals of handle `handle` of `stack`, in the order first received.
    fn signals<'a>(&'a self, stack: &'a str, handle: &'a str) -> StoreFuture<'a, Vec<SignalRecord>>;
    /// Inserts or replaces a change set of the leased stack.
    fn save_change_set<'a>(&'a self, lease: &'a Lease, change_set: &'a ChangeSetRecord) -> StoreFuture<'a, ()>;
    /// A stack's change sets, by name.
    fn change_sets<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<ChangeSetRecord>>;
    /// Removes the leased stack's change set `name`, or all of them when `name` is `None` (executing
    /// one discards the others).
    fn remove_change_sets<'a>(&'a self, lease: &'a Lease, name: Option<&'a str>) -> StoreFuture<'a, ()>;
    /// Keeps an API spec's facts under their sha256 (the first one kept stays).
    fn save_spec<'a>(&'a self, sha256: &'a str, facts: &'a str) -> StoreFuture<'a, ()>;
    /// The facts kept under `sha256`.
    fn spec<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<String>>;
    /// Records that `endpoint` answered listApis with the spec `sha256`.
    fn set_endpoint_spec<'a>(&'a self, endpoint: &'a str, sha256: &'a str) -> StoreFuture<'a, ()>;
    /// The spec `endpoint` last answered with, and when it was fetched (ms since the epoch).
    fn endpoint_spec<'a>(&'a self, endpoint: &'a str) -> StoreFuture<'a, Option<(String, u64)>>;
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `2026-11-24T06:00:00Z` for a millisecond timestamp.
pub fn utc(ms: u64) -> String {
    cloudstack_client::signing::format_utc(ms / 1000, "Z")
}

/// `now + duration` in ms since the epoch.
pub fn expiry(now: u64, duration: Duration) -> u64 {
    now.saturating_add(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX / 2))
}
