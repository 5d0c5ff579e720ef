//! Change sets (made and described here, against the stack's stored state; executed by a worker),
//! drift detection (asks the cloud, answered here) and template validation.

use axum::extract::State;

use super::body::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stack_core::change_set::{ChangeSetError, StoredChangeSetError};
use stacktician_rest::{
    Accepted, ChangeSetList, ChangeSetView, CreateChangeSet, DeclaredParameter, DeclaredResource, DeletedChangeSet,
    ExecuteChangeSet, Validate, ValidateAnswer,
};

use super::auth::Caller;
use super::body::{JsonBody, JsonOrEmpty};
use super::stacks::{find, Found, OwnerQuery};
use super::submit::{self, enqueue, operation_view};
use super::{ApiError, Shared};
use crate::db::DriftRow;
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

/// `POST /v1/stacks/{name}/change-sets`.
pub async fn create(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
    JsonBody(body): JsonBody<CreateChangeSet>,
) -> Result<(StatusCode, Json<ChangeSetView>), ApiError> {
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
    Ok((StatusCode::CREATED, Json(change_set_view(&name, &set))))
}

fn change_set_view(stack: &str, set: &stack_core::change_set::StoredChangeSet) -> ChangeSetView {
    ChangeSetView {
        name: set.name.clone(),
        stack: stack.to_string(),
        created: stack_core::state::utc(set.created_ms),
        stale: set.stale,
        parameters: set.params.clone(),
        no_echo: set.no_echo.clone(),
        changes: set
            .changes
            .iter()
            .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
            .collect(),
    }
}

/// `GET /v1/stacks/{name}/change-sets`.
pub async fn list(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<ChangeSetList>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let engine = submit::engine(&state, &found.owner)?;
    let sets = engine.change_sets(&found.store_name).await.map_err(change_set_error)?;
    Ok(Json(ChangeSetList {
        change_sets: sets.iter().map(|s| change_set_view(&name, s)).collect(),
        name,
    }))
}

/// `GET /v1/stacks/{name}/change-sets/{change_set}`.
pub async fn describe(
    State(state): State<Shared>,
    caller: Caller,
    Path((name, set)): Path<(String, String)>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<ChangeSetView>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let engine = submit::engine(&state, &found.owner)?;
    let set = engine
        .change_set(&found.store_name, &set)
        .await
        .map_err(change_set_error)?;
    Ok(Json(change_set_view(&name, &set)))
}

/// `DELETE /v1/stacks/{name}/change-sets/{change_set}`.
pub async fn delete(
    State(state): State<Shared>,
    caller: Caller,
    Path((name, set)): Path<(String, String)>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<DeletedChangeSet>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    idle(&found)?;
    let engine = submit::engine(&state, &found.owner)?;
    engine
        .delete_change_set(&found.store_name, &set)
        .await
        .map_err(change_set_error)?;
    Ok(Json(DeletedChangeSet {
        name: set,
        deleted: true,
    }))
}

/// `POST /v1/stacks/{name}/change-sets/{change_set}/execute`.
pub async fn execute(
    State(state): State<Shared>,
    caller: Caller,
    Path((name, set)): Path<(String, String)>,
    Query(q): Query<OwnerQuery>,
    JsonOrEmpty(body): JsonOrEmpty<ExecuteChangeSet>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
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
        Json(Accepted {
            stack: name,
            operation: operation_view(&op),
        }),
    ))
}

/// `POST /v1/stacks/{name}/drift`: checks the stack's resources against the cloud now; the
/// report (with `checked`, when) is kept as the stack's last check.
pub async fn drift(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<Value>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    idle(&found)?;
    let stack_id = found.record.as_ref().map(|r| r.stack_id.clone()).unwrap_or_default();
    let engine = submit::engine(&state, &found.owner)?;
    let report = engine
        .detect_drift(&found.store_name)
        .await
        .map_err(|e| ApiError::Conflict(e.to_string()))?;
    let checked_ms = submit::now_ms();
    let mut v = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
    v["stack"] = Value::String(name.clone());
    v["checked"] = Value::String(stack_core::state::utc(u64::try_from(checked_ms).unwrap_or(0)));
    let row = DriftRow {
        owner: found.owner.id,
        stack: name,
        stack_id,
        checked_ms,
        report: v.to_string(),
    };
    state.db.put_drift(&row).await?;
    Ok(Json(v))
}

/// `GET /v1/stacks/{name}/drift`: the stack's last drift check; one never checked (or only a
/// stack of its name made before it was) is `NOT_CHECKED` with no resources and no `checked`.
pub async fn last_drift(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<Value>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let stack_id = found.record.as_ref().map(|r| r.stack_id.as_str()).unwrap_or_default();
    let row = state
        .db
        .drift(found.owner.id, &name)
        .await?
        .filter(|d| d.stack_id == stack_id);
    let v = match row {
        Some(row) => serde_json::from_str(&row.report).map_err(|e| ApiError::Internal(e.to_string()))?,
        None => serde_json::json!({"stack": name, "status": "NOT_CHECKED", "resources": [], "checked": null}),
    };
    Ok(Json(v))
}

/// `POST /v1/validate`: the template's parameters (for a form) and, with parameter values, its
/// whole plan checked against the owner's release.
pub async fn validate(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<Validate>,
) -> Result<Json<ValidateAnswer>, ApiError> {
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
            stack_core::CreateSettings::new(state.limits),
        )
        .await?;
    }
    let order = stack_core::key_order::declared_order(text.as_bytes(), "Parameters");
    let mut declared: Vec<_> = template.parameters.iter().collect();
    declared.sort_by_key(|(name, _)| (super::template_facts::rank(&order, name), name.as_str()));
    let parameters = declared
        .into_iter()
        .map(|(name, p)| DeclaredParameter {
            name: name.clone(),
            type_name: format!("{:?}", p.kind),
            default: if p.no_echo { None } else { p.default.clone() },
            has_default: p.default.is_some(),
            no_echo: p.no_echo,
            allowed_values: p.allowed_values.clone(),
            allowed_pattern: p.allowed_pattern.clone(),
            min_length: p.min_length,
            max_length: p.max_length,
            min_value: p.min_value,
            max_value: p.max_value,
            constraint_description: p.constraint_description.clone(),
            description: p.description.clone(),
        })
        .collect();
    let resources = template
        .resources
        .iter()
        .map(|(k, r)| DeclaredResource {
            logical_id: k.clone(),
            type_name: r.kind.clone(),
        })
        .collect();
    Ok(Json(ValidateAnswer {
        valid: true,
        description: template.description,
        parameters,
        resources,
    }))
}
