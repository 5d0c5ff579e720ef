//! [`ServiceDb`] on SQLite: the embedded default, for the workers of one machine (a file beside
//! stack-core's SQLite state). Claims run in `BEGIN IMMEDIATE` transactions, so processes sharing the
//! file never claim one operation twice; queued work wakes this process's workers at once and the
//! others when they poll. Calls run on tokio's blocking threads.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt as _;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use stack_store_sqlite::private_files;

use super::{DbError, DbFuture, DriftRow, NewOperation, OpState, Operation, Owner, ServiceDb, TemplateRow, TokenRow};

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS stacktician_owners (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, admin INTEGER NOT NULL, endpoint TEXT NOT NULL,
    api_key TEXT NOT NULL, secret_sealed TEXT NOT NULL, api_version TEXT, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stacktician_tokens (
    id TEXT PRIMARY KEY, owner INTEGER NOT NULL REFERENCES stacktician_owners (id), hash TEXT NOT NULL,
    label TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stacktician_templates (
    owner INTEGER NOT NULL REFERENCES stacktician_owners (id), name TEXT NOT NULL, version INTEGER NOT NULL,
    body TEXT NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY (owner, name, version));
CREATE TABLE IF NOT EXISTS stacktician_operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, owner INTEGER NOT NULL REFERENCES stacktician_owners (id),
    stack TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, sealed TEXT NOT NULL, state TEXT NOT NULL,
    worker TEXT, fence INTEGER NOT NULL DEFAULT 0, lease_until_ms INTEGER NOT NULL DEFAULT 0, guest_addr TEXT,
    created_ms INTEGER NOT NULL, started_ms INTEGER, finished_ms INTEGER, outcome TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS stacktician_one_active_operation
    ON stacktician_operations (owner, stack) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS stacktician_stack_operations ON stacktician_operations (owner, stack, id);
CREATE TABLE IF NOT EXISTS stacktician_workers (id TEXT PRIMARY KEY, heartbeat_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stacktician_drift (
    owner INTEGER NOT NULL REFERENCES stacktician_owners (id), stack TEXT NOT NULL, stack_id TEXT NOT NULL,
    checked_ms INTEGER NOT NULL, report TEXT NOT NULL, PRIMARY KEY (owner, stack));
";

const OWNER: &str = "id, name, admin, endpoint, api_key, secret_sealed, api_version, created_ms";
const TOKEN: &str = "id, owner, hash, label, revoked, created_ms";
const OPERATION: &str = "id, owner, stack, kind, payload, sealed, state, worker, fence, lease_until_ms, guest_addr, \
                         created_ms, started_ms, finished_ms, outcome";

/// The service's tables in an SQLite file.
pub struct SqliteServiceDb {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    woken: tokio::sync::Notify,
}

impl std::fmt::Debug for SqliteServiceDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteServiceDb").field("path", &self.path).finish()
    }
}

fn owner_from(r: &Row<'_>) -> rusqlite::Result<Owner> {
    Ok(Owner {
        id: r.get(0)?,
        name: r.get(1)?,
        admin: r.get(2)?,
        endpoint: r.get(3)?,
        api_key: r.get(4)?,
        secret_sealed: r.get(5)?,
        api_version: r.get(6)?,
        created_ms: r.get(7)?,
    })
}

fn token_from(r: &Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        owner: r.get(1)?,
        hash: r.get(2)?,
        label: r.get(3)?,
        revoked: r.get(4)?,
        created_ms: r.get(5)?,
    })
}

fn operation_from(r: &Row<'_>) -> rusqlite::Result<Operation> {
    let state: String = r.get(6)?;
    Ok(Operation {
        id: r.get(0)?,
        owner: r.get(1)?,
        stack: r.get(2)?,
        kind: r.get(3)?,
        payload: r.get(4)?,
        sealed: r.get(5)?,
        state: OpState::parse(&state).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, format!("state {state:?}").into())
        })?,
        worker: r.get(7)?,
        fence: r.get(8)?,
        lease_until_ms: r.get(9)?,
        guest_addr: r.get(10)?,
        created_ms: r.get(11)?,
        started_ms: r.get(12)?,
        finished_ms: r.get(13)?,
        outcome: r.get(14)?,
    })
}

fn template_from(r: &Row<'_>) -> rusqlite::Result<TemplateRow> {
    Ok(TemplateRow {
        owner: r.get(0)?,
        name: r.get(1)?,
        version: r.get(2)?,
        created_ms: r.get(3)?,
        body: r.get(4)?,
    })
}

impl SqliteServiceDb {
    /// Opens (making it if needed) the service database at `path`.
    pub fn open(path: &Path) -> Result<Arc<Self>, DbError> {
        let shown = path.display().to_string();
        let failed = |e: rusqlite::Error| DbError::Storage {
            db: format!("SQLite ({shown})"),
            message: e.to_string(),
        };
        let io = |e: std::io::Error| DbError::Storage {
            db: format!("SQLite ({shown})"),
            message: e.to_string(),
        };
        // Owners' sealed keys and tokens' hashes: the file and its WAL are the service's alone (SQLite
        // gives the WAL and shared-memory files the database file's mode).
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
            private_files::owner_only(dir, 0o700).map_err(io)?;
        }
        private_files::create_private(path).map_err(io)?;
        for file in [
            path.to_path_buf(),
            path.with_extension("db-wal"),
            path.with_extension("db-shm"),
        ] {
            if file.exists() {
                private_files::owner_only(&file, 0o600).map_err(io)?;
            }
        }
        let conn = Connection::open(path).map_err(failed)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(failed)?;
        conn.execute_batch(SCHEMA).map_err(failed)?;
        Ok(Arc::new(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
            woken: tokio::sync::Notify::new(),
        }))
    }

    /// Runs `f` on the connection on a blocking thread.
    fn run<'a, T, F>(&'a self, f: F) -> DbFuture<'a, T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let shown = format!("SQLite ({})", self.path.display());
        async move {
            let joined = tokio::task::spawn_blocking(move || {
                let mut c = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                f(&mut c)
            })
            .await;
            match joined {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(rusqlite::Error::SqliteFailure(e, m))) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                    Err(DbError::Conflict(m.unwrap_or_else(|| e.to_string())))
                }
                Ok(Err(e)) => Err(DbError::Storage {
                    db: shown,
                    message: e.to_string(),
                }),
                Err(e) => Err(DbError::Storage {
                    db: shown,
                    message: format!("the database task failed: {e}"),
                }),
            }
        }
        .boxed()
    }
}

impl ServiceDb for SqliteServiceDb {
    fn add_owner<'a>(&'a self, o: &'a Owner) -> DbFuture<'a, Owner> {
        let o = o.clone();
        let name = o.name.clone();
        async move {
            self.run(move |c| {
                c.query_row(
                    &format!(
                        "INSERT INTO stacktician_owners (name, admin, endpoint, api_key, secret_sealed, api_version, created_ms) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING {OWNER}"
                    ),
                    params![o.name, o.admin, o.endpoint, o.api_key, o.secret_sealed, o.api_version, o.created_ms],
                    owner_from,
                )
            })
            .await
            .map_err(|e| match e {
                DbError::Conflict(_) => DbError::Conflict(format!("an owner named {name} exists")),
                e => e,
            })
        }
        .boxed()
    }

    fn owner<'a>(&'a self, id: i64) -> DbFuture<'a, Option<Owner>> {
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {OWNER} FROM stacktician_owners WHERE id = ?1"),
                [id],
                owner_from,
            )
            .optional()
        })
    }

    fn owner_named<'a>(&'a self, name: &'a str) -> DbFuture<'a, Option<Owner>> {
        let name = name.to_string();
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {OWNER} FROM stacktician_owners WHERE name = ?1"),
                [name],
                owner_from,
            )
            .optional()
        })
    }

    fn owners(&self) -> DbFuture<'_, Vec<Owner>> {
        self.run(|c| {
            let mut s = c.prepare(&format!("SELECT {OWNER} FROM stacktician_owners ORDER BY id"))?;
            let rows = s.query_map([], owner_from)?.collect();
            rows
        })
    }

    fn add_token<'a>(&'a self, t: &'a TokenRow) -> DbFuture<'a, ()> {
        let t = t.clone();
        self.run(move |c| {
            c.execute(
                "INSERT INTO stacktician_tokens (id, owner, hash, label, revoked, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![t.id, t.owner, t.hash, t.label, t.revoked, t.created_ms],
            )
            .map(drop)
        })
    }

    fn token<'a>(&'a self, id: &'a str) -> DbFuture<'a, Option<TokenRow>> {
        let id = id.to_string();
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {TOKEN} FROM stacktician_tokens WHERE id = ?1"),
                [id],
                token_from,
            )
            .optional()
        })
    }

    fn tokens(&self, owner: i64) -> DbFuture<'_, Vec<TokenRow>> {
        self.run(move |c| {
            let mut s = c.prepare(&format!(
                "SELECT {TOKEN} FROM stacktician_tokens WHERE owner = ?1 ORDER BY created_ms"
            ))?;
            let rows = s.query_map([owner], token_from)?.collect();
            rows
        })
    }

    fn revoke_token<'a>(&'a self, id: &'a str) -> DbFuture<'a, bool> {
        let id = id.to_string();
        self.run(move |c| Ok(c.execute("UPDATE stacktician_tokens SET revoked = 1 WHERE id = ?1", [id])? == 1))
    }

    fn put_template<'a>(&'a self, owner: i64, name: &'a str, body: &'a str, now_ms: i64) -> DbFuture<'a, i64> {
        let (name, body) = (name.to_string(), body.to_string());
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let version: i64 = tx.query_row(
                "INSERT INTO stacktician_templates (owner, name, version, body, created_ms) \
                 SELECT ?1, ?2, COALESCE(MAX(version), 0) + 1, ?3, ?4 FROM stacktician_templates \
                 WHERE owner = ?1 AND name = ?2 RETURNING version",
                params![owner, name, body, now_ms],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok(version)
        })
    }

    fn template<'a>(&'a self, owner: i64, name: &'a str, version: Option<i64>) -> DbFuture<'a, Option<TemplateRow>> {
        let name = name.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT owner, name, version, created_ms, body FROM stacktician_templates \
                 WHERE owner = ?1 AND name = ?2 AND (?3 IS NULL OR version = ?3) ORDER BY version DESC LIMIT 1",
                params![owner, name, version],
                template_from,
            )
            .optional()
        })
    }

    fn templates(&self, owner: Option<i64>) -> DbFuture<'_, Vec<TemplateRow>> {
        self.run(move |c| {
            let mut s = c.prepare(
                "SELECT owner, name, MAX(version), MAX(created_ms), '' FROM stacktician_templates \
                 WHERE ?1 IS NULL OR owner = ?1 GROUP BY owner, name ORDER BY owner, name",
            )?;
            let rows = s.query_map([owner], template_from)?.collect();
            rows
        })
    }

    fn template_versions<'a>(&'a self, owner: i64, name: &'a str) -> DbFuture<'a, Vec<TemplateRow>> {
        let name = name.to_string();
        self.run(move |c| {
            let mut s = c.prepare(
                "SELECT owner, name, version, created_ms, '' FROM stacktician_templates WHERE owner = ?1 AND name = ?2 \
                 ORDER BY version",
            )?;
            let rows = s.query_map(params![owner, name], template_from)?.collect();
            rows
        })
    }

    fn put_drift<'a>(&'a self, drift: &'a DriftRow) -> DbFuture<'a, ()> {
        let d = drift.clone();
        self.run(move |c| {
            c.execute(
                "INSERT INTO stacktician_drift (owner, stack, stack_id, checked_ms, report) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (owner, stack) DO UPDATE SET stack_id = excluded.stack_id, \
                 checked_ms = excluded.checked_ms, report = excluded.report",
                params![d.owner, d.stack, d.stack_id, d.checked_ms, d.report],
            )?;
            Ok(())
        })
    }

    fn drift<'a>(&'a self, owner: i64, stack: &'a str) -> DbFuture<'a, Option<DriftRow>> {
        let stack = stack.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT owner, stack, stack_id, checked_ms, report FROM stacktician_drift WHERE owner = ?1 AND stack = ?2",
                params![owner, stack],
                |r| {
                    Ok(DriftRow {
                        owner: r.get(0)?,
                        stack: r.get(1)?,
                        stack_id: r.get(2)?,
                        checked_ms: r.get(3)?,
                        report: r.get(4)?,
                    })
                },
            )
            .optional()
        })
    }

    fn enqueue<'a>(&'a self, op: &'a NewOperation<'a>, now_ms: i64) -> DbFuture<'a, i64> {
        let (owner, stack, kind, payload, sealed) = (
            op.owner,
            op.stack.to_string(),
            op.kind.to_string(),
            op.payload.to_string(),
            op.sealed.to_string(),
        );
        async move {
            let shown = stack.clone();
            let id = self
                .run(move |c| {
                    c.query_row(
                        "INSERT INTO stacktician_operations (owner, stack, kind, payload, sealed, state, created_ms) \
                         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6) RETURNING id",
                        params![owner, stack, kind, payload, sealed, now_ms],
                        |r| r.get(0),
                    )
                })
                .await
                .map_err(|e| match e {
                    DbError::Conflict(_) => {
                        DbError::Conflict(format!("stack {shown} has an operation queued or running; wait for it"))
                    }
                    e => e,
                })?;
            self.woken.notify_waiters();
            Ok(id)
        }
        .boxed()
    }

    fn claim<'a>(&'a self, worker: &'a str, lease_until_ms: i64, now_ms: i64) -> DbFuture<'a, Option<Operation>> {
        let worker = worker.to_string();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let claimed = tx
                .query_row(
                    &format!(
                        "UPDATE stacktician_operations SET state = 'running', worker = ?1, fence = fence + 1, \
                         lease_until_ms = ?2, started_ms = ?3, guest_addr = NULL \
                         WHERE id = (SELECT id FROM stacktician_operations \
                             WHERE state = 'queued' OR (state = 'running' AND lease_until_ms < ?3) ORDER BY id LIMIT 1) \
                         RETURNING {OPERATION}"
                    ),
                    params![worker, lease_until_ms, now_ms],
                    operation_from,
                )
                .optional()?;
            tx.commit()?;
            Ok(claimed)
        })
    }

    fn renew<'a>(&'a self, id: i64, fence: i64, lease_until_ms: i64) -> DbFuture<'a, bool> {
        self.run(move |c| {
            Ok(c.execute(
                "UPDATE stacktician_operations SET lease_until_ms = ?3 WHERE id = ?1 AND fence = ?2 AND state = 'running'",
                params![id, fence, lease_until_ms],
            )? == 1)
        })
    }

    fn set_guest_addr<'a>(&'a self, id: i64, fence: i64, addr: &'a str) -> DbFuture<'a, bool> {
        let addr = addr.to_string();
        self.run(move |c| {
            Ok(c.execute(
                "UPDATE stacktician_operations SET guest_addr = ?3 WHERE id = ?1 AND fence = ?2 AND state = 'running'",
                params![id, fence, addr],
            )? == 1)
        })
    }

    fn finish<'a>(&'a self, id: i64, fence: i64, state: OpState, outcome: &'a str, now_ms: i64) -> DbFuture<'a, bool> {
        let outcome = outcome.to_string();
        self.run(move |c| {
            Ok(c.execute(
                "UPDATE stacktician_operations SET state = ?3, outcome = ?4, finished_ms = ?5, sealed = '', \
                 guest_addr = NULL, worker = NULL WHERE id = ?1 AND fence = ?2 AND state = 'running'",
                params![id, fence, state.as_str(), outcome, now_ms],
            )? == 1)
        })
    }

    fn hand_back(&self, id: i64, fence: i64) -> DbFuture<'_, bool> {
        async move {
            let ok = self
                .run(move |c| {
                    Ok(c.execute(
                        "UPDATE stacktician_operations SET state = 'queued', worker = NULL, lease_until_ms = 0, \
                         guest_addr = NULL WHERE id = ?1 AND fence = ?2 AND state = 'running'",
                        params![id, fence],
                    )? == 1)
                })
                .await?;
            self.woken.notify_waiters();
            Ok(ok)
        }
        .boxed()
    }

    fn operation(&self, id: i64) -> DbFuture<'_, Option<Operation>> {
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {OPERATION} FROM stacktician_operations WHERE id = ?1"),
                [id],
                operation_from,
            )
            .optional()
        })
    }

    fn operations<'a>(&'a self, owner: i64, stack: &'a str, limit: i64) -> DbFuture<'a, Vec<Operation>> {
        let stack = stack.to_string();
        self.run(move |c| {
            let mut s = c.prepare(&format!(
                "SELECT {OPERATION} FROM stacktician_operations WHERE owner = ?1 AND stack = ?2 ORDER BY id DESC LIMIT ?3"
            ))?;
            let rows = s.query_map(params![owner, stack, limit], operation_from)?.collect();
            rows
        })
    }

    fn active_operations(&self) -> DbFuture<'_, Vec<Operation>> {
        self.run(|c| {
            let mut s = c.prepare(&format!(
                "SELECT {OPERATION} FROM stacktician_operations WHERE state IN ('queued', 'running') ORDER BY id"
            ))?;
            let rows = s.query_map([], operation_from)?.collect();
            rows
        })
    }

    fn heartbeat<'a>(&'a self, worker: &'a str, now_ms: i64) -> DbFuture<'a, ()> {
        let worker = worker.to_string();
        self.run(move |c| {
            c.execute(
                "INSERT INTO stacktician_workers (id, heartbeat_ms) VALUES (?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms",
                params![worker, now_ms],
            )
            .map(drop)
        })
    }

    fn live_workers(&self, since_ms: i64) -> DbFuture<'_, i64> {
        self.run(move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM stacktician_workers WHERE heartbeat_ms >= ?1",
                [since_ms],
                |r| r.get(0),
            )
        })
    }

    fn remove_worker<'a>(&'a self, worker: &'a str) -> DbFuture<'a, ()> {
        let worker = worker.to_string();
        self.run(move |c| {
            c.execute("DELETE FROM stacktician_workers WHERE id = ?1", [worker])
                .map(drop)
        })
    }

    fn wait_for_work(&self, timeout: Duration) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        async move {
            let _ = tokio::time::timeout(timeout, self.woken.notified()).await;
        }
        .boxed()
    }
}
