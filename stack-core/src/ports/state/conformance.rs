//! The contract every [`StateStore`] keeps, as one test suite: [`check`] runs it against a store and
//! names the first rule it breaks. The SQLite and in-memory stores run it in this crate's tests; the
//! service's PostgreSQL store runs the same suite.
//!
//! Every check works on stacks of its own, named with a random suffix, so the suite can run against a
//! database that holds other data, and twice against the same one.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let store = stack_core::state::MemoryStore::new();
//! let checks = stack_core::state::conformance::check(&store).await.expect("the memory store keeps the contract");
//! assert!(checks > 10);
//! # }
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Map};

use super::{
    ChangeSetRecord, HandleRecord, Intent, IntentKind, LockHolder, ResourceRecord, SignalRecord, StackRecord,
    StackVersion, StateError, StateStore, StoredOptions,
};
use crate::events::{Event, Status};

/// A rule of the contract that a store broke.
#[derive(Debug, thiserror::Error)]
#[error("state store contract, check {check:?}: {message}")]
pub struct Broken {
    /// The check.
    pub check: &'static str,
    /// What was expected and what the store did.
    pub message: String,
}

fn broken(check: &'static str, message: impl Into<String>) -> Broken {
    Broken {
        check,
        message: message.into(),
    }
}

/// Runs every check against `store`; returns how many passed (all of them) or the first broken rule.
pub async fn check(store: &dyn StateStore) -> Result<usize, Broken> {
    let suffix = LockHolder::this_process().token;
    let name = |what: &str| format!("conformance-{what}-{suffix}");
    let mut passed = 0;
    stack_round_trip(store, &name("stack")).await?;
    passed += 3;
    resources(store, &name("resources")).await?;
    passed += 2;
    events(store, &name("events"), &name("events-other")).await?;
    passed += 2;
    locks(store, &name("locks")).await?;
    passed += 4;
    fencing(store, &name("fencing")).await?;
    passed += 5;
    racing(store, &name("race")).await?;
    passed += 1;
    specs(store, &suffix).await?;
    passed += 2;
    wait_handles(store, &name("handles")).await?;
    passed += 3;
    change_sets(store, &name("change-sets")).await?;
    passed += 3;
    Ok(passed)
}

fn holder(n: u32) -> LockHolder {
    LockHolder {
        pid: 1000 + n,
        host: format!("host-{n}"),
        ..LockHolder::this_process()
    }
}

const LEASE: Duration = Duration::from_secs(30);

/// A stack record as the engine writes one.
pub fn sample_stack(name: &str) -> StackRecord {
    StackRecord {
        name: name.to_string(),
        stack_id: format!("{name}-id"),
        template: r#"{"Resources": {}}"#.to_string(),
        params: BTreeMap::from([("zone".to_string(), "z1".to_string())]),
        no_echo: vec!["DbPassword".to_string()],
        options: StoredOptions {
            version: "4.17".to_string(),
            spec_sha256: "abc".to_string(),
            zones: vec!["z1".to_string()],
            unique_names: true,
            disable_rollback: false,
            metadata_url: Some("http://10.0.0.2:4567/".to_string()),
            metadata_listen: Some("0.0.0.0:4567".to_string()),
            stack_policy: Some(r#"{"Statement": []}"#.to_string()),
            stack_tags: [("team".to_string(), "web".to_string())].into(),
            timeout_minutes: Some(30),
        },
        status: Status::CreateInProgress,
        reason: None,
        created_ms: 1_700_000_000_000,
        updated_ms: 1_700_000_000_000,
        previous: Some(StackVersion {
            template: r#"{"Resources": {"Old": {}}}"#.to_string(),
            params: BTreeMap::from([("zone".to_string(), "z0".to_string())]),
            no_echo: Vec::new(),
        }),
    }
}

fn sample_resource(logical: &str) -> ResourceRecord {
    let mut attributes = Map::new();
    attributes.insert("id".into(), json!("uuid-1"));
    attributes.insert("nic".into(), json!([{"ipaddress": "10.1.1.5"}]));
    ResourceRecord {
        physical_id: Some("uuid-1".into()),
        attributes,
        create_wire: vec![("name".into(), "web".into()), ("zoneid".into(), "z1".into())],
        intent: Some(Intent {
            kind: IntentKind::Create,
            api: "deployVirtualMachine".into(),
            at_ms: 1_700_000_000_123,
        }),
        job_id: Some("job-1".into()),
        tagged: true,
        reason: Some("why".into()),
        // The one it replaces, every field kept too.
        replaced: Some(Box::new(ResourceRecord {
            physical_id: Some("uuid-0".into()),
            create_wire: vec![("name".into(), "old".into())],
            tagged: true,
            ..ResourceRecord::new(logical, "CloudStack::VirtualMachine", Status::UpdateComplete)
        })),
        ..ResourceRecord::new(logical, "CloudStack::VirtualMachine", Status::UpdateInProgress)
    }
}

fn event(stack: &str, logical: &str, status: Status) -> Event {
    Event {
        timestamp_ms: 1_700_000_000_000,
        stack: stack.to_string(),
        logical_id: logical.to_string(),
        resource_type: "CloudStack::SecurityGroup".to_string(),
        physical_id: Some("sg-1".into()),
        status,
        reason: Some("because".into()),
    }
}

fn failed(check: &'static str) -> impl Fn(StateError) -> Broken {
    move |e| broken(check, format!("the store failed: {e}"))
}

async fn stack_round_trip(store: &dyn StateStore, name: &str) -> Result<(), Broken> {
    const C: &str = "a stack reads back as written";
    let lease = store.acquire_lock(name, &holder(1), LEASE).await.map_err(failed(C))?;
    let written = sample_stack(name);
    store.save_stack(&lease, &written).await.map_err(failed(C))?;
    let read = store.stack(name).await.map_err(failed(C))?;
    let Some(read) = read else {
        return Err(broken(C, "a saved stack is not found"));
    };
    let same = StackRecord {
        updated_ms: written.updated_ms,
        ..read.clone()
    };
    if same != written {
        return Err(broken(C, format!("wrote {written:?}, read {read:?}")));
    }
    const S: &str = "the status changes alone";
    store
        .set_stack_status(&lease, Status::CreateFailed, Some("a reason"))
        .await
        .map_err(failed(S))?;
    let read = store.stack(name).await.map_err(failed(S))?;
    match read {
        Some(r)
            if r.status == Status::CreateFailed
                && r.reason.as_deref() == Some("a reason")
                && r.template == written.template => {}
        other => return Err(broken(S, format!("read {other:?}"))),
    }
    let listed = store.stacks().await.map_err(failed(S))?;
    if !listed.iter().any(|s| s.name == name) {
        return Err(broken(S, "stacks() does not list a saved stack"));
    }
    const R: &str = "removing a stack removes its resources and events";
    store
        .save_resource(&lease, &sample_resource("Web"))
        .await
        .map_err(failed(R))?;
    store
        .append_event(&lease, &event(name, "Web", Status::CreateComplete))
        .await
        .map_err(failed(R))?;
    store.remove_stack(&lease).await.map_err(failed(R))?;
    let (s, r, e) = (
        store.stack(name).await.map_err(failed(R))?,
        store.resources(name).await.map_err(failed(R))?,
        store.events(name, 0).await.map_err(failed(R))?,
    );
    if s.is_some() || !r.is_empty() || !e.is_empty() {
        return Err(broken(
            R,
            format!("left stack {s:?}, {} resources, {} events", r.len(), e.len()),
        ));
    }
    store.release_lock(&lease).await.map_err(failed(R))
}

async fn resources(store: &dyn StateStore, name: &str) -> Result<(), Broken> {
    const C: &str = "a resource reads back as written, every field";
    let lease = store.acquire_lock(name, &holder(1), LEASE).await.map_err(failed(C))?;
    let web = sample_resource("Web");
    let plain = ResourceRecord::new("Db", "CloudStack::Volume", Status::CreateComplete);
    for r in [&web, &plain] {
        store.save_resource(&lease, r).await.map_err(failed(C))?;
    }
    let read = store.resources(name).await.map_err(failed(C))?;
    if read != vec![plain.clone(), web.clone()] {
        return Err(broken(
            C,
            format!("wrote {plain:?} and {web:?} (read by logical id), read {read:?}"),
        ));
    }
    const O: &str = "saving a resource again replaces it";
    let done = ResourceRecord {
        status: Status::CreateComplete,
        intent: None,
        job_id: None,
        ..web.clone()
    };
    store.save_resource(&lease, &done).await.map_err(failed(O))?;
    let read = store.resources(name).await.map_err(failed(O))?;
    if read != vec![plain, done] {
        return Err(broken(O, format!("read {read:?}")));
    }
    store.remove_stack(&lease).await.map_err(failed(O))?;
    store.release_lock(&lease).await.map_err(failed(O))
}

async fn events(store: &dyn StateStore, name: &str, other: &str) -> Result<(), Broken> {
    const C: &str = "events come back in order, after a sequence number, per stack";
    let lease = store.acquire_lock(name, &holder(1), LEASE).await.map_err(failed(C))?;
    let other_lease = store.acquire_lock(other, &holder(1), LEASE).await.map_err(failed(C))?;
    let mut seqs = Vec::new();
    for (i, status) in [
        Status::CreateInProgress,
        Status::CreateComplete,
        Status::DeleteInProgress,
    ]
    .into_iter()
    .enumerate()
    {
        seqs.push(
            store
                .append_event(&lease, &event(name, &format!("R{i}"), status))
                .await
                .map_err(failed(C))?,
        );
        store
            .append_event(&other_lease, &event(other, "X", status))
            .await
            .map_err(failed(C))?;
    }
    if seqs.windows(2).any(|w| w[0] >= w[1]) {
        return Err(broken(C, format!("sequence numbers do not grow: {seqs:?}")));
    }
    let all = store.events(name, 0).await.map_err(failed(C))?;
    let got: Vec<(u64, String)> = all.iter().map(|(s, e)| (*s, e.logical_id.clone())).collect();
    let want: Vec<(u64, String)> = seqs.iter().enumerate().map(|(i, s)| (*s, format!("R{i}"))).collect();
    if got != want {
        return Err(broken(C, format!("expected {want:?}, read {got:?}")));
    }
    if all.first().map(|(_, e)| e) != Some(&event(name, "R0", Status::CreateInProgress)) {
        return Err(broken(C, format!("the first event reads back as {:?}", all.first())));
    }
    let after = store.events(name, seqs[0]).await.map_err(failed(C))?;
    if after.len() != 2 || after[0].0 != seqs[1] {
        return Err(broken(C, format!("events after {} were {after:?}", seqs[0])));
    }
    const W: &str = "an event of one stack is refused under another stack's lease";
    match store
        .append_event(&lease, &event(other, "X", Status::CreateComplete))
        .await
    {
        Err(StateError::WrongStack { .. }) => {}
        other => return Err(broken(W, format!("the store answered {other:?}"))),
    }
    for l in [&lease, &other_lease] {
        store.remove_stack(l).await.map_err(failed(W))?;
        store.release_lock(l).await.map_err(failed(W))?;
    }
    Ok(())
}

async fn locks(store: &dyn StateStore, name: &str) -> Result<(), Broken> {
    const C: &str = "a held lock is refused to another holder, naming the holder";
    let first = store.acquire_lock(name, &holder(1), LEASE).await.map_err(failed(C))?;
    match store.acquire_lock(name, &holder(2), LEASE).await {
        Err(StateError::Locked {
            pid, host, until_ms, ..
        }) if pid == 1001 && host == "host-1" && until_ms > super::now_ms() => {}
        other => return Err(broken(C, format!("a second holder got {other:?}"))),
    }
    const R: &str = "a released lock is taken by the next holder, with a higher counter";
    store.release_lock(&first).await.map_err(failed(R))?;
    let second = store.acquire_lock(name, &holder(2), LEASE).await.map_err(failed(R))?;
    if second.fence <= first.fence {
        return Err(broken(R, format!("counter {} after {}", second.fence, first.fence)));
    }
    const E: &str = "a lease that ran out is taken over, whoever held it (no pid or host decides)";
    store
        .renew_lock(&second, Duration::from_millis(1))
        .await
        .map_err(failed(E))?;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let third = store.acquire_lock(name, &holder(3), LEASE).await.map_err(failed(E))?;
    if third.fence <= second.fence {
        return Err(broken(E, format!("counter {} after {}", third.fence, second.fence)));
    }
    const L: &str = "a live lease is never taken over, even of a holder on this host with a dead pid";
    let dead = LockHolder {
        pid: u32::MAX - 1,
        host: super::host_name(),
        ..LockHolder::this_process()
    };
    let other = format!("{name}-dead");
    let dead_lease = store.acquire_lock(&other, &dead, LEASE).await.map_err(failed(L))?;
    if store.acquire_lock(&other, &holder(4), LEASE).await.is_ok() {
        return Err(broken(L, "a live lease was taken over"));
    }
    store.release_lock(&dead_lease).await.map_err(failed(L))?;
    store.release_lock(&third).await.map_err(failed(L))
}

async fn fencing(store: &dyn StateStore, name: &str) -> Result<(), Broken> {
    const C: &str = "after a takeover, every write of the old holder is refused";
    let old = store
        .acquire_lock(name, &holder(1), Duration::from_millis(1))
        .await
        .map_err(failed(C))?;
    store.save_stack(&old, &sample_stack(name)).await.map_err(failed(C))?;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let new = store.acquire_lock(name, &holder(2), LEASE).await.map_err(failed(C))?;
    let refused = |what: &str, r: Result<(), StateError>| match r {
        Err(StateError::Fenced { fence, .. }) if fence == old.fence => Ok(()),
        other => Err(broken(C, format!("{what} under the old lease: {other:?}"))),
    };
    refused("save_stack", store.save_stack(&old, &sample_stack(name)).await)?;
    refused(
        "set_stack_status",
        store.set_stack_status(&old, Status::CreateFailed, None).await,
    )?;
    refused(
        "save_resource",
        store.save_resource(&old, &sample_resource("Web")).await,
    )?;
    refused(
        "append_event",
        store
            .append_event(&old, &event(name, "Web", Status::CreateFailed))
            .await
            .map(|_| ()),
    )?;
    refused("remove_stack", store.remove_stack(&old).await)?;
    const N: &str = "the old holder cannot renew, and its release leaves the new lease alone";
    refused("renew_lock", store.renew_lock(&old, LEASE).await)?;
    store.release_lock(&old).await.map_err(failed(N))?;
    store.save_resource(&new, &sample_resource("Web")).await.map_err(|e| {
        broken(
            N,
            format!("the new holder's write failed after the old one released: {e}"),
        )
    })?;
    const K: &str = "the refused writes changed nothing";
    let s = store.stack(name).await.map_err(failed(K))?;
    if s.as_ref().map(|s| s.status) != Some(Status::CreateInProgress) {
        return Err(broken(K, format!("the stack reads {s:?}")));
    }
    let e = store.events(name, 0).await.map_err(failed(K))?;
    if !e.is_empty() {
        return Err(broken(K, format!("events {e:?}")));
    }
    const W: &str = "a stack record is refused under another stack's lease";
    match store.save_stack(&new, &sample_stack("elsewhere")).await {
        Err(StateError::WrongStack { .. }) => {}
        other => return Err(broken(W, format!("the store answered {other:?}"))),
    }
    store.remove_stack(&new).await.map_err(failed(W))?;
    store.release_lock(&new).await.map_err(failed(W))
}

async fn racing(store: &dyn StateStore, name: &str) -> Result<(), Broken> {
    const C: &str = "of holders racing for a free lock, exactly one wins";
    let holders: Vec<LockHolder> = (0..8).map(holder).collect();
    let tries = holders.iter().map(|h| store.acquire_lock(name, h, LEASE));
    let results = futures_util::future::join_all(tries).await;
    let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let locked = results
        .iter()
        .filter(|r| matches!(r, Err(StateError::Locked { .. })))
        .count();
    if won.len() != 1 || locked != 7 {
        return Err(broken(
            C,
            format!("{} won, {locked} were refused as locked: {results:?}", won.len()),
        ));
    }
    let lease = won[0].clone();
    store.release_lock(&lease).await.map_err(failed(C))
}

async fn specs(store: &dyn StateStore, suffix: &str) -> Result<(), Broken> {
    const C: &str = "an API spec is kept by hash, the first one kept stays";
    let sha = format!("sha-{suffix}");
    store.save_spec(&sha, "{\"facts\":1}").await.map_err(failed(C))?;
    store.save_spec(&sha, "ignored").await.map_err(failed(C))?;
    let read = store.spec(&sha).await.map_err(failed(C))?;
    if read.as_deref() != Some("{\"facts\":1}") {
        return Err(broken(C, format!("read {read:?}")));
    }
    if store
        .spec(&format!("none-{suffix}"))
        .await
        .map_err(failed(C))?
        .is_some()
    {
        return Err(broken(C, "an unknown hash has a spec"));
    }
    const E: &str = "an endpoint's spec is the last one set, with when it was set";
    let endpoint = format!("endpoint-{suffix}");
    if store.endpoint_spec(&endpoint).await.map_err(failed(E))?.is_some() {
        return Err(broken(E, "an unknown endpoint has a spec"));
    }
    let before = super::now_ms();
    store.set_endpoint_spec(&endpoint, "one").await.map_err(failed(E))?;
    store.set_endpoint_spec(&endpoint, &sha).await.map_err(failed(E))?;
    match store.endpoint_spec(&endpoint).await.map_err(failed(E))? {
        Some((s, at)) if s == sha && at >= before.saturating_sub(1000) => Ok(()),
        other => Err(broken(E, format!("read {other:?}"))),
    }
}

fn signal(unique_id: &str, success: bool, data: &str) -> SignalRecord {
    SignalRecord {
        success,
        reason: format!("reason of {unique_id}"),
        unique_id: unique_id.to_string(),
        data: data.to_string(),
        received_ms: 1_700_000_000_000,
    }
}

async fn wait_handles(store: &dyn StateStore, name: &str) -> Result<(), Broken> {
    const U: &str = "a signal for a handle the store does not have is refused and not kept";
    let early = signal("i-1", true, "early");
    if store.save_signal(name, "Handle", &early).await.map_err(failed(U))? {
        return Err(broken(U, "save_signal returned true before the handle was saved"));
    }
    if !store.signals(name, "Handle").await.map_err(failed(U))?.is_empty() {
        return Err(broken(U, "the refused signal was kept"));
    }
    const H: &str = "a handle reads back as written; signals keep their order, a repeated id replaces in place";
    let lease = store.acquire_lock(name, &holder(1), LEASE).await.map_err(failed(H))?;
    let handle = HandleRecord {
        logical: "Handle".into(),
        token_sha256: "ab".repeat(32),
        created_ms: 1_700_000_000_000,
    };
    store.save_handle(&lease, &handle).await.map_err(failed(H))?;
    let read = store.handles(name).await.map_err(failed(H))?;
    if read != vec![handle.clone()] {
        return Err(broken(H, format!("wrote {handle:?}, read {read:?}")));
    }
    let (a, b, a2) = (
        signal("i-1", true, "one"),
        signal("i-2", false, "two"),
        signal("i-1", true, "again"),
    );
    for s in [&a, &b, &a2] {
        if !store.save_signal(name, "Handle", s).await.map_err(failed(H))? {
            return Err(broken(H, format!("save_signal refused {s:?} for a saved handle")));
        }
    }
    let read = store.signals(name, "Handle").await.map_err(failed(H))?;
    if read != vec![a2.clone(), b.clone()] {
        return Err(broken(H, format!("sent {a:?}, {b:?}, {a2:?}; read {read:?}")));
    }
    const R: &str = "removing a stack removes its handles and signals";
    store.remove_stack(&lease).await.map_err(failed(R))?;
    let (handles, signals) = (
        store.handles(name).await.map_err(failed(R))?,
        store.signals(name, "Handle").await.map_err(failed(R))?,
    );
    if !handles.is_empty() || !signals.is_empty() {
        return Err(broken(R, format!("left {handles:?} and {signals:?}")));
    }
    store.release_lock(&lease).await.map_err(failed(R))
}

async fn change_sets(store: &dyn StateStore, name: &str) -> Result<(), Broken> {
    const C: &str = "change sets read back by name, and saving one again replaces it";
    let lease = store.acquire_lock(name, &holder(1), LEASE).await.map_err(failed(C))?;
    let set = |n: &str, body: &str| ChangeSetRecord {
        name: n.to_string(),
        body: body.to_string(),
        created_ms: 1_700_000_000_000,
    };
    for c in [set("b", "{}"), set("a", "{\"x\":1}"), set("b", "{\"y\":2}")] {
        store.save_change_set(&lease, &c).await.map_err(failed(C))?;
    }
    let read = store.change_sets(name).await.map_err(failed(C))?;
    let want = vec![set("a", "{\"x\":1}"), set("b", "{\"y\":2}")];
    if read != want {
        return Err(broken(C, format!("expected {want:?}, read {read:?}")));
    }
    const D: &str = "one change set or all of them can be removed";
    store.remove_change_sets(&lease, Some("a")).await.map_err(failed(D))?;
    let read = store.change_sets(name).await.map_err(failed(D))?;
    if read != vec![set("b", "{\"y\":2}")] {
        return Err(broken(D, format!("after removing a, read {read:?}")));
    }
    store.remove_change_sets(&lease, None).await.map_err(failed(D))?;
    if !store.change_sets(name).await.map_err(failed(D))?.is_empty() {
        return Err(broken(D, "removing all left some"));
    }
    const R: &str = "removing a stack removes its change sets";
    store
        .save_change_set(&lease, &set("c", "{}"))
        .await
        .map_err(failed(R))?;
    store.remove_stack(&lease).await.map_err(failed(R))?;
    if !store.change_sets(name).await.map_err(failed(R))?.is_empty() {
        return Err(broken(R, "a removed stack's change sets are still listed"));
    }
    store.release_lock(&lease).await.map_err(failed(R))
}
