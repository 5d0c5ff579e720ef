//! Deleting: a stack's resources walked backwards (what depends on a resource goes first), lost
//! creates found before, `DeletionPolicy: Retain` respected, and each delete retried while the
//! resource is in use; a refused delete of an entity that is gone counts as done.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudstack_client::decode::unwrap_object;
use cloudstack_client::{Error as ClientError, ParticipantSpec};
use serde_json::{Map, Value};

use crate::events::Status;
use crate::executor::{claimed_jobs, intent, Engine, StackRun};
use crate::plan::{Plan, ResourceKind};
use crate::state::{Intent, IntentKind, ResourceRecord};
use crate::template::DeletionPolicy;
use crate::visits::DeleteVisitor;
use crate::walk::{walk, Direction, Graph, WalkOptions};

/// Whether a failed delete may succeed later: the resource is still in use, or the failure is
/// transient. The client decides what a failure means ([`ClientError::kind`]).
fn worth_retrying_delete(e: &ClientError) -> bool {
    use cloudstack_client::FailureKind as K;
    matches!(e.kind(), K::InUse | K::Transient | K::Throttled)
}

impl Engine {
    /// The deadline of each delete job of a resource of `plan` (and of the wait for a create job an
    /// interrupted run left): its own timeout ([`Engine::timeout_of`]; a literal `StackMateTimeout`
    /// in its declaration counts), but never less than the engine's default, so that a short create
    /// timeout, meant to fail fast, does not make the clean-up after it fail too.
    pub(crate) fn delete_timeout(&self, plan: &Plan, logical: &str, type_name: &str) -> Duration {
        let own = plan
            .resources
            .get(logical)
            .and_then(|r| r.decl.properties.get(crate::plan::TIMEOUT_PROPERTY));
        self.timeout_of(type_name, own).max(self.config.resource_timeout)
    }

    /// Deletes every created resource of `run` in reverse dependency order, in parallel. With
    /// `respect_retain`, resources with `DeletionPolicy: Retain` are kept. Returns whether everything
    /// that had to go is gone.
    pub async fn delete_all(&self, run: &mut StackRun, respect_retain: bool) -> bool {
        let plan = Arc::new(run.plan.clone());
        // A create whose reply never came (a crash, a lost connection) may still have made something.
        let claimed = claimed_jobs(&run.resources);
        for rec in run.resources.values_mut() {
            let lost = rec.physical_id.is_none()
                && rec.job_id.is_none()
                && rec.intent.as_ref().is_some_and(|i| i.kind == IntentKind::Create);
            let spec = match plan.resources.get(&rec.logical).map(|r| r.kind) {
                Some(ResourceKind::CloudStack(spec)) if lost => spec,
                _ => continue,
            };
            let at_ms = rec.intent.as_ref().map_or(0, |i| i.at_ms);
            match crate::recovery::find_lost_create(
                &self.client,
                &plan,
                spec,
                &rec.create_wire,
                at_ms,
                &claimed,
                &self.adopted,
            )
            .await
            {
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
                    let _ = self.persist(&plan, rec);
                }
                Err(e) => tracing::warn!(resource = %rec.logical, error = %e, "could not look for a lost create"),
            }
            if let Some(id) = rec.physical_id.clone() {
                rec.attributes.entry("id").or_insert(Value::String(id));
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
                    let _ = self.persist(&plan, r);
                }
                let t = plan.resources[&l].type_name.clone();
                self.event(
                    &plan,
                    &l,
                    &t,
                    None,
                    Status::DeleteSkipped,
                    Some("DeletionPolicy Retain".into()),
                );
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
        };
        let options = WalkOptions {
            direction: Direction::Reverse,
            concurrency: self.config.concurrency,
            stop_on_failure: false,
        };
        walk(&graph, options, &mut visitor).await.all_succeeded()
    }

    /// Deletes a created stack.
    pub async fn delete(&self, run: &mut StackRun) -> Result<(), String> {
        self.stack_event(&run.plan, Status::DeleteInProgress, None);
        let ok = self.delete_all(run, true).await;
        let status = if ok {
            Status::DeleteComplete
        } else {
            Status::DeleteFailed
        };
        run.status = status;
        self.stack_event(&run.plan, status, None);
        if ok {
            Ok(())
        } else {
            Err("some resources could not be deleted; see the DELETE_FAILED events".into())
        }
    }

    pub(crate) async fn delete_one(
        &self,
        plan: &Plan,
        kind: ResourceKind,
        mut rec: ResourceRecord,
    ) -> Result<(), String> {
        let pid = rec.physical_id.clone().unwrap_or_default();
        match kind {
            ResourceKind::WaitConditionHandle => {
                self.signals.remove_handle(&pid);
                Ok(())
            }
            ResourceKind::WaitCondition => Ok(()),
            ResourceKind::Custom => match self.custom.get(&rec.type_name) {
                Some(c) => c.delete(&pid, &rec.attributes).await,
                None => Err("custom type is no longer registered".into()),
            },
            ResourceKind::CloudStack(spec) => {
                let timeout = self.delete_timeout(plan, &rec.logical, &rec.type_name);
                // A delete job recorded by an interrupted run: its outcome first.
                if let (
                    Some(job),
                    Some(Intent {
                        kind: IntentKind::Delete,
                        ..
                    }),
                ) = (rec.job_id.clone(), &rec.intent)
                {
                    match self.watcher.wait_adopted_for(spec.delete.name, &job, timeout).await {
                        Ok(_) => return Ok(()),
                        Err(e) => tracing::info!(error = %e, "the recorded delete job did not succeed; deleting again"),
                    }
                }
                // A create job recorded by an interrupted run must end before its entity can go.
                if let (
                    Some(job),
                    Some(Intent {
                        kind: IntentKind::Create,
                        ..
                    }),
                ) = (rec.job_id.clone(), &rec.intent)
                {
                    if let Err(e) = self.watcher.wait_adopted_for(spec.create.name, &job, timeout).await {
                        tracing::info!(error = %e, "the interrupted create failed; deleting whatever is left");
                    }
                }
                let mut wire = spec
                    .delete_params(&rec.create_wire, &Value::Object(rec.attributes.clone()))
                    .map_err(|e| e.to_string())?;
                if spec.create.name == "deployVirtualMachine" && !self.config.expunge_vms {
                    wire.retain(|(k, _)| k != "expunge");
                }
                self.delete_with_retries(plan, spec, wire, &mut rec)
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// Calls the delete API with `wire`, writing ahead, retrying while the resource is in use or the
    /// error is transient (for at most `in_use_retry_for`); a resource that is already gone counts as
    /// deleted.
    pub(crate) async fn delete_with_retries(
        &self,
        plan: &Plan,
        spec: &'static ParticipantSpec,
        wire: Vec<(String, String)>,
        rec: &mut ResourceRecord,
    ) -> Result<(), ClientError> {
        let timeout = self.delete_timeout(plan, &rec.logical, &rec.type_name);
        let started = Instant::now();
        let mut delay = Duration::from_millis(250);
        // The entity may be gone already: a delete was sent before (by an interrupted run, or by an
        // earlier try of this loop), or its create failed after the cloud named it.
        let mut sent_before = rec.status == Status::CreateFailed
            || matches!(
                rec.intent,
                Some(Intent {
                    kind: IntentKind::Delete,
                    ..
                })
            );
        loop {
            rec.status = Status::DeleteInProgress;
            rec.intent = Some(intent(IntentKind::Delete, spec.delete.name));
            rec.job_id = None;
            if let Err(e) = self.persist(plan, rec) {
                return Err(ClientError::Config(e));
            }
            match self.delete_call(plan, spec, wire.clone(), rec, timeout).await {
                Ok(()) => return Ok(()),
                // A refused delete of an entity that is gone (deleted by an earlier, interrupted run,
                // or by hand) counts as deleted: the list API, not the error's wording, says so.
                Err(e) if e.kind() == cloudstack_client::FailureKind::InvalidRequest => {
                    let id = rec.physical_id.clone().unwrap_or_default();
                    return match crate::recovery::entity_listed(&self.client, plan, spec, &id).await {
                        Some(false) => Ok(()),
                        Some(true) => Err(e),
                        // A type with no list API: a delete refused after one was already sent is the
                        // entity being gone.
                        None if sent_before => Ok(()),
                        None => Err(e),
                    };
                }
                Err(e) if worth_retrying_delete(&e) && started.elapsed() < self.config.in_use_retry_for => {
                    sent_before = true;
                    tracing::warn!(error = %e, ?delay, "delete failed, retrying (still in use or transient)");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn delete_call(
        &self,
        plan: &Plan,
        spec: &'static ParticipantSpec,
        wire: Vec<(String, String)>,
        rec: &mut ResourceRecord,
        timeout: Duration,
    ) -> Result<(), ClientError> {
        let inner = self.client.call(spec.delete.name, spec.delete.method, wire).await?;
        if spec.delete.is_async {
            let reply = cloudstack_client::client::async_reply(spec.delete.name, &inner)?;
            rec.job_id = Some(reply.job_id.clone());
            if let Err(e) = self.persist(plan, rec) {
                tracing::error!(error = %e, "could not record a delete job");
            }
            self.watcher.wait_for(spec.delete.name, &reply.job_id, timeout).await?;
        }
        Ok(())
    }
}
