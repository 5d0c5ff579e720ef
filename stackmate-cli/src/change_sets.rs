//! `stackmate change-set preview`: what an update would change, from stack-core's
//! [`stack_core::change_set`], as a table or JSON. Nothing is called or written.

use std::path::Path;

use serde_json::json;
use stack_core::change_set::{Action, ChangeSetError, Replacement};

use crate::cli::{Global, OutputArgs, ParamArgs};
use crate::commands::{known_stack, offline_engine, open_store, read_template_with, secrets_for};
use crate::exit::CliError;
use crate::failures::stack_failed;
use crate::output::{print_json, Format};
use crate::params;
use crate::printing::outln;

pub(crate) async fn preview(
    g: &Global,
    name: &str,
    template: &Path,
    p: &ParamArgs,
    out: OutputArgs,
) -> Result<(), CliError> {
    let store = open_store(g)?;
    known_stack(&store, name).await?;
    let (text, _) = read_template_with(template, &crate::commands::limits(g)?)?;
    let given = params::from_flags(&p.params)?;
    let secrets = secrets_for(g, name, &p.params, true).await?;
    let engine = offline_engine(store).await?;
    let changes = match engine.preview_update(name, &text, &given, &secrets).await {
        Ok(c) => c,
        Err(ChangeSetError::Invalid(problems)) => {
            return Err(CliError::Invalid(format!(
                "template {}:\n{problems}",
                template.display()
            )))
        }
        Err(ChangeSetError::Stack(e)) => return Err(stack_failed(&e)),
        Err(e) => return Err(CliError::Invalid(e.to_string())),
    };
    if out.output == Format::Json {
        print_json(&json!({"name": name, "changes": changes}));
        return Ok(());
    }
    if changes.is_empty() {
        outln!("stack {name}: the update changes nothing");
        return Ok(());
    }
    outln!("stack {name}: {} resources change", changes.len());
    outln!(
        "{:<8} {:<24} {:<40} {:<12} PROPERTIES",
        "ACTION",
        "LOGICAL ID",
        "TYPE",
        "REPLACEMENT"
    );
    for c in &changes {
        let action = match c.action {
            Action::Add => "Add",
            Action::Modify => "Modify",
            Action::Remove => "Remove",
        };
        let replacement = match c.replacement {
            Some(Replacement::True) => "True",
            Some(Replacement::False) => "False",
            Some(Replacement::Conditional) => "Conditional",
            None => "-",
        };
        let props: Vec<String> = c
            .properties
            .iter()
            .map(|p| {
                let may = if p.dynamic { ", may change" } else { "" };
                format!("{} ({}{may})", p.name, p.effect)
            })
            .collect();
        outln!(
            "{action:<8} {:<24} {:<40} {replacement:<12} {}",
            c.logical,
            c.type_name,
            props.join(", ")
        );
    }
    Ok(())
}
