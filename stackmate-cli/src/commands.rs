//! The dispatch of every command and what the commands share: reading templates, limits and
//! connection flags, the state store, the engine with its wait-condition server, printing a run.
//! The commands live by kind: [`crate::offline`] (no cloud), [`crate::runs`] (create, resume,
//! continue-rollback), `delete`, [`crate::inspect`] (state only), [`crate::api_spec`],
//! `discovery`, [`crate::change_sets`]; each is a thin layer over stack-core.

use crate::printing::outln;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stack_core::state::{StateStore, StoredOptions};
use stack_core::{Engine, EngineConfig, StackRun};
use stack_signals_http::SignalServer;
use stack_store_sqlite::SqliteStore;

use crate::cli::{ApiSpecAction, Command, Global, OutputArgs};
use crate::connection::{Connection, ConnectionFlags};
use crate::exit::CliError;
use crate::output::{print_json, resource_json, Format};
use crate::params;

/// Runs one parsed command.
pub async fn run(global: Global, command: Command) -> Result<(), CliError> {
    if let Some(url) = global.service.clone() {
        return crate::remote::run(&global, &url, command).await;
    }
    match command {
        Command::Validate { template, params, out } => crate::offline::validate(&global, &template, &params, out).await,
        Command::Graph {
            template,
            format,
            params,
        } => crate::offline::graph(&global, &template, &params, format).await,
        Command::ChangeSet { action } => crate::change_sets::run(&global, action).await,
        Command::Types { filter, out } => crate::discovery::types(&global, filter.as_deref(), out).await,
        Command::Cloud { what, out } => crate::discovery::cloud(&global, what, out).await,
        Command::Create {
            name,
            template,
            params,
            disable_rollback,
            timeout,
            timeout_minutes,
            tags,
            stack_policy,
            no_wait,
            out,
            ..
        } => {
            let settings = CreateSettings {
                disable_rollback,
                timeout,
                timeout_minutes,
                tags: tags.into_iter().collect(),
                stack_policy,
            };
            if no_wait {
                crate::runs::create_in_background(&global, &name, &template, &params, &settings)
            } else {
                crate::runs::create(&global, &name, &template, &params, &settings, out).await
            }
        }
        Command::Update {
            name,
            template,
            params,
            stack_policy,
            policy_override,
            from_drift,
            out,
        } => {
            let how = crate::updates::UpdateFlags {
                stack_policy,
                policy_override,
                from_drift,
            };
            crate::updates::update(&global, &name, template.as_deref(), &params, &how, out).await
        }
        Command::Import {
            name,
            template,
            resources,
            params,
            out,
        } => crate::updates::import(&global, &name, &template, &resources, &params, out).await,
        Command::Drift { name, out } => crate::updates::drift(&global, &name, out).await,
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
        Command::Resume { name, params, out } => crate::runs::resume(&global, &name, &params, out).await,
        Command::ContinueRollback {
            name,
            skip,
            params,
            out,
        } => crate::runs::continue_rollback(&global, &name, &skip, &params, out).await,
        Command::List { out, nested } => crate::inspect::list(&global, out, nested).await,
        Command::Describe { name, out } => crate::inspect::describe(&global, &name, out).await,
        Command::Events { name, follow, out } => crate::inspect::events(&global, &name, follow, out).await,
        Command::Outputs { name, out } => crate::inspect::outputs(&global, &name, out).await,
        Command::ApiSpec {
            action: ApiSpecAction::Fetch { output },
        } => crate::api_spec::fetch_spec(&global, &output).await,
        Command::ApiSpec {
            action: ApiSpecAction::Refresh { out },
        } => crate::api_spec::refresh_spec(&global, out).await,
        Command::ApiSpec {
            action: ApiSpecAction::Show { out },
        } => crate::api_spec::show_spec(&global, out).await,
        #[cfg(feature = "demo")]
        Command::Demo {
            template,
            params,
            latency_ms,
        } => crate::demo::run(&global, template.as_deref(), &params, latency_ms).await,
    }
}

pub(crate) fn read_template(path: &Path) -> Result<(String, stack_core::template::Template), CliError> {
    read_root(path, &stack_core::limits::Limits::default())
}

/// Reads and parses a template file (JSON or YAML) within `limits`.
fn read_root(
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

/// Reads and parses a template file (JSON or YAML) within `limits`, with the templates of its
/// nested stacks (files relative to it, `file://` and `http(s)` URLs) read into it: the text
/// returned needs nothing else to be planned, now or on resume.
pub(crate) async fn read_template_with(
    path: &Path,
    limits: &stack_core::limits::Limits,
) -> Result<(String, stack_core::template::Template), CliError> {
    read_prepared(path, limits).await.map(|p| (p.text, p.template))
}

/// [`read_template_with`], as the template prepared for an operation: read and parsed once.
pub(crate) async fn read_prepared(
    path: &Path,
    limits: &stack_core::limits::Limits,
) -> Result<stack_core::nesting::Prepared, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::Invalid(format!(
            "template {}: cannot read it: {e}; check the path",
            path.display()
        ))
    })?;
    let at = stack_core::nesting::Location::File(path.to_path_buf());
    stack_core::nesting::prepare(&bytes, &at, &stack_core::fetch::Fetcher, limits)
        .await
        .map_err(|p| CliError::Invalid(format!("template {}:\n{p}", path.display())))
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

pub(crate) fn open_store(g: &Global) -> Result<Arc<SqliteStore>, CliError> {
    SqliteStore::open_dir(g.state_dir()).map(Arc::new).map_err(|e| {
        CliError::Invalid(format!(
            "{e} (the state directory is --state-dir or STACKMATE_STATE_DIR)"
        ))
    })
}

/// Engine and stack settings of `create`.
pub(crate) struct CreateSettings {
    pub disable_rollback: bool,
    pub timeout: Option<u64>,
    pub timeout_minutes: Option<u32>,
    pub tags: std::collections::BTreeMap<String, String>,
    pub stack_policy: Option<PathBuf>,
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
        config = config.with_lock_lease(Duration::from_secs_f64(secs));
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
    Ok(Engine::new(client, config)
        .with_signals(Arc::new(signals))
        .with_store(store))
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

/// An engine on the state alone, for commands that make no call (its client is never used, and it
/// serves no guests).
pub(crate) async fn offline_engine(store: Arc<SqliteStore>) -> Result<Engine, CliError> {
    let client = cloudstack_client::Client::builder("http://127.0.0.1:9/client/api")
        .credentials("offline", "offline")
        .build()
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    Ok(Engine::new(client, EngineConfig::default()).with_store(store))
}

/// The release for a command that makes no call ([`crate::release::offline`]), with where it came
/// from.
pub(crate) async fn offline_release(g: &Global) -> Result<(&'static cloudstack_api::Version, String), CliError> {
    let store = SqliteStore::open_existing_dir(g.state_dir()).map_err(|e| CliError::Invalid(e.to_string()))?;
    crate::release::offline(g, &connection_flags(g), store.as_ref().map(|s| s as &dyn StateStore)).await
}
