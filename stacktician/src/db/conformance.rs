//! The contract every [`ServiceDb`] keeps, as one suite: [`check`] runs it against a database and
//! names the first rule it breaks. The SQLite and PostgreSQL backends both run it (the
//! `db_conformance` tests), so the queue's lease-and-fence rules are written down once.
//!
//! Owners, tokens and templates are named with a random suffix. The queue checks claim whatever
//! operation is oldest, so the suite wants a database with no other operation queued or running
//! (a fresh SQLite file; a PostgreSQL schema of its own).

use std::time::Duration;

use super::{DbError, DriftRow, NewOperation, OpState, Operation, Owner, ServiceDb, TemplateRow, TokenRow};

/// A rule of the contract that a database broke.
#[derive(Debug, thiserror::Error)]
#[error("service database contract, check {check:?}: {message}")]
pub struct Broken {
    /// The check.
    pub check: &'static str,
    /// What was expected and what the database did.
    pub message: String,
}

fn broken(check: &'static str, message: impl Into<String>) -> Broken {
    Broken {
        check,
        message: message.into(),
    }
}

/// `Err(Broken)` for check `check` unless `ok`.
fn expect(check: &'static str, ok: bool, message: impl FnOnce() -> String) -> Result<(), Broken> {
    if ok {
        Ok(())
    } else {
        Err(broken(check, message()))
    }
}

/// A database call that must succeed in check `check`.
fn call<T>(check: &'static str, r: Result<T, DbError>) -> Result<T, Broken> {
    r.map_err(|e| broken(check, format!("the call failed: {e}")))
}

/// Runs every check against `db`; returns how many passed (all of them) or the first broken rule.
pub async fn check(db: &dyn ServiceDb) -> Result<usize, Broken> {
    let suffix = stack_core::lifecycle::new_stack_id("c");
    let owner = owners(db, &suffix).await?;
    tokens(db, &owner, &suffix).await?;
    templates(db, &owner).await?;
    drift(db, &owner).await?;
    queue(db, &owner).await?;
    leases(db, &owner).await?;
    workers(db, &suffix).await?;
    wake(db, &owner).await?;
    Ok(8)
}

async fn owners(db: &dyn ServiceDb, suffix: &str) -> Result<Owner, Broken> {
    const C: &str = "owners";
    let new = Owner {
        id: 0,
        name: format!("owner-{suffix}"),
        admin: false,
        endpoint: "http://cloud.invalid/client/api".into(),
        api_key: "key".into(),
        secret_sealed: "sealed".into(),
        api_version: Some("4.17".into()),
        created_ms: 1_000,
    };
    let added = call(C, db.add_owner(&new).await)?;
    expect(C, added.id > 0, || format!("a new owner gets an id: {}", added.id))?;
    expect(
        C,
        added
            == Owner {
                id: added.id,
                ..new.clone()
            },
        || format!("the owner comes back as added: {added:?}"),
    )?;
    let again = db.add_owner(&new).await;
    expect(C, matches!(again, Err(DbError::Conflict(_))), || {
        format!("a taken name is a conflict: {again:?}")
    })?;
    let by_id = call(C, db.owner(added.id).await)?;
    expect(C, by_id.as_ref() == Some(&added), || format!("owner by id: {by_id:?}"))?;
    let by_name = call(C, db.owner_named(&new.name).await)?;
    expect(C, by_name.as_ref() == Some(&added), || {
        format!("owner by name: {by_name:?}")
    })?;
    let none = call(C, db.owner_named(&format!("nobody-{suffix}")).await)?;
    expect(C, none.is_none(), || format!("an unknown name: {none:?}"))?;
    let all = call(C, db.owners().await)?;
    expect(C, all.contains(&added), || "every owner lists the new one".into())?;
    Ok(added)
}

async fn tokens(db: &dyn ServiceDb, owner: &Owner, suffix: &str) -> Result<(), Broken> {
    const C: &str = "tokens";
    let token = TokenRow {
        id: format!("tok-{suffix}"),
        owner: owner.id,
        hash: "argon2id-hash".into(),
        label: "ci".into(),
        revoked: false,
        created_ms: 2_000,
    };
    call(C, db.add_token(&token).await)?;
    let got = call(C, db.token(&token.id).await)?;
    expect(C, got.as_ref() == Some(&token), || format!("token by id: {got:?}"))?;
    let listed = call(C, db.tokens(owner.id).await)?;
    expect(C, listed == vec![token.clone()], || {
        format!("the owner's tokens: {listed:?}")
    })?;
    expect(C, call(C, db.revoke_token(&token.id).await)?, || {
        "revoking a token says so".into()
    })?;
    let got = call(C, db.token(&token.id).await)?;
    expect(C, got.is_some_and(|t| t.revoked), || {
        "a revoked token is kept, revoked".into()
    })?;
    let unknown = call(C, db.revoke_token(&format!("none-{suffix}")).await)?;
    expect(C, !unknown, || "revoking an unknown token says there is none".into())
}

async fn templates(db: &dyn ServiceDb, owner: &Owner) -> Result<(), Broken> {
    const C: &str = "templates";
    let v1 = call(C, db.put_template(owner.id, "web", "{\"v\": 1}", 3_000).await)?;
    let v2 = call(C, db.put_template(owner.id, "web", "{\"v\": 2}", 3_001).await)?;
    call(C, db.put_template(owner.id, "db", "{}", 3_002).await)?;
    expect(C, (v1, v2) == (1, 2), || format!("versions count from 1: {v1}, {v2}"))?;
    let newest = call(C, db.template(owner.id, "web", None).await)?;
    let want = TemplateRow {
        owner: owner.id,
        name: "web".into(),
        version: 2,
        body: "{\"v\": 2}".into(),
        created_ms: 3_001,
    };
    expect(C, newest.as_ref() == Some(&want), || {
        format!("the newest version: {newest:?}")
    })?;
    let first = call(C, db.template(owner.id, "web", Some(1)).await)?;
    expect(C, first.is_some_and(|t| t.body == "{\"v\": 1}"), || {
        "version 1 by number".into()
    })?;
    let missing = call(C, db.template(owner.id, "web", Some(3)).await)?;
    expect(C, missing.is_none(), || {
        format!("a version that does not exist: {missing:?}")
    })?;
    let listed = call(C, db.templates(Some(owner.id)).await)?;
    let shown: Vec<(String, i64, bool)> = listed
        .iter()
        .map(|t| (t.name.clone(), t.version, t.body.is_empty()))
        .collect();
    expect(
        C,
        shown == vec![("db".into(), 1, true), ("web".into(), 2, true)],
        || format!("the newest of each, by name, without bodies: {shown:?}"),
    )?;
    let versions = call(C, db.template_versions(owner.id, "web").await)?;
    let numbers: Vec<i64> = versions.iter().map(|t| t.version).collect();
    expect(C, numbers == vec![1, 2], || {
        format!("every version, oldest first: {numbers:?}")
    })
}

async fn drift(db: &dyn ServiceDb, owner: &Owner) -> Result<(), Broken> {
    const C: &str = "drift";
    let none = call(C, db.drift(owner.id, "web").await)?;
    expect(C, none.is_none(), || format!("no check yet: {none:?}"))?;
    let first = DriftRow {
        owner: owner.id,
        stack: "web".into(),
        stack_id: "web-1".into(),
        checked_ms: 4_000,
        report: "{\"status\": \"IN_SYNC\"}".into(),
    };
    call(C, db.put_drift(&first).await)?;
    let again = DriftRow {
        stack_id: "web-2".into(),
        checked_ms: 4_001,
        report: "{\"status\": \"DRIFTED\"}".into(),
        ..first.clone()
    };
    call(C, db.put_drift(&again).await)?;
    let last = call(C, db.drift(owner.id, "web").await)?;
    expect(C, last.as_ref() == Some(&again), || {
        format!("the last check replaces the one before: {last:?}")
    })?;
    let other = call(C, db.drift(owner.id, "db").await)?;
    expect(C, other.is_none(), || format!("another stack's: {other:?}"))
}

fn op<'a>(owner: &Owner, stack: &'a str, sealed: &'a str) -> NewOperation<'a> {
    NewOperation {
        owner: owner.id,
        stack,
        kind: "create",
        payload: "{\"kind\": \"delete\"}",
        sealed,
    }
}

/// Claims as `worker` at `now`; the operation claimed.
async fn claim(
    db: &dyn ServiceDb,
    check: &'static str,
    worker: &str,
    lease_until: i64,
    now: i64,
) -> Result<Option<Operation>, Broken> {
    call(check, db.claim(worker, lease_until, now).await)
}

async fn queue(db: &dyn ServiceDb, owner: &Owner) -> Result<(), Broken> {
    const C: &str = "queue";
    let idle = claim(db, C, "w1", 0, 10_000).await?;
    expect(C, idle.is_none(), || {
        format!("the suite starts with nothing to claim: {idle:?}")
    })?;
    let a = call(C, db.enqueue(&op(owner, "a", "sealed-a"), 10_000).await)?;
    let b = call(C, db.enqueue(&op(owner, "b", ""), 10_001).await)?;
    let twice = db.enqueue(&op(owner, "a", ""), 10_002).await;
    expect(C, matches!(twice, Err(DbError::Conflict(_))), || {
        format!("a stack has one operation queued or running: {twice:?}")
    })?;
    let queued = call(C, db.operation(a).await)?.ok_or_else(|| broken(C, "a queued operation is found"))?;
    expect(
        C,
        queued.state == OpState::Queued && queued.fence == 0 && queued.sealed == "sealed-a" && queued.worker.is_none(),
        || format!("queued, unfenced, sealed: {queued:?}"),
    )?;
    let active = call(C, db.active_operations().await)?;
    let ids: Vec<i64> = active.iter().map(|o| o.id).collect();
    expect(C, ids == vec![a, b], || {
        format!("active operations, oldest first: {ids:?}")
    })?;
    // The oldest is claimed first, and its fence raised.
    let first = claim(db, C, "w1", 20_000, 10_010).await?;
    expect(
        C,
        first.as_ref().is_some_and(|o| {
            o.id == a
                && o.fence == 1
                && o.state == OpState::Running
                && o.worker.as_deref() == Some("w1")
                && o.started_ms == Some(10_010)
        }),
        || format!("the oldest queued operation, fence 1: {first:?}"),
    )?;
    let second = claim(db, C, "w2", 20_000, 10_011).await?;
    expect(C, second.as_ref().is_some_and(|o| o.id == b), || {
        format!("then the next: {second:?}")
    })?;
    let none = claim(db, C, "w3", 20_000, 10_012).await?;
    expect(C, none.is_none(), || format!("a held lease is not claimed: {none:?}"))?;
    // Guest address and lease renewal go with the fence.
    expect(C, call(C, db.set_guest_addr(a, 1, "10.0.0.1:8080").await)?, || {
        "the holder sets the guest address".into()
    })?;
    expect(C, !call(C, db.set_guest_addr(a, 2, "10.0.0.2:8080").await)?, || {
        "a wrong fence sets nothing".into()
    })?;
    let got = call(C, db.operation(a).await)?;
    expect(
        C,
        got.is_some_and(|o| o.guest_addr.as_deref() == Some("10.0.0.1:8080")),
        || "the guest address is kept".into(),
    )?;
    // Finishing empties the secrets, records the outcome and frees the stack for its next operation.
    expect(C, !call(C, db.finish(a, 2, OpState::Done, "x", 10_020).await)?, || {
        "a wrong fence finishes nothing".into()
    })?;
    expect(
        C,
        call(C, db.finish(a, 1, OpState::Done, "CREATE_COMPLETE", 10_020).await)?,
        || "the holder finishes".into(),
    )?;
    let done = call(C, db.operation(a).await)?.ok_or_else(|| broken(C, "a finished operation is kept"))?;
    expect(
        C,
        done.state == OpState::Done
            && done.sealed.is_empty()
            && done.outcome.as_deref() == Some("CREATE_COMPLETE")
            && done.finished_ms == Some(10_020)
            && done.guest_addr.is_none(),
        || format!("done, secrets emptied, outcome kept: {done:?}"),
    )?;
    expect(
        C,
        !call(C, db.finish(a, 1, OpState::Failed, "again", 10_021).await)?,
        || "a finished operation is not finished again".into(),
    )?;
    let next = call(C, db.enqueue(&op(owner, "a", ""), 10_030).await)?;
    let listed = call(C, db.operations(owner.id, "a", 10).await)?;
    let ids: Vec<i64> = listed.iter().map(|o| o.id).collect();
    expect(C, ids == vec![next, a], || {
        format!("a stack's operations, newest first: {ids:?}")
    })?;
    let limited = call(C, db.operations(owner.id, "a", 1).await)?;
    expect(C, limited.len() == 1, || format!("the limit holds: {}", limited.len()))?;
    // Clean up for the next checks: both finished.
    expect(
        C,
        call(C, db.finish(b, 1, OpState::Failed, "error: x", 10_040).await)?,
        || "b finishes".into(),
    )?;
    let n = claim(db, C, "w1", 20_000, 10_041)
        .await?
        .ok_or_else(|| broken(C, "the new operation is claimed"))?;
    expect(
        C,
        call(
            C,
            db.finish(n.id, n.fence, OpState::Done, "DELETE_COMPLETE", 10_042).await,
        )?,
        || "it finishes".into(),
    )
}

async fn leases(db: &dyn ServiceDb, owner: &Owner) -> Result<(), Broken> {
    const C: &str = "leases";
    let id = call(C, db.enqueue(&op(owner, "leased", ""), 20_000).await)?;
    let held = claim(db, C, "w1", 21_000, 20_001)
        .await?
        .ok_or_else(|| broken(C, "claimed"))?;
    // Renewal moves the lease; the operation is not claimable until it runs out.
    expect(C, call(C, db.renew(id, held.fence, 25_000).await)?, || {
        "the holder renews".into()
    })?;
    expect(C, !call(C, db.renew(id, held.fence + 1, 99_000).await)?, || {
        "a wrong fence renews nothing".into()
    })?;
    let early = claim(db, C, "w2", 30_000, 24_999).await?;
    expect(C, early.is_none(), || {
        format!("a renewed lease holds until it runs out: {early:?}")
    })?;
    // Run out: another worker takes it over with a higher fence, and the first holder is fenced off.
    let taken = claim(db, C, "w2", 40_000, 25_001).await?;
    expect(
        C,
        taken
            .as_ref()
            .is_some_and(|o| o.id == id && o.fence == held.fence + 1 && o.worker.as_deref() == Some("w2")),
        || format!("an expired lease is claimed again, fence raised: {taken:?}"),
    )?;
    let taken = taken.ok_or_else(|| broken(C, "taken"))?;
    expect(C, !call(C, db.renew(id, held.fence, 50_000).await)?, || {
        "the old holder cannot renew".into()
    })?;
    expect(
        C,
        !call(C, db.finish(id, held.fence, OpState::Done, "late", 25_002).await)?,
        || "nor finish".into(),
    )?;
    expect(C, !call(C, db.hand_back(id, held.fence).await)?, || {
        "nor hand it back".into()
    })?;
    // Handed back: claimable at once, by anyone, with the fence raised again.
    expect(C, call(C, db.hand_back(id, taken.fence).await)?, || {
        "the holder hands it back".into()
    })?;
    let back = call(C, db.operation(id).await)?;
    expect(
        C,
        back.as_ref()
            .is_some_and(|o| o.state == OpState::Queued && o.worker.is_none()),
        || format!("queued again: {back:?}"),
    )?;
    let again = claim(db, C, "w3", 50_000, 25_003).await?;
    expect(
        C,
        again.as_ref().is_some_and(|o| o.id == id && o.fence == taken.fence + 1),
        || format!("a handed back operation is claimed at once: {again:?}"),
    )?;
    let again = again.ok_or_else(|| broken(C, "claimed again"))?;
    expect(
        C,
        call(
            C,
            db.finish(id, again.fence, OpState::Done, "CREATE_COMPLETE", 25_004)
                .await,
        )?,
        || "it finishes".into(),
    )
}

async fn workers(db: &dyn ServiceDb, suffix: &str) -> Result<(), Broken> {
    const C: &str = "workers";
    let (w1, w2) = (format!("w1-{suffix}"), format!("w2-{suffix}"));
    // Far in the future, so that only these two count.
    let now = 9_000_000_000_000;
    call(C, db.heartbeat(&w1, now).await)?;
    call(C, db.heartbeat(&w2, now - 5_000).await)?;
    call(C, db.heartbeat(&w1, now + 1).await)?;
    let live = call(C, db.live_workers(now - 10_000).await)?;
    expect(C, live == 2, || {
        format!("two workers live (a heartbeat again counts once): {live}")
    })?;
    let recent = call(C, db.live_workers(now - 1_000).await)?;
    expect(C, recent == 1, || format!("one seen since: {recent}"))?;
    call(C, db.remove_worker(&w1).await)?;
    call(C, db.remove_worker(&w2).await)?;
    let after = call(C, db.live_workers(now - 10_000).await)?;
    expect(C, after == 0, || format!("removed workers are gone: {after}"))
}

async fn wake(db: &dyn ServiceDb, owner: &Owner) -> Result<(), Broken> {
    const C: &str = "wake";
    // Nothing queued: the wait lasts its timeout (give or take).
    let started = std::time::Instant::now();
    db.wait_for_work(Duration::from_millis(200)).await;
    expect(C, started.elapsed() >= Duration::from_millis(150), || {
        format!("an idle wait lasts its timeout: {:?}", started.elapsed())
    })?;
    // An enqueue wakes a waiting worker well before its timeout.
    let started = std::time::Instant::now();
    let waiting = db.wait_for_work(Duration::from_secs(20));
    let enqueue = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        db.enqueue(&op(owner, "woken", ""), 30_000).await
    };
    let ((), id) = tokio::join!(waiting, enqueue);
    let id = call(C, id)?;
    expect(C, started.elapsed() < Duration::from_secs(10), || {
        format!("an enqueue wakes a waiting worker: woke after {:?}", started.elapsed())
    })?;
    let op = claim(db, C, "w1", 40_000, 30_001)
        .await?
        .ok_or_else(|| broken(C, "claimed"))?;
    expect(C, op.id == id, || "the woken operation is claimed".into())?;
    expect(
        C,
        call(C, db.finish(id, op.fence, OpState::Done, "DONE", 30_002).await)?,
        || "it finishes".into(),
    )
}
