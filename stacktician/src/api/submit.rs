//! What creating, updating, validating and change sets share: the template a request names (in its
//! body or stored), checked within the limits; its parameters split into plain values and NoEcho
//! ones; the plan against the owner's release; and queueing an operation.

use std::collections::BTreeMap;

use serde_json::Value;
use stack_core::template::Template;

use super::{ApiError, Shared};
use crate::db::{NewOperation, Operation, Owner};
use crate::operations::OpRequest;

pub use stacktician_rest::TemplateSource;

/// Refuses to read nested templates from anywhere: the service reads no files and fetches no URLs
/// for a caller. Nested stacks come inlined (`TemplateBody`), as `stackmate --service` sends them.
struct NoFetch;

impl stack_core::nesting::TemplateFetcher for NoFetch {
    fn fetch<'a>(
        &'a self,
        at: &'a stack_core::nesting::Location,
        _limit: usize,
    ) -> stack_core::BoxFuture<Result<Vec<u8>, stack_core::nesting::FetchError>> {
        let why = format!(
            "the service reads no nested template from {}: put it in as TemplateBody (stackmate --service does)",
            at.shown()
        );
        Box::pin(async move { Err(stack_core::nesting::FetchError::Refused { why }) })
    }
}

/// The text of `source`, or `None` when it names none (an update keeping its template).
pub async fn text_of(state: &Shared, owner: &Owner, source: &TemplateSource) -> Result<Option<String>, ApiError> {
    match (&source.template, &source.template_name) {
        (Some(_), Some(_)) => Err(ApiError::InvalidRequest(
            "give template or template_name, not both".into(),
        )),
        (Some(Value::String(s)), None) => Ok(Some(s.clone())),
        (Some(v @ Value::Object(_)), None) => Ok(Some(v.to_string())),
        (Some(_), None) => Err(ApiError::InvalidRequest(
            "template is the template's text or its JSON object".into(),
        )),
        (None, Some(name)) => {
            let row = state
                .db
                .template(owner.id, name, source.template_version)
                .await?
                .ok_or_else(|| {
                    ApiError::NotFound(match source.template_version {
                        Some(v) => format!("no version {v} of template {name}"),
                        None => format!("no template named {name}"),
                    })
                })?;
            Ok(Some(row.body))
        }
        (None, None) => Ok(None),
    }
}

/// `text` checked: within the size limit, read once, nested templates in place.
pub async fn checked(state: &Shared, text: &str) -> Result<(String, Template), ApiError> {
    let limit = state.limits.template_bytes;
    if text.len() > limit {
        return Err(ApiError::TemplateTooLarge {
            size: text.len(),
            limit,
        });
    }
    let prepared = stack_core::nesting::prepare(
        text.as_bytes(),
        &stack_core::nesting::Location::Inline,
        &NoFetch,
        &state.limits,
    )
    .await
    .map_err(ApiError::InvalidTemplate)?;
    Ok((prepared.text, prepared.template))
}

/// `given` split into plain values and the values of `template`'s NoEcho parameters.
pub fn split(
    template: &Template,
    given: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    given
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(k, _)| !template.parameters.get(k).is_some_and(|p| p.no_echo))
}

/// Plans `template` with `given` and the create `settings` (their limits are the service's) for
/// `owner`'s stack `store_name` against the owner's release: every problem, or nothing.
pub async fn plan_checked(
    state: &Shared,
    owner: &Owner,
    store_name: &str,
    template: &Template,
    given: &BTreeMap<String, String>,
    settings: stack_core::CreateSettings,
) -> Result<(), ApiError> {
    if let Some(policy) = &settings.stack_policy {
        stack_core::update::StackPolicy::parse(policy)
            .map_err(|p| ApiError::InvalidRequest(format!("stack_policy: {}", stack_core::Problems(p))))?;
    }
    let engine = engine(state, owner)?;
    let store = state.engines.store();
    let cloud = |e: crate::engines::CloudError| ApiError::Cloud(e.to_string());
    let version = match crate::engines::known_release(owner, &engine, store.as_ref())
        .await
        .map_err(cloud)?
    {
        Some(v) => v,
        None => {
            // The checks that need no release first: a template they refuse makes no call.
            stack_core::plan::precheck(template, given, &state.limits).map_err(ApiError::InvalidTemplate)?;
            crate::engines::release_for(owner, &engine, store.as_ref())
                .await
                .map_err(cloud)?
        }
    };
    let options = engine
        .plan_options(store_name, version)
        .limits(state.limits)
        .stack_tags(settings.stack_tags)
        .timeout_minutes(settings.timeout_minutes);
    stack_core::plan(template, given, &options).map_err(ApiError::InvalidTemplate)?;
    Ok(())
}

/// `owner`'s engine.
pub fn engine(state: &Shared, owner: &Owner) -> Result<stack_core::Engine, ApiError> {
    state
        .engines
        .for_owner(owner)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Queues `request` for `owner`'s stack `stack`, with `secrets` sealed.
pub async fn enqueue(
    state: &Shared,
    owner: &Owner,
    stack: &str,
    request: &OpRequest,
    secrets: &BTreeMap<String, String>,
) -> Result<Operation, ApiError> {
    let payload = serde_json::to_string(request).map_err(|e| ApiError::Internal(e.to_string()))?;
    let sealed = if secrets.is_empty() {
        String::new()
    } else {
        let plain = serde_json::to_string(secrets).map_err(|e| ApiError::Internal(e.to_string()))?;
        state.key.seal(&plain).map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let op = NewOperation {
        owner: owner.id,
        stack,
        kind: request.kind(),
        payload: &payload,
        sealed: &sealed,
    };
    let id = state.db.enqueue(&op, now_ms()).await?;
    state
        .db
        .operation(id)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("operation {id} vanished")))
}

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    i64::try_from(stack_core::state::now_ms()).unwrap_or(i64::MAX)
}

/// An operation as the API shows it.
pub fn operation_view(op: &Operation) -> stacktician_rest::OperationView {
    let outcome = op.outcome.as_deref().map(crate::operations::StoredOutcome::decode);
    let time = |ms: i64| stack_core::state::utc(u64::try_from(ms).unwrap_or(0));
    stacktician_rest::OperationView {
        id: op.id,
        stack: op.stack.clone(),
        kind: op.kind.clone(),
        state: op.state.as_str().to_string(),
        failure: outcome.as_ref().and_then(|o| o.failure.clone()).map(failed_resource),
        outcome: outcome.map(|o| o.text),
        created: time(op.created_ms),
        started: op.started_ms.map(time),
        finished: op.finished_ms.map(time),
        attempts: op.fence,
    }
}

/// A resource failure as the API shows it.
pub fn failed_resource(f: stack_core::ResourceFailure) -> stacktician_rest::FailedResource {
    stacktician_rest::FailedResource {
        logical: f.logical,
        type_name: f.type_name,
        kind: f.kind,
        code: f.code,
        api: f.api,
        message: f.message,
    }
}
