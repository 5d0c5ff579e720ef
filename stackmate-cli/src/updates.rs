//! `stackmate update`: a stack changed to a new template or new parameters by stack-core's
//! [`stack_core::update`], with its progress and its outcome printed. Refusals (an invalid template
//! or policy, a policy that forbids a change, a stack that is not complete) are input errors.
//! `stackmate drift`: stack-core's [`stack_core::drift`] report, as a table or JSON.
//! `stackmate import`: stack-core's [`stack_core::import`], into a new stack or an existing one.

use std::path::{Path, PathBuf};

use stack_core::state::StateStore as _;
use stack_core::UpdateError;

use crate::cli::{Global, OutputArgs, ParamArgs};
use crate::commands::{
    connection_flags, engine_for, known_stack, open_store, print_run, read_template_with, secrets_for,
};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::failures::{stack_error, stack_failed};
use crate::output::{print_json, Format};
use crate::params;
use crate::printing::outln;
use crate::progress::Progress;

/// How an update was asked for, beyond its template and parameters.
pub(crate) struct UpdateFlags {
    /// `--stack-policy`.
    pub(crate) stack_policy: Option<PathBuf>,
    /// `--policy-override`.
    pub(crate) policy_override: Option<PathBuf>,
    /// `--from-drift`.
    pub(crate) from_drift: bool,
}

pub(crate) fn read_policy(path: Option<&Path>) -> Result<Option<String>, CliError> {
    path.map(|p| {
        std::fs::read_to_string(p)
            .map_err(|e| CliError::Invalid(format!("cannot read the stack policy {}: {e}", p.display())))
    })
    .transpose()
}

pub(crate) async fn update(
    g: &Global,
    name: &str,
    template: Option<&Path>,
    p: &ParamArgs,
    how: &UpdateFlags,
    out: OutputArgs,
) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let store = open_store(g)?;
    let stored = known_stack(&store, name).await?;
    let text = match template {
        Some(path) => read_template_with(path, &crate::commands::limits(g)?).await?.0,
        None => stored.template.clone(),
    };
    let shown = template.map_or_else(|| format!("of stack {name}"), |p| p.display().to_string());
    let given = params::from_flags(&p.params)?;
    let secrets = secrets_for(g, name, &p.params, true).await?;
    let options = stack_core::UpdateOptions {
        stack_policy: read_policy(how.stack_policy.as_deref())?,
        policy_override: read_policy(how.policy_override.as_deref())?,
        repair_drift: how.from_drift,
    };
    let engine = engine_for(g, &conn, None, store, Some(&stored.options)).await?;
    Progress::new(out.output == Format::Json).attach(&engine);
    let operation = stack_core::Operation::Update {
        name: name.to_string(),
        template: text,
        params: given,
        secrets,
        options,
    };
    match engine.run(operation).await {
        Ok(outcome) => {
            if let Some(run) = outcome.run() {
                print_run(run, out);
            }
            Ok(())
        }
        Err(stack_core::OperationError::Update(UpdateError::Invalid(problems))) => {
            Err(CliError::Invalid(format!("template {shown}:\n{problems}")))
        }
        Err(e) => Err(crate::failures::operation_failed(name, &e)),
    }
}

pub(crate) async fn drift(g: &Global, name: &str, out: OutputArgs) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let store = open_store(g)?;
    known_stack(&store, name).await?;
    // Reads only: no guest is served, so any free local port does.
    let engine = engine_for(g, &conn, None, store, None).await?;
    let report = engine.detect_drift(name).await.map_err(|e| stack_failed(&e))?;
    if out.output == Format::Json {
        print_json(&serde_json::to_value(&report).unwrap_or_default());
        return Ok(());
    }
    outln!("stack {name}: {}", report.status);
    for r in &report.resources {
        let status = serde_json::to_value(r.status).unwrap_or_default();
        outln!(
            "{:<24} {:<40} {:<12} {}",
            r.logical,
            r.type_name,
            status.as_str().unwrap_or("?"),
            r.physical_id.as_deref().unwrap_or("-")
        );
        for d in &r.differences {
            let kind = serde_json::to_value(d.difference).unwrap_or_default();
            outln!(
                "    {} {}: expected {}, actual {}",
                kind.as_str().unwrap_or("?"),
                d.property,
                d.expected,
                d.actual
            );
        }
    }
    Ok(())
}

pub(crate) async fn import(
    g: &Global,
    name: &str,
    template: &Path,
    resources: &[String],
    p: &ParamArgs,
    out: OutputArgs,
) -> Result<(), CliError> {
    let mut imports = std::collections::BTreeMap::new();
    for r in resources {
        let (logical, id) = r
            .split_once('=')
            .filter(|(l, i)| !l.is_empty() && !i.is_empty())
            .ok_or_else(|| CliError::Invalid(format!("--resource {r}: write LOGICAL=PHYSICAL-ID")))?;
        if imports.insert(logical.to_string(), id.to_string()).is_some() {
            return Err(CliError::Invalid(format!("--resource {logical} is given twice")));
        }
    }
    let limits = crate::commands::limits(g)?;
    let (text, t) = read_template_with(template, &limits).await?;
    let conn = Connection::resolve(&connection_flags(g))?;
    let store = open_store(g)?;
    let existing = store
        .stack(name)
        .await
        .map_err(|e| CliError::Invalid(e.to_string()))?
        .filter(|s| {
            !matches!(
                s.status,
                stack_core::Status::DeleteComplete | stack_core::Status::RollbackComplete
            )
        });
    let outcome = match existing {
        Some(stored) => {
            let given = params::from_flags(&p.params)?;
            let secrets = secrets_for(g, name, &p.params, true).await?;
            let engine = engine_for(g, &conn, None, store, Some(&stored.options)).await?;
            Progress::new(out.output == Format::Json).attach(&engine);
            engine.import_existing(name, &text, &given, &secrets, &imports).await
        }
        None => {
            let given = params::gather(&t, p.parameters.as_deref(), &p.params, true)?;
            let engine = engine_for(g, &conn, None, store.clone(), None).await?;
            let version = crate::release::for_cloud(g, &conn, engine.client(), store.as_ref()).await?;
            let options = engine.plan_options(name, version).limits(limits);
            let options = options.zones(conn.zones(engine.client()).await?);
            let mut plan = stack_core::plan(&t, &given, &options)
                .map_err(|e| CliError::Invalid(format!("template {}:\n{e}", template.display())))?;
            plan.source = Some(text);
            Progress::new(out.output == Format::Json).attach(&engine);
            engine.import_new(plan, &imports).await
        }
    };
    match outcome {
        Ok(run) => {
            print_run(&run, out);
            Ok(())
        }
        Err(stack_core::import::ImportError::Stack(e)) => Err(stack_failed(&e)),
        Err(stack_core::import::ImportError::Failed(f)) => Err(stack_error(&f)),
        Err(e) => Err(CliError::Invalid(e.to_string())),
    }
}
