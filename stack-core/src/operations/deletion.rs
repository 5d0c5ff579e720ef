//! Delete and rollback runs: a stack's resources walked backwards (what depends on a resource goes
//! first), lost creates found before, `DeletionPolicy: Retain` respected. Each resource's delete is
//! its kind's step (`step`, `participant`).

use std::collections::BTreeSet;
use std::sync::Arc;

use cloudstack_client::decode::unwrap_object;
use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::events::Status;
use crate::plan::ResourceKind;
use crate::recording::{claimed_jobs, Slot};
use crate::resource_error::ResourceFailure;
use crate::run::StackRun;
use crate::state::IntentKind;
use crate::template::DeletionPolicy;
use crate::visits::DeleteVisitor;
use crate::walk::{walk, Direction, Graph, WalkOptions};

/// Why [`Engine::delete`] did not delete a stack.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeleteError {
    /// The stack's lock could not be taken, or the store failed.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// Some resources could not be deleted (each has its `DELETE_FAILED` event).
    #[error("stack {stack}: {} resource(s) could not be deleted: {}", failures.len(), failures.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Failed {
        /// The stack.
        stack: String,
        /// Each resource that is not gone, and why.
        failures: Vec<ResourceFailure>,
    },
}

impl Engine {
    /// Deletes every created resource of `run` in reverse dependency order, in parallel. With
    /// `respect_retain`, resources with `DeletionPolicy: Retain` are kept. Everything that had to go
    /// is gone, or the error lists the resources that are not, each with why.
    pub async fn delete_all(&self, run: &mut StackRun, respect_retain: bool) -> Result<(), Vec<ResourceFailure>> {
        let plan = Arc::new(run.plan.clone());
        // A create whose reply never came (a crash, a lost connection) may still have made something.
        let claimed = claimed_jobs(&run.resources);
        for rec in run.resources.values_mut() {
            if let Some(ResourceKind::CloudStack(spec)) = plan.resources.get(&rec.logical).map(|r| r.kind) {
                self.find_lost_create(&plan, spec, rec, &claimed, &Slot::Own).await;
            }
        }
        let mut remaining: BTreeSet<String> = run
            .resources
            .values()
            .filter(|r| {
                r.physical_id.is_some()
                    && matches!(
                        r.status,
                        Status::CreateComplete
                            | Status::UpdateComplete
                            | Status::UpdateInProgress
                            | Status::UpdateFailed
                            | Status::CreateFailed
                            | Status::CreateInProgress
                            | Status::DeleteFailed
                            | Status::DeleteInProgress
                    )
            })
            .map(|r| r.logical.clone())
            .collect();
        if respect_retain {
            let retained: Vec<String> = remaining
                .iter()
                .filter(|l| plan.resources[*l].decl.deletion_policy == DeletionPolicy::Retain)
                .cloned()
                .collect();
            for l in retained {
                remaining.remove(&l);
                if let Some(r) = run.resources.get_mut(&l) {
                    r.status = Status::DeleteSkipped;
                    if let Err(e) = self.persist(&plan, r).await {
                        tracing::error!(error = %e, "could not record a retained resource");
                    }
                }
                let t = plan.resources[&l].type_name.clone();
                self.event(
                    &plan,
                    &l,
                    &t,
                    None,
                    Status::DeleteSkipped,
                    Some("DeletionPolicy Retain".into()),
                )
                .await;
            }
        }
        // A resource can go once nothing that still exists depends on it: the graph walked backwards.
        let to_delete: Vec<String> = plan.order.iter().filter(|l| remaining.contains(*l)).cloned().collect();
        let graph = Graph::new(to_delete, |l| {
            plan.resources[l].depends_on.iter().map(String::as_str).collect()
        });
        let mut visitor = DeleteVisitor {
            engine: self,
            plan: Arc::clone(&plan),
            records: &mut run.resources,
            failures: Vec::new(),
        };
        let options = WalkOptions {
            direction: Direction::Reverse,
            concurrency: self.config.concurrency,
            stop_on_failure: false,
        };
        let all = walk(&graph, options, &mut visitor).await.all_succeeded();
        match visitor.failures {
            failures if all && failures.is_empty() => Ok(()),
            failures => Err(failures),
        }
    }

    /// Fills in what a create whose reply never came (a crash, a lost connection) made: its job or
    /// the entity, found by [`crate::recovery::find_lost_create`]; a create that never reached the
    /// cloud has its intent cleared. Records of other creates are left as they are.
    pub(crate) async fn find_lost_create(
        &self,
        plan: &crate::plan::Plan,
        spec: &'static cloudstack_client::ParticipantSpec,
        rec: &mut crate::state::ResourceRecord,
        claimed: &BTreeSet<String>,
        slot: &Slot<'_>,
    ) {
        let lost = rec.physical_id.is_none()
            && rec.job_id.is_none()
            && rec.intent.as_ref().is_some_and(|i| i.kind == IntentKind::Create);
        if !lost {
            return;
        }
        let at_ms = rec.intent.as_ref().map_or(0, |i| i.at_ms);
        let claims = crate::recovery::Claims {
            claimed,
            adopted: &self.adopted,
            policy: &self.config.retry,
        };
        match crate::recovery::find_lost_create(&self.client, plan, spec, &rec.create_wire, at_ms, claims).await {
            Ok(crate::recovery::Lost::Job { job_id, entity_id }) => {
                rec.job_id = Some(job_id);
                rec.physical_id = entity_id;
            }
            Ok(crate::recovery::Lost::Entity(object)) => {
                let attrs = match object {
                    Value::Object(o) => unwrap_object(o, spec.create.fields),
                    _ => Map::new(),
                };
                rec.physical_id = attrs.get("id").and_then(Value::as_str).map(str::to_string);
                rec.attributes = attrs;
            }
            Ok(crate::recovery::Lost::NotCreated) => {
                rec.intent = None;
                if let Err(e) = self.persist(plan, &slot.record(rec)).await {
                    tracing::error!(error = %e, "could not record a create that never reached the cloud");
                }
            }
            Err(e) => tracing::warn!(resource = %rec.logical, error = %e, "could not look for a lost create"),
        }
        if let Some(id) = rec.physical_id.clone() {
            rec.attributes.entry("id").or_insert(Value::String(id));
        }
    }

    /// Deletes a created stack (taking its lock when the engine keeps state).
    pub async fn delete(&self, run: &mut StackRun) -> Result<(), DeleteError> {
        let guard = self.lock(&run.plan.options.stack_name).await?;
        let out = self.delete_locked(run).await;
        if let Some(g) = guard {
            g.release().await;
        }
        out
    }

    async fn delete_locked(&self, run: &mut StackRun) -> Result<(), DeleteError> {
        self.stack_event(&run.plan, Status::DeleteInProgress, None).await;
        let outcome = self.delete_all(run, true).await;
        let status = if outcome.is_ok() {
            Status::DeleteComplete
        } else {
            Status::DeleteFailed
        };
        run.status = status;
        self.stack_event(&run.plan, status, None).await;
        outcome.map_err(|failures| DeleteError::Failed {
            stack: run.plan.options.stack_name.clone(),
            failures,
        })
    }
}
