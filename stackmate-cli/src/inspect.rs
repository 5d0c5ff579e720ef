//! The commands that read a stack's state: `list`, `describe`, `events` (and `--follow`) and
//! `outputs`.

use crate::failures::stack_failed;
use crate::printing::outln;
use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use stack_core::state::StateStore;
use stack_core::Status;

use crate::cli::{Global, OutputArgs};
use crate::exit::CliError;
use crate::output::{event_json, event_line, print_json, resource_json, stack_json, Format};

use crate::commands::{known_stack, offline_engine, open_store};

pub(crate) async fn list(g: &Global, out: OutputArgs, nested: bool) -> Result<(), CliError> {
    let store = open_store(g)?;
    let stacks = store.stacks().await.map_err(|e| CliError::Invalid(e.to_string()))?;
    // A nested stack is part of its root's state: its path is the prefix of its resources' ids.
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if nested {
        for s in &stacks {
            let records = store
                .resources(&s.name)
                .await
                .map_err(|e| CliError::Invalid(e.to_string()))?;
            let mut paths: Vec<String> = records
                .iter()
                .filter_map(|r| r.logical.rsplit_once('.').map(|(p, _)| p.to_string()))
                .flat_map(|p| {
                    let parts: Vec<&str> = p.split('.').collect();
                    (1..=parts.len()).map(move |n| parts[..n].join("/")).collect::<Vec<_>>()
                })
                .collect();
            paths.sort();
            paths.dedup();
            children.insert(s.name.clone(), paths);
        }
    }
    if out.output == Format::Json {
        let listed: Vec<Value> = stacks
            .iter()
            .map(|s| {
                let mut v = stack_json(s);
                if nested {
                    v["nested"] = json!(children.get(&s.name).cloned().unwrap_or_default());
                }
                v
            })
            .collect();
        print_json(&json!({ "stacks": listed }));
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
        for path in children.get(&s.name).into_iter().flatten() {
            outln!("  {}/{path}", s.name);
        }
    }
    Ok(())
}

pub(crate) async fn describe(g: &Global, name: &str, out: OutputArgs) -> Result<(), CliError> {
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

pub(crate) async fn events(g: &Global, name: &str, follow: bool, out: OutputArgs) -> Result<(), CliError> {
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

pub(crate) async fn outputs(g: &Global, name: &str, out: OutputArgs) -> Result<(), CliError> {
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
    if !run.status.is_stable() {
        outln!(
            "stack {name} is {}: outputs exist once it is CREATE_COMPLETE (or UPDATE_COMPLETE)",
            run.status.as_str()
        );
    }
    for (k, v) in &run.outputs {
        outln!("{k} = {v}");
    }
    Ok(())
}
