//! `stackmate update`: a stack changed to a new template or new parameters by stack-core's
//! [`stack_core::update`], with its progress and its outcome printed. Refusals (an invalid template
//! or policy, a policy that forbids a change, a stack that is not complete) are input errors.
//! `stackmate drift`: stack-core's [`stack_core::drift`] report, as a table or JSON.

use std::path::{Path, PathBuf};

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

fn read_policy(path: Option<&Path>) -> Result<Option<String>, CliError> {
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
        Some(path) => read_template_with(path, &crate::commands::limits(g)?)?.0,
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
    match engine.update(name, &text, &given, &secrets, &options).await {
        Ok(run) => {
            print_run(&run, out);
            Ok(())
        }
        Err(UpdateError::Invalid(problems)) => Err(CliError::Invalid(format!("template {shown}:\n{problems}"))),
        Err(UpdateError::Stack(e)) => Err(stack_failed(&e)),
        Err(UpdateError::Failed(f)) => Err(stack_error(&f)),
        Err(e) => Err(CliError::Invalid(e.to_string())),
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
