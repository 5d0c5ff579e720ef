//! `stackmate demo`: the simulator in-process, the project's LAMP template (built into the binary, so
//! the demo runs from any directory) created with a live view, the VM's wait-condition signal played,
//! events and outputs shown, the stack deleted, and proof that nothing is left.
//!
//! The simulator serves the release chosen with `--api-spec FILE` or `--api-version`, else the newest
//! shipped one; the CLI reads it through the simulator's `listApis`, as it would from a real cloud.

use crate::printing::outln;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudstack_sim::fixtures::{SERVICE_OFFERING_SMALL_ID, TEMPLATE_ID, ZONE_ID};
use stack_core::state::StateStore;
use stack_core::{LaunchError, PlanOptions};
use stack_store_sqlite::SqliteStore;

use crate::cli::{Global, ParamArgs};
use crate::commands::{engine_for, read_template, CreateSettings};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::params;
use crate::progress::Progress;

/// The demo template, written for the demo (StackMate's own templates are test inputs of the project).
pub const TEMPLATE: &str = cloudstack_sim::fixtures::LAMP_DEMO_TEMPLATE;

/// What the demo calls its built-in template in messages.
const TEMPLATE_NAME: &str = "built-in lamp-demo.json";

/// Runs the demo.
pub async fn run(g: &Global, template: Option<&Path>, p: &ParamArgs, latency_ms: u64) -> Result<(), CliError> {
    let (label, text, t) = match template {
        Some(path) => {
            let (text, t) = read_template(path)?;
            (path.display().to_string(), text, t)
        }
        None => {
            let t = stack_core::template::parse(TEMPLATE)
                .map_err(|p| CliError::Invalid(format!("{TEMPLATE_NAME}:\n{}", stack_core::Problems(p))))?;
            (TEMPLATE_NAME.to_string(), TEMPLATE.to_string(), t)
        }
    };
    // The simulator's zone, template and offering for the usual parameter names; demo credentials.
    let mut given = BTreeMap::new();
    let defaults = [
        ("zoneid", ZONE_ID),
        ("templateid", TEMPLATE_ID),
        ("serviceofferingid", SERVICE_OFFERING_SMALL_ID),
        ("KeyName", "demo-key"),
        ("DBName", "demo"),
        ("DBUsername", "demo"),
        ("DBPassword", "demoPassw0rd"),
        ("DBRootPassword", "demoR00tPassw0rd"),
    ];
    for (k, v) in defaults {
        if let Some(name) = t.parameters.keys().find(|n| n.eq_ignore_ascii_case(k)) {
            given.insert(name.clone(), v.to_string());
        }
    }
    given.extend(params::gather(&t, p.parameters.as_deref(), &p.params, false)?);

    outln!("stackmate demo: {label}");
    let spec = match (&g.api_spec, &g.api_version) {
        (Some(path), _) => cloudstack_sim::SpecSource::File(path.clone()),
        (None, Some(v)) => cloudstack_sim::SpecSource::Release(v.clone()),
        (None, None) => cloudstack_sim::SpecSource::Newest,
    };
    let config = cloudstack_sim::SimConfig {
        job_latency: cloudstack_sim::Latency::Fixed(Duration::from_millis(latency_ms)),
        spec,
        ..cloudstack_sim::SimConfig::ephemeral()
    };
    let sim = cloudstack_sim::start(config)
        .await
        .map_err(|e| CliError::Invalid(format!("cannot start the simulator: {e}")))?;
    outln!(
        "simulator: {} (CloudStack {} API, signed requests, {latency_ms} ms async jobs)",
        sim.url,
        sim.handle.version()
    );
    // The CLI reads the release from the simulator's listApis, as from any cloud.
    let conn = Connection::new(
        sim.url.clone(),
        cloudstack_sim::DEMO_API_KEY,
        cloudstack_sim::DEMO_SECRET_KEY,
        None,
    );
    let state_dir = std::env::temp_dir().join(format!("stackmate-demo-{}", std::process::id()));
    let store: Arc<dyn StateStore> =
        Arc::new(SqliteStore::open_dir(&state_dir).map_err(|e| CliError::Invalid(e.to_string()))?);
    let demo_flags = Global {
        api_spec: None,
        api_version: None,
        ..g.clone()
    };
    let settings = CreateSettings {
        disable_rollback: false,
        timeout: None,
        timeout_minutes: None,
        tags: std::collections::BTreeMap::new(),
        stack_policy: None,
    };
    let engine = engine_for(g, &conn, Some(&settings), store.clone(), None).await?;
    let version = crate::release::for_cloud(&demo_flags, &conn, engine.client(), store.as_ref()).await?;
    outln!(
        "release: CloudStack {} read from the simulator's listApis ({} APIs, {} participants)",
        version.version,
        version.apis.len(),
        version.participants.len()
    );
    let name = "demo";
    Progress::new(false).attach(&engine);
    crate::guest::play_vms(&engine, engine.client().clone(), name.to_string());
    let zones = conn.zones(engine.client()).await?;
    let options = PlanOptions::new(name, format!("demo-{}", stack_core::state::now_ms()), version)
        .zones(zones)
        .metadata_url(engine.signals().map_or("", |s| s.base_url()));
    outln!("\n== create stack {name}");
    let started = Instant::now();
    let mut run = match engine.launch(&text, &given, &options).await {
        Ok(run) => run,
        Err(LaunchError::Invalid(p)) => return Err(CliError::Invalid(format!("template {label}:\n{p}"))),
        Err(LaunchError::Failed(f)) => return Err(CliError::StackFailed(f.to_string())),
    };
    outln!("{} in {:.1} s", run.status.as_str(), started.elapsed().as_secs_f64());
    outln!("\n== resources");
    for r in run.resources.values() {
        outln!(
            "  {:<24} {:<40} {}",
            r.logical,
            r.type_name,
            // The run's records come masked: a handle's URL shows `****` for its token.
            r.physical_id.as_deref().unwrap_or("-")
        );
    }
    outln!("\n== outputs");
    for (k, v) in &run.outputs {
        outln!("  {k} = {v}");
    }
    let in_cloud = sim.handle.created_resources().len();
    outln!("\n== the simulator holds {in_cloud} resources of the stack; deleting it");
    let started = Instant::now();
    engine
        .delete(&mut run)
        .await
        .map_err(|e| CliError::StackFailed(e.to_string()))?;
    outln!("{} in {:.1} s", run.status.as_str(), started.elapsed().as_secs_f64());
    let left = sim.handle.created_resources();
    outln!("\n== resources left in the simulator: {}", left.len());
    for r in &left {
        outln!("  {} {}", r.kind, r.id);
    }
    let events = engine.events().all().len();
    outln!("{events} events; state kept in {}", state_dir.display());
    if left.is_empty() {
        Ok(())
    } else {
        Err(CliError::StackFailed(format!(
            "{} resources were left behind",
            left.len()
        )))
    }
}
