//! The [`StateStore`] contract kept by [`SqliteStore`]: each call one transaction on the writer
//! thread, every write checked against the stack's lease and fencing counter.

use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use stack_core::events::{Event, Status};
use stack_core::state::{
    expiry, now_ms, ChangeSetRecord, HandleRecord, Lease, LockHolder, ResourceRecord, SignalRecord, StackRecord,
    StateError, StateStore, StoreFuture,
};

use crate::rows::{
    fenced, json_text, ms, parse_status, read_stack_row, resource_from_row, stack_from_row, unsigned, ResourceRow,
    STACK_COLUMNS,
};
use crate::store::SqliteStore;

impl StateStore for SqliteStore {
    fn save_stack<'a>(&'a self, lease: &'a Lease, s: &'a StackRecord) -> StoreFuture<'a, ()> {
        let (lease, s) = (lease.clone(), s.clone());
        self.with(move |tx| {
            if s.name != lease.stack {
                return Ok(Err(StateError::WrongStack {
                    record: s.name.clone(),
                    lease: lease.stack.clone(),
                }));
            }
            if let Some(e) = fenced(tx, &lease)? {
                return Ok(Err(e));
            }
            tx.execute(
                &format!("INSERT OR REPLACE INTO stacks ({STACK_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"),
                params![
                    s.name,
                    s.stack_id,
                    s.template,
                    json_text(&s.params),
                    json_text(&s.no_echo),
                    json_text(&s.options),
                    s.status.as_str(),
                    s.reason,
                    ms(s.created_ms),
                    ms(now_ms()),
                    s.previous.as_ref().map(json_text),
                ],
            )?;
            Ok(Ok(()))
        })
    }

    fn set_stack_status<'a>(
        &'a self,
        lease: &'a Lease,
        status: Status,
        reason: Option<&'a str>,
    ) -> StoreFuture<'a, ()> {
        let (lease, reason) = (lease.clone(), reason.map(str::to_string));
        self.with(move |tx| {
            if let Some(e) = fenced(tx, &lease)? {
                return Ok(Err(e));
            }
            tx.execute(
                "UPDATE stacks SET status = ?2, reason = ?3, updated_ms = ?4 WHERE name = ?1",
                params![lease.stack, status.as_str(), reason, ms(now_ms())],
            )?;
            Ok(Ok(()))
        })
    }

    fn stack<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Option<StackRecord>> {
        let name = name.to_string();
        self.with(move |tx| {
            let row = tx
                .query_row(
                    &format!("SELECT {STACK_COLUMNS} FROM stacks WHERE name = ?1"),
                    params![name],
                    read_stack_row,
                )
                .optional()?;
            Ok(row.map(stack_from_row).transpose())
        })
    }

    fn stacks(&self) -> StoreFuture<'_, Vec<StackRecord>> {
        self.with(move |tx| {
            let mut st = tx.prepare(&format!("SELECT {STACK_COLUMNS} FROM stacks ORDER BY name"))?;
            let rows = st
                .query_map([], read_stack_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.into_iter().map(stack_from_row).collect())
        })
    }

    fn remove_stack<'a>(&'a self, lease: &'a Lease) -> StoreFuture<'a, ()> {
        let lease = lease.clone();
        self.with(move |tx| {
            if let Some(e) = fenced(tx, &lease)? {
                return Ok(Err(e));
            }
            for table in [
                "stacks WHERE name",
                "resources WHERE stack",
                "events WHERE stack",
                "wait_handles WHERE stack",
                "signals WHERE stack",
                "change_sets WHERE stack",
            ] {
                tx.execute(&format!("DELETE FROM {table} = ?1"), params![lease.stack])?;
            }
            Ok(Ok(()))
        })
    }

    fn save_resource<'a>(&'a self, lease: &'a Lease, r: &'a ResourceRecord) -> StoreFuture<'a, ()> {
        let (lease, r) = (lease.clone(), r.clone());
        self.with(move |tx| {
            if let Some(e) = fenced(tx, &lease)? {
                return Ok(Err(e));
            }
            tx.execute(
                "INSERT OR REPLACE INTO resources (stack, logical, type_name, status, physical_id, attributes,
                    create_wire, intent, intent_api, intent_ms, job_id, reason, updated_ms, tagged, replaced)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                params![
                    lease.stack,
                    r.logical,
                    r.type_name,
                    r.status.as_str(),
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
                    r.replaced.as_ref().map(json_text),
                ],
            )?;
            Ok(Ok(()))
        })
    }

    fn resources<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<ResourceRecord>> {
        let stack = stack.to_string();
        self.with(move |tx| {
            let mut st = tx.prepare(
                "SELECT logical, type_name, status, physical_id, attributes, create_wire, intent, intent_api,
                        intent_ms, job_id, reason, tagged, replaced
                 FROM resources WHERE stack = ?1 ORDER BY logical",
            )?;
            let rows = st
                .query_map(params![stack], |r| ResourceRow::try_from(r))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.into_iter().map(|row| resource_from_row(&stack, row)).collect())
        })
    }

    fn append_event<'a>(&'a self, lease: &'a Lease, e: &'a Event) -> StoreFuture<'a, u64> {
        let (lease, e) = (lease.clone(), e.clone());
        self.with(move |tx| {
            if e.stack != lease.stack {
                return Ok(Err(StateError::WrongStack {
                    record: e.stack.clone(),
                    lease: lease.stack.clone(),
                }));
            }
            if let Some(err) = fenced(tx, &lease)? {
                return Ok(Err(err));
            }
            tx.execute(
                "INSERT INTO events (stack, timestamp_ms, logical_id, resource_type, physical_id, status, reason)
                 VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![
                    e.stack,
                    ms(e.timestamp_ms),
                    e.logical_id,
                    e.resource_type,
                    e.physical_id,
                    e.status.as_str(),
                    e.reason
                ],
            )?;
            Ok(Ok(unsigned(tx.last_insert_rowid())))
        })
    }

    fn events<'a>(&'a self, stack: &'a str, after: u64) -> StoreFuture<'a, Vec<(u64, Event)>> {
        type Row = (i64, i64, String, String, Option<String>, String, Option<String>);
        let stack = stack.to_string();
        self.with(move |tx| {
            let mut st = tx.prepare(
                "SELECT seq, timestamp_ms, logical_id, resource_type, physical_id, status, reason
                 FROM events WHERE stack = ?1 AND seq > ?2 ORDER BY seq",
            )?;
            let rows = st
                .query_map(params![stack, ms(after)], |r| Row::try_from(r))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows
                .into_iter()
                .map(|(seq, ts, logical_id, resource_type, physical_id, status, reason)| {
                    Ok((
                        unsigned(seq),
                        Event {
                            timestamp_ms: unsigned(ts),
                            stack: stack.clone(),
                            logical_id,
                            resource_type,
                            physical_id,
                            status: parse_status(&stack, &status)?,
                            reason,
                        },
                    ))
                })
                .collect())
        })
    }

    fn acquire_lock<'a>(
        &'a self,
        stack: &'a str,
        holder: &'a LockHolder,
        duration: Duration,
    ) -> StoreFuture<'a, Lease> {
        let (stack, holder) = (stack.to_string(), holder.clone());
        self.with(move |tx| {
            let now = now_ms();
            let current: Option<(u32, String, String, i64, i64, i64)> = tx
                .query_row(
                    "SELECT pid, host, token, since_ms, expires_ms, fence FROM locks WHERE stack = ?1",
                    params![stack],
                    |r| <(u32, String, String, i64, i64, i64)>::try_from(r),
                )
                .optional()?;
            let mut fence = 1;
            if let Some((pid, host, token, since, expires, old)) = current {
                let live = !token.is_empty() && unsigned(expires) > now;
                if live && token != holder.token {
                    return Ok(Err(StateError::locked(
                        &stack,
                        pid,
                        &host,
                        unsigned(since),
                        unsigned(expires),
                    )));
                }
                if !token.is_empty() && token != holder.token {
                    tracing::warn!(stack = %stack, pid, host = %host, "taking over a lock whose lease ran out");
                }
                fence = unsigned(old) + 1;
            }
            tx.execute(
                "INSERT OR REPLACE INTO locks (stack, pid, host, token, since_ms, expires_ms, fence)
                 VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![
                    stack,
                    holder.pid,
                    holder.host,
                    holder.token,
                    ms(now),
                    ms(expiry(now, duration)),
                    ms(fence)
                ],
            )?;
            Ok(Ok(Lease {
                stack,
                token: holder.token,
                fence,
            }))
        })
    }

    fn renew_lock<'a>(&'a self, lease: &'a Lease, duration: Duration) -> StoreFuture<'a, ()> {
        let lease = lease.clone();
        self.with(move |tx| {
            let changed = tx.execute(
                "UPDATE locks SET expires_ms = ?4 WHERE stack = ?1 AND token = ?2 AND fence = ?3",
                params![
                    lease.stack,
                    lease.token,
                    ms(lease.fence),
                    ms(expiry(now_ms(), duration))
                ],
            )?;
            Ok(if changed == 0 {
                Err(StateError::Fenced {
                    stack: lease.stack.clone(),
                    fence: lease.fence,
                })
            } else {
                Ok(())
            })
        })
    }

    fn release_lock<'a>(&'a self, lease: &'a Lease) -> StoreFuture<'a, ()> {
        let lease = lease.clone();
        self.with(move |tx| {
            tx.execute(
                "UPDATE locks SET token = '', expires_ms = 0 WHERE stack = ?1 AND token = ?2 AND fence = ?3",
                params![lease.stack, lease.token, ms(lease.fence)],
            )?;
            Ok(Ok(()))
        })
    }

    fn save_change_set<'a>(&'a self, lease: &'a Lease, c: &'a ChangeSetRecord) -> StoreFuture<'a, ()> {
        let (lease, c) = (lease.clone(), c.clone());
        self.with(move |tx| {
            if let Some(e) = fenced(tx, &lease)? {
                return Ok(Err(e));
            }
            tx.execute(
                "INSERT OR REPLACE INTO change_sets (stack, name, body, created_ms) VALUES (?1,?2,?3,?4)",
                params![lease.stack, c.name, c.body, ms(c.created_ms)],
            )?;
            Ok(Ok(()))
        })
    }

    fn change_sets<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<ChangeSetRecord>> {
        let stack = stack.to_string();
        self.with(move |tx| {
            let mut st = tx.prepare("SELECT name, body, created_ms FROM change_sets WHERE stack = ?1 ORDER BY name")?;
            let rows = st
                .query_map(params![stack], |r| {
                    Ok(ChangeSetRecord {
                        name: r.get(0)?,
                        body: r.get(1)?,
                        created_ms: unsigned(r.get(2)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Ok(rows))
        })
    }

    fn remove_change_sets<'a>(&'a self, lease: &'a Lease, name: Option<&'a str>) -> StoreFuture<'a, ()> {
        let (lease, name) = (lease.clone(), name.map(str::to_string));
        self.with(move |tx| {
            if let Some(e) = fenced(tx, &lease)? {
                return Ok(Err(e));
            }
            match name {
                Some(n) => tx.execute(
                    "DELETE FROM change_sets WHERE stack = ?1 AND name = ?2",
                    params![lease.stack, n],
                )?,
                None => tx.execute("DELETE FROM change_sets WHERE stack = ?1", params![lease.stack])?,
            };
            Ok(Ok(()))
        })
    }

    fn save_handle<'a>(&'a self, lease: &'a Lease, h: &'a HandleRecord) -> StoreFuture<'a, ()> {
        let (lease, h) = (lease.clone(), h.clone());
        self.with(move |tx| {
            if let Some(e) = fenced(tx, &lease)? {
                return Ok(Err(e));
            }
            tx.execute(
                "INSERT OR REPLACE INTO wait_handles (stack, logical, token_sha256, created_ms) VALUES (?1,?2,?3,?4)",
                params![lease.stack, h.logical, h.token_sha256, ms(h.created_ms)],
            )?;
            Ok(Ok(()))
        })
    }

    fn handles<'a>(&'a self, stack: &'a str) -> StoreFuture<'a, Vec<HandleRecord>> {
        let stack = stack.to_string();
        self.with(move |tx| {
            let mut st = tx.prepare(
                "SELECT logical, token_sha256, created_ms FROM wait_handles WHERE stack = ?1 ORDER BY logical",
            )?;
            let rows = st
                .query_map(params![stack], |r| {
                    Ok(HandleRecord {
                        logical: r.get(0)?,
                        token_sha256: r.get(1)?,
                        created_ms: unsigned(r.get(2)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Ok(rows))
        })
    }

    fn save_signal<'a>(&'a self, stack: &'a str, handle: &'a str, s: &'a SignalRecord) -> StoreFuture<'a, bool> {
        let (stack, handle, s) = (stack.to_string(), handle.to_string(), s.clone());
        self.with(move |tx| {
            let known: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM wait_handles WHERE stack = ?1 AND logical = ?2",
                    params![stack, handle],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Ok(Ok(false));
            }
            tx.execute(
                "INSERT INTO signals (stack, handle, unique_id, success, reason, data, received_ms)
                 VALUES (?1,?2,?3,?4,?5,?6,?7)
                 ON CONFLICT (stack, handle, unique_id) DO UPDATE SET success = excluded.success,
                    reason = excluded.reason, data = excluded.data, received_ms = excluded.received_ms",
                params![
                    stack,
                    handle,
                    s.unique_id,
                    s.success,
                    s.reason,
                    s.data,
                    ms(s.received_ms)
                ],
            )?;
            Ok(Ok(true))
        })
    }

    fn signals<'a>(&'a self, stack: &'a str, handle: &'a str) -> StoreFuture<'a, Vec<SignalRecord>> {
        let (stack, handle) = (stack.to_string(), handle.to_string());
        self.with(move |tx| {
            let mut st = tx.prepare(
                "SELECT success, reason, unique_id, data, received_ms FROM signals
                 WHERE stack = ?1 AND handle = ?2 ORDER BY seq",
            )?;
            let rows = st
                .query_map(params![stack, handle], |r| {
                    Ok(SignalRecord {
                        success: r.get(0)?,
                        reason: r.get(1)?,
                        unique_id: r.get(2)?,
                        data: r.get(3)?,
                        received_ms: unsigned(r.get(4)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Ok(rows))
        })
    }

    fn save_spec<'a>(&'a self, sha256: &'a str, facts: &'a str) -> StoreFuture<'a, ()> {
        let (sha256, facts) = (sha256.to_string(), facts.to_string());
        self.with(move |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO api_specs (sha256, facts, saved_ms) VALUES (?1, ?2, ?3)",
                params![sha256, facts, ms(now_ms())],
            )?;
            Ok(Ok(()))
        })
    }

    fn spec<'a>(&'a self, sha256: &'a str) -> StoreFuture<'a, Option<String>> {
        let sha256 = sha256.to_string();
        self.with(move |tx| {
            Ok(Ok(tx
                .query_row("SELECT facts FROM api_specs WHERE sha256 = ?1", params![sha256], |r| {
                    r.get(0)
                })
                .optional()?))
        })
    }

    fn set_endpoint_spec<'a>(&'a self, endpoint: &'a str, sha256: &'a str) -> StoreFuture<'a, ()> {
        let (endpoint, sha256) = (endpoint.to_string(), sha256.to_string());
        self.with(move |tx| {
            tx.execute(
                "INSERT OR REPLACE INTO endpoint_specs (endpoint, sha256, fetched_ms) VALUES (?1, ?2, ?3)",
                params![endpoint, sha256, ms(now_ms())],
            )?;
            Ok(Ok(()))
        })
    }

    fn endpoint_spec<'a>(&'a self, endpoint: &'a str) -> StoreFuture<'a, Option<(String, u64)>> {
        let endpoint = endpoint.to_string();
        self.with(move |tx| {
            Ok(Ok(tx
                .query_row(
                    "SELECT sha256, fetched_ms FROM endpoint_specs WHERE endpoint = ?1",
                    params![endpoint],
                    |r| Ok((r.get::<_, String>(0)?, unsigned(r.get::<_, i64>(1)?))),
                )
                .optional()?))
        })
    }
}
