//! Change sets (made and described here, against the stack's stored state; executed by a worker),
//! drift detection (asks the cloud, answered here) and template validation.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use stack_core::change_set::{ChangeSetError, StoredChangeSetError};

use super::auth::Caller;
use super::body::{JsonBody, JsonOrEmpty};
use super::stacks::{find, Found, OwnerQuery};
use super::submit::{self, enqueue, operation_json, TemplateSource};
use super::{ApiError, Shared};
use crate::operations::OpRequest;

fn change_set_error(e: StoredChangeSetError) -> ApiError {
    match e {
        StoredChangeSetError::ChangeSet(ChangeSetError::Invalid(p)) => ApiError::InvalidTemplate(p),
        StoredChangeSetError::BadName(_) => ApiError::InvalidRequest(e.to_string()),
        StoredChangeSetError::Unknown { name, .. } => ApiError::NotFound(format!("no change set named {name}")),
        StoredChangeSetError::Stale { name, .. } => ApiError::Conflict(format!(
            "change set {name} was made before the stack last changed; make it again"
        )),
        other => ApiError::Conflict(other.to_string()),
    }
}

fn idle(found: &Found) -> Result<(), ApiError> {
    if found.busy() || found.record.is_none() {
        return Err(ApiError::Conflict(format!(
            "stack {} has an operation queued or running; wait for it",
            found.name
        )));
    }
    Ok(())
}

/// The body of `POST /v1/stacks/{name}/change-sets`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeSetBody {
    /// The change set's name.
    pub name: String,
    /// The new template (the current one if none is given).
    #[serde(flatten)]
    pub source: TemplateSource,
    /// Parameter values to change (and the NoEcho ones, again).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// `POST /v1/stacks/{name}/change-sets`.
pub async fn create(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
    JsonBody(body): JsonBody<ChangeSetBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    idle(&found)?;
    let record = found.record.as_ref().ok_or_else(|| ApiError::NotFound(name.clone()))?;
    let text = submit::text_of(&state, &found.owner, &body.source)
        .await?
        .unwrap_or_else(|| record.template.clone());
    let (text, template) = submit::checked(&state, &text).await?;
    let (_, secrets) = submit::split(&template, &body.parameters);
    let engine = submit::engine(&state, &found.owner)?;
    let set = engine
        .create_change_set(&found.store_name, &body.name, &text, &body.parameters, &secrets)
        .await
        .map_err(change_set_error)?;
    Ok((StatusCode::CREATED, Json(change_set_json(&name, &set))))
}

fn change_set_json(stack: &str, set: &stack_core::change_set::StoredChangeSet) -> Value {
    json!({
        "name": set.name,
        "stack": stack,
        "created": stack_core::state::utc(set.created_ms),
        "stale": set.stale,
        "parameters": set.params,
        "no_echo": set.no_echo,
        "changes": set.changes,
    })
}

/// `GET /v1/stacks/{name}/change-sets`.
pub async fn list(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<Value>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let engine = submit::engine(&state, &found.owner)?;
    let sets = engine.change_sets(&found.store_name).await.map_err(change_set_error)?;
    Ok(Json(
        json!({"name": name, "change_sets": sets.iter().map(|s| change_set_json(&name, s)).collect::<Vec<_>>()}),
    ))
}

/// `GET /v1/stacks/{name}/change-sets/{change_set}`.
pub async fn describe(
    State(state): State<Shared>,
    caller: Caller,
    Path((name, set)): Path<(String, String)>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<Value>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let engine = submit::engine(&state, &found.owner)?;
    let set = engine
        .change_set(&found.store_name, &set)
        .await
        .map_err(change_set_error)?;
    Ok(Json(change_set_json(&name, &set)))
}

/// `DELETE /v1/stacks/{name}/change-sets/{change_set}`.
pub async fn delete(
    State(state): State<Shared>,
    caller: Caller,
    Path((name, set)): Path<(String, String)>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<Value>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    idle(&found)?;
    let engine = submit::engine(&state, &found.owner)?;
    engine
        .delete_change_set(&found.store_name, &set)
        .await
        .map_err(change_set_error)?;
    Ok(Json(json!({"name": set, "deleted": true})))
}

/// The body of `POST .../execute`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecuteBody {
    /// NoEcho values, again.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// `POST /v1/stacks/{name}/change-sets/{change_set}/execute`.
pub async fn execute(
    State(state): State<Shared>,
    caller: Caller,
    Path((name, set)): Path<(String, String)>,
    Query(q): Query<OwnerQuery>,
    JsonOrEmpty(body): JsonOrEmpty<ExecuteBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    idle(&found)?;
    let engine = submit::engine(&state, &found.owner)?;
    // Refused now, not by the worker, when it does not exist or is stale.
    let stored = engine
        .change_set(&found.store_name, &set)
        .await
        .map_err(change_set_error)?;
    if stored.stale {
        return Err(change_set_error(StoredChangeSetError::Stale {
            stack: name.clone(),
            name: set,
        }));
    }
    let secrets = body.parameters;
    let op = enqueue(
        &state,
        &found.owner,
        &name,
        &OpRequest::ExecuteChangeSet { change_set: set },
        &secrets,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"stack": name, "operation": operation_json(&op)})),
    ))
}

/// `POST /v1/stacks/{name}/drift`.
pub async fn drift(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<Value>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    idle(&found)?;
    let engine = submit::engine(&state, &found.owner)?;
    let report = engine
        .detect_drift(&found.store_name)
        .await
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    let mut v = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
    v["stack"] = json!(name);
    Ok(Json(v))
}

/// The body of `POST /v1/validate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateBody {
    /// The template.
    #[serde(flatten)]
    pub source: TemplateSource,
    /// Parameter values (when given, checked with the plan).
    #[serde(default)]
    pub parameters: Option<BTreeMap<String, String>>,
}

/// `POST /v1/validate`: the template's parameters (for a form) and, with parameter values, its
/// whole plan checked against the owner's release.
pub async fn validate(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<ValidateBody>,
) -> Result<Json<Value>, ApiError> {
    let owner = caller.owner.clone();
    let text = submit::text_of(&state, &owner, &body.source)
        .await?
        .ok_or_else(|| ApiError::InvalidRequest("give template (its text or object) or template_name".into()))?;
    let (_, template) = submit::checked(&state, &text).await?;
    if let Some(given) = &body.parameters {
        submit::plan_checked(
            &state,
            &owner,
            &crate::names::store_name(&owner.name, "validate"),
            &template,
            given,
        )
        .await?;
    }
    let parameters: Vec<Value> = template
        .parameters
        .iter()
        .map(|(name, p)| {
            json!({
                "name": name,
                "type": format!("{:?}", p.kind),
                "default": if p.no_echo { None } else { p.default.clone() },
                "has_default": p.default.is_some(),
                "no_echo": p.no_echo,
                "allowed_values": p.allowed_values,
                "allowed_pattern": p.allowed_pattern,
                "min_length": p.min_length,
                "max_length": p.max_length,
                "min_value": p.min_value,
                "max_value": p.max_value,
                "constraint_description": p.constraint_description,
                "description": p.description,
            })
        })
        .collect();
    Ok(Json(json!({
        "valid": true,
        "description": template.description,
        "parameters": parameters,
        "resources": template.resources.iter().map(|(k, r)| json!({"logical_id": k, "type": r.kind})).collect::<Vec<_>>(),
    })))
}
