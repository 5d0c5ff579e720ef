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

pub(crate) fn stack_failed(e: &DurableError) -> CliError {
    match e {
        DurableError::UnknownStack(_)
        | DurableError::CannotResume { .. }
        | DurableError::NoStore
        | DurableError::LiveRun { .. } => CliError::Invalid(e.to_string()),
        DurableError::State(_) => CliError::Invalid(e.to_string()),
        DurableError::Failed(f) => stack_error(f),
        DurableError::Lookup(stack_core::recovery::LookupError::Cloud(c)) => {
            CliError::from_client("searching the cloud for the stack's tags", c)
        }
        DurableError::Lookup(_) | DurableError::Other(_) => CliError::StackFailed(e.to_string()),
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
