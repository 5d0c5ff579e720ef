//! Nested stacks, three levels deep, created against the embedded CloudStack simulator and
//! deleted again: `nested/root.json` holds a security group, an application stack
//! (`nested/app.json`) and a public address in the application's network; the application stack
//! holds the network stack (`nested/network.json`) and a VM in its network. The tree is read
//! (`stack_core::nesting::inline`), planned as one DAG, and run as one stack.
//!
//! ```text
//! cargo run -p stack-core --example nested_stacks
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use cloudstack_client::Client;
use stack_core::fetch::Fetcher;
use stack_core::nesting::{inline, Location};
use stack_core::{Engine, EngineConfig};
use stack_signals_http::SignalServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = cloudstack_sim::start(cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(Duration::from_millis(50)),
        ..cloudstack_sim::SimConfig::ephemeral()
    })
    .await?;
    let client = Client::builder(&sim.url)
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()?;
    let signals = SignalServer::start("127.0.0.1:0".parse()?, None).await?;
    let engine = Engine::new(client, EngineConfig::default()).with_signals(std::sync::Arc::new(signals));

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/nested/root.json");
    let release = cloudstack_api::specs::release("4.17")?;
    let options = engine
        .plan_options("nested", release)
        .zones(vec![cloudstack_sim::fixtures::ZONE_ID.to_string()]);
    let text = inline(
        &std::fs::read_to_string(&root)?,
        &Location::File(root),
        &Fetcher,
        &options.limits,
    )
    .await?;
    let run = engine.launch(&text, &BTreeMap::new(), &options).await?;
    println!(
        "{}: {} resources in three levels",
        run.status.as_str(),
        run.resources.len()
    );
    for logical in &run.plan.order {
        let depth = logical.matches('.').count();
        let pid = run.resources[logical].physical_id.as_deref().unwrap_or("-");
        println!("  {}{logical} {pid}", "  ".repeat(depth));
    }
    for (name, value) in &run.outputs {
        println!("  output {name} = {value}");
    }
    let made = sim.handle.created_resources().len();
    let mut run = run;
    engine.delete(&mut run).await?;
    let left = sim.handle.created_resources();
    println!(
        "{}: the simulator held {made} resources of the tree and holds {} now",
        run.status.as_str(),
        left.len()
    );
    if !left.is_empty() || run.outputs.get("AppAddress").is_none_or(|a| a.is_empty()) {
        return Err(format!("the delete left {left:?}, or an output is missing: {:?}", run.outputs).into());
    }
    Ok(())
}
