//! Tagging: every resource a stack makes carries the stack's id, its name and the resource's
//! logical id (plus the template's `Tags`). An async create is tagged while its job runs; a
//! synchronous one after it returns, off the critical path ([`PendingTags`]): its dependents do not
//! wait for the tags, the stack does.

use std::time::Duration;

use cloudstack_client::{DynamicRequest, ParticipantSpec};
use serde_json::{json, Value};

use crate::executor::Engine;
use crate::plan::Plan;
use crate::state::ResourceRecord;

/// The stack's tags for a resource that exists, still to be put on it. Its dependents do not wait
/// for them; the stack does, and a tag failure fails it.
#[derive(Debug, Clone)]
pub(crate) struct PendingTags {
    pub(crate) rtype: &'static str,
    pub(crate) id: String,
    pub(crate) extra: Vec<(String, String)>,
    pub(crate) budget: Duration,
}

/// The tags still to put on `rec`'s entity, if it has a taggable type and is not tagged yet.
pub(crate) fn pending_tags(
    rec: &ResourceRecord,
    spec: &ParticipantSpec,
    extra: Vec<(String, String)>,
    budget: Duration,
) -> Option<PendingTags> {
    match (rec.tagged, spec.tag_resource_type, &rec.physical_id) {
        (false, Some(rtype), Some(id)) => Some(PendingTags {
            rtype,
            id: id.clone(),
            extra,
            budget,
        }),
        _ => None,
    }
}

impl Engine {
    /// Puts `tags` on their resource and records that it is tagged.
    pub(crate) async fn put_tags(&self, plan: &Plan, mut rec: ResourceRecord, tags: PendingTags) -> Result<(), String> {
        self.tag(plan, &rec.logical, tags.rtype, &tags.id, tags.extra, tags.budget)
            .await?;
        rec.tagged = true;
        self.persist(plan, &rec)
    }

    pub(crate) async fn tag(
        &self,
        plan: &Plan,
        logical: &str,
        rtype: &str,
        id: &str,
        extra: Vec<(String, String)>,
        budget: Duration,
    ) -> Result<(), String> {
        let meta = plan
            .options
            .version
            .api("createTags")
            .ok_or("this CloudStack version has no createTags")?;
        let mut tags = vec![
            (crate::recovery::STACK_ID_TAG.to_string(), plan.options.stack_id.clone()),
            ("cloudstack:stack-name".to_string(), plan.options.stack_name.clone()),
            ("cloudstack:logical-id".to_string(), logical.to_string()),
        ];
        tags.extend(extra);
        let mut req = DynamicRequest::new(meta);
        let tags_json: Vec<Value> = tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
        req.set_json("resourceids", &json!([id]))
            .and_then(|r| r.set_json("resourcetype", &json!(rtype)))
            .and_then(|r| r.set_json("tags", &Value::Array(tags_json)))
            .map_err(|e| e.to_string())?;
        let reply = self
            .retrying(budget, || self.client.submit(&req))
            .await
            .map_err(|e| format!("tagging failed: {e}"))?;
        match self.watcher.wait_for("createTags", &reply.job_id, budget).await {
            Ok(_) => Ok(()),
            // A run resumed after a crash tags again: tags that are already there are ours.
            Err(e) if self.tagged_already(rtype, id, logical).await => {
                tracing::debug!(error = %e, "the stack tags were already on the resource");
                Ok(())
            }
            Err(e) => Err(format!("tagging failed: {e}")),
        }
    }

    /// Whether the resource already carries this stack's logical-id tag for `logical`.
    pub(crate) async fn tagged_already(&self, rtype: &str, id: &str, logical: &str) -> bool {
        let wire = vec![
            ("resourcetype".to_string(), rtype.to_string()),
            ("resourceid".to_string(), id.to_string()),
            ("key".to_string(), "cloudstack:logical-id".to_string()),
            ("listall".to_string(), "true".to_string()),
        ];
        match self
            .client
            .call("listTags", cloudstack_client::HttpMethod::Get, wire)
            .await
        {
            Ok(inner) => inner
                .get("tag")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|t| t.get("value").and_then(Value::as_str) == Some(logical)),
            Err(_) => false,
        }
    }
}
