//! The commands that need no cloud: `validate` (every problem, or the plan) and `graph` (the
//! dependency graph as DOT or Mermaid), against the chosen release.

use crate::printing::{out, outln};
use std::path::Path;

use serde_json::{json, Value};
use stack_core::PlanOptions;

use crate::cli::{Global, GraphFormat, OutputArgs, ParamArgs};
use crate::exit::CliError;
use crate::output::{print_json, Format};
use crate::params;

use crate::commands::{limits, offline_release, read_template_with};

pub(crate) async fn offline_options(g: &Global, name: &str) -> Result<PlanOptions, CliError> {
    let (version, source) = offline_release(g).await?;
    tracing::info!("validating against {source}");
    Ok(PlanOptions::new(name, format!("{name}-validate"), version)
        .metadata_url("http://127.0.0.1:0/")
        .limits(limits(g)?))
}

pub(crate) async fn plan_offline(g: &Global, template: &Path, p: &ParamArgs) -> Result<stack_core::Plan, CliError> {
    let (_, t) = read_template_with(template, &limits(g)?).await?;
    let given = params::gather(&t, p.parameters.as_deref(), &p.params, false)?;
    let name = template
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("stack")
        .to_string();
    stack_core::plan(&t, &given, &offline_options(g, &name).await?)
        .map_err(|e| CliError::Invalid(format!("template {}:\n{e}", template.display())))
}

pub(crate) async fn validate(g: &Global, template: &Path, p: &ParamArgs, out: OutputArgs) -> Result<(), CliError> {
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

pub(crate) async fn graph(g: &Global, template: &Path, p: &ParamArgs, format: GraphFormat) -> Result<(), CliError> {
    let plan = plan_offline(g, template, p).await?;
    match format {
        GraphFormat::Dot => out!("{}", stack_core::plan::to_dot(&plan)),
        GraphFormat::Mermaid => out!("{}", stack_core::plan::to_mermaid(&plan)),
    }
    Ok(())
}
