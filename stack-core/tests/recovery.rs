//! A create whose reply was lost (the process died between writing its intent and recording the
//! reply) is found again on resume, and never confused with an older look-alike: the same call made
//! by another stack, or by a stack deleted since.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cloudstack_api::v4_17 as api;
use cloudstack_client::Client;
use cloudstack_sim::fixtures::ZONE_ID;
use cloudstack_sim::RunningSim;
use stack_core::state::{now_ms, Intent, IntentKind, StackRecord, StateStore, StoredOptions};
use stack_core::{Engine, EngineConfig, ResourceRecord, Status};
use stack_store_sqlite::SqliteStore;

async fn setup(dir: &Path) -> (RunningSim, Engine, Client, Arc<SqliteStore>) {
    let config = EngineConfig {
        poll_interval: Duration::from_millis(20),
        ..EngineConfig::default()
    };
    let (sim, engine, client) = common::engine_on_sim(Duration::from_millis(20), config).await;
    let store = Arc::new(SqliteStore::open_dir(dir).expect("store"));
    (sim, engine.with_store(store.clone()), client, store)
}

/// Resumes `name`, which must end created.
async fn resumed(engine: &Engine, name: &str) -> stack_core::StackRun {
    let run = engine
        .resume(name, &BTreeMap::new())
        .await
        .unwrap_or_else(|e| panic!("resume failed: {e}"));
    assert_eq!(run.status, Status::CreateComplete);
    run
}

/// Ids of what the simulator holds that was created through the API.
fn live(sim: &RunningSim) -> Vec<String> {
    sim.handle.created_resources().into_iter().map(|r| r.id).collect()
}

fn template() -> String {
    format!(
        r#"{{"Resources": {{"Ip": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{ZONE_ID}"}}}}}}}}"#
    )
}

/// What a process that died right after writing the intent of `Ip`'s create leaves in the store:
/// its records, and its lock with a lease that runs out soon.
async fn interrupted(store: &SqliteStore, name: &str) {
    let dead = stack_core::state::LockHolder::this_process();
    let lease = store
        .acquire_lock(name, &dead, Duration::from_millis(100))
        .await
        .expect("the dead process's lock");
    store
        .save_stack(
            &lease,
            &StackRecord {
                name: name.into(),
                stack_id: format!("{name}-id"),
                template: template(),
                params: BTreeMap::new(),
                no_echo: Vec::new(),
                options: StoredOptions {
                    version: "4.17".into(),
                    spec_sha256: String::new(),
                    zones: vec![ZONE_ID.into()],
                    unique_names: true,
                    disable_rollback: false,
                    metadata_url: None,
                    metadata_listen: None,
                    stack_policy: None,
                    stack_tags: BTreeMap::new(),
                    timeout_minutes: None,
                },
                status: Status::CreateInProgress,
                reason: None,
                created_ms: now_ms(),
                updated_ms: now_ms(),
                previous: None,
            },
        )
        .await
        .expect("stack saved");
    let mut rec = ResourceRecord::new("Ip", "CloudStack::IpAddress", Status::CreateInProgress);
    rec.intent = Some(Intent {
        kind: IntentKind::Create,
        api: "associateIpAddress".into(),
        at_ms: now_ms(),
    });
    rec.create_wire = vec![("zoneid".into(), ZONE_ID.into())];
    store.save_resource(&lease, &rec).await.expect("resource saved");
}

fn ip_of(run: &stack_core::StackRun) -> String {
    run.resources["Ip"].physical_id.clone().expect("a physical id")
}

/// Creates stack `name` of one address.
async fn created(engine: &Engine, name: &str) -> stack_core::StackRun {
    engine
        .launch(&template(), &BTreeMap::new(), &common::options(engine, name))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_that_never_reached_the_cloud_adopts_no_look_alike() {
    let dir = tempfile::tempdir().expect("tmp");
    let (sim, engine, _, store) = setup(dir.path()).await;
    // The same call, made by a stack deleted since and by a stack that keeps its address.
    let mut gone = created(&engine, "gone").await;
    let gone_ip = ip_of(&gone);
    engine.delete(&mut gone).await.expect("gone deleted");
    let other = created(&engine, "other").await;
    let other_ip = ip_of(&other);

    interrupted(&store, "lost").await;
    let ip = ip_of(&resumed(&engine, "lost").await);
    assert_ne!(ip, gone_ip, "adopted the job of an address deleted since");
    assert_ne!(ip, other_ip, "adopted another stack's address");
    let live = live(&sim);
    assert_eq!(live.len(), 2, "the other stack's address and a new one: {live:?}");
    assert!(live.contains(&other_ip) && live.contains(&ip));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_that_reached_the_cloud_is_adopted_not_made_twice() {
    let dir = tempfile::tempdir().expect("tmp");
    let (sim, engine, client, store) = setup(dir.path()).await;
    let other = created(&engine, "other").await;
    let other_ip = ip_of(&other);

    interrupted(&store, "lost").await;
    // The call the dead process sent: it reached the cloud, its reply was lost.
    let sent = client
        .submit(&api::AssociateIpAddress::new().zoneid(ZONE_ID))
        .await
        .expect("sent");
    let run = resumed(&engine, "lost").await;
    assert_eq!(Some(ip_of(&run)), sent.id, "the lost call's address is adopted");
    let live = live(&sim);
    assert_eq!(live.len(), 2, "nothing made twice: {live:?}");
    assert!(live.contains(&other_ip));
}
