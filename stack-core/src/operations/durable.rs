//! Stack operations over the state store: resume after a crash, delete by name, continue a rollback
//! that got stuck, and delete a stack whose state is gone by finding its resources by tag.
//!
//! All of them need an engine made with [`Engine::with_store`], except a delete by tags
//! ([`crate::lifecycle::DeleteBy::Tags`]).

use std::collections::BTreeMap;

use tracing::Instrument as _;

use crate::engine::Engine;
use crate::events::Status;
use crate::plan::Plan;
use crate::run::{StackError, StackRun};
use crate::state::ResourceRecord;
use crate::state::{StackRecord, StackVersion, StateStore};

/// Why a durable operation could not run or did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum DurableError {
    /// The engine has no state store.
    #[error("this engine keeps no state: it has no state store (Engine::with_store)")]
    NoStore,
    /// No such stack in the store.
    #[error("no stack named {0} in the state store; a stack whose state is gone can only be deleted by its tags")]
    UnknownStack(String),
    /// A delete by tags found signs that a run is still making the stack.
    #[error(
        "stack {stack}: a run may still be making it, so nothing was deleted: {}; wait for that run, \
         or delete the stack through the state store that holds it; a forced delete by tags deletes \
         anyway",
        signs.join("; ")
    )]
    LiveRun {
        /// The stack.
        stack: String,
        /// What looked live, one entry per resource.
        signs: Vec<String>,
    },
    /// The stored stack cannot be planned again (a NoEcho value is missing, the template changed...).
    #[error("stack {stack} cannot be resumed: {reason}")]
    CannotResume {
        /// The stack.
        stack: String,
        /// Why.
        reason: String,
    },
    /// The stack's guests signal its wait conditions at another address than this engine serves:
    /// a resume here would never hear them.
    #[error(
        "stack {stack} cannot be resumed here: its guests signal wait conditions at {url}, and this engine \
         serves {served}; resume it with its guests served at {url}{}",
        listen.as_deref().map(|l| format!(" (listening on {l})")).unwrap_or_default()
    )]
    GuestsElsewhere {
        /// The stack.
        stack: String,
        /// Where its guests signal.
        url: String,
        /// Where this engine serves them.
        served: String,
        /// The address the run that made them listened on, when it was recorded.
        listen: Option<String>,
    },
    /// The state store failed or the stack is locked.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// The operation ran and failed (see the run's records and events).
    #[error(transparent)]
    Failed(#[from] StackError),
    /// The cloud could not be searched (a delete by tags).
    #[error(transparent)]
    Lookup(#[from] crate::recovery::LookupError),
    /// A resource named (to skip) is not in the stack.
    #[error("stack {stack} has no resource {logical} (its resources: {})", known.join(", "))]
    UnknownResource {
        /// The stack.
        stack: String,
        /// The logical id named.
        logical: String,
        /// The stack's logical ids.
        known: Vec<String>,
    },
    /// What the engine plans to run the operation cannot be planned (the stored template, or the
    /// engine's own placeholder for a delete by tags).
    #[error("stack {stack} cannot be planned:\n{problems}")]
    Unplannable {
        /// The stack.
        stack: String,
        /// Why.
        problems: crate::problem::Problems,
    },
    /// A delete by tags removed some resources but not all.
    #[error(
        "stack {stack}: deleted {} resources found by its tags, but not: {}",
        deleted.len(),
        failures.iter().map(|f| format!("{} {}: {}", f.type_name, f.logical, f.message)).collect::<Vec<_>>().join("; ")
    )]
    TagsLeft {
        /// The stack.
        stack: String,
        /// What was deleted, as (tag type, id).
        deleted: Vec<(String, String)>,
        /// What was not: each as data (the resource id as `logical`, the tag type as `type_name`).
        failures: Vec<crate::ResourceFailure>,
    },
    /// A resource whose create failed could not be cleared before the create was resumed.
    #[error("stack {stack}: clearing the failed create of {failure}")]
    ClearFailed {
        /// The stack.
        stack: String,
        /// The resource and why.
        failure: Box<crate::ResourceFailure>,
    },
}

impl Engine {
    fn store_or_err(&self) -> Result<&std::sync::Arc<dyn StateStore>, DurableError> {
        self.store.as_ref().ok_or(DurableError::NoStore)
    }

    /// The stored record of a stack.
    pub async fn stack_record(&self, name: &str) -> Result<StackRecord, DurableError> {
        self.store_or_err()?
            .stack(name)
            .await?
            .ok_or_else(|| DurableError::UnknownStack(name.to_string()))
    }

    /// The release a stored stack was planned against: the spec of its recorded sha256 (shipped with
    /// `cloudstack-api` or kept in the store), or for older records the shipped release it names.
    pub async fn release_of(&self, rec: &StackRecord) -> Result<&'static cloudstack_api::Version, DurableError> {
        let cannot = |reason: String| DurableError::CannotResume {
            stack: rec.name.clone(),
            reason,
        };
        if rec.options.spec_sha256.is_empty() {
            return cloudstack_api::specs::release(&rec.options.version).map_err(|e| cannot(e.to_string()));
        }
        crate::cloud_release::stored_release(self.store_or_err()?.as_ref(), &rec.options.spec_sha256)
            .await
            .map_err(|e| cannot(e.to_string()))?
            .ok_or_else(|| {
                cannot(format!(
                    "the API spec it was planned with (CloudStack {}, sha256 {}) is not in the state store; \
                     use the state directory the stack was created with",
                    rec.options.version, rec.options.spec_sha256
                ))
            })
    }

    /// Plans a stored stack again, with `secrets` for its NoEcho parameters (never stored).
    pub async fn stored_plan(&self, name: &str, secrets: &BTreeMap<String, String>) -> Result<Plan, DurableError> {
        self.stored_plan_for(name, secrets, true).await
    }

    /// A stored stack's plan for deleting it: NoEcho values are not needed.
    pub async fn teardown_plan(&self, name: &str, secrets: &BTreeMap<String, String>) -> Result<Plan, DurableError> {
        self.stored_plan_for(name, secrets, false).await
    }

    async fn stored_plan_for(
        &self,
        name: &str,
        secrets: &BTreeMap<String, String>,
        strict: bool,
    ) -> Result<Plan, DurableError> {
        let rec = self.stack_record(name).await?;
        let current = StackVersion {
            template: rec.template.clone(),
            params: rec.params.clone(),
            no_echo: rec.no_echo.clone(),
        };
        self.version_plan(&rec, &current, secrets, strict).await
    }

    /// Plans `version` (the stack's current one, or the one before its update) of the stack of
    /// `rec` again, with `secrets` for its NoEcho parameters; without `strict`, missing NoEcho values
    /// are masked (enough to tear down).
    pub(crate) async fn version_plan(
        &self,
        rec: &StackRecord,
        version: &StackVersion,
        secrets: &BTreeMap<String, String>,
        strict: bool,
    ) -> Result<Plan, DurableError> {
        let name = rec.name.as_str();
        let cannot = |reason: String| DurableError::CannotResume {
            stack: name.to_string(),
            reason,
        };
        if version.template.is_empty() {
            return Err(cannot(
                "it was built in code, not from a template: plan it again and call Engine::resume_plan".into(),
            ));
        }
        let mut params = version.params.clone();
        for p in &version.no_echo {
            match secrets.get(p) {
                Some(v) => {
                    params.insert(p.clone(), v.clone());
                }
                // Not needed to tear down; outputs that held it show `****` where it was.
                None if !strict => {
                    params.insert(p.clone(), crate::secrets::MASK.to_string());
                }
                None => {
                    return Err(cannot(format!(
                        "parameter {p} is NoEcho, so its value was not stored: give it again \
                         (-p {p}=..., or the environment variable STACKMATE_PARAM_{p})"
                    )))
                }
            }
        }
        let release = self.release_of(rec).await?;
        // A stored template passed its limits when it was created: it is not held to today's again.
        let mut options = self
            .stack_plan_options(&rec.name, &rec.stack_id, release)
            .zones(rec.options.zones.clone())
            .unique_names(rec.options.unique_names)
            .stack_tags(rec.options.stack_tags.clone())
            .timeout_minutes(rec.options.timeout_minutes)
            .limits(crate::limits::Limits::for_stored());
        // An engine that serves no guests (one that only reads or deletes) plans with the URL the
        // stack's guests were given.
        if let (None, Some(url)) = (&self.signals, &rec.options.metadata_url) {
            options = options.metadata_url(url.clone());
        }
        let template = crate::template::parse_with(version.template.as_bytes(), &options.limits).map_err(|p| {
            cannot(format!(
                "the stored template no longer parses: {}",
                crate::problem::Problems(p)
            ))
        })?;
        let planned = if strict {
            crate::plan::plan(&template, &params, &options)
        } else {
            crate::plan::plan_for_teardown(&template, &params, &options)
        };
        let mut plan = planned.map_err(|p| cannot(p.to_string()))?;
        plan.source = Some(version.template.clone());
        Ok(plan)
    }

    /// The stored run of a stack: its plan and every resource's record.
    pub async fn stored_run(&self, name: &str, secrets: &BTreeMap<String, String>) -> Result<StackRun, DurableError> {
        let status = self.stack_record(name).await?.status;
        let plan = self.teardown_plan(name, secrets).await?;
        let resources = self.stored_records(name).await?;
        let mut run = StackRun {
            plan,
            resources,
            outputs: BTreeMap::new(),
            status,
        };
        if status.is_stable() {
            run.outputs = self.outputs(&run);
        }
        Ok(run)
    }

    pub(crate) async fn stored_records(&self, name: &str) -> Result<BTreeMap<String, ResourceRecord>, DurableError> {
        Ok(self
            .store_or_err()?
            .resources(name)
            .await?
            .into_iter()
            .map(|r| (r.logical.clone(), r))
            .collect())
    }

    /// Finishes or undoes whatever a stopped process left of stack `name`: re-polls recorded jobs,
    /// looks for creates whose reply was lost, adopts what exists, creates what does not, then
    /// continues or rolls back as the stack's policy says. A stack whose create failed with rollback
    /// disabled is resumed by retrying only what failed. A stack being deleted or rolled back goes on
    /// with that.
    pub async fn resume(&self, name: &str, secrets: &BTreeMap<String, String>) -> Result<StackRun, DurableError> {
        let status = self.stack_record(name).await?.status;
        if status.is_updating() {
            let span = tracing::info_span!("stack", stack = %name);
            return self
                .locked(name, self.resume_update_locked(name, secrets, &[]))
                .instrument(span)
                .await;
        }
        let creating = matches!(status, Status::CreateInProgress | Status::CreateFailed);
        let plan = if creating {
            self.stored_plan(name, secrets).await?
        } else {
            self.teardown_plan(name, secrets).await?
        };
        self.resume_plan(plan).await
    }

    /// [`Engine::resume`] for a plan made again by the caller (a stack built in code).
    pub async fn resume_plan(&self, plan: Plan) -> Result<StackRun, DurableError> {
        let name = plan.options.stack_name.clone();
        let span = tracing::info_span!("stack", stack = %name);
        self.locked(&name, self.resume_locked(plan).instrument(span)).await
    }

    async fn resume_locked(&self, mut plan: Plan) -> Result<StackRun, DurableError> {
        let name = plan.options.stack_name.clone();
        let stored = self.stack_record(&name).await?;
        // An interrupted create keeps the time it was given; a failed one tried again gets it anew.
        // (Other runs have no deadline.)
        plan.options.create_deadline_ms = match (stored.options.timeout_minutes, stored.status) {
            (Some(minutes), Status::CreateInProgress) => Some(stored.created_ms + u64::from(minutes) * 60_000),
            (Some(minutes), Status::CreateFailed) => Some(crate::state::now_ms() + u64::from(minutes) * 60_000),
            _ => None,
        };
        let mut prior = self.stored_records(&name).await?;
        let disable_rollback = stored.options.disable_rollback;
        tracing::info!(status = stored.status.as_str(), "resuming");
        if matches!(stored.status, Status::CreateInProgress | Status::CreateFailed) {
            self.restore_guest_services(&plan, &stored, &mut prior).await?;
        }
        match stored.status {
            Status::CreateInProgress => Ok(self.create_inner(plan, prior, disable_rollback).await?),
            Status::CreateFailed => {
                // Rollback was disabled: clear what failed (and whatever a failed create left), retry it.
                let failed: Vec<String> = prior
                    .values()
                    .filter(|r| r.status != Status::CreateComplete)
                    .map(|r| r.logical.clone())
                    .collect();
                for l in failed {
                    let Some(rec) = prior.remove(&l) else { continue };
                    let Some(planned) = plan.resources.get(&l) else {
                        continue;
                    };
                    if rec.physical_id.is_some() {
                        self.delete_one(&plan, planned.kind, rec, &crate::recording::Slot::Own)
                            .await
                            .map_err(|e| DurableError::ClearFailed {
                                stack: plan.options.stack_name.clone(),
                                failure: Box::new(e.failure(&l, &planned.type_name, &plan.masker())),
                            })?;
                    }
                }
                Ok(self.create_inner(plan, prior, disable_rollback).await?)
            }
            Status::RollbackInProgress | Status::RollbackFailed => {
                self.finish_teardown(plan, prior, false, Status::RollbackComplete, Status::RollbackFailed)
                    .await
            }
            Status::DeleteInProgress | Status::DeleteFailed => {
                self.finish_teardown(plan, prior, true, Status::DeleteComplete, Status::DeleteFailed)
                    .await
            }
            _ => {
                let mut run = StackRun {
                    plan,
                    resources: prior,
                    outputs: BTreeMap::new(),
                    status: stored.status,
                };
                if run.status.is_stable() {
                    run.outputs = self.outputs(&run);
                }
                Ok(run)
            }
        }
    }

    async fn finish_teardown(
        &self,
        plan: Plan,
        prior: BTreeMap<String, ResourceRecord>,
        respect_retain: bool,
        ok: Status,
        failed: Status,
    ) -> Result<StackRun, DurableError> {
        let in_progress = if respect_retain {
            Status::DeleteInProgress
        } else {
            Status::RollbackInProgress
        };
        self.stack_event(&plan, in_progress, None).await;
        let mut run = StackRun {
            plan,
            resources: prior,
            outputs: BTreeMap::new(),
            status: in_progress,
        };
        let outcome = self.delete_all(&mut run, respect_retain).await;
        run.status = if outcome.is_ok() { ok } else { failed };
        self.stack_event(&run.plan, run.status, None).await;
        match outcome {
            Ok(()) => Ok(run),
            Err(failures) => Err(DurableError::Failed(StackError {
                stack: run.plan.options.stack_name.clone(),
                reason: format!(
                    "{} resource(s) could not be deleted (see their DELETE_FAILED events): {}",
                    failures.len(),
                    failures.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                ),
                run: Box::new(run),
                failure: failures.into_iter().next().map(Box::new),
                refused: None,
            })),
        }
    }

    /// Deletes stored stack `name` (reverse dependency order, in parallel, Retain respected).
    pub(crate) async fn delete_stack(
        &self,
        name: &str,
        secrets: &BTreeMap<String, String>,
    ) -> Result<StackRun, DurableError> {
        let plan = self.teardown_plan(name, secrets).await?;
        self.locked(name, async {
            let prior = self.stored_records(name).await?;
            self.finish_teardown(plan, prior, true, Status::DeleteComplete, Status::DeleteFailed)
                .await
        })
        .await
    }

    /// Gets a stack unstuck after its rollback or delete failed (CloudFormation's
    /// ContinueUpdateRollback): the resources in `skip` are recorded as retained (`DELETE_SKIPPED`,
    /// left in the cloud) and everything else is deleted again. For an update's rollback
    /// (`UPDATE_ROLLBACK_FAILED`), the rollback goes on and the resources in `skip` are left as
    /// they are (possibly not as the template says).
    pub async fn continue_rollback(
        &self,
        name: &str,
        skip: &[String],
        secrets: &BTreeMap<String, String>,
    ) -> Result<StackRun, DurableError> {
        let stored = self.stack_record(name).await?;
        if stored.status == Status::UpdateRollbackFailed {
            return self.locked(name, self.resume_update_locked(name, secrets, skip)).await;
        }
        let plan = self.teardown_plan(name, secrets).await?;
        self.locked(name, self.continue_locked(stored, plan, skip)).await
    }

    async fn continue_locked(
        &self,
        stored: StackRecord,
        plan: Plan,
        skip: &[String],
    ) -> Result<StackRun, DurableError> {
        let name = stored.name.as_str();
        let mut prior = self.stored_records(name).await?;
        for l in skip {
            let Some(rec) = prior.get_mut(l) else {
                return Err(DurableError::UnknownResource {
                    stack: name.to_string(),
                    logical: l.clone(),
                    known: prior.keys().cloned().collect(),
                });
            };
            rec.status = Status::DeleteSkipped;
            rec.reason = Some("skipped by continue-rollback; left in the cloud".into());
            self.persist(&plan, rec).await?;
            let (t, pid, reason) = (rec.type_name.clone(), rec.physical_id.clone(), rec.reason.clone());
            self.event(&plan, l, &t, pid.as_deref(), Status::DeleteSkipped, reason)
                .await;
        }
        let deleting = matches!(stored.status, Status::DeleteFailed | Status::DeleteInProgress);
        let (ok, failed) = if deleting {
            (Status::DeleteComplete, Status::DeleteFailed)
        } else {
            (Status::RollbackComplete, Status::RollbackFailed)
        };
        self.finish_teardown(plan, prior, deleting, ok, failed).await
    }
}
