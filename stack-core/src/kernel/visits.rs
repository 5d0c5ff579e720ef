//! What visiting a resource means for the [`crate::walk`] of a create and of a delete: the visit's
//! future runs the resource's step (`step`) and records its outcome (state, events); the visitor then
//! keeps the record and tells the walker whether it succeeded. All I/O is in the futures, so the
//! walker's bookkeeping never waits on the store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::task::JoinSet;
use tracing::Instrument as _;

use crate::engine::Engine;
use crate::events::Status;
use crate::plan::Plan;
use crate::recording::{claimed_jobs, Slot};
use crate::resource_error::{ResourceError, ResourceFailure};
use crate::state::{IntentKind, ResourceRecord};
use crate::tagging::TagWork;
use crate::walk::{Visit, Visitor};

/// A visit's outcome: the resource's final record, and its pending tags or why it failed.
pub(crate) type Visited<T> = (ResourceRecord, Result<T, ResourceFailure>);

/// The first failure of a walk: the stack's reason, and the resource's failure as data when a
/// resource failed (not when a task panicked).
#[derive(Debug, Clone)]
pub(crate) struct FirstFailure {
    /// For a person (secrets masked).
    pub(crate) reason: String,
    /// The resource's failure.
    pub(crate) resource: Option<Box<ResourceFailure>>,
}

impl FirstFailure {
    /// A resource's failure.
    pub(crate) fn of(failure: ResourceFailure) -> Self {
        Self {
            reason: failure.to_string(),
            resource: Some(Box::new(failure)),
        }
    }

    /// A failure of no one resource (a task that panicked).
    pub(crate) fn other(reason: String) -> Self {
        Self { reason, resource: None }
    }
}

/// Creates each resource it visits; records every outcome and the first failure.
pub(crate) struct CreateVisitor<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) plan: Arc<Plan>,
    pub(crate) records: &'a mut BTreeMap<String, ResourceRecord>,
    /// The first failure, as the stack's reason.
    pub(crate) failure: Option<FirstFailure>,
    /// Tags being put on resources that exist (their dependents did not wait for them).
    pub(crate) tagging: JoinSet<(String, Result<(), ResourceFailure>)>,
    /// The resources whose tags go at once, not in a batch: those that end a longest chain of the
    /// walk ([`crate::walk::Graph::longest_chain_ends`]).
    pub(crate) expedite: BTreeSet<String>,
}

impl CreateVisitor<'_> {
    /// Waits for every resource's tags; a failure is the stack's failure. The records of the tagged
    /// resources say so.
    pub(crate) async fn finish_tagging(&mut self) {
        // Every resource is done, so none can join a batch: waiting for windows buys nothing.
        self.engine.tags.flush();
        while let Some(joined) = self.tagging.join_next().await {
            match joined {
                Ok((logical, Ok(()))) => {
                    if let Some(r) = self.records.get_mut(&logical) {
                        r.tagged = true;
                    }
                }
                Ok((_, Err(failure))) => {
                    self.failure.get_or_insert(FirstFailure::of(failure));
                }
                Err(e) => {
                    self.failure
                        .get_or_insert_with(|| FirstFailure::other(format!("a tagging task panicked: {e}")));
                }
            }
        }
    }
}

/// The records a resource's step reads: its dependencies' (a resource only reads those).
pub(crate) fn snapshot(
    records: &BTreeMap<String, ResourceRecord>,
    r: &crate::plan::PlannedResource,
) -> BTreeMap<String, ResourceRecord> {
    r.depends_on
        .iter()
        .filter_map(|d| records.get(d).map(|x| (d.clone(), x.clone())))
        .collect()
}

/// Creates one resource and records the outcome. A `current` record that holds a `replaced` one is
/// an update's replacement: its events are `UPDATE_*`, and the new resource's record keeps the old
/// one for the clean-up (or the rollback).
pub(crate) async fn create_and_record(
    engine: Engine,
    plan: Arc<Plan>,
    logical: String,
    current: ResourceRecord,
    snapshot: BTreeMap<String, ResourceRecord>,
    claimed: BTreeSet<String>,
) -> Visited<Option<TagWork>> {
    let r = &plan.resources[&logical];
    let type_name = r.type_name.clone();
    let replacing = current.replaced.is_some();
    let (started, done, failed) = if replacing {
        (Status::UpdateInProgress, Status::UpdateComplete, Status::UpdateFailed)
    } else {
        (Status::CreateInProgress, Status::CreateComplete, Status::CreateFailed)
    };
    // Past the create's deadline nothing more is started: the create fails (and rolls back).
    if let (false, Some(deadline)) = (replacing, plan.options.create_deadline_ms) {
        if crate::state::now_ms() >= deadline {
            let error = ResourceError::StackTimedOut {
                minutes: plan.options.timeout_minutes.unwrap_or_default(),
            };
            let failure = error.failure(&logical, &type_name, &plan.masker());
            engine
                .event(&plan, &logical, &type_name, None, failed, Some(error.to_string()))
                .await;
            let mut rec = current;
            rec.status = Status::CreateFailed;
            rec.reason = Some(error.to_string());
            return (rec, Err(failure));
        }
    }
    let why = replacing.then(|| "the change needs a new physical resource: creating it first".to_string());
    engine.event(&plan, &logical, &type_name, None, started, why).await;
    let earlier = Some(current.clone()).filter(|x| x.intent.is_some() || x.status == Status::CreateComplete);
    let outcome = engine
        .create_one(&plan, r, &snapshot, earlier, claimed, current.replaced.clone())
        .await;
    match outcome {
        Ok((mut rec, pending)) => {
            rec.status = done;
            // Recorded before its tags go on, so the tagging task's record is the last one.
            if let Err(e) = engine.persist(&plan, &rec).await {
                let failure = ResourceError::from(e).failure(&logical, &type_name, &plan.masker());
                return (rec, Err(failure));
            }
            engine
                .event(&plan, &logical, &type_name, rec.physical_id.as_deref(), done, None)
                .await;
            (rec, Ok(pending))
        }
        Err((error, partial)) => {
            let failure = error.failure(&logical, &type_name, &plan.masker());
            let reason = error.to_string();
            engine
                .event(&plan, &logical, &type_name, None, failed, Some(reason.clone()))
                .await;
            let mut rec = partial.unwrap_or(current);
            rec.status = Status::CreateFailed;
            rec.reason = Some(reason.clone());
            // An intent without a physical id stays: the call may have reached the cloud, and
            // rollback looks for what it made.
            if let Err(e) = engine.persist(&plan, &rec).await {
                tracing::error!(error = %e, "could not record a failed create");
            }
            (rec, Err(failure))
        }
    }
}

impl Visitor for CreateVisitor<'_> {
    type Output = Visited<Option<TagWork>>;

    fn start(&mut self, logical: &str, priority: u32) -> Visit<Self::Output> {
        let r = &self.plan.resources[logical];
        let snapshot = snapshot(self.records, r);
        let current = self
            .records
            .get(logical)
            .cloned()
            .unwrap_or_else(|| ResourceRecord::new(logical, &r.type_name, Status::CreateInProgress));
        // Only a create whose reply was lost looks for its job, among those no one claims.
        let lost = current.job_id.is_none() && current.intent.as_ref().is_some_and(|i| i.kind == IntentKind::Create);
        let claimed = if lost {
            claimed_jobs(self.records)
        } else {
            BTreeSet::new()
        };
        let span = tracing::info_span!("resource", resource = %logical, kind = %r.type_name);
        let visit = create_and_record(
            self.engine.clone(),
            Arc::clone(&self.plan),
            logical.to_string(),
            current,
            snapshot,
            claimed,
        );
        // Its API calls carry the chain's length as their priority in the client's request queue.
        let visit = crate::tagging::expediting(self.expedite.contains(logical), visit);
        Box::pin(cloudstack_client::with_priority(priority, visit).instrument(span))
    }

    fn finish(&mut self, logical: &str, (rec, outcome): Self::Output) -> bool {
        let ok = match outcome {
            Ok(pending) => {
                if let Some(tags) = pending {
                    // Handed to the batcher here, before the walk can end and flush it.
                    let tags = self
                        .engine
                        .submit_tags(&self.plan, tags, self.expedite.contains(logical));
                    let (engine, plan, rec, logical) = (
                        self.engine.clone(),
                        Arc::clone(&self.plan),
                        rec.clone(),
                        logical.to_string(),
                    );
                    self.tagging.spawn(async move {
                        let type_name = rec.type_name.clone();
                        let tagged = engine
                            .finish_tags(&plan, rec, tags)
                            .await
                            .map_err(|e| e.failure(&logical, &type_name, &plan.masker()));
                        (logical, tagged)
                    });
                }
                true
            }
            Err(failure) => {
                self.failure.get_or_insert(FirstFailure::of(failure));
                false
            }
        };
        self.records.insert(logical.to_string(), rec);
        ok
    }

    fn panicked(&mut self, logical: &str, message: String) {
        self.failure
            .get_or_insert_with(|| FirstFailure::other(format!("the task creating {logical} panicked: {message}")));
    }
}

/// Deletes one resource and records the outcome.
pub(crate) async fn delete_and_record(engine: Engine, plan: Arc<Plan>, mut rec: ResourceRecord) -> Visited<()> {
    let logical = rec.logical.clone();
    let kind = plan.resources[&logical].kind;
    let (type_name, pid) = (rec.type_name.clone(), rec.physical_id.clone());
    engine
        .event(
            &plan,
            &logical,
            &type_name,
            pid.as_deref(),
            Status::DeleteInProgress,
            None,
        )
        .await;
    let outcome = engine.delete_one(&plan, kind, rec.clone(), &Slot::Own).await;
    rec.intent = None;
    rec.job_id = None;
    match &outcome {
        Ok(()) => rec.status = Status::DeleteComplete,
        Err(reason) => {
            rec.status = Status::DeleteFailed;
            rec.reason = Some(reason.to_string());
        }
    }
    if let Err(e) = engine.persist(&plan, &rec).await {
        tracing::error!(error = %e, "could not record a deletion");
    }
    let outcome = outcome.map_err(|e| e.failure(&logical, &type_name, &plan.masker()));
    // On failure, what this resource depends on stays: it is still in use by it.
    let reason = outcome.as_ref().err().map(|f| f.message.clone());
    engine
        .event(&plan, &logical, &type_name, pid.as_deref(), rec.status, reason)
        .await;
    (rec, outcome)
}

/// Deletes each resource it visits; records every outcome and every failure.
pub(crate) struct DeleteVisitor<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) plan: Arc<Plan>,
    pub(crate) records: &'a mut BTreeMap<String, ResourceRecord>,
    /// The resources that could not be deleted, and why.
    pub(crate) failures: Vec<ResourceFailure>,
}

impl Visitor for DeleteVisitor<'_> {
    type Output = Visited<()>;

    fn start(&mut self, logical: &str, priority: u32) -> Visit<Self::Output> {
        let rec = self.records[logical].clone();
        let span = tracing::info_span!("resource", resource = %logical, kind = %rec.type_name);
        let visit = delete_and_record(self.engine.clone(), Arc::clone(&self.plan), rec);
        Box::pin(cloudstack_client::with_priority(priority, visit).instrument(span))
    }

    fn finish(&mut self, logical: &str, (rec, outcome): Self::Output) -> bool {
        self.records.insert(logical.to_string(), rec);
        match outcome {
            Ok(()) => true,
            Err(failure) => {
                self.failures.push(failure);
                false
            }
        }
    }

    fn panicked(&mut self, logical: &str, message: String) {
        tracing::error!(resource = %logical, %message, "the task deleting a resource panicked");
    }
}
