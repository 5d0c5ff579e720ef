//! What visiting a resource means for the [`crate::walk`] of a create and of a delete: starting the
//! resource's step with the right inputs, then recording its outcome (state, events) and telling the
//! walker whether it succeeded.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::events::Status;
use crate::executor::{claimed_jobs, CreateOutcome, Engine};
use crate::plan::Plan;
use crate::state::{IntentKind, ResourceRecord};
use crate::walk::{Visit, Visitor};

/// Creates each resource it visits; records every outcome and the first failure.
pub(crate) struct CreateVisitor<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) plan: Arc<Plan>,
    pub(crate) records: &'a mut BTreeMap<String, ResourceRecord>,
    /// The first failure, as the stack's reason.
    pub(crate) failure: Option<String>,
    /// Tags being put on resources that exist (their dependents did not wait for them).
    pub(crate) tagging: JoinSet<(String, Result<(), String>)>,
}

impl CreateVisitor<'_> {
    /// Waits for every resource's tags; a failure is the stack's failure. The records of the tagged
    /// resources say so.
    pub(crate) async fn finish_tagging(&mut self) {
        while let Some(joined) = self.tagging.join_next().await {
            match joined {
                Ok((logical, Ok(()))) => {
                    if let Some(r) = self.records.get_mut(&logical) {
                        r.tagged = true;
                    }
                }
                Ok((logical, Err(reason))) => {
                    let type_name = self.plan.resources[&logical].type_name.clone();
                    self.failure
                        .get_or_insert(format!("{logical} ({type_name}) failed: {reason}"));
                }
                Err(e) => {
                    self.failure
                        .get_or_insert_with(|| format!("a tagging task panicked: {e}"));
                }
            }
        }
    }
}

impl Visitor for CreateVisitor<'_> {
    type Output = CreateOutcome;

    fn start(&mut self, logical: &str, priority: u32) -> Visit<CreateOutcome> {
        let r = self.plan.resources[logical].clone();
        self.engine
            .event(&self.plan, logical, &r.type_name, None, Status::CreateInProgress, None);
        // A resource only reads its dependencies' records.
        let snapshot: BTreeMap<String, ResourceRecord> = r
            .depends_on
            .iter()
            .filter_map(|d| self.records.get(d).map(|x| (d.clone(), x.clone())))
            .collect();
        let earlier = self
            .records
            .get(logical)
            .filter(|x| x.intent.is_some() || x.status == Status::CreateComplete)
            .cloned();
        // Only a create whose reply was lost looks for its job, among those no one claims.
        let lost = earlier
            .as_ref()
            .is_some_and(|e| e.job_id.is_none() && e.intent.as_ref().is_some_and(|i| i.kind == IntentKind::Create));
        let claimed = if lost {
            claimed_jobs(self.records)
        } else {
            BTreeSet::new()
        };
        let span = tracing::info_span!("resource", resource = %logical, kind = %r.type_name);
        let (engine, plan) = (self.engine.clone(), Arc::clone(&self.plan));
        // Its API calls carry the chain's length as their priority in the client's request queue.
        Box::pin(
            cloudstack_client::with_priority(priority, async move {
                engine.create_one(&plan, &r, &snapshot, earlier, claimed).await
            })
            .instrument(span),
        )
    }

    fn finish(&mut self, logical: &str, outcome: CreateOutcome) -> bool {
        let (plan, engine) = (&self.plan, self.engine);
        let type_name = plan.resources[logical].type_name.clone();
        match outcome {
            Ok((rec, pending)) => {
                // Recorded before its tags go on, so the tagging task's record is the last one.
                if let Err(e) = engine.persist(plan, &rec) {
                    self.failure.get_or_insert(e);
                }
                engine.event(
                    plan,
                    logical,
                    &type_name,
                    rec.physical_id.as_deref(),
                    Status::CreateComplete,
                    None,
                );
                if let Some(tags) = pending {
                    let (engine, plan, rec, logical) =
                        (engine.clone(), Arc::clone(plan), rec.clone(), logical.to_string());
                    self.tagging
                        .spawn(async move { (logical, engine.put_tags(&plan, rec, tags).await) });
                }
                self.records.insert(logical.to_string(), rec);
                true
            }
            Err((reason, partial)) => {
                if let Some(p) = partial {
                    self.records.insert(logical.to_string(), p);
                }
                engine.event(
                    plan,
                    logical,
                    &type_name,
                    None,
                    Status::CreateFailed,
                    Some(reason.clone()),
                );
                if let Some(r) = self.records.get_mut(logical) {
                    r.status = Status::CreateFailed;
                    r.reason = Some(reason.clone());
                    // An intent without a physical id stays: the call may have reached the cloud,
                    // and rollback looks for what it made.
                    let _ = engine.persist(plan, r);
                }
                self.failure
                    .get_or_insert(format!("{logical} ({type_name}) failed: {reason}"));
                false
            }
        }
    }

    fn panicked(&mut self, logical: &str, message: String) {
        self.failure
            .get_or_insert_with(|| format!("the task creating {logical} panicked: {message}"));
    }
}

/// Deletes each resource it visits; records every outcome.
pub(crate) struct DeleteVisitor<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) plan: Arc<Plan>,
    pub(crate) records: &'a mut BTreeMap<String, ResourceRecord>,
}

impl Visitor for DeleteVisitor<'_> {
    type Output = Result<(), String>;

    fn start(&mut self, logical: &str, priority: u32) -> Visit<Result<(), String>> {
        let rec = self.records[logical].clone();
        let kind = self.plan.resources[logical].kind;
        self.engine.event(
            &self.plan,
            logical,
            &rec.type_name,
            rec.physical_id.as_deref(),
            Status::DeleteInProgress,
            None,
        );
        let span = tracing::info_span!("resource", resource = %logical, kind = %rec.type_name);
        let (engine, plan) = (self.engine.clone(), Arc::clone(&self.plan));
        Box::pin(
            cloudstack_client::with_priority(priority, async move { engine.delete_one(&plan, kind, rec).await })
                .instrument(span),
        )
    }

    fn finish(&mut self, logical: &str, outcome: Result<(), String>) -> bool {
        let (plan, engine) = (&self.plan, self.engine);
        let type_name = plan.resources[logical].type_name.clone();
        let pid = self.records[logical].physical_id.clone();
        let ok = outcome.is_ok();
        if let Some(r) = self.records.get_mut(logical) {
            r.intent = None;
            r.job_id = None;
            match &outcome {
                Ok(()) => r.status = Status::DeleteComplete,
                Err(reason) => {
                    r.status = Status::DeleteFailed;
                    r.reason = Some(reason.clone());
                }
            }
            if let Err(e) = engine.persist(plan, r) {
                tracing::error!(error = %e, "could not record a deletion");
            }
        }
        match outcome {
            Ok(()) => engine.event(plan, logical, &type_name, pid.as_deref(), Status::DeleteComplete, None),
            // What this resource depends on stays: it is still in use by it.
            Err(reason) => engine.event(
                plan,
                logical,
                &type_name,
                pid.as_deref(),
                Status::DeleteFailed,
                Some(reason),
            ),
        }
        ok
    }

    fn panicked(&mut self, logical: &str, message: String) {
        tracing::error!(resource = %logical, %message, "the task deleting a resource panicked");
    }
}
