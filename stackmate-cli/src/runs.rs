//! The commands that run a stack: `create` (in the foreground or the background), `resume` and
//! `continue-rollback`.

use crate::failures::run_operation;
use crate::printing::outln;
use std::path::Path;

use stack_core::{Operation, PlanCreateError};

use crate::cli::{Global, OutputArgs, ParamArgs};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::output::Format;
use crate::params;
use crate::progress::Progress;

use crate::commands::{
    connection_flags, engine_for, known_stack, limits, open_store, read_prepared, read_template, secrets_for,
    CreateSettings,
};

pub(crate) async fn create(
    g: &Global,
    name: &str,
    template: &Path,
    p: &ParamArgs,
    settings: &CreateSettings,
    out: OutputArgs,
) -> Result<(), CliError> {
    let limits = limits(g)?;
    let prepared = read_prepared(template, &limits).await?;
    let given = params::gather(&prepared.template, p.parameters.as_deref(), &p.params, true)?;
    let invalid = |e: &dyn std::fmt::Display| CliError::Invalid(format!("template {}:\n{e}", template.display()));
    let conn = Connection::resolve(&connection_flags(g))?;
    let store = open_store(g)?;
    let engine = engine_for(g, &conn, Some(settings), store.clone(), None).await?;
    let version = match crate::release::known(g, &conn, engine.client(), store.as_ref()).await? {
        Some(v) => v,
        None => {
            // The checks that need no release come first: a template they refuse makes no call,
            // not even the cloud's listApis.
            stack_core::plan::precheck(&prepared.template, &given, &limits).map_err(|e| invalid(&e))?;
            crate::release::for_cloud(g, &conn, engine.client(), store.as_ref()).await?
        }
    };
    let stack_settings = stack_core::CreateSettings::new(limits)
        .stack_tags(settings.tags.clone())
        .timeout_minutes(settings.timeout_minutes)
        .stack_policy(crate::updates::read_policy(settings.stack_policy.as_deref())?);
    let plan = match engine
        .plan_create(name, prepared, &given, version, stack_settings)
        .await
    {
        Ok(plan) => plan,
        Err(PlanCreateError::Invalid(e)) => return Err(invalid(&e)),
        Err(PlanCreateError::Zones(e)) => {
            return Err(CliError::from_client(&format!("listZones at {}", conn.endpoint), &e))
        }
    };
    Progress::new(out.output == Format::Json).attach(&engine);
    run_operation(&engine, Operation::create(plan), out).await?;
    Ok(())
}

pub(crate) fn create_in_background(
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
    if let Some(m) = settings.timeout_minutes {
        cmd.arg("--timeout-minutes").arg(m.to_string());
    }
    for (k, v) in &settings.tags {
        cmd.arg("--tag").arg(format!("{k}={v}"));
    }
    if let Some(p) = &settings.stack_policy {
        cmd.arg("--stack-policy").arg(p);
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

pub(crate) async fn resume(g: &Global, name: &str, flags: &[String], out: OutputArgs) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let secrets = secrets_for(g, name, flags, true).await?;
    let store = open_store(g)?;
    let stored = known_stack(&store, name).await?;
    let engine = engine_for(g, &conn, None, store, Some(&stored.options)).await?;
    Progress::new(out.output == Format::Json).attach(&engine);
    let resume = Operation::Resume {
        name: name.to_string(),
        secrets,
    };
    run_operation(&engine, resume, out).await?;
    Ok(())
}

pub(crate) async fn continue_rollback(
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
    let operation = Operation::ContinueRollback {
        name: name.to_string(),
        skip: skip.to_vec(),
        secrets,
    };
    run_operation(&engine, operation, out).await?;
    Ok(())
}
