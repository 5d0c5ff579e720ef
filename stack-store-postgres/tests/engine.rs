//! stack-core's engine on the PostgreSQL store, against the simulator: a stack created by one
//! engine (a worker) is read, and deleted, by another that shares only the database. The database is `STACKMATE_TEST_POSTGRES` (see the
//! conformance test).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use stack_core::{Engine, EngineConfig, StateStore, Status};
use stack_signals_http::SignalServer;
use stack_store_postgres::PostgresStore;

fn database() -> String {
    std::env::var("STACKMATE_TEST_POSTGRES").unwrap_or_else(|_| "host=127.0.0.1 user=postgres dbname=test".into())
}

async fn worker(url: &str) -> Engine {
    let client = cloudstack_client::Client::builder(url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
    let signals = SignalServer::start("127.0.0.1:0".parse().expect("addr"), None)
        .await
        .expect("signals");
    let store: Arc<dyn StateStore> = Arc::new(PostgresStore::connect(&database()).await.expect("connect"));
    let config = EngineConfig {
        poll_interval: Duration::from_millis(20),
        ..EngineConfig::default()
    };
    Engine::new(client, config)
        .with_signals(std::sync::Arc::new(signals))
        .with_store(store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_worker_creates_and_another_deletes_through_the_database() {
    let sim = cloudstack_sim::start(cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(Duration::from_millis(10)),
        ..cloudstack_sim::SimConfig::ephemeral()
    })
    .await
    .expect("simulator");
    let (a, b) = (worker(&sim.url).await, worker(&sim.url).await);
    let zone = cloudstack_sim::fixtures::ZONE_ID;
    let template = format!(
        r#"{{"Resources": {{
            "Web": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "web"}}}},
            "Http": {{"Type": "CloudStack::SecurityGroupIngress", "Properties": {{"securitygroupid": {{"Ref": "Web"}},
                "protocol": "tcp", "startport": 80, "endport": 80, "cidrlist": "0.0.0.0/0"}}}},
            "Ip": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{zone}"}}}}}}}}"#
    );
    let release = cloudstack_api::specs::release("4.17").expect("release");
    let name = format!("pg-{}", stack_core::state::now_ms());
    let options = a.plan_options(&name, release).zones(vec![zone.to_string()]);
    let run = a.launch(&template, &BTreeMap::new(), &options).await.expect("create");
    assert_eq!(run.status, Status::CreateComplete);
    // The other worker sees what the first made, from the database alone.
    let seen = b.stored_run(&name, &BTreeMap::new()).await.expect("stored run");
    assert_eq!(seen.status, Status::CreateComplete);
    assert_eq!(seen.resources.len(), 3);
    assert_eq!(seen.resources["Ip"].physical_id, run.resources["Ip"].physical_id);
    // And deletes it.
    b.delete_named(&name, stack_core::DeleteBy::State, &BTreeMap::new())
        .await
        .expect("delete");
    assert!(
        sim.handle.created_resources().is_empty(),
        "{:?}",
        sim.handle.created_resources()
    );
    assert_eq!(
        b.stack_record(&name).await.map(|r| r.status).ok(),
        Some(Status::DeleteComplete)
    );
}
