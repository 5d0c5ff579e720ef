//! `stackmate delete`: by the stack's state, or, only when asked for by name, by its tags. A stack
//! the state does not hold is never deleted by surprise: the command says so and lists what
//! carries its tags; `--by-tags` lists them again, asks on a terminal (`--yes` in scripts), and is
//! refused while a run looks live (`--force` overrides). The survey and the refusal are
//! stack-core's ([`stack_core::by_tags`]).

use std::collections::BTreeMap;
use std::io::{BufRead as _, IsTerminal as _};

use serde_json::{json, Value};
use stack_core::by_tags::TagSurvey;
use stack_core::state::StateStore as _;
use stack_core::{DeleteBy, Deleted};

use crate::cli::{Global, OutputArgs};
use crate::commands::{connection_flags, engine_for, open_store, secrets_for};
use crate::connection::Connection;
use crate::exit::CliError;
use crate::failures::stack_failed;
use crate::output::{print_json, Format};
use crate::printing::{errln, errout, outln};
use crate::progress::Progress;

/// How `delete` finds what it deletes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeleteFlags {
    /// By tags, not by state.
    pub by_tags: bool,
    /// Without asking.
    pub yes: bool,
    /// Even if a run looks live.
    pub force: bool,
}

/// The resources of a survey, one per line, with what looks live.
fn listing(survey: &TagSurvey) -> String {
    survey
        .found
        .iter()
        .map(|f| {
            let live = f.live.as_ref().map_or(String::new(), |s| format!("  (live? {s})"));
            format!("  {:<24} {}{live}", f.tagged.resource_type, f.tagged.resource_id)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asks on the terminal; true for `y` or `yes`.
fn confirmed(question: &str) -> bool {
    errout!("{question} [y/N] ");
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

pub(crate) async fn delete(
    g: &Global,
    name: &str,
    flags: &[String],
    how: DeleteFlags,
    out: OutputArgs,
) -> Result<(), CliError> {
    let conn = Connection::resolve(&connection_flags(g))?;
    let store = open_store(g)?;
    let in_state = store
        .stack(name)
        .await
        .map_err(|e| CliError::Invalid(e.to_string()))?
        .is_some();
    let engine = engine_for(g, &conn, None, store.clone(), None).await?;
    if in_state && !how.by_tags {
        Progress::new(out.output == Format::Json).attach(&engine);
        let secrets = secrets_for(g, name, flags, true).await?;
        let delete = stack_core::Operation::Delete {
            name: name.to_string(),
            by: DeleteBy::State,
            secrets,
        };
        return crate::failures::run_operation(&engine, delete, out).await.map(|_| ());
    }
    let release = crate::release::for_cloud(g, &conn, engine.client(), store.as_ref()).await?;
    let survey = engine.survey_tags(name, release).await.map_err(|e| stack_failed(&e))?;
    let dir = g.state_dir().display();
    if !how.by_tags {
        let found = if survey.found.is_empty() {
            "no resource in the cloud carries its tags either".to_string()
        } else {
            format!(
                "{} resources in the cloud carry its tags:\n{}\nif its state is lost and no run of it is live \
                 anywhere, `stackmate delete {name} --by-tags` deletes them",
                survey.found.len(),
                listing(&survey)
            )
        };
        return Err(CliError::Invalid(format!(
            "no stack named {name} in the state at {dir} (`stackmate list` shows what it holds; --state-dir or \
             STACKMATE_STATE_DIR picks another); {found}"
        )));
    }
    if survey.found.is_empty() {
        if out.output == Format::Json {
            print_json(&json!({"name": name, "found_by": "tags", "deleted": []}));
        } else {
            outln!("stack {name}: no resource is tagged with it; nothing to delete");
        }
        return Ok(());
    }
    if in_state {
        errln!("note: the state at {dir} holds stack {name}; `stackmate delete {name}` without --by-tags uses it");
    }
    errln!(
        "stack {name}: {} resources carry its tags:\n{}",
        survey.found.len(),
        listing(&survey)
    );
    if let Some(refused) = survey.refusal(how.force) {
        return Err(stack_failed(&refused));
    }
    if !how.yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Invalid(format!(
                "stack {name}: deleting by tags needs a confirmation: pass --yes (nothing was deleted)"
            )));
        }
        if !confirmed(&format!("delete these {} resources?", survey.found.len())) {
            return Err(CliError::Invalid(format!(
                "stack {name}: not confirmed; nothing was deleted"
            )));
        }
    }
    Progress::new(out.output == Format::Json).attach(&engine);
    let by = DeleteBy::Tags {
        release,
        force: how.force,
    };
    let deleted = match engine.delete_named(name, by, &BTreeMap::new()).await {
        Ok(Deleted::ByTags(d)) => d,
        Ok(_) => Vec::new(),
        Err(e) => return Err(stack_failed(&e)),
    };
    if out.output == Format::Json {
        let items: Vec<Value> = deleted
            .iter()
            .map(|(t, id)| json!({"resource_type": t, "physical_id": id}))
            .collect();
        print_json(&json!({"name": name, "found_by": "tags", "deleted": items}));
    } else {
        outln!("stack {name}: deleted {} resources found by its tags:", deleted.len());
        for (t, id) in &deleted {
            outln!("  {t:<24} {id}");
        }
    }
    Ok(())
}
