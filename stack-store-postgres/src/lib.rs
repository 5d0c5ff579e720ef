//! A [`StateStore`](stack_core::StateStore) on PostgreSQL, for many engines (the stacktician service's workers, on any
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

use stack_core::events::Status;
use stack_core::state::{Lease, StackRecord, StateError};
use tokio_postgres::{Client, Transaction};

mod pool;
mod schema;

pub use pool::{without_password, Pool};
pub use schema::{MIGRATIONS, SCHEMA_VERSION};

/// How many connections a store opens.
const CONNECTIONS: usize = 4;

/// The PostgreSQL store.
pub struct PostgresStore {
    pool: Pool,
    /// How errors name the store (the connection string without a password).
    shown: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("database", &self.shown).finish()
    }
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
        let pool = Pool::connect(config, CONNECTIONS).await.map_err(failed)?;
        let store = Self { pool, shown };
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

    /// A connection of the pool.
    async fn client(&self) -> tokio::sync::MutexGuard<'_, Client> {
        self.pool.get().await
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

mod contract;
