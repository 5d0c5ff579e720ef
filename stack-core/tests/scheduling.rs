//! How the engine schedules a stack's work, against the simulator: independent resources run in
//! parallel, the longest chain starts first, no cap on resources at once by default, and tagging
//! never holds up a resource's dependents.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use cloudstack_sim::fixtures::ZONE_ID;
use stack_core::{Engine, EngineConfig, Status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_independent_resources_run_in_parallel() {
    let latency = Duration::from_millis(200);
    let mut resources = Vec::new();
    for i in 0..50 {
        resources.push(format!(
            r#""Ip{i}": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{ZONE_ID}"}}}}"#
        ));
    }
    let many = format!(r#"{{"Resources": {{{}}}}}"#, resources.join(","));
    let one = format!(r#"{{"Resources": {{{}}}}}"#, resources[0]);
    let time = |text: String| async move {
        let (sim, engine) = common::quick_engine(latency).await;
        let plan = stack_core::plan(
            &stack_core::template::parse(&text).expect("parses"),
            &BTreeMap::new(),
            &common::options(&engine, "p"),
        )
        .expect("valid");
        let t = Instant::now();
        let mut run = engine.create(plan).await.expect("created");
        let elapsed = t.elapsed();
        engine.delete(&mut run).await.expect("deleted");
        assert!(sim.handle.created_resources().is_empty());
        elapsed
    };
    let single = time(one).await;
    let fifty = time(many).await;
    assert!(fifty < single * 3, "50 resources took {fifty:?}, one took {single:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_critical_path_starts_first() {
    // One resource at a time: three independent addresses listed first, and a chain of three.
    let (sim, mut engine) = common::quick_engine(Duration::from_millis(20)).await;
    engine = Engine::new(
        engine.client().clone(),
        EngineConfig {
            concurrency: 1,
            poll_interval: Duration::from_millis(10),
            ..EngineConfig::default()
        },
    )
    .with_signals(Arc::clone(engine.signals().expect("signals")));
    let ip = |name: &str, on: Option<&str>| {
        let depends = on.map(|d| format!(r#", "DependsOn": "{d}""#)).unwrap_or_default();
        format!(r#""{name}": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{ZONE_ID}"}}{depends}}}"#)
    };
    let text = format!(
        r#"{{"Resources": {{{}}}}}"#,
        [
            ip("A1", None),
            ip("A2", None),
            ip("A3", None),
            ip("Z1", None),
            ip("Z2", Some("Z1")),
            ip("Z3", Some("Z2"))
        ]
        .join(",")
    );
    let starts = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&starts);
    engine.events().subscribe(Arc::new(move |e| {
        if e.status == Status::CreateInProgress && e.resource_type != "CloudStack::Stack" {
            sink.lock().expect("lock").push(e.logical_id.clone());
        }
    }));
    let mut run = engine
        .launch(&text, &BTreeMap::new(), &common::options(&engine, "cp"))
        .await
        .expect("created");
    // Z1 has two resources behind it, the others none: it goes first.
    assert_eq!(starts.lock().expect("lock").first().map(String::as_str), Some("Z1"));
    engine.delete(&mut run).await.expect("deleted");
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_caps_no_resources_at_once() {
    // 50 independent addresses with 300 ms jobs: by default they all start at once, so the create
    // takes about one job (and its tag job, which runs beside it), not four waves of 16.
    let config = EngineConfig {
        poll_interval: Duration::from_millis(20),
        ..EngineConfig::default()
    };
    let (sim, engine, _) = common::engine_on_sim(Duration::from_millis(300), config).await;
    let resources: Vec<String> = (0..50)
        .map(|i| {
            format!(
                r#""Ip{i}": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "a1b2c3d4-0001-4000-8000-000000000001"}}}}"#
            )
        })
        .collect();
    let text = format!(r#"{{"Resources": {{{}}}}}"#, resources.join(","));
    let started = Instant::now();
    let mut run = engine
        .launch(&text, &BTreeMap::new(), &common::options(&engine, "wide"))
        .await
        .expect("created");
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(900),
        "50 independent 300 ms creates took {took:?}"
    );
    let started = Instant::now();
    engine.delete(&mut run).await.expect("deleted");
    let took = started.elapsed();
    assert!(took < Duration::from_millis(900), "and their deletes {took:?}");
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_never_delay_dependents() {
    // A synchronous group, then a VM in it: with 1 s jobs the VM's deploy starts without waiting
    // for the group's createTags job, so the stack takes about one job (plus the VM's tag job
    // beside its deploy), not two.
    let config = EngineConfig {
        poll_interval: Duration::from_millis(20),
        ..EngineConfig::default()
    };
    let (sim, engine, _) = common::engine_on_sim(Duration::from_secs(1), config).await;
    let text = r#"{"Resources": {
      "Group": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "fast"}},
      "Vm": {"Type": "CloudStack::VirtualMachine", "Properties": {"zoneid": "a1b2c3d4-0001-4000-8000-000000000001",
             "templateid": "a1b2c3d4-0002-4000-8000-000000000001", "serviceofferingid": "a1b2c3d4-0003-4000-8000-000000000001",
             "securitygroupids": {"Ref": "Group"}}}}}"#;
    let started = Instant::now();
    let mut run = engine
        .launch(text, &BTreeMap::new(), &common::options(&engine, "tg"))
        .await
        .expect("created");
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1700),
        "group -> VM with 1 s jobs took {took:?}"
    );
    // The tags are all there once the stack is complete.
    let created = sim.handle.created_resources();
    for r in &created {
        assert!(r.tags.iter().any(|t| t.starts_with("cloudstack:stack-id=")), "{r:?}");
    }
    assert!(run.resources.values().all(|r| r.tagged), "recorded as tagged");
    engine.delete(&mut run).await.expect("deleted");
}
