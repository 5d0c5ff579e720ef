//! The commands that run a stack: `create` (in the foreground or the background), `resume` and
//! `continue-rollback`.

use crate::failures::{stack_error, stack_failed};
use crate::printing::outln;
use std::path::Path;

use stack_core::LaunchError;

use crate::cli::{Global, OutputArgs, ParamArgs};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::output::Format;
use crate::params;
use crate::progress::Progress;

use crate::commands::{
    connection_flags, engine_for, known_stack, limits, open_store, print_run, read_template, read_template_with,
    secrets_for, CreateSettings,
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
    let (text, t) = read_template_with(template, &limits).await?;
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
    let run = engine.resume(name, &secrets).await.map_err(|e| stack_failed(&e))?;
    print_run(&run, out);
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
    let run = engine
        .continue_rollback(name, skip, &secrets)
        .await
        .map_err(|e| stack_failed(&e))?;
    print_run(&run, out);
    Ok(())
}
