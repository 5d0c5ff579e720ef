//! What a stack operation gives back: the stack's state ([`StackRun`]), or why it did not succeed
//! ([`StackError`], [`LaunchError`]).

use std::collections::BTreeMap;

use crate::events::Status;
use crate::plan::Plan;
use crate::state::ResourceRecord;

/// A stack run: its plan, each resource's state and the outputs.
#[derive(Debug, Clone)]
pub struct StackRun {
    /// The plan.
    pub plan: Plan,
    /// Resources by logical id.
    pub resources: BTreeMap<String, ResourceRecord>,
    /// Outputs (NoEcho values masked).
    pub outputs: BTreeMap<String, String>,
    /// The stack's status.
    pub status: Status,
}

/// A stack operation that did not succeed.
#[derive(Debug, thiserror::Error)]
#[error("stack {stack}: {reason}")]
pub struct StackError {
    /// The stack.
    pub stack: String,
    /// What failed first.
    pub reason: String,
    /// The state after the rollback (or without it).
    pub run: Box<StackRun>,
}

impl StackError {
    /// A failure before any resource was touched (the lock, the state store).
    pub(crate) fn before_start(plan: Plan, reason: String) -> Self {
        Self {
            stack: plan.options.stack_name.clone(),
            reason,
            run: Box::new(StackRun {
                plan,
                resources: BTreeMap::new(),
                outputs: BTreeMap::new(),
                status: Status::CreateFailed,
            }),
        }
    }
}

/// Why [`crate::Engine::launch`] did not produce a stack.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The template or its parameters are invalid; nothing was called.
    #[error("{0}")]
    Invalid(crate::problem::Problems),
    /// The stack failed while running (and was rolled back unless rollback is disabled).
    #[error(transparent)]
    Failed(#[from] StackError),
}
