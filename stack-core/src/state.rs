//! Durable stack state: the [`StateStore`] trait and its embedded SQLite implementation.
//!
//! The engine writes ahead: before each state-changing API call it records what it is about to call
//! (an [`Intent`]), after the reply the job id or physical id, and after the job the result. A process
//! killed anywhere between those points leaves enough behind for [`crate::Engine::resume`] to finish or
//! undo the work.
//!
//! What is stored: each stack's template text, its parameters (NoEcho values never: they are asked for
//! again on resume), options and status; each resource's status, physical id, attributes, the create
//! call's parameters and the async job in flight; every event; and a lock per stack. Values of NoEcho
//! parameters are masked in everything written.
//!
//! [`SqliteStore`] keeps one file per state directory (`stackmate.db`) in WAL mode. WAL with
//! `synchronous=NORMAL` survives the process being killed at any point (the operating system has the
//! data); a power loss may lose the last transactions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::events::{Event, Status};

/// The schema version this build writes. Older files are migrated on open; newer ones are refused.
pub const SCHEMA_VERSION: i64 = 3;

/// The statements that take a file from version `i` to `i + 1` (index 0 creates version 1).
pub const MIGRATIONS: &[&str] = &[
    // Version 1: stacks, resources, events, locks.
    "CREATE TABLE stacks (
        name TEXT PRIMARY KEY,
        stack_id TEXT NOT NULL,
        template TEXT NOT NULL,
        params TEXT NOT NULL,
        no_echo TEXT NOT NULL,
        options TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
    );
    CREATE TABLE resources (
        stack TEXT NOT NULL,
        logical TEXT NOT NULL,
        type_name TEXT NOT NULL,
        status TEXT NOT NULL,
        physical_id TEXT,
        attributes TEXT NOT NULL,
        create_wire TEXT NOT NULL,
        intent TEXT,
        intent_api TEXT,
        intent_ms INTEGER,
        job_id TEXT,
        reason TEXT,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (stack, logical)
    );
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stack TEXT NOT NULL,
        timestamp_ms INTEGER NOT NULL,
        logical_id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        physical_id TEXT,
        status TEXT NOT NULL,
        reason TEXT
    );
    CREATE TABLE locks (
        stack TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        token TEXT NOT NULL,
        since_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL
    );",
    // Version 2: an index for `events --follow`, and whether the stack tags were confirmed.
    "CREATE INDEX events_by_stack ON events (stack, seq);
    ALTER TABLE resources ADD COLUMN tagged INTEGER NOT NULL DEFAULT 0;",
    // Version 3: the API specs stacks were planned against (facts, by content hash), and which spec a
    // cloud endpoint answered listApis with.
    "CREATE TABLE api_specs (
        sha256 TEXT PRIMARY KEY,
        facts TEXT NOT NULL,
        saved_ms INTEGER NOT NULL
    );
    CREATE TABLE endpoint_specs (
        endpoint TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        fetched_ms INTEGER NOT NULL
    );",
];

/// Why the state store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The database could not be opened, read or written.
    #[error("state file {path}: {message}")]
    Storage {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        message: String,
    },
    /// The file was written by a newer stackmate.
    #[error(
        "state file {path} has schema version {found}, newer than this build's {supported}: \
         upgrade stackmate, or use another --state-dir"
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// This build's.
        supported: i64,
    },
    /// Another live process holds the stack.
    #[error(
        "stack {stack} is locked by pid {pid} on {host} since {since} (lease until {until}); wait for it \
         to finish, or stop it; a lock of a dead process is taken over once its lease expires"
    )]
    Locked {
        /// The stack.
        stack: String,
        /// The holder's pid.
        pid: u32,
        /// The holder's host.
        host: String,
        /// When it took the lock (UTC).
        since: String,
        /// When its lease ends (UTC).
        until: String,
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

/// What the engine is about to do to a resource (recorded before the API call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentKind {
    /// A create call.
    Create,
    /// A delete call.
    Delete,
}

impl IntentKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Delete => "delete",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "create" => Some(Self::Create),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }
}

/// A write-ahead intent.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// One resource of a stack: what the engine knows of it, in memory and in the store.
#[derive(Debug, Clone, PartialEq)]
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
        }
    }
}

/// Who holds a stack's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Process id.
    pub pid: u32,
    /// Host name.
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

/// The host name (from `/proc`, the environment, or `localhost`).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Durable storage of stacks, resources, events and locks. Implementations must be safe to call from
/// many tasks; each call is one transaction.
pub trait StateStore: Send + Sync {
    /// Inserts or replaces a stack.
    fn save_stack(&self, stack: &StackRecord) -> Result<(), StateError>;
    /// Sets a stack's status.
    fn set_stack_status(&self, stack: &str, status: Status, reason: Option<&str>) -> Result<(), StateError>;
    /// A stack by name.
    fn stack(&self, name: &str) -> Result<Option<StackRecord>, StateError>;
    /// Every stack, by name.
    fn stacks(&self) -> Result<Vec<StackRecord>, StateError>;
    /// Forgets a stack with its resources and events.
    fn remove_stack(&self, name: &str) -> Result<(), StateError>;
    /// Inserts or replaces one resource's state.
    fn save_resource(&self, stack: &str, resource: &ResourceRecord) -> Result<(), StateError>;
    /// Every resource of a stack.
    fn resources(&self, stack: &str) -> Result<Vec<ResourceRecord>, StateError>;
    /// Appends an event.
    fn append_event(&self, event: &Event) -> Result<(), StateError>;
    /// Events of a stack after sequence number `after`, with their sequence numbers.
    fn events(&self, stack: &str, after: u64) -> Result<Vec<(u64, Event)>, StateError>;
    /// Takes the stack's lock for `lease`, or fails with [`StateError::Locked`]. A lock whose lease
    /// expired, or whose holder is a dead process on this host, is taken over.
    fn acquire_lock(&self, stack: &str, holder: &LockHolder, lease: Duration) -> Result<(), StateError>;
    /// Extends a held lock.
    fn renew_lock(&self, stack: &str, holder: &LockHolder, lease: Duration) -> Result<(), StateError>;
    /// Releases a held lock (no-op when another holder has it).
    fn release_lock(&self, stack: &str, holder: &LockHolder) -> Result<(), StateError>;
    /// Keeps a facts spec under its sha256 (a no-op when it is already kept).
    fn save_spec(&self, sha256: &str, facts: &str) -> Result<(), StateError>;
    /// A kept facts spec.
    fn spec(&self, sha256: &str) -> Result<Option<String>, StateError>;
    /// Records that `endpoint` (a cache key naming a cloud and account) answered listApis with the spec
    /// `sha256`.
    fn set_endpoint_spec(&self, endpoint: &str, sha256: &str) -> Result<(), StateError>;
    /// The spec `endpoint` last answered with, and when it was fetched (ms since the epoch).
    fn endpoint_spec(&self, endpoint: &str) -> Result<Option<(String, u64)>, StateError>;
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

/// The embedded store: one SQLite file per state directory.
pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

/// The state file's name inside a state directory.
pub const STATE_FILE: &str = "stackmate.db";

impl SqliteStore {
    /// Opens (creating if needed) `dir/stackmate.db`, migrating an older schema.
    pub fn open_dir(dir: &Path) -> Result<Self, StateError> {
        std::fs::create_dir_all(dir).map_err(|e| StateError::Storage {
            path: dir.to_path_buf(),
            message: format!("cannot create the state directory: {e}"),
        })?;
        Self::open(&dir.join(STATE_FILE))
    }

    /// Opens `dir/stackmate.db` if it exists (for read-only commands, which create nothing).
    pub fn open_existing_dir(dir: &Path) -> Result<Option<Self>, StateError> {
        let path = dir.join(STATE_FILE);
        if path.is_file() {
            Self::open(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Opens (creating if needed) a state file, migrating an older schema.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let err = |e: rusqlite::Error| StateError::Storage {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StateError::TooNew {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(sql).map_err(err)?;
            tracing::info!(path = %path.display(), to = i + 1, "state schema migrated");
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T, StateError> {
        let mut conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut conn).map_err(|e| StateError::Storage {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }
}

fn status_text(s: Status) -> &'static str {
    s.as_str()
}

fn corrupt(stack: &str, message: impl Into<String>) -> StateError {
    StateError::Corrupt {
        stack: stack.to_string(),
        message: message.into(),
    }
}

fn parse_status(stack: &str, s: &str) -> Result<Status, StateError> {
    Status::parse(s).ok_or_else(|| corrupt(stack, format!("unknown status {s:?}")))
}

fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

type StackRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
);

fn stack_from_row(row: StackRow) -> Result<StackRecord, StateError> {
    let (name, stack_id, template, params, no_echo, options, status, reason, created, updated) = row;
    let bad = |what: &str, e: serde_json::Error| corrupt(&name, format!("{what}: {e}"));
    Ok(StackRecord {
        stack_id,
        template,
        params: serde_json::from_str(&params).map_err(|e| bad("params", e))?,
        no_echo: serde_json::from_str(&no_echo).map_err(|e| bad("no_echo", e))?,
        options: serde_json::from_str(&options).map_err(|e| bad("options", e))?,
        status: parse_status(&name, &status)?,
        reason,
        created_ms: u64::try_from(created).unwrap_or(0),
        updated_ms: u64::try_from(updated).unwrap_or(0),
        name,
    })
}

const STACK_COLUMNS: &str =
    "name, stack_id, template, params, no_echo, options, status, reason, created_ms, updated_ms";

fn read_stack_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StackRow> {
    // rusqlite reads a row into a tuple of its columns' types.
    StackRow::try_from(r)
}

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Whether a process of this host is alive (Linux: `/proc/<pid>` exists).
fn process_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new(&format!("/proc/{pid}")).exists()
}

impl StateStore for SqliteStore {
    fn save_stack(&self, s: &StackRecord) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                &format!("INSERT OR REPLACE INTO stacks ({STACK_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"),
                params![
                    s.name,
                    s.stack_id,
                    s.template,
                    json_text(&s.params),
                    json_text(&s.no_echo),
                    json_text(&s.options),
                    status_text(s.status),
                    s.reason,
                    ms(s.created_ms),
                    ms(now_ms()),
                ],
            )
            .map(|_| ())
        })
    }

    fn set_stack_status(&self, stack: &str, status: Status, reason: Option<&str>) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "UPDATE stacks SET status = ?2, reason = ?3, updated_ms = ?4 WHERE name = ?1",
                params![stack, status_text(status), reason, ms(now_ms())],
            )
            .map(|_| ())
        })
    }

    fn stack(&self, name: &str) -> Result<Option<StackRecord>, StateError> {
        let row = self.with(|c| {
            c.query_row(
                &format!("SELECT {STACK_COLUMNS} FROM stacks WHERE name = ?1"),
                params![name],
                read_stack_row,
            )
            .optional()
        })?;
        row.map(stack_from_row).transpose()
    }

    fn stacks(&self) -> Result<Vec<StackRecord>, StateError> {
        let rows = self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {STACK_COLUMNS} FROM stacks ORDER BY name"))?;
            let rows = st.query_map([], read_stack_row)?.collect::<rusqlite::Result<Vec<_>>>();
            rows
        })?;
        rows.into_iter().map(stack_from_row).collect()
    }

    fn remove_stack(&self, name: &str) -> Result<(), StateError> {
        self.with(|c| {
            let tx = c.transaction()?;
            for table in ["stacks WHERE name", "resources WHERE stack", "events WHERE stack"] {
                tx.execute(&format!("DELETE FROM {table} = ?1"), params![name])?;
            }
            tx.commit()
        })
    }

    fn save_resource(&self, stack: &str, r: &ResourceRecord) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO resources (stack, logical, type_name, status, physical_id, attributes,
                    create_wire, intent, intent_api, intent_ms, job_id, reason, updated_ms, tagged)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
                params![
                    stack,
                    r.logical,
                    r.type_name,
                    status_text(r.status),
                    r.physical_id,
                    json_text(&r.attributes),
                    json_text(&r.create_wire),
                    r.intent.as_ref().map(|i| i.kind.as_str()),
                    r.intent.as_ref().map(|i| i.api.clone()),
                    r.intent.as_ref().map(|i| ms(i.at_ms)),
                    r.job_id,
                    r.reason,
                    ms(now_ms()),
                    r.tagged,
                ],
            )
            .map(|_| ())
        })
    }

    fn resources(&self, stack: &str) -> Result<Vec<ResourceRecord>, StateError> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<String>,
            bool,
        );
        let rows: Vec<Row> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT logical, type_name, status, physical_id, attributes, create_wire, intent, intent_api,
                        intent_ms, job_id, reason, tagged
                 FROM resources WHERE stack = ?1 ORDER BY logical",
            )?;
            let rows = st
                .query_map(params![stack], |r| Row::try_from(r))?
                .collect::<rusqlite::Result<Vec<_>>>();
            rows
        })?;
        rows.into_iter()
            .map(
                |(logical, type_name, status, physical_id, attrs, wire, intent, api, at, job_id, reason, tagged)| {
                    let intent = match (intent.as_deref().and_then(IntentKind::parse), api) {
                        (Some(kind), Some(api)) => Some(Intent {
                            kind,
                            api,
                            at_ms: at.and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
                        }),
                        _ => None,
                    };
                    Ok(ResourceRecord {
                        status: parse_status(stack, &status)?,
                        attributes: serde_json::from_str(&attrs)
                            .map_err(|e| corrupt(stack, format!("attributes of {logical}: {e}")))?,
                        create_wire: serde_json::from_str(&wire)
                            .map_err(|e| corrupt(stack, format!("create parameters of {logical}: {e}")))?,
                        logical,
                        type_name,
                        physical_id,
                        intent,
                        job_id,
                        tagged,
                        reason,
                    })
                },
            )
            .collect()
    }

    fn append_event(&self, e: &Event) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO events (stack, timestamp_ms, logical_id, resource_type, physical_id, status, reason)
                 VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![
                    e.stack,
                    ms(e.timestamp_ms),
                    e.logical_id,
                    e.resource_type,
                    e.physical_id,
                    status_text(e.status),
                    e.reason
                ],
            )
            .map(|_| ())
        })
    }

    fn events(&self, stack: &str, after: u64) -> Result<Vec<(u64, Event)>, StateError> {
        type Row = (i64, i64, String, String, Option<String>, String, Option<String>);
        let rows: Vec<Row> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT seq, timestamp_ms, logical_id, resource_type, physical_id, status, reason
                 FROM events WHERE stack = ?1 AND seq > ?2 ORDER BY seq",
            )?;
            let rows = st
                .query_map(params![stack, ms(after)], |r| Row::try_from(r))?
                .collect::<rusqlite::Result<Vec<_>>>();
            rows
        })?;
        rows.into_iter()
            .map(|(seq, ts, logical_id, resource_type, physical_id, status, reason)| {
                Ok((
                    u64::try_from(seq).unwrap_or(0),
                    Event {
                        timestamp_ms: u64::try_from(ts).unwrap_or(0),
                        stack: stack.to_string(),
                        logical_id,
                        resource_type,
                        physical_id,
                        status: parse_status(stack, &status)?,
                        reason,
                    },
                ))
            })
            .collect()
    }

    fn acquire_lock(&self, stack: &str, holder: &LockHolder, lease: Duration) -> Result<(), StateError> {
        let now = now_ms();
        let held = self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current: Option<(u32, String, String, i64, i64)> = tx
                .query_row(
                    "SELECT pid, host, token, since_ms, expires_ms FROM locks WHERE stack = ?1",
                    params![stack],
                    |r| <(u32, String, String, i64, i64)>::try_from(r),
                )
                .optional()?;
            if let Some((pid, host, token, since, expires)) = current {
                let mine = token == holder.token;
                let expired = u64::try_from(expires).unwrap_or(0) <= now;
                let dead = host == holder.host && !process_alive(pid);
                if !mine && !expired && !dead {
                    return Ok(Some((pid, host, since, expires)));
                }
                if !mine {
                    tracing::warn!(stack, pid, host = %host, "taking over a stale lock");
                }
            }
            tx.execute(
                "INSERT OR REPLACE INTO locks (stack, pid, host, token, since_ms, expires_ms)
                 VALUES (?1,?2,?3,?4,?5,?6)",
                params![
                    stack,
                    holder.pid,
                    holder.host,
                    holder.token,
                    ms(now),
                    ms(now + u64::try_from(lease.as_millis()).unwrap_or(u64::MAX / 2))
                ],
            )?;
            tx.commit()?;
            Ok(None)
        })?;
        match held {
            None => Ok(()),
            Some((pid, host, since, expires)) => Err(StateError::Locked {
                stack: stack.to_string(),
                pid,
                host,
                since: utc(u64::try_from(since).unwrap_or(0)),
                until: utc(u64::try_from(expires).unwrap_or(0)),
            }),
        }
    }

    fn renew_lock(&self, stack: &str, holder: &LockHolder, lease: Duration) -> Result<(), StateError> {
        let until = now_ms() + u64::try_from(lease.as_millis()).unwrap_or(u64::MAX / 2);
        let changed = self.with(|c| {
            c.execute(
                "UPDATE locks SET expires_ms = ?3 WHERE stack = ?1 AND token = ?2",
                params![stack, holder.token, ms(until)],
            )
        })?;
        if changed == 0 {
            // Somebody took it over (our lease ran out): take it again if we can, or report who has it.
            return self.acquire_lock(stack, holder, lease);
        }
        Ok(())
    }

    fn release_lock(&self, stack: &str, holder: &LockHolder) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "DELETE FROM locks WHERE stack = ?1 AND token = ?2",
                params![stack, holder.token],
            )
            .map(|_| ())
        })
    }

    fn save_spec(&self, sha256: &str, facts: &str) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "INSERT OR IGNORE INTO api_specs (sha256, facts, saved_ms) VALUES (?1, ?2, ?3)",
                params![sha256, facts, ms(now_ms())],
            )
            .map(|_| ())
        })
    }

    fn spec(&self, sha256: &str) -> Result<Option<String>, StateError> {
        self.with(|c| {
            c.query_row("SELECT facts FROM api_specs WHERE sha256 = ?1", params![sha256], |r| {
                r.get(0)
            })
            .optional()
        })
    }

    fn set_endpoint_spec(&self, endpoint: &str, sha256: &str) -> Result<(), StateError> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO endpoint_specs (endpoint, sha256, fetched_ms) VALUES (?1, ?2, ?3)",
                params![endpoint, sha256, ms(now_ms())],
            )
            .map(|_| ())
        })
    }

    fn endpoint_spec(&self, endpoint: &str) -> Result<Option<(String, u64)>, StateError> {
        self.with(|c| {
            c.query_row(
                "SELECT sha256, fetched_ms FROM endpoint_specs WHERE endpoint = ?1",
                params![endpoint],
                |r| Ok((r.get::<_, String>(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0))),
            )
            .optional()
        })
    }
}
