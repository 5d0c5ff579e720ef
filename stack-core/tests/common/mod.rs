//! What the stack-core tests share: a simulator and an engine on it, and the StackMate templates.
// Each test crate uses its own part of this module.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use cloudstack_client::Client;
use cloudstack_sim::fixtures::ZONE_ID;
use cloudstack_sim::{Latency, RunningSim, SimConfig};
use stack_core::{Engine, EngineConfig, PlanOptions};
use stack_signals_http::SignalServer;

/// A simulator whose jobs take `latency`, a client for it, and an engine with `config`.
pub async fn engine_on_sim(latency: Duration, config: EngineConfig) -> (RunningSim, Engine, Client) {
    let sim = cloudstack_sim::start(SimConfig {
        job_latency: Latency::Fixed(latency),
        ..SimConfig::ephemeral()
    })
    .await
    .expect("simulator");
    let client = demo_client(&sim.url);
    let signals = SignalServer::start("127.0.0.1:0".parse().expect("addr"), None)
        .await
        .expect("signal server");
    let engine = Engine::new(client.clone(), config).with_signals(std::sync::Arc::new(signals));
    (sim, engine, client)
}

/// A simulator whose jobs take `latency`, and an engine on it that polls every 20 ms, runs up to 64
/// resources at once and gives up on a resource in use after 3 s.
pub async fn quick_engine(latency: Duration) -> (RunningSim, Engine) {
    let config = EngineConfig {
        poll_interval: Duration::from_millis(20),
        retry: stack_core::RetryPolicy {
            in_use: stack_core::retry::Backoff {
                budget: Some(Duration::from_secs(3)),
                ..stack_core::RetryPolicy::default().in_use
            },
            ..stack_core::RetryPolicy::default()
        },
        concurrency: 64,
        ..EngineConfig::default()
    };
    let (sim, engine, _) = engine_on_sim(latency, config).await;
    (sim, engine)
}

/// Plan options for stack `name` (id `<name>-id`) on CloudStack 4.17 in the simulator's zone.
pub fn options(engine: &Engine, name: &str) -> PlanOptions {
    let release = cloudstack_api::specs::release("4.17").expect("4.17");
    engine
        .stack_plan_options(name, &format!("{name}-id"), release)
        .zones(vec![ZONE_ID.into()])
}

/// A client of the simulator's demo account.
pub fn demo_client(url: &str) -> Client {
    Client::builder(url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client")
}

/// One of the original StackMate templates in `../shared/templates/stackmate/`.
pub fn shared(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/templates/stackmate")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
