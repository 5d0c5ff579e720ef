//! `stackmate change-set preview | create | describe | list | execute | delete`: what an update
//! would change, from stack-core's [`stack_core::change_set`], as a table or JSON, and change sets
//! kept with a stack to be executed later. Only `execute` touches the cloud.

use std::path::Path;

use serde_json::json;
use stack_core::change_set::{
    Action, ChangeSetError, Replacement, ResourceChange, StoredChangeSet, StoredChangeSetError,
};

use crate::cli::{ChangeSetAction, Global, OutputArgs, ParamArgs};
use crate::commands::{
    connection_flags, engine_for, known_stack, offline_engine, open_store, read_template_with, secrets_for,
};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::failures::stack_failed;
use crate::output::{print_json, Format};
use crate::params;
use crate::printing::outln;
use crate::progress::Progress;

/// Runs one `change-set` action.
pub(crate) async fn run(g: &Global, action: ChangeSetAction) -> Result<(), CliError> {
    match action {
        ChangeSetAction::Preview {
            name,
            template,
            params,
            out,
        } => preview(g, &name, &template, &params, out).await,
        ChangeSetAction::Create {
            name,
            set,
            template,
            params,
            out,
        } => create(g, &name, &set, &template, &params, out).await,
        ChangeSetAction::Describe { name, set, out } => {
            let engine = offline_engine(open_store(g)?).await?;
            let stored = engine.change_set(&name, &set).await.map_err(|e| refused(&name, &e))?;
            show(&stored, out);
            Ok(())
        }
        ChangeSetAction::List { name, out } => {
            let engine = offline_engine(open_store(g)?).await?;
            let sets = engine.change_sets(&name).await.map_err(|e| refused(&name, &e))?;
            if out.output == Format::Json {
                print_json(&json!({"name": name, "change_sets": sets}));
                return Ok(());
            }
            for s in &sets {
                let stale = if s.stale { "  (stale)" } else { "" };
                outln!("{:<32} {} changes{stale}", s.name, s.changes.len());
            }
            Ok(())
        }
        ChangeSetAction::Execute { name, set, params, out } => execute(g, &name, &set, &params, out).await,
        ChangeSetAction::Delete { name, set } => {
            let engine = offline_engine(open_store(g)?).await?;
            engine
                .delete_change_set(&name, &set)
                .await
                .map_err(|e| refused(&name, &e))?;
            outln!("change set {set} of stack {name} deleted");
            Ok(())
        }
    }
}

/// The CLI error for a refused change set operation.
pub(crate) fn refused(stack: &str, e: &StoredChangeSetError) -> CliError {
    match e {
        StoredChangeSetError::ChangeSet(ChangeSetError::Stack(d)) => stack_failed(d),
        StoredChangeSetError::Update(u) => crate::failures::update_failed(u),
        StoredChangeSetError::Unknown { stack, .. } => CliError::Invalid(format!(
            "{e}; `stackmate change-set list {stack}` shows its change sets"
        )),
        StoredChangeSetError::ChangeSet(ChangeSetError::Invalid(problems)) => {
            CliError::Invalid(format!("stack {stack}: the new template:\n{problems}"))
        }
        other => CliError::Invalid(other.to_string()),
    }
}

async fn preview(g: &Global, name: &str, template: &Path, p: &ParamArgs, out: OutputArgs) -> Result<(), CliError> {
    let store = open_store(g)?;
    known_stack(&store, name).await?;
    let (text, _) = read_template_with(template, &crate::commands::limits(g)?).await?;
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
    print_changes(name, &changes);
    Ok(())
}

async fn create(
    g: &Global,
    name: &str,
    set: &str,
    template: &Path,
    p: &ParamArgs,
    out: OutputArgs,
) -> Result<(), CliError> {
    let store = open_store(g)?;
    known_stack(&store, name).await?;
    let (text, _) = read_template_with(template, &crate::commands::limits(g)?).await?;
    let given = params::from_flags(&p.params)?;
    let secrets = secrets_for(g, name, &p.params, true).await?;
    let engine = offline_engine(store).await?;
    let stored = engine
        .create_change_set(name, set, &text, &given, &secrets)
        .await
        .map_err(|e| refused(name, &e))?;
    show(&stored, out);
    Ok(())
}

async fn execute(g: &Global, name: &str, set: &str, flags: &[String], out: OutputArgs) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let store = open_store(g)?;
    let stored = known_stack(&store, name).await?;
    let secrets = secrets_for(g, name, flags, true).await?;
    let engine = engine_for(g, &conn, None, store, Some(&stored.options)).await?;
    Progress::new(out.output == Format::Json).attach(&engine);
    let options = stack_core::UpdateOptions::default();
    let operation = stack_core::Operation::ExecuteChangeSet {
        name: name.to_string(),
        change_set: set.to_string(),
        secrets,
        options,
    };
    crate::failures::run_operation(&engine, operation, out).await?;
    Ok(())
}

/// A stored change set, as JSON or as its table.
fn show(stored: &StoredChangeSet, out: OutputArgs) {
    if out.output == Format::Json {
        print_json(&json!(stored));
        return;
    }
    let stale = if stored.stale {
        " (stale: the stack changed since; make a new one)"
    } else {
        ""
    };
    outln!("change set {} of stack {}{stale}", stored.name, stored.stack);
    print_changes(&stored.stack, &stored.changes);
}

/// The changes as a table: action, logical id, type, replacement, properties with their effects.
fn print_changes(name: &str, changes: &[ResourceChange]) {
    if changes.is_empty() {
        outln!("stack {name}: the update changes nothing");
        return;
    }
    outln!("stack {name}: {} resources change", changes.len());
    outln!(
        "{:<8} {:<24} {:<40} {:<12} PROPERTIES",
        "ACTION",
        "LOGICAL ID",
        "TYPE",
        "REPLACEMENT"
    );
    for c in changes {
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
}
