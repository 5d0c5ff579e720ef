//! What the API reads of a stack: its description, outputs, resources, template, graph and
//! operations, from the state store and the service's rows (a deleted stack's too, with
//! `?deleted=true`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use stack_core::Status;
use stacktician_rest::{
    GraphEdge, GraphNode, OperationList, OperationView, OutputView, ResourceList, ResourceView, StackDescription,
    StackGraph, StackOutputs, StackTemplate,
};

use super::auth::Caller;
use super::body::{Path, Query};
use super::stacks::{find_read, summary, OwnerQuery, MASK};
use super::submit::{self, operation_view};
use super::template_facts::{facts_of, outputs_of};
use super::{ApiError, Shared};
use crate::operations::OpRequest;

/// `GET /v1/stacks/{name}`.
pub async fn describe(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackDescription>, ApiError> {
    let found = find_read(&state, &caller, &q, &name).await?;
    let mut v = StackDescription {
        summary: summary(&state, &found),
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
        v.parameter_order = facts_of(&state, r).parameter_order;
        v.outputs = Some(
            outputs_of(&state, &found.owner, &found.store_name, found.record.as_ref())
                .await
                .into_iter()
                .map(|o| (o.name, o.value))
                .collect(),
        );
        v.tags = r.options.stack_tags.clone();
        v.disable_rollback = r.options.disable_rollback;
        v.timeout_minutes = r.options.timeout_minutes;
        v.stack_policy = r.options.stack_policy.clone();
    }
    Ok(Json(v))
}

/// `GET /v1/stacks/{name}/outputs`.
pub async fn outputs(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackOutputs>, ApiError> {
    let found = find_read(&state, &caller, &q, &name).await?;
    let details = outputs_of(&state, &found.owner, &found.store_name, found.record.as_ref()).await;
    Ok(Json(StackOutputs {
        status: found.status(),
        outputs: details.iter().map(|o| (o.name.clone(), o.value.clone())).collect(),
        details: details
            .into_iter()
            .map(|o| OutputView {
                name: o.name,
                value: o.value,
                description: o.description,
                export_name: o.export_name,
            })
            .collect(),
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
    let found = find_read(&state, &caller, &q, &name).await?;
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
    let found = find_read(&state, &caller, &q, &name).await?;
    let text = match (&found.record, &found.latest) {
        (Some(r), _) => r.template.clone(),
        (None, Some(op)) => match serde_json::from_str::<OpRequest>(&op.payload) {
            Ok(OpRequest::Create { template, .. }) => template,
            _ => String::new(),
        },
        (None, None) => String::new(),
    };
    Ok(Json(StackTemplate {
        name,
        document: super::template_facts::document(&text),
        template: text,
    }))
}

/// `GET /v1/stacks/{name}/graph`: the dependency graph, each node with its resource's status.
pub async fn graph(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackGraph>, ApiError> {
    let found = find_read(&state, &caller, &q, &name).await?;
    if found.record.as_ref().is_none_or(|r| r.status == Status::DeleteComplete) {
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
    let mut graph = graph_shape(&state, &found).await?;
    for node in &mut graph.nodes {
        node.status = statuses.get(&node.id).map_or("NOT_STARTED", String::as_str).to_string();
    }
    graph.name = name;
    Ok(Json(graph))
}

/// The stack's resources and dependencies (no statuses), from its plan: worked out once per
/// version of the stack.
async fn graph_shape(state: &Shared, found: &super::stacks::Found) -> Result<StackGraph, ApiError> {
    let Some(record) = &found.record else {
        return Ok(StackGraph::default());
    };
    if let Some(kept) = state.graphs.get(&found.store_name, record.updated_ms) {
        return Ok(kept);
    }
    let engine = submit::engine(state, &found.owner)?;
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
            status: String::new(),
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
    let shape = StackGraph {
        name: String::new(),
        nodes,
        edges,
    };
    state.graphs.put(&found.store_name, record.updated_ms, &shape);
    Ok(shape)
}

/// `GET /v1/stacks/{name}/operations`.
pub async fn operations(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<OperationList>, ApiError> {
    let found = find_read(&state, &caller, &q, &name).await?;
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
