//! How a stack operation that did not succeed reads to the user, and its exit code: a refusal
//! before anything was touched (the stack exists, another run holds it) is an input error (exit
//! 2) with the advice that fits; a stack that failed (exit 1) lists what failed and what to do next.

use stack_core::durable::DurableError;
use stack_core::{Refused, Status};

use crate::exit::CliError;

/// The error for a stack operation's [`stack_core::StackError`].
pub(crate) fn stack_error(f: &stack_core::StackError) -> CliError {
    match &f.refused {
        Some(r) => CliError::Invalid(refusal_text(&f.stack, r)),
        None => CliError::StackFailed(failure_text(f)),
    }
}

/// A refusal, with what to do about it.
fn refusal_text(stack: &str, r: &Refused) -> String {
    match r {
        Refused::Exists { status } => {
            let advice = match status {
                Status::CreateComplete => {
                    format!("it is live: pick another name (`stackmate describe {stack}` shows it)")
                }
                Status::CreateInProgress | Status::DeleteInProgress | Status::RollbackInProgress => format!(
                    "a run may still be working on it: `stackmate describe {stack}` shows how far it got; \
                     if that run died, `stackmate resume {stack}` carries it on"
                ),
                _ => format!(
                    "`stackmate resume {stack}` retries what failed; to start afresh under this name, \
                     `stackmate delete {stack}` first"
                ),
            };
            format!(
                "stack {stack}: a stack of this name already exists ({}); {advice}",
                status.as_str()
            )
        }
        Refused::Locked { message } => message.clone(),
        _ => format!("stack {stack}: refused"),
    }
}

/// The error for an operation on a stored stack, with the CLI's advice added to the core's
/// message (which names no command).
pub(crate) fn stack_failed(e: &DurableError) -> CliError {
    match e {
        DurableError::UnknownStack(name) => CliError::Invalid(format!(
            "{e}; `stackmate list` shows the stacks it knows (check --state-dir); if you are sure its \
             state is gone, `stackmate delete {name} --by-tags`"
        )),
        DurableError::LiveRun { .. } => CliError::Invalid(format!(
            "{e}: `stackmate list` in the --state-dir of that run; if you are sure, `--force` deletes anyway"
        )),
        DurableError::GuestsElsewhere { url, listen, .. } => CliError::Invalid(format!(
            "{e}: run it with --metadata-url {url} and --metadata-listen {}",
            listen.as_deref().unwrap_or("ADDRESS:PORT")
        )),
        DurableError::CannotResume { .. } | DurableError::NoStore => CliError::Invalid(e.to_string()),
        DurableError::State(_) => CliError::Invalid(e.to_string()),
        DurableError::Failed(f) => stack_error(f),
        DurableError::Lookup(stack_core::recovery::LookupError::Cloud(c)) => {
            CliError::from_client("searching the cloud for the stack's tags", c)
        }
        DurableError::UnknownResource { .. } => CliError::Invalid(format!("{e}; check --skip")),
        _ => CliError::StackFailed(e.to_string()),
    }
}

/// Runs `operation` on `engine` and prints the stack it leaves (`out`); a failure becomes the CLI's
/// error for it. Every state-changing command goes through here: the engine's one door.
pub(crate) async fn run_operation(
    engine: &stack_core::Engine,
    operation: stack_core::Operation,
    out: crate::cli::OutputArgs,
) -> Result<stack_core::Outcome, CliError> {
    let stack = operation.stack().to_string();
    let outcome = engine.run(operation).await.map_err(|e| operation_failed(&stack, &e))?;
    if let Some(run) = outcome.run() {
        crate::commands::print_run(run, out);
    }
    Ok(outcome)
}

/// The error for an [`stack_core::Operation`] run by [`stack_core::Engine::run`].
pub(crate) fn operation_failed(stack: &str, e: &stack_core::OperationError) -> CliError {
    use stack_core::OperationError;
    match e {
        OperationError::Create(f) => stack_error(f),
        OperationError::Stack(d) => stack_failed(d),
        OperationError::Update(u) => update_failed(u),
        OperationError::ChangeSet(c) => crate::change_sets::refused(stack, c),
    }
}

/// The error for an update that was refused or failed, with the CLI's advice.
pub(crate) fn update_failed(e: &stack_core::UpdateError) -> CliError {
    use stack_core::UpdateError;
    match e {
        UpdateError::Stack(d) => stack_failed(d),
        UpdateError::Failed(f) => stack_error(f),
        UpdateError::Denied { .. } => CliError::Invalid(format!("{e} (--policy-override FILE)")),
        UpdateError::NotUpdatable { stack, status } => {
            let next = match status {
                Status::RollbackComplete => String::new(),
                Status::UpdateRollbackFailed | Status::RollbackFailed | Status::DeleteFailed => {
                    format!(" (`stackmate continue-rollback {stack}`)")
                }
                _ => format!(" (`stackmate resume {stack}`)"),
            };
            CliError::Invalid(format!("{e}{next}"))
        }
        _ => CliError::Invalid(e.to_string()),
    }
}

fn failure_text(f: &stack_core::StackError) -> String {
    let failed: Vec<String> = f
        .run
        .resources
        .values()
        .filter(|r| {
            matches!(
                r.status,
                Status::CreateFailed | Status::DeleteFailed | Status::UpdateFailed
            )
        })
        .map(|r| {
            format!(
                "  {} ({}): {}",
                r.logical,
                r.status.as_str(),
                r.reason.as_deref().unwrap_or("-")
            )
        })
        .collect();
    let mut text = format!("stack {}: {} ({})", f.stack, f.reason, f.run.status.as_str());
    if !failed.is_empty() {
        text.push('\n');
        text.push_str(&failed.join("\n"));
    }
    match f.run.status {
        Status::UpdateRollbackComplete => text.push_str(&format!(
            "\nthe update was rolled back: stack {0} is as it was before it (`stackmate describe {0}`)",
            f.stack
        )),
        Status::RollbackFailed | Status::DeleteFailed | Status::UpdateRollbackFailed => text.push_str(&format!(
            "\nwhat to do: `stackmate resume {0}` retries; `stackmate continue-rollback {0} --skip ID,...` keeps the ones that will not go",
            f.stack
        )),
        Status::CreateFailed => text.push_str(&format!(
            "\nrollback was disabled: fix the cause, then `stackmate resume {0}` retries what failed, or `stackmate delete {0}`",
            f.stack
        )),
        _ => {}
    }
    text
}
