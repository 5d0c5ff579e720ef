//! Stack operations (create, update, delete, resume, continue-rollback: queued for the workers,
//! answered `202 Accepted` with the operation) and reads (list, describe, resources, outputs,
//! template, graph, operations: from the state store and the queue).

use std::collections::BTreeMap;

use axum::extract::State;

use super::body::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use stack_core::state::{utc, StackRecord};
use stacktician_rest::{
    Accepted, CreateStack, GraphEdge, GraphNode, OperationList, OperationView, ResourceList, ResourceView, SecretsBody,
    StackDescription, StackGraph, StackList, StackOutputs, StackSummary, StackTemplate, UpdateStack,
};

use super::auth::Caller;
use super::body::{JsonBody, JsonOrEmpty};
use super::submit::{self, enqueue, operation_view};
use super::{ApiError, Shared};
use crate::db::{OpState, Operation, Owner};
use crate::names::{split_store_name, store_name};
use crate::operations::{standing, OpRequest};

/// `?owner=` (admins only) and other query flags.
#[derive(Debug, Default, Deserialize)]
pub struct OwnerQuery {
    /// The owner whose stack is meant (admins).
    pub owner: Option<String>,
    /// `GET /v1/stacks`: only stacks in this status.
    pub status: Option<String>,
}

/// The mask NoEcho values are shown as.
pub const MASK: &str = "****";

/// A stack as one owner sees it: its record, if the state has it, and its latest operation.
pub struct Found {
    /// The owner.
    pub owner: Owner,
    /// The stack's name.
    pub name: String,
    /// Its name in the state store.
    pub store_name: String,
    /// Its record.
    pub record: Option<StackRecord>,
    /// Its latest operation.
    pub latest: Option<Operation>,
}

impl Found {
    /// The status to show: the record's, or (before the record exists) the queued create's.
    pub fn status(&self) -> String {
        match (&self.record, &self.latest) {
            (Some(r), _) => r.status.as_str().to_string(),
            (None, Some(op)) if op.kind == "create" && op.state == OpState::Failed => "CREATE_FAILED".into(),
            _ => "CREATE_IN_PROGRESS".into(),
        }
    }

    /// Whether an operation is queued or running.
    pub fn busy(&self) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|o| matches!(o.state, OpState::Queued | OpState::Running))
    }
}

/// `owner`'s stack `name` (the caller's owner, or the one an admin names), or 404.
pub async fn find(state: &Shared, caller: &Caller, q: &OwnerQuery, name: &str) -> Result<Found, ApiError> {
    let owner = caller.acting_for(state, q.owner.as_deref()).await?;
    crate::names::stack_name(name).map_err(|_| ApiError::NotFound(format!("no stack named {name}")))?;
    let store_name = store_name(&owner.name, name);
    let record = standing(state.engines.store().stack(&store_name).await?);
    let latest = state.db.operations(owner.id, name, 1).await?.into_iter().next();
    let visible = record.is_some()
        || latest
            .as_ref()
            .is_some_and(|o| o.kind == "create" && o.state != OpState::Done);
    if !visible {
        return Err(ApiError::NotFound(format!("no stack named {name}")));
    }
    Ok(Found {
        owner,
        name: name.to_string(),
        store_name,
        record,
        latest,
    })
}

fn summary(f: &Found) -> StackSummary {
    let r = f.record.as_ref();
    let failed_op = || {
        f.latest
            .as_ref()
            .filter(|o| o.state == OpState::Failed)
            .and_then(|o| o.outcome.as_deref())
            .map(|raw| crate::operations::StoredOutcome::decode(raw).text)
    };
    StackSummary {
        name: f.name.clone(),
        owner: f.owner.name.clone(),
        stack_id: r.map(|r| r.stack_id.clone()),
        status: f.status(),
        reason: r.and_then(|r| r.reason.clone()).or_else(failed_op),
        created: r.map(|r| utc(r.created_ms)),
        updated: r.map(|r| utc(r.updated_ms)),
        operation: f.latest.as_ref().map(operation_view),
    }
}

/// `GET /v1/stacks`.
pub async fn list(
    State(state): State<Shared>,
    caller: Caller,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackList>, ApiError> {
    let owners: Vec<Owner> = match (&q.owner, caller.owner.admin) {
        (None, true) => state.db.owners().await?,
        (named, _) => vec![caller.acting_for(&state, named.as_deref()).await?],
    };
    let records = state.engines.store().stacks().await?;
    let active = state.db.active_operations().await?;
    let mut out = Vec::new();
    for owner in &owners {
        let mut names: BTreeMap<String, Option<StackRecord>> = records
            .iter()
            .filter_map(|r| match (split_store_name(&r.name), standing(Some(r.clone()))) {
                (Some((o, s)), Some(r)) if o == owner.name => Some((s.to_string(), Some(r))),
                _ => None,
            })
            .collect();
        for op in &active {
            if op.owner == owner.id && op.kind == "create" {
                names.entry(op.stack.clone()).or_insert(None);
            }
        }
        for (name, record) in names {
            let latest = state.db.operations(owner.id, &name, 1).await?.into_iter().next();
            let found = Found {
                owner: owner.clone(),
                store_name: store_name(&owner.name, &name),
                name,
                record,
                latest,
            };
            if q.status.as_ref().is_none_or(|s| *s == found.status()) {
                out.push(summary(&found));
            }
        }
    }
    Ok(Json(StackList { stacks: out }))
}

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
    submit::plan_checked(&state, &owner, &name, &template, &body.parameters).await?;
    let (params, secrets) = submit::split(&template, &body.parameters);
    let request = OpRequest::Create {
        template: text,
        params,
        disable_rollback: body.disable_rollback,
        concurrency: body.concurrency,
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

/// `GET /v1/stacks/{name}`.
pub async fn describe(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackDescription>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let mut v = StackDescription {
        summary: summary(&found),
        ..StackDescription::default()
    };
    if let Some(r) = &found.record {
        let template =
            stack_core::template::parse_with(r.template.as_bytes(), &stack_core::limits::Limits::for_stored()).ok();
        // Every declared parameter: its value, else its default; NoEcho ones masked.
        let mut params: BTreeMap<String, String> = r.params.clone();
        if let Some(t) = &template {
            for (n, p) in &t.parameters {
                if p.no_echo {
                    if r.no_echo.contains(n) || p.default.is_some() {
                        params.insert(n.clone(), MASK.into());
                    }
                } else if let Some(d) = &p.default {
                    params.entry(n.clone()).or_insert_with(|| d.clone());
                }
            }
        }
        for n in &r.no_echo {
            params.insert(n.clone(), MASK.into());
        }
        v.parameters = Some(params);
        v.outputs = Some(outputs_of(&state, &found).await);
        v.description = template.and_then(|t| t.description);
    }
    Ok(Json(v))
}

async fn outputs_of(state: &Shared, found: &Found) -> BTreeMap<String, String> {
    let Some(r) = &found.record else {
        return BTreeMap::new();
    };
    if !r.status.is_stable() {
        return BTreeMap::new();
    }
    if let Some(kept) = state.outputs.get(&found.store_name, r.updated_ms) {
        return kept;
    }
    let Ok(engine) = submit::engine(state, &found.owner) else {
        return BTreeMap::new();
    };
    match engine.stored_run(&found.store_name, &BTreeMap::new()).await {
        Ok(run) => {
            state.outputs.put(&found.store_name, r.updated_ms, &run.outputs);
            run.outputs
        }
        Err(e) => {
            tracing::warn!(stack = %found.store_name, error = %e, "outputs could not be read");
            BTreeMap::new()
        }
    }
}

/// `GET /v1/stacks/{name}/outputs`.
pub async fn outputs(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackOutputs>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    Ok(Json(StackOutputs {
        status: found.status(),
        outputs: outputs_of(&state, &found).await,
        name,
    }))
}

/// Attribute names whose values are not shown.
fn hidden_attribute(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("password") || n.contains("secret") || n.contains("privatekey")
}

/// `GET /v1/stacks/{name}/resources`.
pub async fn resources(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<ResourceList>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let rows = state.engines.store().resources(&found.store_name).await?;
    let resources = rows
        .into_iter()
        .map(|r| ResourceView {
            attributes: r
                .attributes
                .iter()
                .map(|(k, v)| {
                    let shown = if hidden_attribute(k) {
                        Value::from(MASK)
                    } else {
                        v.clone()
                    };
                    (k.clone(), shown)
                })
                .collect(),
            status: r.status.as_str().to_string(),
            logical_id: r.logical,
            resource_type: r.type_name,
            physical_id: r.physical_id,
            reason: r.reason,
        })
        .collect();
    Ok(Json(ResourceList { name, resources }))
}

/// `GET /v1/stacks/{name}/template`.
pub async fn template(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackTemplate>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let text = match (&found.record, &found.latest) {
        (Some(r), _) => r.template.clone(),
        (None, Some(op)) => match serde_json::from_str::<OpRequest>(&op.payload) {
            Ok(OpRequest::Create { template, .. }) => template,
            _ => String::new(),
        },
        (None, None) => String::new(),
    };
    Ok(Json(StackTemplate { name, template: text }))
}

/// `GET /v1/stacks/{name}/graph`: the dependency graph, each node with its resource's status.
pub async fn graph(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackGraph>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    if found.record.is_none() {
        return Ok(Json(StackGraph {
            name,
            ..StackGraph::default()
        }));
    }
    let statuses: BTreeMap<String, String> = state
        .engines
        .store()
        .resources(&found.store_name)
        .await?
        .into_iter()
        .map(|r| (r.logical, r.status.as_str().to_string()))
        .collect();
    let engine = submit::engine(&state, &found.owner)?;
    let plan = engine
        .teardown_plan(&found.store_name, &BTreeMap::new())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let nodes = plan
        .order
        .iter()
        .filter_map(|logical| plan.resources.get(logical))
        .map(|r| GraphNode {
            id: r.logical.clone(),
            type_name: r.type_name.clone(),
            status: statuses
                .get(&r.logical)
                .map_or("NOT_STARTED", String::as_str)
                .to_string(),
        })
        .collect();
    let edges = plan
        .resources
        .values()
        .flat_map(|r| {
            r.depends_on.iter().map(move |d| GraphEdge {
                from: d.clone(),
                to: r.logical.clone(),
            })
        })
        .collect();
    Ok(Json(StackGraph { name, nodes, edges }))
}

/// `GET /v1/stacks/{name}/operations`.
pub async fn operations(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<OperationList>, ApiError> {
    let found = find(&state, &caller, &q, &name).await?;
    let ops = state.db.operations(found.owner.id, &name, 100).await?;
    Ok(Json(OperationList {
        name,
        operations: ops.iter().map(operation_view).collect(),
    }))
}

/// `GET /v1/operations/{id}`.
pub async fn operation(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<OperationView>, ApiError> {
    let op = state
        .db
        .operation(id)
        .await?
        .filter(|op| caller.owner.admin || op.owner == caller.owner.id)
        .ok_or_else(|| ApiError::NotFound(format!("no operation {id}")))?;
    Ok(Json(operation_view(&op)))
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
    submit::plan_checked(&state, &found.owner, &found.store_name, &template, &given).await?;
    let (params, secrets) = submit::split(&template, &body.parameters);
    let request = OpRequest::Update {
        template: text,
        params,
        stack_policy: policy_text(body.stack_policy),
        policy_override: policy_text(body.policy_override),
    };
    queue_on_existing(&state, &found, request, &secrets).await
}
