//! An orchestrator that embeds the core, as a Rust team would: it reads a YAML template, plans it
//! against a release shipped with `cloudstack-api`, creates it on the cloud named by
//! `CLOUDSTACK_ENDPOINT`, `CLOUDSTACK_KEY` and `CLOUDSTACK_SECRET` with the in-memory state store and
//! no signal server, prints the outputs and deletes it. Then it creates a template whose resource
//! the cloud refuses, and reports the resource's typed failure (its kind and the cloud's code),
//! matched as data, never read from the message.
//!
//! ```text
//! CLOUDSTACK_ENDPOINT=http://127.0.0.1:8080/client/api CLOUDSTACK_KEY=... CLOUDSTACK_SECRET=... cargo run
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use cloudstack_client::FailureKind;
use stack_core::{Engine, EngineConfig, MemoryStore, StackError};

type Failed = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embedder: {e}");
            ExitCode::FAILURE
        }
    }
}

fn env(name: &str) -> Result<String, Failed> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

/// Reads and plans `file` of `templates/` as stack `name`.
fn plan(engine: &Engine, file: &str, name: &str, zones: &[String]) -> Result<stack_core::Plan, Failed> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates").join(file);
    let text = std::fs::read_to_string(&path)?;
    let template = stack_core::template::parse(&text).map_err(stack_core::Problems)?;
    let release = cloudstack_api::specs::release("4.17")?;
    let options = engine.plan_options(name, release).zones(zones.to_vec());
    let given = BTreeMap::from([("Zone".to_string(), zones.first().cloned().unwrap_or_default())]);
    Ok(stack_core::plan(&template, &given, &options)?)
}

async fn run() -> Result<(), Failed> {
    let client = cloudstack_client::Client::builder(&env("CLOUDSTACK_ENDPOINT")?)
        .credentials(&env("CLOUDSTACK_KEY")?, &env("CLOUDSTACK_SECRET")?)
        .build()?;
    // No signals port: nothing listens, and a template with wait conditions is refused at plan time.
    let engine = Engine::new(client.clone(), EngineConfig::default()).with_store(Arc::new(MemoryStore::new()));
    let zones = stack_core::cloud_release::zone_ids(&client).await?;

    let mut run = engine
        .create(plan(&engine, "web.yaml", "embedded-web", &zones)?)
        .await?;
    println!("web: {} with {} resources", run.status.as_str(), run.resources.len());
    for (name, value) in &run.outputs {
        println!("  output {name} = {value}");
    }
    engine.delete(&mut run).await?;
    println!("web: {}", run.status.as_str());

    match engine
        .create(plan(&engine, "refused.yaml", "embedded-refused", &zones)?)
        .await
    {
        Ok(_) => Err("the cloud made a VM with an offering it does not have".into()),
        Err(StackError {
            failure: Some(f), run, ..
        }) => {
            let kind = match f.kind {
                Some(FailureKind::InvalidRequest) => "invalid request",
                Some(FailureKind::Capacity) => "capacity",
                Some(FailureKind::Auth) => "authentication",
                Some(_) => "another kind",
                None => "not the cloud's",
            };
            println!(
                "refused: {} ({}) failed: kind {kind} ({:?}), code {}, api {}; the stack is {}",
                f.logical,
                f.type_name,
                f.kind,
                f.code.map_or_else(|| "none".to_string(), |c| c.to_string()),
                f.api.as_deref().unwrap_or("none"),
                run.status.as_str()
            );
            if f.kind == Some(FailureKind::InvalidRequest) && f.code == Some(431) {
                Ok(())
            } else {
                Err(format!("expected an invalid request (431), got {f:?}").into())
            }
        }
        Err(other) => Err(format!("failed, but at no resource: {other}").into()),
    }
}
