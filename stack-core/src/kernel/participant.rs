//! The CloudStack participant's steps: create (write-ahead, the call, its job watched with the
//! resource's own deadline, adoption of what an interrupted run left) and delete (write-ahead,
//! retried while in use, "already gone" confirmed by listing). The stack's tags go on through the
//! [`crate::tagging`] batcher. What some types need beyond their spec is in [`crate::quirks`].

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use cloudstack_client::decode::unwrap_object;
use cloudstack_client::{Error as ClientError, FailureKind, ParticipantSpec};
use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::events::Status;
use crate::plan::{Plan, PlannedResource};
use crate::recording::{intent, Slot};
use crate::resource_error::ResourceError;
use crate::retry::{CallKind, RetryPolicy};
use crate::state::{Intent, IntentKind, ResourceRecord};
use crate::tagging::{pending_tags, stack_tags, TagWork, TagsSent};

/// What an earlier, interrupted run left of a create.
enum Earlier {
    /// Nothing: create it.
    Nothing,
    /// Its job, to watch again.
    Job(String),
    /// The entity itself (a lost reply, found by name).
    Entity(Value),
}

impl Engine {
    /// Creates a CloudStack resource; returns the tags still to put on it (off the critical path).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn create_participant(
        &self,
        plan: &Plan,
        r: &PlannedResource,
        spec: &'static ParticipantSpec,
        props: Map<String, Value>,
        rec: &mut ResourceRecord,
        timeout: Duration,
        earlier: Option<ResourceRecord>,
        claimed: &BTreeSet<String>,
    ) -> Result<Option<TagWork>, ResourceError> {
        let started = Instant::now();
        let left = || timeout.saturating_sub(started.elapsed());
        let crate::plan::wire::CreateCall {
            request: req,
            wire,
            extra_tags,
        } = plan.create_call(&r.logical, spec, props)?;
        let found = match earlier {
            Some(done) if done.status == Status::CreateComplete => {
                *rec = done;
                // Finished by an earlier run but not tagged: the tags follow, off the critical path.
                return Ok(pending_tags(rec, spec, extra_tags, left()));
            }
            Some(e) if e.intent.as_ref().is_some_and(|i| i.kind == IntentKind::Create) => {
                self.what_earlier_left(plan, spec, &wire, e, rec, claimed).await?
            }
            _ => Earlier::Nothing,
        };
        rec.create_wire = wire;
        let mut tags: Option<TagWork> = None;
        let result = match found {
            Earlier::Entity(object) => object,
            Earlier::Job(job) => {
                self.watch_create(plan, r, spec, rec, job, true, &extra_tags, timeout, started, &mut tags)
                    .await?
            }
            Earlier::Nothing if spec.create.is_async => {
                // Write ahead: the call about to be made, so a crash after it can be recovered.
                rec.intent = Some(intent(IntentKind::Create, spec.create.name));
                self.persist(plan, rec).await?;
                let reply = self
                    .config
                    .retry
                    .run(CallKind::Write, left(), || self.client.submit(&req))
                    .await?;
                if let Some(id) = &reply.id {
                    rec.physical_id = Some(id.clone());
                }
                rec.job_id = Some(reply.job_id.clone());
                self.persist(plan, rec).await?;
                self.watch_create(
                    plan,
                    r,
                    spec,
                    rec,
                    reply.job_id,
                    false,
                    &extra_tags,
                    timeout,
                    started,
                    &mut tags,
                )
                .await?
            }
            Earlier::Nothing => {
                rec.intent = Some(intent(IntentKind::Create, spec.create.name));
                self.persist(plan, rec).await?;
                self.config
                    .retry
                    .run(CallKind::Write, left(), || self.client.execute(&req))
                    .await?
            }
        };
        rec.attributes = match result {
            Value::Object(o) => unwrap_object(o, spec.create.fields),
            _ => Map::new(),
        };
        crate::quirks::created_attributes(spec, &mut rec.attributes);
        // The physical id is the first delete key (id, ruleid, name, ...).
        let keys = spec.delete_params(&rec.create_wire, &Value::Object(rec.attributes.clone()))?;
        if let Some((_, v)) = keys.first() {
            rec.physical_id = Some(v.clone());
        }
        // Created: recorded before tagging, so a crash now does not lose it.
        rec.status = Status::CreateComplete;
        rec.intent = None;
        rec.job_id = None;
        rec.tagged = spec.tag_resource_type.is_none();
        self.persist(plan, rec).await?;
        // The entity exists: dependents go on while its tags are put on (or finish going on).
        Ok(tags.or_else(|| pending_tags(rec, spec, extra_tags, left())))
    }

    /// What an interrupted run's create left: its job, the entity (found by name), or nothing.
    async fn what_earlier_left(
        &self,
        plan: &Plan,
        spec: &'static ParticipantSpec,
        wire: &[(String, String)],
        e: ResourceRecord,
        rec: &mut ResourceRecord,
        claimed: &BTreeSet<String>,
    ) -> Result<Earlier, ResourceError> {
        rec.physical_id.clone_from(&e.physical_id);
        if let Some(id) = &e.physical_id {
            rec.attributes.insert("id".into(), Value::String(id.clone()));
        }
        if let Some(job) = e.job_id {
            return Ok(Earlier::Job(job));
        }
        let at_ms = e.intent.map_or(0, |i| i.at_ms);
        let lost = crate::recovery::find_lost_create(
            &self.client,
            plan,
            spec,
            wire,
            at_ms,
            crate::recovery::Claims {
                claimed,
                adopted: &self.adopted,
                policy: &self.config.retry,
            },
        )
        .await
        .map_err(ResourceError::Recovery)?;
        Ok(match lost {
            crate::recovery::Lost::Job { job_id, entity_id } => {
                tracing::info!(job = %job_id, "adopting the job of a create whose reply was lost");
                rec.physical_id.clone_from(&entity_id);
                Earlier::Job(job_id)
            }
            crate::recovery::Lost::Entity(object) => {
                tracing::info!("adopting a resource whose create reply was lost (found by name)");
                Earlier::Entity(object)
            }
            crate::recovery::Lost::NotCreated => {
                tracing::info!("the interrupted create never reached the cloud; creating it");
                Earlier::Nothing
            }
        })
    }

    /// Watches a create's job with the resource's deadline. The entity, named by the reply, is tagged
    /// meanwhile (`tags` gets that work): the tags cost no time on the critical path, and the
    /// create does not wait for them.
    #[allow(clippy::too_many_arguments)]
    async fn watch_create(
        &self,
        plan: &Plan,
        r: &PlannedResource,
        spec: &'static ParticipantSpec,
        rec: &mut ResourceRecord,
        job_id: String,
        adopted: bool,
        extra_tags: &[(String, String)],
        timeout: Duration,
        started: Instant,
        tags: &mut Option<TagWork>,
    ) -> Result<Value, ResourceError> {
        rec.job_id = Some(job_id.clone());
        if rec.intent.is_none() {
            rec.intent = Some(intent(IntentKind::Create, spec.create.name));
        }
        if let Some(id) = rec.physical_id.clone() {
            // The reply's id is the new entity's: it is what the delete call's key reads.
            rec.attributes.insert("id".into(), Value::String(id.clone()));
            for key in spec.delete_keys.iter().filter(|k| k.required) {
                if let Some(cloudstack_client::KeySource::Attribute(a)) = key.sources.first() {
                    if !a.contains('.') {
                        rec.attributes.insert((*a).to_string(), Value::String(id.clone()));
                    }
                }
            }
        }
        let left = timeout.saturating_sub(started.elapsed());
        let meta = plan.options.version.api("createTags");
        if let (Some(rtype), Some(id), Some(meta), false) =
            (spec.tag_resource_type, rec.physical_id.clone(), meta, rec.tagged)
        {
            let sent = self.tags.submit(
                meta,
                rtype,
                &id,
                stack_tags(plan, extra_tags.to_vec()),
                left,
                crate::tagging::expedited(),
            );
            *tags = Some(TagWork::Started(sent));
        }
        let watching = async {
            if adopted {
                self.watcher.wait_adopted_for(spec.create.name, &job_id, left).await
            } else {
                self.watcher.wait_for(spec.create.name, &job_id, left).await
            }
        };
        let result = match tokio::time::timeout(left, watching).await {
            Ok(r) => r?,
            Err(_) => return Err(ResourceError::TimedOut { after: timeout, job_id }),
        };
        tracing::debug!(resource = %r.logical, "created");
        Ok(result)
    }

    /// Hands a resource's tags to the batcher now, if they are still to go on (a synchronous
    /// create's), expedited or not ([`crate::tagging::TagBatcher::submit`]): what
    /// [`Engine::finish_tags`] then waits for.
    pub(crate) fn submit_tags(&self, plan: &Plan, work: TagWork, expedite: bool) -> TagsSent {
        match work {
            TagWork::Started(sent) => sent,
            TagWork::Pending(t) => match plan.options.version.api("createTags") {
                Some(meta) => self
                    .tags
                    .submit(meta, t.rtype, &t.id, stack_tags(plan, t.extra), t.budget, expedite),
                None => {
                    let version = plan.options.version.version.to_string();
                    Box::pin(async move { Err(ClientError::Config(format!("CloudStack {version} has no createTags"))) })
                }
            },
        }
    }

    /// Waits for a resource's tags (handed over by [`Engine::submit_tags`]) and records that it is
    /// tagged.
    pub(crate) async fn finish_tags(
        &self,
        plan: &Plan,
        mut rec: ResourceRecord,
        sent: TagsSent,
    ) -> Result<(), ResourceError> {
        sent.await.map_err(ResourceError::Tagging)?;
        rec.tagged = true;
        Ok(self.persist(plan, &rec).await?)
    }

    /// Deletes a CloudStack resource: a job an interrupted run left is watched first.
    pub(crate) async fn delete_participant(
        &self,
        plan: &Plan,
        spec: &'static ParticipantSpec,
        mut rec: ResourceRecord,
        slot: &Slot<'_>,
    ) -> Result<(), ResourceError> {
        let timeout = self.delete_timeout(plan, &rec.logical, &rec.type_name);
        match (rec.job_id.clone(), rec.intent.as_ref().map(|i| i.kind)) {
            // A delete job recorded by an interrupted run: its outcome first.
            (Some(job), Some(IntentKind::Delete)) => {
                match self.watcher.wait_adopted_for(spec.delete.name, &job, timeout).await {
                    Ok(_) => return Ok(()),
                    Err(e) => tracing::info!(error = %e, "the recorded delete job did not succeed; deleting again"),
                }
            }
            // A create job recorded by an interrupted run must end before its entity can go.
            (Some(job), Some(IntentKind::Create)) => {
                match self.watcher.wait_adopted_for(spec.create.name, &job, timeout).await {
                    // What it made names the delete's keys.
                    Ok(Value::Object(o)) if rec.attributes.is_empty() => {
                        rec.attributes = unwrap_object(o, spec.create.fields);
                    }
                    Ok(_) => {}
                    Err(e) => tracing::info!(error = %e, "the interrupted create failed; deleting whatever is left"),
                }
            }
            _ => {}
        }
        // The reply's id is the entity's, whatever else is known of it.
        if let Some(id) = rec.physical_id.clone() {
            rec.attributes.entry("id").or_insert(Value::String(id));
        }
        let wire = spec.delete_params(&rec.create_wire, &Value::Object(rec.attributes.clone()))?;
        let wire = crate::quirks::delete_wire(spec, wire, self.config.expunge_vms);
        self.delete_with_retries(plan, spec, wire, &mut rec, slot).await
    }

    /// Calls the delete API with `wire`, writing ahead, retrying under the policy's in-use and
    /// transient backoffs; a resource that is already gone counts as deleted.
    pub(crate) async fn delete_with_retries(
        &self,
        plan: &Plan,
        spec: &'static ParticipantSpec,
        wire: Vec<(String, String)>,
        rec: &mut ResourceRecord,
        slot: &Slot<'_>,
    ) -> Result<(), ResourceError> {
        let timeout = self.delete_timeout(plan, &rec.logical, &rec.type_name);
        let mut attempts = self.config.retry.attempts(timeout);
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
            self.persist(plan, &slot.record(rec)).await?;
            let e = match self.delete_call(plan, spec, wire.clone(), rec, slot, timeout).await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            // A refused delete of an entity that is gone (deleted by an earlier, interrupted run,
            // or by hand) counts as deleted: the list API, not the error's wording, says so.
            if e.kind() == FailureKind::InvalidRequest {
                let id = rec.physical_id.clone().unwrap_or_default();
                return match crate::recovery::entity_listed(&self.client, plan, spec, &id).await {
                    Some(false) => Ok(()),
                    Some(true) => Err(e.into()),
                    // A type with no list API: a delete refused after one was already sent is the
                    // entity being gone.
                    None if sent_before => Ok(()),
                    None => Err(e.into()),
                };
            }
            match attempts.wait_after(RetryPolicy::reason(CallKind::Delete, &e)) {
                Some(wait) => {
                    sent_before = true;
                    tracing::warn!(error = %e, ?wait, "delete failed, retrying (still in use or transient)");
                    tokio::time::sleep(wait).await;
                }
                None => return Err(e.into()),
            }
        }
    }

    async fn delete_call(
        &self,
        plan: &Plan,
        spec: &'static ParticipantSpec,
        wire: Vec<(String, String)>,
        rec: &mut ResourceRecord,
        slot: &Slot<'_>,
        timeout: Duration,
    ) -> Result<(), ClientError> {
        let inner = self.client.call(spec.delete.name, spec.delete.method, wire).await?;
        if spec.delete.is_async {
            let reply = cloudstack_client::client::async_reply(spec.delete.name, &inner)?;
            rec.job_id = Some(reply.job_id.clone());
            if let Err(e) = self.persist(plan, &slot.record(rec)).await {
                tracing::error!(error = %e, "could not record a delete job");
            }
            self.watcher.wait_for(spec.delete.name, &reply.job_id, timeout).await?;
        }
        Ok(())
    }
}
