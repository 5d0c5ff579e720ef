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

use stack_core::cloudstack_client::{self, FailureKind};
use stack_core::{Engine, EngineConfig, MemoryStore, Operation, Outcome};

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

/// Reads `file` of `templates/` once and plans it once as stack `name` (the plan keeps the text, so
/// the stack can be deleted, resumed or updated by name later).
async fn plan(engine: &Engine, file: &str, name: &str, zone: &str) -> Result<stack_core::Plan, Failed> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates").join(file);
    let bytes = std::fs::read(&path)?;
    let limits = stack_core::limits::Limits::default();
    let at = stack_core::nesting::Location::File(path);
    let prepared = stack_core::nesting::prepare(&bytes, &at, &stack_core::fetch::Fetcher, &limits).await?;
    let release = cloudstack_api::specs::release("4.17")?;
    let given = BTreeMap::from([("Zone".to_string(), zone.to_string())]);
    Ok(engine.plan_create(name, prepared, &given, release, limits).await?)
}

async fn run() -> Result<(), Failed> {
    let client = cloudstack_client::Client::builder(&env("CLOUDSTACK_ENDPOINT")?)
        .credentials(&env("CLOUDSTACK_KEY")?, &env("CLOUDSTACK_SECRET")?)
        .build()?;
    // No signals port: nothing listens, and a template with wait conditions is refused at plan time.
    let engine = Engine::new(client.clone(), EngineConfig::default()).with_store(Arc::new(MemoryStore::new()));
    let zones = stack_core::cloud_release::zone_ids(&client).await?;

    // Every operation goes through one door, `Engine::run`, as a value.
    let zone = zones.first().cloned().unwrap_or_default();
    let web = plan(&engine, "web.yaml", "embedded-web", &zone).await?;
    let Outcome::Stack(run) = engine.run(Operation::create(web)).await? else {
        return Err("a create answers with its stack".into());
    };
    println!("web: {} with {} resources", run.status.as_str(), run.resources.len());
    for (name, value) in &run.outputs {
        println!("  output {name} = {value}");
    }
    if let Outcome::Stack(deleted) = engine.run(Operation::delete("embedded-web")).await? {
        println!("web: {}", deleted.status.as_str());
    }

    let refused = plan(&engine, "refused.yaml", "embedded-refused", &zone).await?;
    match engine.run(Operation::create(refused)).await {
        Ok(_) => Err("the cloud made a VM with an offering it does not have".into()),
        Err(e) if e.failure().is_some() => {
            let (Some(f), Some(failed)) = (e.failure(), e.failed()) else {
                return Err("a failed resource comes with its run".into());
            };
            let run = &failed.run;
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
