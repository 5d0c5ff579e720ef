//! One function per command; each is a thin layer over stack-core.

use crate::failures::{stack_error, stack_failed};
use crate::printing::{out, outln};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use stack_core::signals::SignalServer;
use stack_core::state::{SqliteStore, StateStore, StoredOptions};
use stack_core::{Engine, EngineConfig, LaunchError, PlanOptions, StackRun, Status};

use crate::cli::{ApiSpecAction, Command, Global, GraphFormat, OutputArgs, ParamArgs};
use crate::connection::{Connection, ConnectionFlags};
use crate::exit::CliError;
use crate::output::{event_json, event_line, print_json, resource_json, stack_json, Format};
use crate::params;
use crate::progress::Progress;

/// Runs one parsed command.
pub async fn run(global: Global, command: Command) -> Result<(), CliError> {
    match command {
        Command::Validate { template, params, out } => validate(&global, &template, &params, out).await,
        Command::Graph {
            template,
            format,
            params,
        } => graph(&global, &template, &params, format).await,
        Command::ChangeSet {
            action:
                crate::cli::ChangeSetAction::Preview {
                    name,
                    template,
                    params,
                    out,
                },
        } => crate::change_sets::preview(&global, &name, &template, &params, out).await,
        Command::Types { filter, out } => crate::discovery::types(&global, filter.as_deref(), out).await,
        Command::Cloud { what, out } => crate::discovery::cloud(&global, what, out).await,
        Command::Create {
            name,
            template,
            params,
            disable_rollback,
            timeout,
            no_wait,
            out,
            ..
        } => {
            let settings = CreateSettings {
                disable_rollback,
                timeout,
            };
            if no_wait {
                create_in_background(&global, &name, &template, &params, &settings)
            } else {
                create(&global, &name, &template, &params, &settings, out).await
            }
        }
        Command::Delete {
            name,
            params,
            by_tags,
            yes,
            force,
            out,
        } => {
            let how = crate::delete::DeleteFlags { by_tags, yes, force };
            crate::delete::delete(&global, &name, &params, how, out).await
        }
        Command::Resume { name, params, out } => resume(&global, &name, &params, out).await,
        Command::ContinueRollback {
            name,
            skip,
            params,
            out,
        } => continue_rollback(&global, &name, &skip, &params, out).await,
        Command::List { out } => list(&global, out).await,
        Command::Describe { name, out } => describe(&global, &name, out).await,
        Command::Events { name, follow, out } => events(&global, &name, follow, out).await,
        Command::Outputs { name, out } => outputs(&global, &name, out).await,
        Command::ApiSpec {
            action: ApiSpecAction::Fetch { output },
        } => fetch_spec(&global, &output).await,
        Command::ApiSpec {
            action: ApiSpecAction::Refresh { out },
        } => refresh_spec(&global, out).await,
        Command::ApiSpec {
            action: ApiSpecAction::Show { out },
        } => show_spec(&global, out).await,
        #[cfg(feature = "demo")]
        Command::Demo {
            template,
            params,
            latency_ms,
        } => crate::demo::run(&global, template.as_deref(), &params, latency_ms).await,
    }
}

pub(crate) fn read_template(path: &Path) -> Result<(String, stack_core::template::Template), CliError> {
    read_template_with(path, &stack_core::limits::Limits::default())
}

/// Reads and parses a template file (JSON or YAML) within `limits`.
pub(crate) fn read_template_with(
    path: &Path,
    limits: &stack_core::limits::Limits,
) -> Result<(String, stack_core::template::Template), CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::Invalid(format!(
            "template {}: cannot read it: {e}; check the path",
            path.display()
        ))
    })?;
    let template = stack_core::template::parse_with(&bytes, limits)
        .map_err(|p| CliError::Invalid(format!("template {}:\n{}", path.display(), stack_core::Problems(p))))?;
    // The template parsed, so it is UTF-8.
    Ok((String::from_utf8_lossy(&bytes).into_owned(), template))
}

/// The default limits with `--limit NAME=N` applied.
pub(crate) fn limits(g: &Global) -> Result<stack_core::limits::Limits, CliError> {
    let mut l = stack_core::limits::Limits::default();
    for spec in &g.limits {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| CliError::Invalid(format!("--limit {spec:?}: expected NAME=NUMBER, e.g. resources=2000")))?;
        let n: usize = value
            .trim()
            .parse()
            .map_err(|_| CliError::Invalid(format!("--limit {spec:?}: {value:?} is not a whole number")))?;
        l.set(name.trim(), n)
            .map_err(|e| CliError::Invalid(format!("--limit {spec:?}: {e}")))?;
    }
    Ok(l)
}

pub(crate) fn connection_flags(g: &Global) -> ConnectionFlags {
    ConnectionFlags {
        endpoint: g.endpoint.clone(),
        api_key: g.api_key.clone(),
        secret_key: g.secret_key.clone(),
        profile: g.profile.clone(),
        config: g.config.clone(),
        api_version: g.api_version.clone(),
        request_timeout: g.request_timeout.map(std::time::Duration::from_secs_f64),
        api_rate: g.api_rate,
    }
}

pub(crate) async fn offline_release(g: &Global) -> Result<(&'static cloudstack_api::Version, String), CliError> {
    let store = SqliteStore::open_existing_dir(g.state_dir()).map_err(|e| CliError::Invalid(e.to_string()))?;
    crate::release::offline(g, &connection_flags(g), store.as_ref().map(|s| s as &dyn StateStore)).await
}

async fn offline_options(g: &Global, name: &str) -> Result<PlanOptions, CliError> {
    let (version, source) = offline_release(g).await?;
    tracing::info!("validating against {source}");
    Ok(PlanOptions::new(name, format!("{name}-validate"), version)
        .metadata_url("http://127.0.0.1:0/")
        .limits(limits(g)?))
}

async fn plan_offline(g: &Global, template: &Path, p: &ParamArgs) -> Result<stack_core::Plan, CliError> {
    let (_, t) = read_template_with(template, &limits(g)?)?;
    let given = params::gather(&t, p.parameters.as_deref(), &p.params, false)?;
    let name = template
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("stack")
        .to_string();
    stack_core::plan(&t, &given, &offline_options(g, &name).await?)
        .map_err(|e| CliError::Invalid(format!("template {}:\n{e}", template.display())))
}

async fn validate(g: &Global, template: &Path, p: &ParamArgs, out: OutputArgs) -> Result<(), CliError> {
    let plan = plan_offline(g, template, p).await?;
    if out.output == Format::Json {
        let resources: Vec<Value> = plan
            .order
            .iter()
            .map(|l| {
                let r = &plan.resources[l];
                json!({"logical_id": l, "resource_type": r.type_name, "depends_on": r.depends_on, "enabled": r.enabled})
            })
            .collect();
        print_json(&json!({"valid": true, "order": plan.order, "resources": resources}));
        return Ok(());
    }
    outln!(
        "{}: valid; {} resources, in order:",
        template.display(),
        plan.order.len()
    );
    for l in &plan.order {
        let r = &plan.resources[l];
        let deps: Vec<&str> = r.depends_on.iter().map(String::as_str).collect();
        outln!(
            "  {l:<28} {:<36} {}{}",
            r.type_name,
            if deps.is_empty() {
                "-".to_string()
            } else {
                format!("after {}", deps.join(", "))
            },
            if r.enabled {
                ""
            } else {
                " (condition false: not created)"
            }
        );
    }
    Ok(())
}

async fn graph(g: &Global, template: &Path, p: &ParamArgs, format: GraphFormat) -> Result<(), CliError> {
    let plan = plan_offline(g, template, p).await?;
    match format {
        GraphFormat::Dot => out!("{}", stack_core::plan::to_dot(&plan)),
        GraphFormat::Mermaid => out!("{}", stack_core::plan::to_mermaid(&plan)),
    }
    Ok(())
}

pub(crate) fn open_store(g: &Global) -> Result<Arc<SqliteStore>, CliError> {
    SqliteStore::open_dir(g.state_dir()).map(Arc::new).map_err(|e| {
        CliError::Invalid(format!(
            "{e} (the state directory is --state-dir or STACKMATE_STATE_DIR)"
        ))
    })
}

/// Engine settings of `create`.
pub(crate) struct CreateSettings {
    pub disable_rollback: bool,
    pub timeout: Option<u64>,
}

/// Where the wait-condition and metadata server listens, and the URL guests are given: the flags,
/// else (for a stack being resumed) where its first run served its guests, else 127.0.0.1 on a free
/// port.
fn guest_endpoint(g: &Global, resumed: Option<&StoredOptions>) -> Result<(SocketAddr, Option<String>), CliError> {
    let stored_listen = resumed
        .and_then(|o| o.metadata_listen.as_deref())
        .filter(|_| g.metadata_listen.is_none() && g.metadata_url.is_none());
    let listen = match (g.metadata_listen, stored_listen) {
        (Some(a), _) => a,
        (None, Some(a)) => a
            .parse()
            .map_err(|e| CliError::Invalid(format!("the stack's stored metadata address {a}: {e}")))?,
        (None, None) => SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let url = g
        .metadata_url
        .clone()
        .or_else(|| stored_listen.and(resumed.and_then(|o| o.metadata_url.clone())));
    Ok((listen, url))
}

pub(crate) async fn engine_for(
    g: &Global,
    conn: &Connection,
    settings: Option<&CreateSettings>,
    store: Arc<dyn StateStore>,
    resumed: Option<&StoredOptions>,
) -> Result<Engine, CliError> {
    let client = conn.client()?;
    let (listen, url) = guest_endpoint(g, resumed)?;
    let signals = SignalServer::start(listen, url).await.map_err(|e| {
        CliError::Invalid(format!(
            "cannot serve wait conditions and metadata on {listen}: {e} (choose another address with \
             --metadata-listen; a resumed stack's guests keep using the URL they were given)"
        ))
    })?;
    let mut config = EngineConfig {
        concurrency: g.concurrency.unwrap_or(0),
        ..EngineConfig::default()
    };
    if let Some(secs) = g.lock_lease {
        config.lock_lease = Duration::from_secs_f64(secs);
        config.lock_wait = config.lock_lease + Duration::from_secs(1);
    }
    if let Some(s) = settings {
        config.disable_rollback = s.disable_rollback;
        if let Some(t) = s.timeout {
            config.resource_timeout = Duration::from_secs(t);
        }
    }
    if let Ok(ms) = std::env::var("STACKMATE_POLL_INTERVAL_MS") {
        if let Ok(ms) = ms.parse() {
            config.poll_interval = Duration::from_millis(ms);
        }
    }
    Ok(Engine::new(client, signals, config).with_store(store))
}

pub(crate) fn print_run(run: &StackRun, out: OutputArgs) {
    if out.output == Format::Json {
        print_json(&json!({
            "name": run.plan.options.stack_name,
            "stack_id": run.plan.options.stack_id,
            "status": run.status.as_str(),
            "outputs": run.outputs,
            "resources": run.resources.values().map(resource_json).collect::<Vec<_>>(),
        }));
        return;
    }
    outln!("stack {}: {}", run.plan.options.stack_name, run.status.as_str());
    if !run.outputs.is_empty() {
        outln!("outputs:");
        for (k, v) in &run.outputs {
            outln!("  {k} = {v}");
        }
    }
}

async fn create(
    g: &Global,
    name: &str,
    template: &Path,
    p: &ParamArgs,
    settings: &CreateSettings,
    out: OutputArgs,
) -> Result<(), CliError> {
    let limits = limits(g)?;
    let (text, t) = read_template_with(template, &limits)?;
    let given = params::gather(&t, p.parameters.as_deref(), &p.params, true)?;
    // The checks that need no release and no cloud come first: a template they refuse makes no call.
    stack_core::plan::precheck(&t, &given, &limits)
        .map_err(|e| CliError::Invalid(format!("template {}:\n{e}", template.display())))?;
    let conn = Connection::resolve(&connection_flags(g))?;
    let store = open_store(g)?;
    let engine = engine_for(g, &conn, Some(settings), store.clone(), None).await?;
    let version = crate::release::for_cloud(g, &conn, engine.client(), store.as_ref()).await?;
    let options = engine.plan_options(name, version).limits(limits);
    // Every check the cloud is not needed for, before the cloud is asked for its zones.
    stack_core::plan(&t, &given, &options)
        .map_err(|e| CliError::Invalid(format!("template {}:\n{e}", template.display())))?;
    let options = options.zones(conn.zones(engine.client()).await?);
    Progress::new(out.output == Format::Json).attach(&engine);
    match engine.launch(&text, &given, &options).await {
        Ok(run) => {
            print_run(&run, out);
            Ok(())
        }
        Err(LaunchError::Invalid(p)) => Err(CliError::Invalid(format!("template {}:\n{p}", template.display()))),
        Err(LaunchError::Failed(f)) => Err(stack_error(&f)),
    }
}

fn create_in_background(
    g: &Global,
    name: &str,
    template: &Path,
    p: &ParamArgs,
    settings: &CreateSettings,
) -> Result<(), CliError> {
    // Validate here, so that mistakes are reported now and not in a log file.
    let (_, t) = read_template(template)?;
    let given = params::gather(&t, p.parameters.as_deref(), &p.params, true)?;
    let exe = std::env::current_exe().map_err(|e| CliError::Invalid(format!("cannot find this program: {e}")))?;
    std::fs::create_dir_all(g.state_dir())
        .map_err(|e| CliError::Invalid(format!("--state-dir {}: {e}", g.state_dir().display())))?;
    let log = g.state_dir().join(format!("{name}.log"));
    let file = std::fs::File::create(&log).map_err(|e| CliError::Invalid(format!("{}: {e}", log.display())))?;
    let err = file
        .try_clone()
        .map_err(|e| CliError::Invalid(format!("{}: {e}", log.display())))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--state-dir").arg(g.state_dir());
    for (flag, v) in [
        ("--endpoint", &g.endpoint),
        ("--api-key", &g.api_key),
        ("--profile", &g.profile),
        ("--api-version", &g.api_version),
        ("--api-spec", &g.api_spec.as_ref().map(|p| p.display().to_string())),
        ("--metadata-url", &g.metadata_url),
    ] {
        if let Some(v) = v {
            cmd.arg(flag).arg(v);
        }
    }
    if let Some(c) = &g.config {
        cmd.arg("--config").arg(c);
    }
    // Secrets and parameters travel in the environment: NoEcho values must not show in `ps`.
    if let Some(s) = &g.secret_key {
        cmd.env("CLOUDSTACK_SECRET", s);
    }
    for (k, v) in &given {
        cmd.env(params::env_var(k), v);
    }
    if let Some(listen) = g.metadata_listen {
        cmd.arg("--metadata-listen").arg(listen.to_string());
    }
    cmd.arg("create").arg(name).arg(template);
    if settings.disable_rollback {
        cmd.arg("--disable-rollback");
    }
    if let Some(n) = g.concurrency {
        cmd.arg("--concurrency").arg(n.to_string());
    }
    for (flag, v) in [
        ("--request-timeout", g.request_timeout),
        ("--api-rate", g.api_rate),
        ("--lock-lease", g.lock_lease),
    ] {
        if let Some(v) = v {
            cmd.arg(flag).arg(v.to_string());
        }
    }
    if let Some(t) = settings.timeout {
        cmd.arg("--timeout").arg(t.to_string());
    }
    let child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| CliError::Invalid(format!("cannot start the background run: {e}")))?;
    outln!(
        "stack {name}: creating in the background (pid {}); log {}; follow it with `stackmate events {name} --follow`",
        child.id(),
        log.display()
    );
    Ok(())
}

pub(crate) async fn secrets_for(
    g: &Global,
    name: &str,
    flags: &[String],
    prompt: bool,
) -> Result<BTreeMap<String, String>, CliError> {
    let store = open_store(g)?;
    let names = match store.stack(name).await {
        Ok(Some(s)) => s.no_echo,
        _ => Vec::new(),
    };
    params::stored_secrets(&names, flags, prompt)
}

async fn resume(g: &Global, name: &str, flags: &[String], out: OutputArgs) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let secrets = secrets_for(g, name, flags, true).await?;
    let store = open_store(g)?;
    let stored = known_stack(&store, name).await?;
    let engine = engine_for(g, &conn, None, store, Some(&stored.options)).await?;
    Progress::new(out.output == Format::Json).attach(&engine);
    let run = engine.resume(name, &secrets).await.map_err(|e| stack_failed(&e))?;
    print_run(&run, out);
    Ok(())
}

async fn continue_rollback(
    g: &Global,
    name: &str,
    skip: &[String],
    flags: &[String],
    out: OutputArgs,
) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let secrets = params::from_flags(flags)?;
    let store = open_store(g)?;
    let engine = engine_for(g, &conn, None, store, None).await?;
    Progress::new(out.output == Format::Json).attach(&engine);
    let run = engine
        .continue_rollback(name, skip, &secrets)
        .await
        .map_err(|e| stack_failed(&e))?;
    print_run(&run, out);
    Ok(())
}

pub(crate) async fn known_stack(store: &SqliteStore, name: &str) -> Result<stack_core::state::StackRecord, CliError> {
    store
        .stack(name)
        .await
        .map_err(|e| CliError::Invalid(e.to_string()))?
        .ok_or_else(|| {
            CliError::Invalid(format!(
                "no stack named {name} in {}; `stackmate list` shows the stacks there",
                store.path().display()
            ))
        })
}

async fn list(g: &Global, out: OutputArgs) -> Result<(), CliError> {
    let store = open_store(g)?;
    let stacks = store.stacks().await.map_err(|e| CliError::Invalid(e.to_string()))?;
    if out.output == Format::Json {
        print_json(&json!({"stacks": stacks.iter().map(stack_json).collect::<Vec<_>>()}));
        return Ok(());
    }
    if stacks.is_empty() {
        outln!("no stacks in {}", store.path().display());
    }
    for s in stacks {
        outln!(
            "{:<24} {:<22} {}  {}",
            s.name,
            s.status.as_str(),
            stack_core::state::utc(s.updated_ms),
            s.stack_id
        );
    }
    Ok(())
}

async fn describe(g: &Global, name: &str, out: OutputArgs) -> Result<(), CliError> {
    let store = open_store(g)?;
    let s = known_stack(&store, name).await?;
    let resources = store
        .resources(name)
        .await
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    if out.output == Format::Json {
        let mut v = stack_json(&s);
        v["resources"] = Value::Array(resources.iter().map(resource_json).collect());
        print_json(&v);
        return Ok(());
    }
    outln!("stack {} ({})", s.name, s.stack_id);
    outln!(
        "  status: {}{}",
        s.status.as_str(),
        s.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
    );
    outln!(
        "  created {}, updated {}",
        stack_core::state::utc(s.created_ms),
        stack_core::state::utc(s.updated_ms)
    );
    outln!(
        "  CloudStack {}{}; rollback {}",
        s.options.version,
        if s.options.spec_sha256.is_empty() {
            String::new()
        } else {
            format!(
                " (API spec {})",
                &s.options.spec_sha256[..12.min(s.options.spec_sha256.len())]
            )
        },
        if s.options.disable_rollback {
            "disabled"
        } else {
            "on failure"
        }
    );
    for (k, v) in &s.params {
        outln!("  parameter {k} = {v}");
    }
    for k in &s.no_echo {
        outln!("  parameter {k} = **** (NoEcho, not stored)");
    }
    outln!("  resources:");
    for r in resources {
        outln!(
            "    {:<24} {:<34} {:<20} {}{}",
            r.logical,
            r.type_name,
            r.status.as_str(),
            r.physical_id.as_deref().unwrap_or("-"),
            r.reason.as_deref().map(|x| format!("  ({x})")).unwrap_or_default()
        );
    }
    Ok(())
}

async fn events(g: &Global, name: &str, follow: bool, out: OutputArgs) -> Result<(), CliError> {
    let store = open_store(g)?;
    known_stack(&store, name).await?;
    let mut after = 0;
    let mut all = Vec::new();
    // Followed JSON is one object per line; otherwise JSON is one document at the end.
    let mut show = |seq: u64, e: &stack_core::Event| match out.output {
        Format::Json if !follow => all.push(event_json(seq, e)),
        Format::Json => outln!("{}", event_json(seq, e)),
        Format::Text => outln!("{}", event_line(e)),
    };
    loop {
        // Read the status first: the events read after it include those written with it.
        let status = known_stack(&store, name).await?.status;
        for (seq, e) in store
            .events(name, after)
            .await
            .map_err(|e| CliError::Invalid(e.to_string()))?
        {
            after = seq;
            show(seq, &e);
        }
        let settled = !matches!(
            status,
            Status::CreateInProgress | Status::DeleteInProgress | Status::RollbackInProgress
        );
        if !follow || settled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    if out.output == Format::Json && !follow {
        print_json(&json!({"name": name, "events": all}));
    }
    Ok(())
}

/// An engine on the state alone, for commands that make no call (its client is never used).
pub(crate) async fn offline_engine(store: Arc<SqliteStore>) -> Result<Engine, CliError> {
    let signals = SignalServer::start(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), None)
        .await
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    let client = cloudstack_client::Client::builder("http://127.0.0.1:9/client/api")
        .credentials("offline", "offline")
        .build()
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok(Engine::new(client, signals, EngineConfig::default()).with_store(store))
}

async fn outputs(g: &Global, name: &str, out: OutputArgs) -> Result<(), CliError> {
    let store = open_store(g)?;
    known_stack(&store, name).await?;
    // Outputs never show NoEcho values, so none are needed.
    let secrets = BTreeMap::new();
    let engine = offline_engine(store).await?;
    let run = engine.stored_run(name, &secrets).await.map_err(|e| stack_failed(&e))?;
    if out.output == Format::Json {
        print_json(&json!({"name": name, "status": run.status.as_str(), "outputs": run.outputs}));
        return Ok(());
    }
    if run.status != Status::CreateComplete {
        outln!(
            "stack {name} is {}: outputs exist once it is CREATE_COMPLETE",
            run.status.as_str()
        );
    }
    for (k, v) in &run.outputs {
        outln!("{k} = {v}");
    }
    Ok(())
}

async fn fetch_spec(g: &Global, output: &PathBuf) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let client = conn.client()?;
    let inner = client
        .call("listApis", cloudstack_client::HttpMethod::Get, Vec::new())
        .await
        .map_err(|e| CliError::from_client(&format!("listApis at {}", conn.endpoint), &e))?;
    let count = inner.get("api").and_then(Value::as_array).map_or(0, Vec::len);
    // The same shape as a dump saved from the API: {"listapisresponse": {"count": .., "api": [..]}}.
    let raw = json!({ "listapisresponse": inner });
    let text = serde_json::to_string_pretty(&raw).map_err(|e| CliError::Invalid(e.to_string()))?;
    std::fs::write(output, text).map_err(|e| CliError::Invalid(format!("--output {}: {e}", output.display())))?;
    outln!(
        "saved {count} APIs to {0}; plan against it with `stackmate --api-spec {0} ...`, or ship it with \
         `cargo xtask spec-import {0} --version X.Y` (see api-specs/README.md)",
        output.display()
    );
    Ok(())
}

fn release_json(v: &cloudstack_api::Version, source: &str) -> Value {
    json!({
        "release": v.version,
        "source": source,
        "facts_sha256": v.facts_sha256,
        "apis": v.apis.len(),
        "participants": v.participants.len(),
    })
}

async fn refresh_spec(g: &Global, out: OutputArgs) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let client = conn.client()?;
    let store = open_store(g)?;
    let r = stack_core::cloud_release::cloud_release(&client, store.as_ref(), true)
        .await
        .map_err(|e| match e {
            stack_core::cloud_release::ReleaseError::Call { api, endpoint, source } => {
                CliError::from_client(&format!("{api} at {endpoint}"), &source)
            }
            other => CliError::Connection(other.to_string()),
        })?;
    let source = format!("listApis of {}", conn.endpoint);
    if out.output == Format::Json {
        print_json(&release_json(r.version, &source));
    } else {
        outln!(
            "{}: CloudStack {}, {} APIs, {} participants (facts {}); kept in {}",
            conn.endpoint,
            r.version.version,
            r.version.apis.len(),
            r.version.participants.len(),
            &r.version.facts_sha256[..12],
            store.path().display()
        );
    }
    Ok(())
}

async fn show_spec(g: &Global, out: OutputArgs) -> Result<(), CliError> {
    let (v, source) = offline_release(g).await?;
    if out.output == Format::Json {
        print_json(&release_json(v, &source));
    } else {
        outln!("{source}");
        outln!(
            "  {} APIs, {} participants, facts sha256 {}",
            v.apis.len(),
            v.participants.len(),
            v.facts_sha256
        );
        outln!(
            "  shipped with this build: {}",
            cloudstack_api::specs::releases().join(", ")
        );
    }
    Ok(())
}
