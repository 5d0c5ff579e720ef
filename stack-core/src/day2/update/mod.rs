//! Updating a stack to a new template or new parameters, CloudFormation's way, with the rules of
//! each release ([`cloudstack_client::ParticipantSpec::update_of`]):
//!
//! 1. **Before any call**: the new template is planned, the change set made
//!    ([`crate::change_set::diff`]) and checked against the stack policy ([`policy`]); a refused
//!    change refuses the whole update.
//! 2. **`UPDATE_IN_PROGRESS`**: the new plan walked forwards, in dependency order and in parallel.
//!    New resources are created; a change the release makes in place is sent to its update APIs
//!    (stopping and starting a VM around an interruption); anything else is replaced, create first:
//!    the new resource is made and its dependents, which come later in the walk, are changed to
//!    point at it. The old one stays in the record (`ResourceRecord::replaced`).
//! 3. **`UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`**: removed and replaced resources are deleted,
//!    backwards over the old plan (`DeletionPolicy` and `UpdateReplacePolicy: Retain` keep them).
//!    A delete that fails leaves the old resource recorded and reported; the stack is updated.
//! 4. **`UPDATE_COMPLETE`**.
//!
//! On a failure in step 2 the update rolls back (**`UPDATE_ROLLBACK_IN_PROGRESS`**): replaced
//! resources take their old physical resources back, changes made in place are made again with
//! the old values (forwards over the old plan), then (**`UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`**)
//! what the update added or made as replacements is deleted, and the stack is
//! **`UPDATE_ROLLBACK_COMPLETE`**, with its previous template and parameters. A rollback that
//! cannot finish is **`UPDATE_ROLLBACK_FAILED`**; [`Engine::continue_rollback`] goes on, skipping
//! the resources it is told to.
//!
//! Every step is written ahead, as for a create: the stack record holds the version before the
//! update (`StackRecord::previous`) until it ends, each resource its target parameters and the
//! call in flight. [`Engine::resume`] finishes a clean-up that was under way and otherwise rolls
//! the update back: re-sending a change, or the old values, is harmless, and a replacement whose
//! create reply was lost is found as a create's is.
//!
//! What it does not do: change a resource of a type with no update API other than by replacing
//! it, or unset a property in place (CloudStack's update APIs cannot), so removing a property
//! replaces the resource.
//!
//! Inside: `walks` (what visiting a resource means for the update's walks), `in_place` (a
//! resource's update calls, with a VM's stop and start), `cleanup` and `rollback`, `repair` (an
//! update from drift), and [`policy`] (stack policies).

mod cleanup;
mod in_place;
pub mod policy;
mod repair;
mod rollback;
mod walks;

use std::collections::BTreeMap;
use std::sync::Arc;

use tracing::Instrument as _;

pub use policy::{Denial, PolicyAction, StackPolicy};

use crate::change_set::{diff, Action, ChangeSetError, ResourceChange};
use crate::durable::DurableError;
use crate::engine::Engine;
use crate::events::Status;
use crate::plan::Plan;
use crate::problem::Problems;
use crate::run::{StackError, StackRun};
use crate::state::{ResourceRecord, StackRecord, StackVersion, StateError};
use crate::visits::CreateVisitor;
use crate::walk::{walk, Direction, Graph, WalkOptions};
use cleanup::Cleanup;
use walks::UpdateVisitor;

/// How an update runs.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// A new stack policy (CloudFormation's JSON): kept with the stack and checked from this
    /// update on.
    pub stack_policy: Option<String>,
    /// A policy for this update only, checked instead of the stack's.
    pub policy_override: Option<String>,
    /// Also bring back what drifted ([`crate::drift`]): properties changed outside the stack are
    /// set to the template's values again, resources deleted outside it are made again.
    pub repair_drift: bool,
}

/// Why an update did not run or did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// The stack could not be read or planned again.
    #[error(transparent)]
    Stack(#[from] DurableError),
    /// The new template or its parameters are not valid.
    #[error("the new template:\n{0}")]
    Invalid(Problems),
    /// A stack policy given is not valid.
    #[error("the stack policy is not valid:\n{0}")]
    BadPolicy(Problems),
    /// The stack policy refuses a change; nothing was called.
    #[error(
        "stack {stack}: the stack policy refuses {}, so nothing was changed; change the template, or \
         give a policy for this update alone (a stack policy override)",
        denials.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    Denied {
        /// The stack.
        stack: String,
        /// What was refused.
        denials: Vec<Denial>,
    },
    /// The stack is not in a state an update can start from.
    #[error(
        "stack {stack} is {}: an update starts from CREATE_COMPLETE, UPDATE_COMPLETE or \
         UPDATE_ROLLBACK_COMPLETE{}",
        status.as_str(),
        advice(*status)
    )]
    NotUpdatable {
        /// The stack.
        stack: String,
        /// Its status.
        status: Status,
    },
    /// The template and parameters are those the stack has.
    #[error("stack {0}: no updates are to be performed (the template and parameters are the stack's own)")]
    NoChanges(String),
    /// The update ran and failed; its error carries the state after the rollback.
    #[error(transparent)]
    Failed(#[from] StackError),
}

/// What to do with a stack in `status` before it can be updated.
fn advice(status: Status) -> &'static str {
    match status {
        Status::RollbackComplete => "; its create failed and was rolled back, so it can only be deleted",
        Status::UpdateRollbackFailed | Status::RollbackFailed | Status::DeleteFailed => {
            "; continuing its rollback gets it unstuck first"
        }
        _ => "; resuming it finishes the operation that was under way",
    }
}

impl From<StateError> for UpdateError {
    fn from(e: StateError) -> Self {
        Self::Stack(DurableError::State(e))
    }
}

impl From<ChangeSetError> for UpdateError {
    fn from(e: ChangeSetError) -> Self {
        match e {
            ChangeSetError::Stack(d) => Self::Stack(d),
            ChangeSetError::Invalid(p) => Self::Invalid(p),
        }
    }
}

fn version_of(rec: &StackRecord) -> StackVersion {
    StackVersion {
        template: rec.template.clone(),
        params: rec.params.clone(),
        no_echo: rec.no_echo.clone(),
    }
}

/// Whether `logical` is an enabled resource of `plan`.
fn enabled(plan: &Plan, logical: &str) -> bool {
    plan.resources.get(logical).is_some_and(|r| r.enabled)
}

impl Engine {
    /// Updates stack `name` to `template_text` with `params` (parameters not given keep their
    /// values; NoEcho values come from `secrets`, for the current template and the new one).
    /// On failure the update is rolled back and the error carries the state after it.
    pub async fn update(
        &self,
        name: &str,
        template_text: &str,
        params: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
        options: &UpdateOptions,
    ) -> Result<StackRun, UpdateError> {
        let span = tracing::info_span!("stack", stack = %name);
        self.locked(name, self.update_locked(name, template_text, params, secrets, options))
            .instrument(span)
            .await
    }

    async fn update_locked(
        &self,
        name: &str,
        template_text: &str,
        params: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
        options: &UpdateOptions,
    ) -> Result<StackRun, UpdateError> {
        let record = self.stack_record(name).await?;
        if !record.status.is_stable() {
            return Err(UpdateError::NotUpdatable {
                stack: name.to_string(),
                status: record.status,
            });
        }
        let old = self.stored_plan(name, secrets).await?;
        let new = self.plan_update(&record, &old, template_text, params, secrets)?;
        let mut changes = diff(&old, &new);
        let mut records = self.stored_records(name).await?;
        if options.repair_drift {
            self.add_drift(name, &new, &mut changes, &mut records).await?;
        }
        let same_params = new.stored_params() == record.params;
        if changes.is_empty() && record.template == template_text && same_params && options.stack_policy.is_none() {
            return Err(UpdateError::NoChanges(name.to_string()));
        }
        let parse = |text: &str| StackPolicy::parse(text).map_err(|p| UpdateError::BadPolicy(Problems(p)));
        if let Some(text) = &options.stack_policy {
            parse(text)?;
        }
        let checked = options
            .policy_override
            .as_ref()
            .or(options.stack_policy.as_ref())
            .or(record.options.stack_policy.as_ref());
        if let Some(text) = checked {
            let denials = parse(text)?.denials(&changes);
            if !denials.is_empty() {
                return Err(UpdateError::Denied {
                    stack: name.to_string(),
                    denials,
                });
            }
        }
        // Old resources an earlier clean-up could not delete go first.
        if records.values().any(|r| r.replaced.is_some())
            && !self.clean_up(&old, &old, &mut records, Cleanup::Forward, &[]).await
        {
            return Err(UpdateError::Failed(StackError {
                stack: name.to_string(),
                reason: "old resources an earlier update replaced could not be deleted (see the DELETE_FAILED \
                         events); delete them by hand, or try again"
                    .into(),
                run: Box::new(StackRun {
                    plan: old,
                    resources: records,
                    outputs: BTreeMap::new(),
                    status: record.status,
                }),
                failure: None,
                refused: None,
            }));
        }
        let disable_rollback = record.options.disable_rollback;
        self.save_stack_version(
            &new,
            Status::UpdateInProgress,
            disable_rollback,
            Some(version_of(&record)),
            options.stack_policy.clone(),
        )
        .await?;
        self.discard_change_sets(name).await?;
        self.run_update(old, new, changes, records).await
    }

    async fn run_update(
        &self,
        old: Plan,
        new: Plan,
        changes: Vec<ResourceChange>,
        mut records: BTreeMap<String, ResourceRecord>,
    ) -> Result<StackRun, UpdateError> {
        self.stack_event(&new, Status::UpdateInProgress, None).await;
        let changes: BTreeMap<String, ResourceChange> = changes
            .into_iter()
            .filter(|c| c.action != Action::Remove)
            .map(|c| (c.logical.clone(), c))
            .collect();
        let nodes: Vec<String> = new.order.iter().filter(|l| changes.contains_key(*l)).cloned().collect();
        let graph = Graph::new(nodes, |l| {
            new.resources[l].depends_on.iter().map(String::as_str).collect()
        });
        let new = Arc::new(new);
        let mut visitor = UpdateVisitor {
            inner: CreateVisitor {
                engine: self,
                plan: Arc::clone(&new),
                records: &mut records,
                failure: None,
                tagging: tokio::task::JoinSet::new(),
                expedite: graph.longest_chain_ends(Direction::Forward),
            },
            changes,
        };
        let options = WalkOptions {
            direction: Direction::Forward,
            concurrency: self.config.concurrency,
            stop_on_failure: true,
        };
        walk(&graph, options, &mut visitor).await;
        visitor.inner.finish_tagging().await;
        let failure = visitor.inner.failure.take();
        // The last other holder of the plan: with it gone, the plan is not copied.
        drop(visitor);
        let new = Arc::try_unwrap(new).unwrap_or_else(|p| (*p).clone());
        if let Some(crate::visits::FirstFailure {
            reason,
            resource: failed_resource,
        }) = failure
        {
            self.stack_event(&new, Status::UpdateRollbackInProgress, Some(reason.clone()))
                .await;
            let run = self.roll_back_update(old, new, records, &[]).await;
            return Err(UpdateError::Failed(StackError {
                stack: run.plan.options.stack_name.clone(),
                reason,
                failure: failed_resource,
                run: Box::new(run.masked()),
                refused: None,
            }));
        }
        Ok(self.finish_update(old, new, records).await.masked())
    }

    /// Step 3 and 4: the clean-up after an update, then `UPDATE_COMPLETE`.
    async fn finish_update(&self, old: Plan, new: Plan, mut records: BTreeMap<String, ResourceRecord>) -> StackRun {
        self.stack_event(&new, Status::UpdateCompleteCleanupInProgress, None)
            .await;
        let clean = self.clean_up(&old, &new, &mut records, Cleanup::Forward, &[]).await;
        let disable_rollback = self.disable_rollback_of(&new).await;
        if let Err(e) = self
            .save_stack_version(&new, Status::UpdateComplete, disable_rollback, None, None)
            .await
        {
            tracing::error!(error = %e, "could not record the updated stack");
        }
        let reason = (!clean).then(|| {
            "updated; some old resources could not be deleted and are kept in the stack's records (see the \
             DELETE_FAILED events): the next update or the stack's delete deletes them"
                .to_string()
        });
        self.stack_event(&new, Status::UpdateComplete, reason).await;
        let mut run = StackRun {
            plan: new,
            resources: records,
            outputs: BTreeMap::new(),
            status: Status::UpdateComplete,
        };
        run.outputs = self.outputs(&run);
        run
    }

    async fn disable_rollback_of(&self, plan: &Plan) -> bool {
        match &self.store {
            Some(store) => store
                .stack(&plan.options.stack_name)
                .await
                .ok()
                .flatten()
                .is_some_and(|s| s.options.disable_rollback),
            None => self.config.disable_rollback,
        }
    }

    /// Finishes or rolls back the update a stopped process left of stack `name` (the stack is in
    /// one of the update statuses): a clean-up under way is finished, anything else is rolled back,
    /// skipping the resources in `skip`. The caller holds the lock.
    pub(crate) async fn resume_update_locked(
        &self,
        name: &str,
        secrets: &BTreeMap<String, String>,
        skip: &[String],
    ) -> Result<StackRun, DurableError> {
        let record = self.stack_record(name).await?;
        let previous = record.previous.clone().ok_or_else(|| DurableError::CannotResume {
            stack: name.to_string(),
            reason: format!(
                "it is {} but the state holds no version from before the update",
                record.status.as_str()
            ),
        })?;
        let new = self.stored_plan(name, secrets).await?;
        let old = self.version_plan(&record, &previous, secrets, true).await?;
        let records = self.stored_records(name).await?;
        for l in skip {
            if !records.contains_key(l) {
                return Err(DurableError::UnknownResource {
                    stack: name.to_string(),
                    logical: l.clone(),
                    known: records.keys().cloned().collect(),
                });
            }
        }
        tracing::info!(status = record.status.as_str(), "resuming an update");
        if record.status == Status::UpdateCompleteCleanupInProgress {
            return Ok(self.finish_update(old, new, records).await.masked());
        }
        self.stack_event(&new, Status::UpdateRollbackInProgress, Some("resumed".into()))
            .await;
        let run = self.roll_back_update(old, new, records, skip).await;
        if run.status == Status::UpdateRollbackComplete {
            Ok(run.masked())
        } else {
            Err(DurableError::Failed(StackError {
                stack: name.to_string(),
                reason: "the update's rollback could not finish; see the failed events, then continue \
                         the rollback, skipping the ones that must stay"
                    .into(),
                run: Box::new(run.masked()),
                failure: None,
                refused: None,
            }))
        }
    }
}
