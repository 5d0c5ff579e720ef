//! [`ServiceDb`] on PostgreSQL: tables prefixed `stacktician_`, beside stack-core's state store
//! (`stackmate_`) in the same database. Operations are claimed with `FOR UPDATE SKIP LOCKED`, and
//! `NOTIFY stacktician_work` (delivered on commit) wakes the workers that `LISTEN`; they poll as well,
//! so a lost notification only delays work.

use std::time::Duration;

use futures_util::FutureExt as _;
use stack_store_postgres::{without_password, Pool};
use tokio_postgres::error::SqlState;
use tokio_postgres::{AsyncMessage, NoTls, Row};

use super::{DbError, DbFuture, DriftRow, NewOperation, OpState, Operation, Owner, ServiceDb, TemplateRow, TokenRow};

/// The schema, applied on connect under an advisory lock (each statement is idempotent).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS stacktician_owners (
    id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, admin BOOLEAN NOT NULL, endpoint TEXT NOT NULL,
    api_key TEXT NOT NULL, secret_sealed TEXT NOT NULL, api_version TEXT, created_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS stacktician_tokens (
    id TEXT PRIMARY KEY, owner BIGINT NOT NULL REFERENCES stacktician_owners (id), hash TEXT NOT NULL,
    label TEXT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE, created_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS stacktician_templates (
    owner BIGINT NOT NULL REFERENCES stacktician_owners (id), name TEXT NOT NULL, version BIGINT NOT NULL,
    body TEXT NOT NULL, created_ms BIGINT NOT NULL, PRIMARY KEY (owner, name, version));
CREATE TABLE IF NOT EXISTS stacktician_operations (
    id BIGSERIAL PRIMARY KEY, owner BIGINT NOT NULL REFERENCES stacktician_owners (id), stack TEXT NOT NULL,
    kind TEXT NOT NULL, payload TEXT NOT NULL, sealed TEXT NOT NULL, state TEXT NOT NULL, worker TEXT,
    fence BIGINT NOT NULL DEFAULT 0, lease_until_ms BIGINT NOT NULL DEFAULT 0, guest_addr TEXT,
    created_ms BIGINT NOT NULL, started_ms BIGINT, finished_ms BIGINT, outcome TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS stacktician_one_active_operation
    ON stacktician_operations (owner, stack) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS stacktician_claimable
    ON stacktician_operations (id) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS stacktician_stack_operations ON stacktician_operations (owner, stack, id);
CREATE TABLE IF NOT EXISTS stacktician_workers (id TEXT PRIMARY KEY, heartbeat_ms BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS stacktician_drift (
    owner BIGINT NOT NULL REFERENCES stacktician_owners (id), stack TEXT NOT NULL, stack_id TEXT NOT NULL,
    checked_ms BIGINT NOT NULL, report TEXT NOT NULL, PRIMARY KEY (owner, stack));
";

const OWNER: &str = "id, name, admin, endpoint, api_key, secret_sealed, api_version, created_ms";
const TOKEN: &str = "id, owner, hash, label, revoked, created_ms";
const OPERATION: &str = "id, owner, stack, kind, payload, sealed, state, worker, fence, lease_until_ms, guest_addr, \
                         created_ms, started_ms, finished_ms, outcome";

/// The service's tables on PostgreSQL.
pub struct PgServiceDb {
    pool: Pool,
    shown: String,
    /// Notifications of queued work.
    woken: tokio::sync::Notify,
}

impl std::fmt::Debug for PgServiceDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgServiceDb").field("database", &self.shown).finish()
    }
}

fn owner_from(r: &Row) -> Owner {
    Owner {
        id: r.get(0),
        name: r.get(1),
        admin: r.get(2),
        endpoint: r.get(3),
        api_key: r.get(4),
        secret_sealed: r.get(5),
        api_version: r.get(6),
        created_ms: r.get(7),
    }
}

fn token_from(r: &Row) -> TokenRow {
    TokenRow {
        id: r.get(0),
        owner: r.get(1),
        hash: r.get(2),
        label: r.get(3),
        revoked: r.get(4),
        created_ms: r.get(5),
    }
}

fn operation_from(r: &Row) -> Result<Operation, DbError> {
    let state: String = r.get(6);
    Ok(Operation {
        id: r.get(0),
        owner: r.get(1),
        stack: r.get(2),
        kind: r.get(3),
        payload: r.get(4),
        sealed: r.get(5),
        state: OpState::parse(&state).ok_or_else(|| DbError::Corrupt(format!("operation state {state:?}")))?,
        worker: r.get(7),
        fence: r.get(8),
        lease_until_ms: r.get(9),
        guest_addr: r.get(10),
        created_ms: r.get(11),
        started_ms: r.get(12),
        finished_ms: r.get(13),
        outcome: r.get(14),
    })
}

fn template_from(r: &Row, with_body: bool) -> TemplateRow {
    TemplateRow {
        owner: r.get(0),
        name: r.get(1),
        version: r.get(2),
        body: if with_body { r.get(4) } else { String::new() },
        created_ms: r.get(3),
    }
}

impl PgServiceDb {
    /// Connects to the database `config` names, brings the service's tables up to date and, if
    /// `listen`, starts listening for queued work.
    pub async fn connect(config: &str, listen: bool) -> Result<std::sync::Arc<Self>, DbError> {
        let shown = format!("PostgreSQL ({})", without_password(config));
        let failed = |e: tokio_postgres::Error| DbError::Storage {
            db: shown.clone(),
            message: e.to_string(),
        };
        let pool = Pool::connect(config, 4).await.map_err(failed)?;
        {
            let mut c = pool.get().await;
            let tx = c.transaction().await.map_err(failed)?;
            tx.execute("SELECT pg_advisory_xact_lock(72617)", &[])
                .await
                .map_err(failed)?;
            tx.batch_execute(SCHEMA).await.map_err(failed)?;
            tx.commit().await.map_err(failed)?;
        }
        let db = std::sync::Arc::new(Self {
            pool,
            shown: shown.clone(),
            woken: tokio::sync::Notify::new(),
        });
        if listen {
            let (client, mut connection) = tokio_postgres::connect(config, NoTls).await.map_err(failed)?;
            let weak = std::sync::Arc::downgrade(&db);
            // The listening connection: every notification wakes the waiting workers.
            tokio::spawn(async move {
                let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                while let Some(Ok(m)) = futures_util::StreamExt::next(&mut messages).await {
                    let Some(db) = weak.upgrade() else { break };
                    if matches!(m, AsyncMessage::Notification(_)) {
                        db.woken.notify_waiters();
                    }
                }
                tracing::warn!("the LISTEN connection ended: workers poll only");
            });
            client.batch_execute("LISTEN stacktician_work").await.map_err(failed)?;
            // The client must live as long as its connection is wanted.
            tokio::spawn(async move {
                let _keep = client;
                std::future::pending::<()>().await;
            });
        }
        Ok(db)
    }

    fn err(&self, e: tokio_postgres::Error) -> DbError {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            return DbError::Conflict(
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string()),
            );
        }
        DbError::Storage {
            db: self.shown.clone(),
            message: e.to_string(),
        }
    }

    async fn rows(&self, sql: &str, args: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> Result<Vec<Row>, DbError> {
        self.pool.get().await.query(sql, args).await.map_err(|e| self.err(e))
    }

    async fn count(&self, sql: &str, args: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> Result<u64, DbError> {
        self.pool.get().await.execute(sql, args).await.map_err(|e| self.err(e))
    }
}

impl ServiceDb for PgServiceDb {
    fn add_owner<'a>(&'a self, o: &'a Owner) -> DbFuture<'a, Owner> {
        async move {
            let rows = self
                .rows(
                    &format!(
                        "INSERT INTO stacktician_owners (name, admin, endpoint, api_key, secret_sealed, api_version, created_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {OWNER}"
                    ),
                    &[&o.name, &o.admin, &o.endpoint, &o.api_key, &o.secret_sealed, &o.api_version, &o.created_ms],
                )
                .await
                .map_err(|e| match e {
                    DbError::Conflict(_) => DbError::Conflict(format!("an owner named {} exists", o.name)),
                    e => e,
                })?;
            rows.first().map(owner_from).ok_or_else(|| DbError::Corrupt("no owner row returned".into()))
        }
        .boxed()
    }

    fn owner<'a>(&'a self, id: i64) -> DbFuture<'a, Option<Owner>> {
        async move {
            let rows = self
                .rows(&format!("SELECT {OWNER} FROM stacktician_owners WHERE id = $1"), &[&id])
                .await?;
            Ok(rows.first().map(owner_from))
        }
        .boxed()
    }

    fn owner_named<'a>(&'a self, name: &'a str) -> DbFuture<'a, Option<Owner>> {
        async move {
            let rows = self
                .rows(
                    &format!("SELECT {OWNER} FROM stacktician_owners WHERE name = $1"),
                    &[&name],
                )
                .await?;
            Ok(rows.first().map(owner_from))
        }
        .boxed()
    }

    fn owners(&self) -> DbFuture<'_, Vec<Owner>> {
        async move {
            let rows = self
                .rows(&format!("SELECT {OWNER} FROM stacktician_owners ORDER BY id"), &[])
                .await?;
            Ok(rows.iter().map(owner_from).collect())
        }
        .boxed()
    }

    fn add_token<'a>(&'a self, t: &'a TokenRow) -> DbFuture<'a, ()> {
        async move {
            self.count(
                "INSERT INTO stacktician_tokens (id, owner, hash, label, revoked, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&t.id, &t.owner, &t.hash, &t.label, &t.revoked, &t.created_ms],
            )
            .await
            .map(drop)
        }
        .boxed()
    }

    fn token<'a>(&'a self, id: &'a str) -> DbFuture<'a, Option<TokenRow>> {
        async move {
            let rows = self
                .rows(&format!("SELECT {TOKEN} FROM stacktician_tokens WHERE id = $1"), &[&id])
                .await?;
            Ok(rows.first().map(token_from))
        }
        .boxed()
    }

    fn tokens(&self, owner: i64) -> DbFuture<'_, Vec<TokenRow>> {
        async move {
            let rows = self
                .rows(
                    &format!("SELECT {TOKEN} FROM stacktician_tokens WHERE owner = $1 ORDER BY created_ms"),
                    &[&owner],
                )
                .await?;
            Ok(rows.iter().map(token_from).collect())
        }
        .boxed()
    }

    fn revoke_token<'a>(&'a self, id: &'a str) -> DbFuture<'a, bool> {
        async move {
            Ok(self
                .count("UPDATE stacktician_tokens SET revoked = TRUE WHERE id = $1", &[&id])
                .await?
                == 1)
        }
        .boxed()
    }

    fn put_template<'a>(&'a self, owner: i64, name: &'a str, body: &'a str, now_ms: i64) -> DbFuture<'a, i64> {
        async move {
            // Two writers of one name: the second's insert conflicts, and it tries the next version.
            for _ in 0..5 {
                let r = self
                    .rows(
                        "INSERT INTO stacktician_templates (owner, name, version, body, created_ms) \
                         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4 FROM stacktician_templates \
                         WHERE owner = $1 AND name = $2 RETURNING version",
                        &[&owner, &name, &body, &now_ms],
                    )
                    .await;
                match r {
                    Ok(rows) => {
                        return rows
                            .first()
                            .map(|r| r.get(0))
                            .ok_or_else(|| DbError::Corrupt("no version".into()))
                    }
                    Err(DbError::Conflict(_)) => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(DbError::Conflict(format!(
                "template {name} is being stored by others; try again"
            )))
        }
        .boxed()
    }

    fn template<'a>(&'a self, owner: i64, name: &'a str, version: Option<i64>) -> DbFuture<'a, Option<TemplateRow>> {
        async move {
            let rows = self
                .rows(
                    "SELECT owner, name, version, created_ms, body FROM stacktician_templates \
                     WHERE owner = $1 AND name = $2 AND ($3::BIGINT IS NULL OR version = $3) ORDER BY version DESC LIMIT 1",
                    &[&owner, &name, &version],
                )
                .await?;
            Ok(rows.first().map(|r| template_from(r, true)))
        }
        .boxed()
    }

    fn templates(&self, owner: Option<i64>) -> DbFuture<'_, Vec<TemplateRow>> {
        async move {
            let rows = self
                .rows(
                    "SELECT DISTINCT ON (owner, name) owner, name, version, created_ms FROM stacktician_templates \
                     WHERE $1::BIGINT IS NULL OR owner = $1 ORDER BY owner, name, version DESC",
                    &[&owner],
                )
                .await?;
            Ok(rows.iter().map(|r| template_from(r, false)).collect())
        }
        .boxed()
    }

    fn template_versions<'a>(&'a self, owner: i64, name: &'a str) -> DbFuture<'a, Vec<TemplateRow>> {
        async move {
            let rows = self
                .rows(
                    "SELECT owner, name, version, created_ms FROM stacktician_templates WHERE owner = $1 AND name = $2 \
                     ORDER BY version",
                    &[&owner, &name],
                )
                .await?;
            Ok(rows.iter().map(|r| template_from(r, false)).collect())
        }
        .boxed()
    }

    fn put_drift<'a>(&'a self, d: &'a DriftRow) -> DbFuture<'a, ()> {
        async move {
            self.count(
                "INSERT INTO stacktician_drift (owner, stack, stack_id, checked_ms, report) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (owner, stack) DO UPDATE SET stack_id = excluded.stack_id, \
                 checked_ms = excluded.checked_ms, report = excluded.report",
                &[&d.owner, &d.stack, &d.stack_id, &d.checked_ms, &d.report],
            )
            .await?;
            Ok(())
        }
        .boxed()
    }

    fn drift<'a>(&'a self, owner: i64, stack: &'a str) -> DbFuture<'a, Option<DriftRow>> {
        async move {
            let rows = self
                .rows(
                    "SELECT owner, stack, stack_id, checked_ms, report FROM stacktician_drift WHERE owner = $1 AND stack = $2",
                    &[&owner, &stack],
                )
                .await?;
            Ok(rows.first().map(|r| DriftRow {
                owner: r.get(0),
                stack: r.get(1),
                stack_id: r.get(2),
                checked_ms: r.get(3),
                report: r.get(4),
            }))
        }
        .boxed()
    }

    fn enqueue<'a>(&'a self, op: &'a NewOperation<'a>, now_ms: i64) -> DbFuture<'a, i64> {
        async move {
            let mut c = self.pool.get().await;
            let tx = c.transaction().await.map_err(|e| self.err(e))?;
            let row = tx
                .query_one(
                    "INSERT INTO stacktician_operations (owner, stack, kind, payload, sealed, state, created_ms) \
                     VALUES ($1, $2, $3, $4, $5, 'queued', $6) RETURNING id",
                    &[&op.owner, &op.stack, &op.kind, &op.payload, &op.sealed, &now_ms],
                )
                .await
                .map_err(|e| match self.err(e) {
                    DbError::Conflict(_) => DbError::Conflict(format!(
                        "stack {} has an operation queued or running; wait for it",
                        op.stack
                    )),
                    e => e,
                })?;
            tx.execute("SELECT pg_notify('stacktician_work', '')", &[])
                .await
                .map_err(|e| self.err(e))?;
            tx.commit().await.map_err(|e| self.err(e))?;
            Ok(row.get(0))
        }
        .boxed()
    }

    fn claim<'a>(&'a self, worker: &'a str, lease_until_ms: i64, now_ms: i64) -> DbFuture<'a, Option<Operation>> {
        async move {
            let rows = self
                .rows(
                    &format!(
                        "UPDATE stacktician_operations SET state = 'running', worker = $1, fence = fence + 1, \
                         lease_until_ms = $2, started_ms = $3, guest_addr = NULL \
                         WHERE id = (SELECT id FROM stacktician_operations \
                             WHERE state = 'queued' OR (state = 'running' AND lease_until_ms < $3) \
                             ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) \
                         RETURNING {OPERATION}"
                    ),
                    &[&worker, &lease_until_ms, &now_ms],
                )
                .await?;
            rows.first().map(operation_from).transpose()
        }
        .boxed()
    }

    fn renew<'a>(&'a self, id: i64, fence: i64, lease_until_ms: i64) -> DbFuture<'a, bool> {
        async move {
            Ok(self
                .count(
                    "UPDATE stacktician_operations SET lease_until_ms = $3 WHERE id = $1 AND fence = $2 AND state = 'running'",
                    &[&id, &fence, &lease_until_ms],
                )
                .await?
                == 1)
        }
        .boxed()
    }

    fn set_guest_addr<'a>(&'a self, id: i64, fence: i64, addr: &'a str) -> DbFuture<'a, bool> {
        async move {
            Ok(self
                .count(
                    "UPDATE stacktician_operations SET guest_addr = $3 WHERE id = $1 AND fence = $2 AND state = 'running'",
                    &[&id, &fence, &addr],
                )
                .await?
                == 1)
        }
        .boxed()
    }

    fn finish<'a>(&'a self, id: i64, fence: i64, state: OpState, outcome: &'a str, now_ms: i64) -> DbFuture<'a, bool> {
        async move {
            Ok(self
                .count(
                    "UPDATE stacktician_operations SET state = $3, outcome = $4, finished_ms = $5, sealed = '', \
                     guest_addr = NULL, worker = NULL WHERE id = $1 AND fence = $2 AND state = 'running'",
                    &[&id, &fence, &state.as_str(), &outcome, &now_ms],
                )
                .await?
                == 1)
        }
        .boxed()
    }

    fn hand_back(&self, id: i64, fence: i64) -> DbFuture<'_, bool> {
        async move {
            let n = self
                .count(
                    "UPDATE stacktician_operations SET state = 'queued', worker = NULL, lease_until_ms = 0, guest_addr = NULL \
                     WHERE id = $1 AND fence = $2 AND state = 'running'",
                    &[&id, &fence],
                )
                .await?;
            self.count("SELECT pg_notify('stacktician_work', '')", &[]).await?;
            Ok(n == 1)
        }
        .boxed()
    }

    fn operation(&self, id: i64) -> DbFuture<'_, Option<Operation>> {
        async move {
            let rows = self
                .rows(
                    &format!("SELECT {OPERATION} FROM stacktician_operations WHERE id = $1"),
                    &[&id],
                )
                .await?;
            rows.first().map(operation_from).transpose()
        }
        .boxed()
    }

    fn operations<'a>(&'a self, owner: i64, stack: &'a str, limit: i64) -> DbFuture<'a, Vec<Operation>> {
        async move {
            let rows = self
                .rows(
                    &format!(
                        "SELECT {OPERATION} FROM stacktician_operations WHERE owner = $1 AND stack = $2 \
                         ORDER BY id DESC LIMIT $3"
                    ),
                    &[&owner, &stack, &limit],
                )
                .await?;
            rows.iter().map(operation_from).collect()
        }
        .boxed()
    }

    fn active_operations(&self) -> DbFuture<'_, Vec<Operation>> {
        async move {
            let rows = self
                .rows(
                    &format!(
                        "SELECT {OPERATION} FROM stacktician_operations WHERE state IN ('queued', 'running') ORDER BY id"
                    ),
                    &[],
                )
                .await?;
            rows.iter().map(operation_from).collect()
        }
        .boxed()
    }

    fn heartbeat<'a>(&'a self, worker: &'a str, now_ms: i64) -> DbFuture<'a, ()> {
        async move {
            self.count(
                "INSERT INTO stacktician_workers (id, heartbeat_ms) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET heartbeat_ms = EXCLUDED.heartbeat_ms",
                &[&worker, &now_ms],
            )
            .await
            .map(drop)
        }
        .boxed()
    }

    fn live_workers(&self, since_ms: i64) -> DbFuture<'_, i64> {
        async move {
            let rows = self
                .rows(
                    "SELECT COUNT(*) FROM stacktician_workers WHERE heartbeat_ms >= $1",
                    &[&since_ms],
                )
                .await?;
            Ok(rows.first().map_or(0, |r| r.get(0)))
        }
        .boxed()
    }

    fn remove_worker<'a>(&'a self, worker: &'a str) -> DbFuture<'a, ()> {
        async move {
            self.count("DELETE FROM stacktician_workers WHERE id = $1", &[&worker])
                .await
                .map(drop)
        }
        .boxed()
    }

    fn wait_for_work(&self, timeout: Duration) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        async move {
            let _ = tokio::time::timeout(timeout, self.woken.notified()).await;
        }
        .boxed()
    }
}
