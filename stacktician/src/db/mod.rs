//! The service's own tables: owners, API tokens, stored templates, the operation queue and the
//! workers. [`ServiceDb`] is their contract, kept by PostgreSQL ([`postgres::PgServiceDb`], for many
//! workers on many machines) and SQLite ([`sqlite::SqliteServiceDb`], the embedded default, for
//! the workers of one machine). Stacks themselves live in stack-core's state store, beside these.
//!
//! The queue: an operation is a row; a worker claims the oldest claimable one (queued, or running
//! with an expired lease) and raises its fencing counter in the same statement (PostgreSQL:
//! `FOR UPDATE SKIP LOCKED`), renews its lease while it runs, and finishes it only if its fence is
//! still the row's. A stack has at most one operation queued or running (a unique partial index).

use std::future::Future;
use std::pin::Pin;

pub mod conformance;
pub mod postgres;
pub mod sqlite;

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database failed (connection, query).
    #[error("the service database ({db}) failed: {message}")]
    Storage {
        /// Which database.
        db: String,
        /// What it said.
        message: String,
    },
    /// A unique name or a stack's one active operation is taken.
    #[error("{0}")]
    Conflict(String),
    /// A row does not hold what this build reads.
    #[error("the service database holds a row this build cannot read: {0}")]
    Corrupt(String),
}

/// What a [`ServiceDb`] call returns.
pub type DbFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DbError>> + Send + 'a>>;

/// An owner: who stacks and templates belong to, with the CloudStack account they run in.
#[derive(Clone, PartialEq, Eq)]
pub struct Owner {
    /// Id.
    pub id: i64,
    /// Name (unique).
    pub name: String,
    /// Whether its tokens see every owner's stacks.
    pub admin: bool,
    /// The CloudStack API endpoint.
    pub endpoint: String,
    /// The CloudStack API key.
    pub api_key: String,
    /// The CloudStack secret key, sealed ([`crate::sealing`]).
    pub secret_sealed: String,
    /// A shipped release to plan against instead of the cloud's own listApis.
    pub api_version: Option<String>,
    /// Created (ms since the epoch).
    pub created_ms: i64,
}

impl std::fmt::Debug for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Owner")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("admin", &self.admin)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// An API token's row (its secret only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// Public id.
    pub id: String,
    /// Owner id.
    pub owner: i64,
    /// argon2id hash of its secret.
    pub hash: String,
    /// A label for people.
    pub label: String,
    /// Revoked tokens are refused.
    pub revoked: bool,
    /// Created (ms since the epoch).
    pub created_ms: i64,
}

/// One version of a stored template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    /// Owner id.
    pub owner: i64,
    /// Name.
    pub name: String,
    /// Version (1, 2, ...).
    pub version: i64,
    /// The template text.
    pub body: String,
    /// Stored (ms since the epoch).
    pub created_ms: i64,
}

/// Where an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpState {
    /// Waiting for a worker.
    Queued,
    /// A worker holds it (until its lease runs out).
    Running,
    /// Finished; its stack reached the state it asked for.
    Done,
    /// Finished; it failed (the stack's status and reason say how).
    Failed,
}

impl OpState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// From its stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A stack operation, as queued.
#[derive(Clone, PartialEq, Eq)]
pub struct Operation {
    /// Id.
    pub id: i64,
    /// Owner id.
    pub owner: i64,
    /// The stack's name (the owner's, not the store's).
    pub stack: String,
    /// What to do ([`crate::operations::OpRequest::kind`]).
    pub kind: String,
    /// Its arguments as JSON, without secrets.
    pub payload: String,
    /// Its secrets (NoEcho values) as sealed JSON; emptied when it finishes.
    pub sealed: String,
    /// Where it is.
    pub state: OpState,
    /// The worker holding it.
    pub worker: Option<String>,
    /// The fencing counter: raised by every claim.
    pub fence: i64,
    /// The holder's lease runs out then (ms since the epoch).
    pub lease_until_ms: i64,
    /// Where the holder serves the stack's guests (wait conditions, metadata).
    pub guest_addr: Option<String>,
    /// Queued (ms since the epoch).
    pub created_ms: i64,
    /// Last claimed.
    pub started_ms: Option<i64>,
    /// Finished.
    pub finished_ms: Option<i64>,
    /// How it ended (a stack status, or an error code and message).
    pub outcome: Option<String>,
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation")
            .field("id", &self.id)
            .field("stack", &self.stack)
            .field("kind", &self.kind)
            .field("state", &self.state)
            .field("fence", &self.fence)
            .finish_non_exhaustive()
    }
}

/// The last drift check of a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftRow {
    /// Owner id.
    pub owner: i64,
    /// The stack's name (the owner's).
    pub stack: String,
    /// The stack's id when it was checked: a stack made again under the name is another stack.
    pub stack_id: String,
    /// When it was checked (ms since the epoch).
    pub checked_ms: i64,
    /// The report as the API answered it (JSON, secrets masked).
    pub report: String,
}

/// A new operation.
#[derive(Debug, Clone)]
pub struct NewOperation<'a> {
    /// Owner id.
    pub owner: i64,
    /// Stack name.
    pub stack: &'a str,
    /// Kind.
    pub kind: &'a str,
    /// Arguments (JSON, no secrets).
    pub payload: &'a str,
    /// Secrets (sealed JSON).
    pub sealed: &'a str,
}

/// The service's tables. Every method is one short transaction.
pub trait ServiceDb: Send + Sync {
    /// Adds an owner; a taken name is a conflict.
    fn add_owner<'a>(&'a self, owner: &'a Owner) -> DbFuture<'a, Owner>;
    /// The owner with this id.
    fn owner<'a>(&'a self, id: i64) -> DbFuture<'a, Option<Owner>>;
    /// The owner with this name.
    fn owner_named<'a>(&'a self, name: &'a str) -> DbFuture<'a, Option<Owner>>;
    /// Every owner.
    fn owners(&self) -> DbFuture<'_, Vec<Owner>>;

    /// Adds a token.
    fn add_token<'a>(&'a self, token: &'a TokenRow) -> DbFuture<'a, ()>;
    /// The token with this id.
    fn token<'a>(&'a self, id: &'a str) -> DbFuture<'a, Option<TokenRow>>;
    /// An owner's tokens.
    fn tokens(&self, owner: i64) -> DbFuture<'_, Vec<TokenRow>>;
    /// Revokes a token; false if there is none with this id.
    fn revoke_token<'a>(&'a self, id: &'a str) -> DbFuture<'a, bool>;

    /// Stores a new version of template `name`; returns its version.
    fn put_template<'a>(&'a self, owner: i64, name: &'a str, body: &'a str, now_ms: i64) -> DbFuture<'a, i64>;
    /// A version of template `name` (the newest if `None`).
    fn template<'a>(&'a self, owner: i64, name: &'a str, version: Option<i64>) -> DbFuture<'a, Option<TemplateRow>>;
    /// The newest version of every template of `owner` (every owner's if `None`), without bodies.
    fn templates(&self, owner: Option<i64>) -> DbFuture<'_, Vec<TemplateRow>>;
    /// Every version of template `name`, without bodies.
    fn template_versions<'a>(&'a self, owner: i64, name: &'a str) -> DbFuture<'a, Vec<TemplateRow>>;

    /// Keeps `drift` as its stack's last drift check, in place of the one before.
    fn put_drift<'a>(&'a self, drift: &'a DriftRow) -> DbFuture<'a, ()>;
    /// The last drift check of `owner`'s stack `stack`, if there was one.
    fn drift<'a>(&'a self, owner: i64, stack: &'a str) -> DbFuture<'a, Option<DriftRow>>;

    /// Queues an operation and wakes the workers; a conflict if its stack has one queued or running.
    fn enqueue<'a>(&'a self, op: &'a NewOperation<'a>, now_ms: i64) -> DbFuture<'a, i64>;
    /// Claims the oldest claimable operation for `worker`, raising its fence.
    fn claim<'a>(&'a self, worker: &'a str, lease_until_ms: i64, now_ms: i64) -> DbFuture<'a, Option<Operation>>;
    /// Renews the lease of operation `id` held with `fence`; false if the fence is no longer its.
    fn renew<'a>(&'a self, id: i64, fence: i64, lease_until_ms: i64) -> DbFuture<'a, bool>;
    /// Records where the holder serves the stack's guests.
    fn set_guest_addr<'a>(&'a self, id: i64, fence: i64, addr: &'a str) -> DbFuture<'a, bool>;
    /// Finishes operation `id` held with `fence` and empties its secrets; false if the fence is no
    /// longer its.
    fn finish<'a>(&'a self, id: i64, fence: i64, state: OpState, outcome: &'a str, now_ms: i64) -> DbFuture<'a, bool>;
    /// Hands operation `id` back to the queue, claimable at once.
    fn hand_back(&self, id: i64, fence: i64) -> DbFuture<'_, bool>;
    /// Operation `id`.
    fn operation(&self, id: i64) -> DbFuture<'_, Option<Operation>>;
    /// The operations of `owner`'s stack `stack`, newest first.
    fn operations<'a>(&'a self, owner: i64, stack: &'a str, limit: i64) -> DbFuture<'a, Vec<Operation>>;
    /// The operations queued or running, oldest first.
    fn active_operations(&self) -> DbFuture<'_, Vec<Operation>>;

    /// Records that `worker` is alive.
    fn heartbeat<'a>(&'a self, worker: &'a str, now_ms: i64) -> DbFuture<'a, ()>;
    /// Workers seen alive since `since_ms`.
    fn live_workers(&self, since_ms: i64) -> DbFuture<'_, i64>;
    /// Forgets `worker` (it stopped).
    fn remove_worker<'a>(&'a self, worker: &'a str) -> DbFuture<'a, ()>;

    /// Waits until work may have been queued (a notification) or `timeout` passes.
    fn wait_for_work(&self, timeout: std::time::Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}
