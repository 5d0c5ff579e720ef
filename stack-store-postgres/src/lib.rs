//! A [`StateStore`] on PostgreSQL, for many engines (the stacktician service's workers, on any
//! number of machines) sharing one database: the same contract as stack-core's SQLite store, checked
//! by the same conformance suite ([`stack_core::state::conformance`]).
//!
//! - **Locks** are leases with a fencing counter, as the contract says: taking a lock locks its row
//!   (`SELECT ... FOR UPDATE`), and every write checks, in its own transaction and with the lock's
//!   row held (`FOR SHARE`), that its lease is still the stack's, so a worker that lost its lease
//!   cannot write.
//! - **Migrations** run on connect, under a transaction-scoped advisory lock, so workers starting
//!   together migrate once; a database of a newer schema is refused.
//! - **Tables** are prefixed `stackmate_`, so the store can share a database. A resource record is
//!   kept as JSON (its serde form), the rest in columns.
//!
//! What it does not do: TLS (connect through a local socket, a tunnel or a trusted network), or
//! pool more than the few connections it opens.
//!
//! ```no_run
//! # async fn demo() -> Result<(), stack_core::state::StateError> {
//! let store = stack_store_postgres::PostgresStore::connect("host=127.0.0.1 user=postgres dbname=test").await?;
//! let engine_store: std::sync::Arc<dyn stack_core::StateStore> = std::sync::Arc::new(store);
//! # let _ = engine_store; Ok(()) }
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use stack_core::events::{Event, Status};
use stack_core::state::{
    now_ms, utc, ChangeSetRecord, HandleRecord, Lease, LockHolder, ResourceRecord, SignalRecord, StackRecord,
    StateError, StateStore, StoreFuture,
};
use tokio_postgres::{Client, NoTls, Transaction};

mod schema;

pub use schema::{MIGRATIONS, SCHEMA_VERSION};

/// How many connections a store opens.
const CONNECTIONS: usize = 4;

/// The PostgreSQL store.
pub struct PostgresStore {
    clients: Vec<tokio::sync::Mutex<Client>>,
    next: AtomicUsize,
    /// How errors name the store (the connection string without a password).
    shown: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("database", &self.shown).finish()
    }
}

/// `config` with any `password=...` left out, for messages.
fn without_password(config: &str) -> String {
    config
        .split_whitespace()
        .filter(|kv| !kv.starts_with("password="))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl PostgresStore {
    /// Connects to the database `config` names (libpq's `key=value` form or a `postgresql://` URL)
    /// and brings its schema up to this build's.
    pub async fn connect(config: &str) -> Result<Self, StateError> {
        let shown = format!("PostgreSQL ({})", without_password(config));
        let failed = |e: tokio_postgres::Error| StateError::Storage {
            store: shown.clone(),
            message: e.to_string(),
        };
        let mut clients = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            let (client, connection) = tokio_postgres::connect(config, NoTls).await.map_err(failed)?;
            // The connection's task: an error ends it, and the next query on it reports that.
            tokio::spawn(async move {
                let _ = connection.await;
            });
            clients.push(tokio::sync::Mutex::new(client));
        }
        let store = Self {
            clients,
            next: AtomicUsize::new(0),
            shown,
        };
        store.migrate().await?;
        Ok(store)
    }

    fn err(&self, e: tokio_postgres::Error) -> StateError {
        StateError::Storage {
            store: self.shown.clone(),
            message: e.to_string(),
        }
    }

    async fn migrate(&self) -> Result<(), StateError> {
        let mut c = self.client().await;
        let tx = c.transaction().await.map_err(|e| self.err(e))?;
        // One migrating worker at a time; the others find the schema done.
        tx.execute("SELECT pg_advisory_xact_lock(72616)", &[])
            .await
            .map_err(|e| self.err(e))?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS stackmate_schema (version BIGINT NOT NULL)")
            .await
            .map_err(|e| self.err(e))?;
        let found: i64 = tx
            .query_opt("SELECT version FROM stackmate_schema", &[])
            .await
            .map_err(|e| self.err(e))?
            .map_or(0, |r| r.get(0));
        if found > SCHEMA_VERSION {
            return Err(StateError::TooNew {
                store: self.shown.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for sql in MIGRATIONS.iter().skip(usize::try_from(found).unwrap_or(0)) {
            tx.batch_execute(sql).await.map_err(|e| self.err(e))?;
        }
        tx.execute("DELETE FROM stackmate_schema", &[])
            .await
            .map_err(|e| self.err(e))?;
        tx.execute("INSERT INTO stackmate_schema (version) VALUES ($1)", &[&SCHEMA_VERSION])
            .await
            .map_err(|e| self.err(e))?;
        tx.commit().await.map_err(|e| self.err(e))
    }

    /// A connection: the next free one, else the next in turn.
    async fn client(&self) -> tokio::sync::MutexGuard<'_, Client> {
        for c in &self.clients {
            if let Ok(guard) = c.try_lock() {
                return guard;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
        self.clients[i].lock().await
    }

    /// Whether `lease` is the stack's current one, with the lock's row held until the transaction
    /// ends (so a takeover waits for this write, and a write after a takeover is refused).
    async fn fenced(&self, tx: &Transaction<'_>, lease: &Lease) -> Result<(), StateError> {
        let row = tx
            .query_opt(
                "SELECT token, fence FROM stackmate_locks WHERE stack = $1 FOR SHARE",
                &[&lease.stack],
            )
            .await
            .map_err(|e| self.err(e))?;
        match row {
            Some(r) if r.get::<_, String>(0) == lease.token && unsigned(r.get(1)) == lease.fence => Ok(()),
            _ => Err(StateError::Fenced {
                stack: lease.stack.clone(),
                fence: lease.fence,
            }),
        }
    }

    fn corrupt(&self, stack: &str, message: String) -> StateError {
        StateError::Corrupt {
            stack: stack.to_string(),
            message,
        }
    }

    /// Column `i` of `r`, JSON text, read back.
    fn json_column<T: serde::de::DeserializeOwned>(
        &self,
        r: &tokio_postgres::Row,
        i: usize,
        stack: &str,
        what: &str,
    ) -> Result<T, StateError> {
        serde_json::from_str(r.get::<_, &str>(i)).map_err(|e| self.corrupt(stack, format!("{what}: {e}")))
    }

    fn stack_from(&self, r: &tokio_postgres::Row) -> Result<StackRecord, StateError> {
        let name: String = r.get(0);
        let status: String = r.get(6);
        let previous: Option<String> = r.get(10);
        Ok(StackRecord {
            stack_id: r.get(1),
            template: r.get(2),
            params: self.json_column(r, 3, &name, "params")?,
            no_echo: self.json_column(r, 4, &name, "no_echo")?,
            options: self.json_column(r, 5, &name, "options")?,
            status: Status::parse(&status).ok_or_else(|| self.corrupt(&name, format!("unknown status {status:?}")))?,
            reason: r.get(7),
            created_ms: unsigned(r.get(8)),
            updated_ms: unsigned(r.get(9)),
            previous: previous
                .map(|p| serde_json::from_str(&p))
                .transpose()
                .map_err(|e| self.corrupt(&name, format!("previous: {e}")))?,
            name,
        })
    }
}

const STACK_COLUMNS: &str =
    "name, stack_id, template, params, no_echo, options, status, reason, created_ms, updated_ms, previous";

fn text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Runs `$body` in a transaction of `$self` bound to `$tx`, committing when it succeeds.
macro_rules! in_tx {
    ($self:ident, $tx:ident, $body:block) => {{
        let mut client = $self.client().await;
        let $tx = client.transaction().await.map_err(|e| $self.err(e))?;
        let out = $body;
        $tx.commit().await.map_err(|e| $self.err(e))?;
        Ok(out)
    }};
}

impl StateStore for PostgresStore {
    fn save_stack<'a>(&'a self, lease: &'a Lease, s: &'a StackRecord) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            if s.name != lease.stack {
                return Err(StateError::WrongStack {
                    record: s.name.clone(),
                    lease: lease.stack.clone(),
                });
            }
            in_tx!(self, tx, {
                self.fenced(&tx, lease).await?;
                let previous = s.previous.as_ref().map(text);
                tx.execute(
                    &format!(
                        "INSERT INTO stackmate_stacks ({STACK_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
                         ON CONFLICT (name) DO UPDATE SET stack_id = $2, template = $3, params = $4, no_echo = $5,
                         options = $6, status = $7, reason = $8, created_ms = $9, updated_ms = $10, previous = $11"
                    ),
                    &[
                        &s.name,
                        &s.stack_id,
                        &s.template,
                        &text(&s.params),
                        &text(&s.no_echo),
                        &text(&s.options),
                        &s.status.as_str(),
                        &s.reason,
                        &ms(s.created_ms),
                        &ms(now_ms()),
                        &previous,
                    ],
                )
                .await
                .map_err(|e| self.err(e))?;
            })
        })
    }

    fn set_stack_status<'a>(
        &'a self,
        lease: &'a Lease,
        status: Status,
        reason: Option<&'a str>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            in_tx!(self, tx, {
                self.fenced(&tx, lease).await?;
                tx.execute(
                    "UPDATE stackmate_stacks SET status = $2, reason = $3, updated_ms = $4 WHERE name = $1",
                    &[&lease.stack, &status.as_str(), &reason, &ms(now_ms())],
                )
                .await
                .map_err(|e| self.err(e))?;
            })
        })
    }

    fn stack<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<StackRecord>> {
        Box::pin(async move {
            let c = self.client().await;
            let row = c
                .query_opt(
                    &format!("SELECT {STACK_COLUMNS} FROM stackmate_stacks WHERE name = $1"),
                    &[&name],
                )
                .await
                .map_err(|e| self.err(e))?;
            row.map(|r| self.stack_from(&r)).transpose()
        })
    }

    fn stacks(&self) -> StoreFuture<'_, Vec<StackRecord>> {
        Box::pin(async move {
            let c = self.client().await;
            let rows = c
                .query(
                    &format!("SELECT {STACK_COLUMNS} FROM stackmate_stacks ORDER BY name"),
                    &[],
                )
                .await
                .map_err(|e| self.err(e))?;
            rows.iter().map(|r| self.stack_from(r)).collect()
        })
    }

    fn remove_stack<'a>(&'a self, lease: &'a Lease) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            in_tx!(self, tx, {
                self.fenced(&tx, lease).await?;
                for table in [
                    "stackmate_stacks WHERE name",
                    "stackmate_resources WHERE stack",
                    "stackmate_events WHERE stack",
                    "stackmate_wait_handles WHERE stack",
                    "stackmate_signals WHERE stack",
                    "stackmate_change_sets WHERE stack",
                ] {
                    tx.execute(&format!("DELETE FROM {table} = $1"), &[&lease.stack])
                        .await
                        .map_err(|e| self.err(e))?;
                }
            })
        })
    }

    fn save_resource<'a>(&'a self, lease: &'a Lease, r: &'a ResourceRecord) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            in_tx!(self, tx, {
                self.fenced(&tx, lease).await?;
                tx.execute(
                    "INSERT INTO stackmate_resources (stack, logical, record, updated_ms) VALUES ($1,$2,$3,$4)
                     ON CONFLICT (stack, logical) DO UPDATE SET record = $3, updated_ms = $4",
                    &[&lease.stack, &r.logical, &text(r), &ms(now_ms())],
                )
                .await
                .map_err(|e| self.err(e))?;
            })
        })
    }

    fn resources<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<ResourceRecord>> {
        Box::pin(async move {
            let c = self.client().await;
            let rows = c
                .query(
                    "SELECT logical, record FROM stackmate_resources WHERE stack = $1 ORDER BY logical",
                    &[&stack],
                )
                .await
                .map_err(|e| self.err(e))?;
            rows.iter()
                .map(|r| {
                    let logical: &str = r.get(0);
                    serde_json::from_str(r.get::<_, &str>(1))
                        .map_err(|e| self.corrupt(stack, format!("resource {logical}: {e}")))
                })
                .collect()
        })
    }

    fn append_event<'a>(&'a self, lease: &'a Lease, e: &'a Event) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            if e.stack != lease.stack {
                return Err(StateError::WrongStack {
                    record: e.stack.clone(),
                    lease: lease.stack.clone(),
                });
            }
            in_tx!(self, tx, {
                self.fenced(&tx, lease).await?;
                let row = tx
                    .query_one(
                        "INSERT INTO stackmate_events (stack, timestamp_ms, logical_id, resource_type, physical_id, status, reason)
                         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING seq",
                        &[
                            &e.stack,
                            &ms(e.timestamp_ms),
                            &e.logical_id,
                            &e.resource_type,
                            &e.physical_id,
                            &e.status.as_str(),
                            &e.reason,
                        ],
                    )
                    .await
                    .map_err(|err| self.err(err))?;
                unsigned(row.get(0))
            })
        })
    }

    fn events<'a>(&'a self, stack: &'a str, after: u64) -> StoreFuture<'a, Vec<(u64, Event)>> {
        Box::pin(async move {
            let c = self.client().await;
            let rows = c
                .query(
                    "SELECT seq, timestamp_ms, logical_id, resource_type, physical_id, status, reason
                     FROM stackmate_events WHERE stack = $1 AND seq > $2 ORDER BY seq",
                    &[&stack, &ms(after)],
                )
                .await
                .map_err(|e| self.err(e))?;
            rows.iter()
                .map(|r| {
                    let status: String = r.get(5);
                    Ok((
                        unsigned(r.get(0)),
                        Event {
                            timestamp_ms: unsigned(r.get(1)),
                            stack: stack.to_string(),
                            logical_id: r.get(2),
                            resource_type: r.get(3),
                            physical_id: r.get(4),
                            status: Status::parse(&status)
                                .ok_or_else(|| self.corrupt(stack, format!("unknown status {status:?}")))?,
                            reason: r.get(6),
                        },
                    ))
                })
                .collect()
        })
    }

    fn acquire_lock<'a>(
        &'a self,
        stack: &'a str,
        holder: &'a LockHolder,
        duration: Duration,
    ) -> StoreFuture<'a, Lease> {
        Box::pin(async move {
            in_tx!(self, tx, {
                // The row first (a free lock), then held while it is decided.
                tx.execute(
                    "INSERT INTO stackmate_locks (stack, pid, host, token, since_ms, expires_ms, fence)
                     VALUES ($1, 0, '', '', 0, 0, 0) ON CONFLICT (stack) DO NOTHING",
                    &[&stack],
                )
                .await
                .map_err(|e| self.err(e))?;
                let r = tx
                    .query_one(
                        "SELECT pid, host, token, since_ms, expires_ms, fence FROM stackmate_locks WHERE stack = $1 FOR UPDATE",
                        &[&stack],
                    )
                    .await
                    .map_err(|e| self.err(e))?;
                let (pid, host, token): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
                let (since, expires, fence): (i64, i64, i64) = (r.get(3), r.get(4), r.get(5));
                let now = now_ms();
                if !token.is_empty() && unsigned(expires) > now && token != holder.token {
                    return Err(StateError::Locked {
                        stack: stack.to_string(),
                        pid: u32::try_from(pid).unwrap_or(0),
                        host,
                        since: utc(unsigned(since)),
                        until: utc(unsigned(expires)),
                        until_ms: unsigned(expires),
                    });
                }
                let fence = unsigned(fence) + 1;
                let until = now.saturating_add(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX / 2));
                tx.execute(
                    "UPDATE stackmate_locks SET pid = $2, host = $3, token = $4, since_ms = $5, expires_ms = $6, fence = $7
                     WHERE stack = $1",
                    &[
                        &stack,
                        &i64::from(holder.pid),
                        &holder.host,
                        &holder.token,
                        &ms(now),
                        &ms(until),
                        &ms(fence),
                    ],
                )
                .await
                .map_err(|e| self.err(e))?;
                Lease {
                    stack: stack.to_string(),
                    token: holder.token.clone(),
                    fence,
                }
            })
        })
    }

    fn renew_lock<'a>(&'a self, lease: &'a Lease, duration: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let c = self.client().await;
            let until = now_ms().saturating_add(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX / 2));
            let changed = c
                .execute(
                    "UPDATE stackmate_locks SET expires_ms = $4 WHERE stack = $1 AND token = $2 AND fence = $3",
                    &[&lease.stack, &lease.token, &ms(lease.fence), &ms(until)],
                )
                .await
                .map_err(|e| self.err(e))?;
            if changed == 0 {
                Err(StateError::Fenced {
                    stack: lease.stack.clone(),
                    fence: lease.fence,
                })
            } else {
                Ok(())
            }
        })
    }

    fn release_lock<'a>(&'a self, lease: &'a Lease) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let c = self.client().await;
            c.execute(
                "UPDATE stackmate_locks SET token = '', expires_ms = 0 WHERE stack = $1 AND token = $2 AND fence = $3",
                &[&lease.stack, &lease.token, &ms(lease.fence)],
            )
            .await
            .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn save_handle<'a>(&'a self, lease: &'a Lease, h: &'a HandleRecord) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            in_tx!(self, tx, {
                self.fenced(&tx, lease).await?;
                tx.execute(
                    "INSERT INTO stackmate_wait_handles (stack, logical, token_sha256, created_ms) VALUES ($1,$2,$3,$4)
                     ON CONFLICT (stack, logical) DO UPDATE SET token_sha256 = $3, created_ms = $4",
                    &[&lease.stack, &h.logical, &h.token_sha256, &ms(h.created_ms)],
                )
                .await
                .map_err(|e| self.err(e))?;
            })
        })
    }

    fn handles<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<HandleRecord>> {
        Box::pin(async move {
            let c = self.client().await;
            let rows = c
                .query(
                    "SELECT logical, token_sha256, created_ms FROM stackmate_wait_handles WHERE stack = $1 ORDER BY logical",
                    &[&stack],
                )
                .await
                .map_err(|e| self.err(e))?;
            Ok(rows
                .iter()
                .map(|r| HandleRecord {
                    logical: r.get(0),
                    token_sha256: r.get(1),
                    created_ms: unsigned(r.get(2)),
                })
                .collect())
        })
    }

    fn save_signal<'a>(&'a self, stack: &'a str, handle: &'a str, s: &'a SignalRecord) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            in_tx!(self, tx, {
                let known = tx
                    .query_opt(
                        "SELECT 1 FROM stackmate_wait_handles WHERE stack = $1 AND logical = $2",
                        &[&stack, &handle],
                    )
                    .await
                    .map_err(|e| self.err(e))?;
                if known.is_some() {
                    tx.execute(
                        "INSERT INTO stackmate_signals (stack, handle, unique_id, success, reason, data, received_ms)
                         VALUES ($1,$2,$3,$4,$5,$6,$7)
                         ON CONFLICT (stack, handle, unique_id) DO UPDATE SET success = $4, reason = $5, data = $6,
                         received_ms = $7",
                        &[
                            &stack,
                            &handle,
                            &s.unique_id,
                            &s.success,
                            &s.reason,
                            &s.data,
                            &ms(s.received_ms),
                        ],
                    )
                    .await
                    .map_err(|e| self.err(e))?;
                }
                known.is_some()
            })
        })
    }

    fn signals<'a>(&'a self, stack: &'a str, handle: &'a str) -> StoreFuture<'a, Vec<SignalRecord>> {
        Box::pin(async move {
            let c = self.client().await;
            let rows = c
                .query(
                    "SELECT success, reason, unique_id, data, received_ms FROM stackmate_signals
                     WHERE stack = $1 AND handle = $2 ORDER BY seq",
                    &[&stack, &handle],
                )
                .await
                .map_err(|e| self.err(e))?;
            Ok(rows
                .iter()
                .map(|r| SignalRecord {
                    success: r.get(0),
                    reason: r.get(1),
                    unique_id: r.get(2),
                    data: r.get(3),
                    received_ms: unsigned(r.get(4)),
                })
                .collect())
        })
    }

    fn save_change_set<'a>(&'a self, lease: &'a Lease, cs: &'a ChangeSetRecord) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            in_tx!(self, tx, {
                self.fenced(&tx, lease).await?;
                tx.execute(
                    "INSERT INTO stackmate_change_sets (stack, name, body, created_ms) VALUES ($1,$2,$3,$4)
                     ON CONFLICT (stack, name) DO UPDATE SET body = $3, created_ms = $4",
                    &[&lease.stack, &cs.name, &cs.body, &ms(cs.created_ms)],
                )
                .await
                .map_err(|e| self.err(e))?;
            })
        })
    }

    fn change_sets<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<ChangeSetRecord>> {
        Box::pin(async move {
            let c = self.client().await;
            let rows = c
                .query(
                    "SELECT name, body, created_ms FROM stackmate_change_sets WHERE stack = $1 ORDER BY name",
                    &[&stack],
                )
                .await
                .map_err(|e| self.err(e))?;
            Ok(rows
                .iter()
                .map(|r| ChangeSetRecord {
                    name: r.get(0),
                    body: r.get(1),
                    created_ms: unsigned(r.get(2)),
                })
                .collect())
        })
    }

    fn remove_change_sets<'a>(&'a self, lease: &'a Lease, name: Option<&'a str>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            in_tx!(self, tx, {
                self.fenced(&tx, lease).await?;
                match name {
                    Some(n) => {
                        tx.execute(
                            "DELETE FROM stackmate_change_sets WHERE stack = $1 AND name = $2",
                            &[&lease.stack, &n],
                        )
                        .await
                    }
                    None => {
                        tx.execute("DELETE FROM stackmate_change_sets WHERE stack = $1", &[&lease.stack])
                            .await
                    }
                }
                .map_err(|e| self.err(e))?;
            })
        })
    }

    fn save_spec<'a>(&'a self, sha256: &'a str, facts: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let c = self.client().await;
            c.execute(
                "INSERT INTO stackmate_api_specs (sha256, facts, saved_ms) VALUES ($1,$2,$3) ON CONFLICT (sha256) DO NOTHING",
                &[&sha256, &facts, &ms(now_ms())],
            )
            .await
            .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn spec<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<String>> {
        Box::pin(async move {
            let c = self.client().await;
            let row = c
                .query_opt("SELECT facts FROM stackmate_api_specs WHERE sha256 = $1", &[&sha256])
                .await
                .map_err(|e| self.err(e))?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn set_endpoint_spec<'a>(&'a self, endpoint: &'a str, sha256: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let c = self.client().await;
            c.execute(
                "INSERT INTO stackmate_endpoint_specs (endpoint, sha256, fetched_ms) VALUES ($1,$2,$3)
                 ON CONFLICT (endpoint) DO UPDATE SET sha256 = $2, fetched_ms = $3",
                &[&endpoint, &sha256, &ms(now_ms())],
            )
            .await
            .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn endpoint_spec<'a>(&'a self, endpoint: &'a str) -> StoreFuture<'a, Option<(String, u64)>> {
        Box::pin(async move {
            let c = self.client().await;
            let row = c
                .query_opt(
                    "SELECT sha256, fetched_ms FROM stackmate_endpoint_specs WHERE endpoint = $1",
                    &[&endpoint],
                )
                .await
                .map_err(|e| self.err(e))?;
            Ok(row.map(|r| (r.get(0), unsigned(r.get(1)))))
        })
    }
}
