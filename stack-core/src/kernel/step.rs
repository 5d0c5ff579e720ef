//! The step of one resource: its properties evaluated against what its dependencies made, then the
//! create or delete of its kind (a CloudStack participant, a wait condition, a custom type), and the
//! metadata it publishes. Steps know nothing of walks; [`crate::visits`] runs them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::custom::CustomError;
use crate::engine::Engine;
use crate::events::Status;
use crate::intrinsics::ResourceView;
use crate::plan::{Plan, PlannedResource, ResourceKind};
use crate::recording::{intent, Slot};
use crate::resource_error::ResourceError;
use crate::retry::RetryReason;
use crate::state::{IntentKind, ResourceRecord};
use crate::tagging::TagWork;

/// A resource's create: its record (and the tags still to put on it), or why it failed and what the
/// cloud already made.
pub(crate) type CreateOutcome = Result<(ResourceRecord, Option<TagWork>), (ResourceError, Option<ResourceRecord>)>;

/// Resources as intrinsics see them during a run: every logical id of the plan exists; records hold
/// what is known (for a resource being created: its dependencies).
pub(crate) struct View<'a>(
    pub(crate) &'a BTreeMap<String, ResourceRecord>,
    pub(crate) &'a BTreeMap<String, PlannedResource>,
);

impl ResourceView for View<'_> {
    fn exists(&self, logical: &str) -> bool {
        self.1.contains_key(logical)
    }
    fn physical_id(&self, logical: &str) -> Option<Value> {
        self.0.get(logical)?.physical_id.clone().map(Value::String)
    }
    fn attribute(&self, logical: &str, attribute: &str) -> Option<Value> {
        let r = self.0.get(logical)?;
        r.attributes.get(attribute).cloned().or_else(|| {
            (attribute == "Ref")
                .then(|| r.physical_id.clone().map(Value::String))
                .flatten()
        })
    }
}

/// What a create leaves besides its record: on failure, what the cloud already made (for rollback);
/// on success, the tags still to put on.
#[derive(Default)]
pub(crate) struct Leftovers {
    pub(crate) partial: Option<ResourceRecord>,
    pub(crate) pending: Option<TagWork>,
}

/// Why a custom resource's failure may be retried.
fn custom_reason(e: &CustomError) -> Option<(RetryReason, Option<std::time::Duration>)> {
    matches!(e, CustomError::Transient(_)).then_some((RetryReason::Transient, None))
}

impl Engine {
    /// Creates one resource (for an update's replacement, with the record of the one it replaces,
    /// kept in every write); on failure also returns what the cloud already made, for rollback.
    pub(crate) async fn create_one(
        &self,
        plan: &Plan,
        r: &PlannedResource,
        snapshot: &BTreeMap<String, ResourceRecord>,
        earlier: Option<ResourceRecord>,
        claimed: BTreeSet<String>,
        replaced: Option<Box<ResourceRecord>>,
    ) -> CreateOutcome {
        let mut left = Leftovers::default();
        self.create_one_inner(plan, r, snapshot, &mut left, earlier, claimed, replaced)
            .await
            .map(|rec| (rec, left.pending))
            .map_err(|e| (e, left.partial))
    }

    #[allow(clippy::too_many_arguments)]
    async fn create_one_inner(
        &self,
        plan: &Plan,
        r: &PlannedResource,
        snapshot: &BTreeMap<String, ResourceRecord>,
        left: &mut Leftovers,
        earlier: Option<ResourceRecord>,
        claimed: BTreeSet<String>,
        replaced: Option<Box<ResourceRecord>>,
    ) -> Result<ResourceRecord, ResourceError> {
        let view = View(snapshot, &plan.resources);
        let props = plan.evaluate_properties(r, &view)?;
        let mut rec = ResourceRecord::new(&r.logical, &r.type_name, Status::CreateInProgress);
        // A replacement's record carries the resource it replaces in every write.
        rec.replaced = replaced;
        match r.kind {
            ResourceKind::CloudStack(spec) => {
                let mut props = props;
                let timeout = self.timeout_of(&r.type_name, props.remove(crate::plan::TIMEOUT_PROPERTY).as_ref());
                let step = self.create_participant(plan, r, spec, props, &mut rec, timeout, earlier, &claimed);
                match step.await {
                    Ok(tags) => left.pending = tags,
                    Err(reason) => {
                        // Keep what the cloud already made (the id of an async create), so rollback
                        // deletes it; and a call that may have reached the cloud without an answer,
                        // so rollback looks for what it made.
                        let answered = matches!(&reason, ResourceError::Cloud(e) if e.errorcode().is_some());
                        let keep = rec.physical_id.is_some() || (rec.intent.is_some() && !answered);
                        left.partial = keep.then(|| ResourceRecord {
                            status: Status::CreateFailed,
                            reason: Some(reason.to_string()),
                            ..rec
                        });
                        return Err(reason);
                    }
                }
            }
            ResourceKind::WaitConditionHandle => self.create_handle(plan, &mut rec).await?,
            ResourceKind::WaitCondition => self.wait_condition(plan, &props, &mut rec, earlier.as_ref()).await?,
            ResourceKind::Custom => match earlier.filter(|e| e.status == Status::CreateComplete) {
                Some(done) => rec = done,
                None => {
                    let custom = self
                        .custom
                        .get(&r.type_name)
                        .ok_or_else(|| ResourceError::NotRegistered(r.type_name.clone()))?;
                    rec.intent = Some(intent(IntentKind::Create, &r.type_name));
                    self.persist(plan, &rec).await?;
                    let timeout = self.timeout_of(&r.type_name, props.get(crate::plan::TIMEOUT_PROPERTY));
                    let create = || custom.create(&r.logical, Value::Object(props.clone()));
                    let created = self.config.retry.run_classified(timeout, custom_reason, create).await?;
                    rec.physical_id = Some(created.physical_id);
                    rec.attributes = created.attributes;
                }
            },
        }
        rec.status = Status::CreateComplete;
        rec.intent = None;
        rec.job_id = None;
        self.publish_metadata(plan, r, &view, &rec);
        Ok(rec)
    }

    /// Publishes a created resource's Metadata (if it has any) for its guests' cfn-init.
    pub(crate) fn publish_metadata(&self, plan: &Plan, r: &PlannedResource, view: &View<'_>, rec: &ResourceRecord) {
        let (Some(meta), Some(pid)) = (&r.decl.metadata, &rec.physical_id) else {
            return;
        };
        let resolved = plan
            .evaluate(view, meta, &format!("/Resources/{}/Metadata", r.logical))
            .ok()
            .flatten()
            .unwrap_or(Value::Null);
        if let Some(signals) = &self.signals {
            signals.publish(crate::signals::MetadataEntry {
                stack_id: &plan.options.stack_id,
                stack_name: &plan.options.stack_name,
                logical: &r.logical,
                resource_type: &r.type_name,
                physical_id: pid,
                metadata: &resolved,
                token: &plan.options.metadata_token,
            });
        }
    }

    /// Deletes one resource of `plan`.
    pub(crate) async fn delete_one(
        &self,
        plan: &Plan,
        kind: ResourceKind,
        rec: ResourceRecord,
        slot: &Slot<'_>,
    ) -> Result<(), ResourceError> {
        let pid = rec.physical_id.clone().unwrap_or_default();
        match kind {
            ResourceKind::WaitConditionHandle => {
                if let Some(signals) = &self.signals {
                    signals.remove_handle(&plan.options.stack_id, &rec.logical);
                }
                Ok(())
            }
            ResourceKind::WaitCondition => Ok(()),
            ResourceKind::Custom => {
                let custom = self
                    .custom
                    .get(&rec.type_name)
                    .ok_or_else(|| ResourceError::NotRegistered(rec.type_name.clone()))?;
                let timeout = self.delete_timeout(plan, &rec.logical, &rec.type_name);
                let delete = || async {
                    match custom.delete(&pid, &rec.attributes).await {
                        // Nothing to delete counts as deleted.
                        Err(CustomError::Gone) => Ok(()),
                        other => other,
                    }
                };
                Ok(self.config.retry.run_classified(timeout, custom_reason, delete).await?)
            }
            ResourceKind::CloudStack(spec) => self.delete_participant(plan, spec, rec, slot).await,
        }
    }
}
