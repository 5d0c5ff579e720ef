//! Stack operations: create, update, delete, resume and continue-rollback, queued for the
//! workers and answered `202 Accepted` with the operation.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stack_core::state::StackRecord;
use stacktician_rest::{Accepted, CreateStack, SecretsBody, UpdateStack};

use super::auth::Caller;
use super::body::{JsonBody, JsonOrEmpty, Path, Query};
use super::stacks::{find, Found, OwnerQuery};
use super::submit::{self, enqueue, operation_view};
use super::{ApiError, Shared};
use crate::names::store_name;
use crate::operations::{standing, OpRequest};

/// `POST /v1/stacks`.
pub async fn create(
    State(state): State<Shared>,
    caller: Caller,
    Query(q): Query<OwnerQuery>,
    JsonBody(body): JsonBody<CreateStack>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let owner = caller.acting_for(&state, q.owner.as_deref()).await?;
    crate::names::stack_name(&body.name).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
    let text = submit::text_of(&state, &owner, &body.source)
        .await?
        .ok_or_else(|| ApiError::InvalidRequest("give template (its text or object) or template_name".into()))?;
    let (text, template) = submit::checked(&state, &text).await?;
    let name = store_name(&owner.name, &body.name);
    if standing(state.engines.store().stack(&name).await?).is_some() {
        return Err(ApiError::Conflict(format!(
            "a stack named {} exists; delete it first, or update it",
            body.name
        )));
    }
    let stack_policy = policy_text(body.stack_policy);
    let settings = stack_core::CreateSettings::new(state.limits)
        .stack_tags(body.tags.clone())
        .timeout_minutes(body.timeout_minutes)
        .stack_policy(stack_policy.clone());
    submit::plan_checked(&state, &owner, &name, &template, &body.parameters, settings).await?;
    let (params, secrets) = submit::split(&template, &body.parameters);
    let request = OpRequest::Create {
        template: text,
        params,
        disable_rollback: body.disable_rollback,
        concurrency: body.concurrency,
        tags: body.tags,
        timeout_minutes: body.timeout_minutes,
        stack_policy,
    };
    let op = enqueue(&state, &owner, &body.name, &request, &secrets).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            stack: body.name,
            operation: operation_view(&op),
        }),
    ))
}

async fn queue_on_existing(
    state: &Shared,
    found: &Found,
    request: OpRequest,
    secrets: &BTreeMap<String, String>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let op = enqueue(state, &found.owner, &found.name, &request, secrets).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            stack: found.name.clone(),
            operation: operation_view(&op),
        }),
    ))
}

fn needs_record(found: &Found) -> Result<&StackRecord, ApiError> {
    found
        .record
        .as_ref()
        .ok_or_else(|| ApiError::Conflict(format!("stack {} is still being created; wait for it", found.name)))
}

/// Only the record's NoEcho parameters may be given.
fn secrets_of(record: &StackRecord, given: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, ApiError> {
    if let Some(k) = given.keys().find(|k| !record.no_echo.contains(k)) {
        return Err(ApiError::InvalidRequest(format!(
            "parameter {k} is not one of the stack's NoEcho parameters ({}); other values are kept with the stack",
            record.no_echo.join(", ")
        )));
    }
    Ok(given.clone())
}

/// `DELETE /v1/stacks/{name}`: a body with the NoEcho values is optional.
pub async fn delete(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    needs_record(&found)?;
    queue_on_existing(&state, &found, OpRequest::Delete, &BTreeMap::new()).await
}

/// `POST /v1/stacks/{name}/resume`.
pub async fn resume(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
    JsonOrEmpty(body): JsonOrEmpty<SecretsBody>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let secrets = secrets_of(needs_record(&found)?, &body.parameters)?;
    queue_on_existing(&state, &found, OpRequest::Resume, &secrets).await
}

/// `POST /v1/stacks/{name}/continue-rollback`.
pub async fn continue_rollback(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
    JsonOrEmpty(body): JsonOrEmpty<SecretsBody>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let secrets = secrets_of(needs_record(&found)?, &body.parameters)?;
    queue_on_existing(
        &state,
        &found,
        OpRequest::ContinueRollback { skip: body.skip },
        &secrets,
    )
    .await
}

/// A policy given as JSON text or an object, as text.
fn policy_text(v: Option<Value>) -> Option<String> {
    v.map(|v| match v {
        Value::String(s) => s,
        other => other.to_string(),
    })
}

/// `PUT /v1/stacks/{name}`: an update.
pub async fn update(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
    JsonBody(body): JsonBody<UpdateStack>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let record = needs_record(&found)?;
    if !record.status.is_stable() {
        return Err(ApiError::Conflict(format!(
            "stack {name} is {}: only a stack that stands as made can be updated",
            record.status.as_str()
        )));
    }
    let text = submit::text_of(&state, &found.owner, &body.source)
        .await?
        .unwrap_or_else(|| record.template.clone());
    let (text, template) = submit::checked(&state, &text).await?;
    let mut given = record.params.clone();
    given.extend(body.parameters.clone());
    let settings = stack_core::CreateSettings::new(state.limits);
    submit::plan_checked(&state, &found.owner, &found.store_name, &template, &given, settings).await?;
    let (params, secrets) = submit::split(&template, &body.parameters);
    let request = OpRequest::Update {
        template: text,
        params,
        stack_policy: policy_text(body.stack_policy),
        policy_override: policy_text(body.policy_override),
    };
    queue_on_existing(&state, &found, request, &secrets).await
}
