//! What a stack operation gives back: the stack's state ([`StackRun`]), or why it did not succeed
//! ([`StackError`], [`LaunchError`]).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::events::Status;
use crate::plan::Plan;
use crate::state::ResourceRecord;
use crate::step::View;

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

impl StackRun {
    /// Each output whose condition holds, with its description and export name, evaluated
    /// against the run's records (NoEcho values masked), in name order.
    pub fn output_details(&self) -> Vec<OutputDetail> {
        let plan = &self.plan;
        let view = View(&self.resources, &plan.resources);
        let masker = plan.masker();
        let text = |v: &Value, ptr: String| match plan.evaluate(&view, v, &ptr) {
            Ok(Some(Value::String(s))) => masker.mask(&s),
            Ok(Some(v)) => masker.mask(&v.to_string()),
            Ok(None) => "(unknown)".to_string(),
            Err(p) => masker.mask(&format!("(error: {p})")),
        };
        plan.template
            .outputs
            .iter()
            .filter(|(_, o)| {
                o.condition
                    .as_ref()
                    .is_none_or(|c| plan.conditions.get(c).copied().unwrap_or(true))
            })
            .map(|(name, o)| OutputDetail {
                name: name.clone(),
                value: text(&o.value, format!("/Outputs/{name}/Value")),
                description: o.description.clone(),
                export_name: o
                    .export_name
                    .as_ref()
                    .map(|n| text(n, format!("/Outputs/{name}/Export/Name"))),
            })
            .collect()
    }
}

/// One output of a stack as a console lists it: its value (NoEcho values masked), the template's
/// description of it, and the name it is exported by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OutputDetail {
    /// The output's name.
    pub name: String,
    /// Its value (`(unknown)` when it needs a value not known yet, `(error: ...)` when it cannot
    /// be worked out).
    pub value: String,
    /// The template's `Description`.
    pub description: Option<String>,
    /// `Export`'s `Name`, worked out.
    pub export_name: Option<String>,
}

/// A stack operation that did not succeed.
#[derive(Debug, thiserror::Error)]
#[error("stack {stack}: {reason}")]
pub struct StackError {
    /// The stack.
    pub stack: String,
    /// What failed first, for a person (secrets masked).
    pub reason: String,
    /// The resource that failed first, as data (its failure's kind and the cloud's code), when the
    /// operation failed at a resource.
    pub failure: Option<Box<crate::ResourceFailure>>,
    /// The state after the rollback (or without it).
    pub run: Box<StackRun>,
    /// Set when the operation was refused before it touched anything, for a reason the caller can
    /// act on (an input error, not a failed stack).
    pub refused: Option<Refused>,
}

/// Why an operation was refused before it touched anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refused {
    /// A stack of that name exists (in a status other than deleted or rolled back).
    Exists {
        /// Its status.
        status: Status,
    },
    /// Another run holds the stack's lock: the message names the holder and when its lease ends.
    Locked {
        /// The store's message.
        message: String,
    },
}

impl StackError {
    /// A failure before any resource was touched (the lock, the state store).
    pub(crate) fn before_start(plan: Plan, reason: String, refused: Option<Refused>) -> Self {
        Self {
            refused,
            stack: plan.options.stack_name.clone(),
            reason,
            failure: None,
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
