//! The [`StateStore`] contract on PostgreSQL: each method one transaction (a write checks its
//! lease first, [`PostgresStore::fenced`]), on one of the store's connections.

use std::time::Duration;

use stack_core::events::{Event, Status};
use stack_core::state::{
    now_ms, utc, ChangeSetRecord, HandleRecord, Lease, LockHolder, ResourceRecord, SignalRecord, StackRecord,
    StateError, StateStore, StoreFuture,
};

use crate::{ms, text, unsigned, PostgresStore, STACK_COLUMNS};

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
