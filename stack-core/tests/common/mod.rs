//! What the engine tests share: a simulator and an engine on it.

use std::path::Path;
use std::time::Duration;

use cloudstack_client::Client;
use cloudstack_sim::fixtures::ZONE_ID;
use cloudstack_sim::{Latency, RunningSim, SimConfig};
use stack_core::signals::SignalServer;
use stack_core::{Engine, EngineConfig, PlanOptions};

/// A simulator whose jobs take `latency`, a client for it, and an engine with `config`.
pub async fn engine_on_sim(latency: Duration, config: EngineConfig) -> (RunningSim, Engine, Client) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sim = cloudstack_sim::start(
        SimConfig {
            job_latency: Latency::Fixed(latency),
            ..SimConfig::ephemeral()
        },
        &workspace,
    )
    .await
    .expect("simulator");
    let client = Client::builder(&sim.url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
    let signals = SignalServer::start("127.0.0.1:0".parse().expect("addr"), None)
        .await
        .expect("signal server");
    let engine = Engine::new(client.clone(), signals, config);
    (sim, engine, client)
}

/// Plan options for stack `name` (id `<name>-id`) on CloudStack 4.17 in the simulator's zone.
pub fn options(engine: &Engine, name: &str) -> PlanOptions {
    PlanOptions {
        stack_name: name.into(),
        stack_id: format!("{name}-id"),
        version: cloudstack_api::version("4.17").expect("4.17"),
        zones: vec![ZONE_ID.into()],
        unique_names: true,
        custom_types: engine.custom_types(),
        metadata_url: engine.signals().base_url().to_string(),
    }
}
