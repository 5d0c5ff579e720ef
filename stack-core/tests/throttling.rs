//! Few calls and a throttled cloud: tags put on in batches, a rate limit that keeps the engine under
//! CloudStack's API throttle, and without one, 429 answers lowering the requests in flight (AIMD)
//! while the stack still completes.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cloudstack_client::Client;
use cloudstack_sim::{Account, ApiThrottle, Latency, RunningSim, SimConfig};
use stack_core::{Engine, EngineConfig, Status};
use stack_signals_http::SignalServer;

/// `n` independent security groups (synchronous creates, tagged after).
fn groups(n: usize) -> String {
    let resources: Vec<String> = (0..n)
        .map(|i| format!(r#""G{i}": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "g{i}"}}}}"#))
        .collect();
    format!(r#"{{"Resources": {{{}}}}}"#, resources.join(","))
}

/// A simulator whose user account `dev` (not the root admin) is limited to `max` calls a second.
async fn throttled_sim(max: u32) -> RunningSim {
    let mut config = SimConfig {
        job_latency: Latency::Fixed(Duration::from_millis(20)),
        api_throttle: Some(ApiThrottle {
            max,
            interval: Duration::from_secs(1),
        }),
        ..SimConfig::ephemeral()
    };
    config.accounts.push(Account {
        name: "dev".into(),
        apikey: "dev-key".into(),
        secretkey: "dev-secret".into(),
    });
    cloudstack_sim::start(config).await.expect("simulator")
}

async fn engine_for(client: Client) -> Engine {
    let signals = SignalServer::start("127.0.0.1:0".parse().expect("addr"), None)
        .await
        .expect("signal server");
    let config = EngineConfig {
        poll_interval: Duration::from_millis(20),
        ..EngineConfig::default()
    };
    Engine::new(client, config).with_signals(std::sync::Arc::new(signals))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_go_on_in_batches() {
    let config = EngineConfig {
        poll_interval: Duration::from_millis(20),
        ..EngineConfig::default()
    };
    let (sim, engine, _) = common::engine_on_sim(Duration::from_millis(20), config).await;
    let mut run = engine
        .launch(&groups(40), &BTreeMap::new(), &common::options(&engine, "batch"))
        .await
        .expect("created");
    let calls = sim.handle.call_counts();
    assert_eq!(calls["createSecurityGroup"], 40);
    // One per type goes at once; the others gather while it is in flight (a window of 5 ms).
    assert!(
        calls["createTags"] <= 10,
        "40 groups finishing together are tagged in a few calls, not 40: {calls:?}"
    );
    let created = sim.handle.created_resources();
    assert_eq!(created.len(), 40);
    for r in &created {
        assert!(r.tags.iter().any(|t| t == "cloudstack:stack-id=batch-id"), "{r:?}");
    }
    assert!(run.resources.values().all(|r| r.tagged), "every record says tagged");
    engine.delete(&mut run).await.expect("deleted");
    assert!(sim.handle.created_resources().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_keeps_under_the_throttle_and_without_one_the_stack_still_completes() {
    // 30 groups: about 35 calls against a limit of 10 a second.
    let sim = throttled_sim(10).await;
    let unlimited = Client::builder(&sim.url)
        .credentials("dev-key", "dev-secret")
        .build()
        .expect("client");
    let engine = engine_for(unlimited.clone()).await;
    let mut run = engine
        .launch(&groups(30), &BTreeMap::new(), &common::options(&engine, "raw"))
        .await
        .expect("created despite 429 answers");
    assert_eq!(run.status, Status::CreateComplete);
    let refused = sim.handle.throttled_calls();
    assert!(refused > 0, "the throttle was hit");
    engine.delete(&mut run).await.expect("deleted");
    assert!(sim.handle.created_resources().is_empty());

    // With the rate the cloud allows, nothing is refused, at the cost the rate itself sets.
    let sim = throttled_sim(10).await;
    let limited = Client::builder(&sim.url)
        .credentials("dev-key", "dev-secret")
        .max_rate(9.5)
        .build()
        .expect("client");
    let engine = engine_for(limited.clone()).await;
    let started = Instant::now();
    let mut run = engine
        .launch(&groups(30), &BTreeMap::new(), &common::options(&engine, "paced"))
        .await
        .expect("created");
    let took = started.elapsed();
    assert_eq!(sim.handle.throttled_calls(), 0, "no call was refused");
    let requests = limited.request_count();
    let bound = Duration::from_secs_f64((requests - 1) as f64 / 9.5);
    assert!(took >= bound, "{requests} requests at 9.5/s took {took:?}");
    assert!(
        took < bound + Duration::from_secs(2),
        "{requests} requests took {took:?} (bound {bound:?})"
    );
    engine.delete(&mut run).await.expect("deleted");
}
