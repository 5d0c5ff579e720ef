//! Stored templates with names and versions (StackMate's `sm-create-template`): each store of a name
//! makes its next version; stacks are created from a name and, optionally, a version.

use axum::extract::State;

use super::body::{Path, Query};
use axum::http::StatusCode;
use axum::Json;
use stacktician_rest::{StoreTemplate, StoredTemplate, TemplateList};

use super::auth::Caller;
use super::body::JsonBody;
use super::stacks::OwnerQuery;
use super::submit::{self, now_ms};
use super::{ApiError, Shared};
use crate::db::TemplateRow;

fn row_view(r: &TemplateRow, owner: &str) -> StoredTemplate {
    StoredTemplate {
        name: r.name.clone(),
        owner: owner.to_string(),
        version: r.version,
        created: Some(stack_core::state::utc(u64::try_from(r.created_ms).unwrap_or(0))),
        template: None,
        document: None,
        versions: None,
    }
}

/// `POST /v1/templates`: stores the next version of a template, once it parses.
pub async fn store(
    State(state): State<Shared>,
    caller: Caller,
    Query(q): Query<OwnerQuery>,
    JsonBody(body): JsonBody<StoreTemplate>,
) -> Result<(StatusCode, Json<StoredTemplate>), ApiError> {
    let owner = caller.acting_for(&state, q.owner.as_deref()).await?;
    crate::names::template_name(&body.name).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
    let source = submit::TemplateSource {
        template: Some(body.template),
        ..submit::TemplateSource::default()
    };
    let text = submit::text_of(&state, &owner, &source).await?.unwrap_or_default();
    submit::checked(&state, &text).await?;
    let version = state.db.put_template(owner.id, &body.name, &text, now_ms()).await?;
    Ok((
        StatusCode::CREATED,
        Json(StoredTemplate {
            name: body.name,
            owner: owner.name,
            version,
            ..StoredTemplate::default()
        }),
    ))
}

/// `GET /v1/templates`: the newest version of each.
pub async fn list(
    State(state): State<Shared>,
    caller: Caller,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<TemplateList>, ApiError> {
    let rows = match (&q.owner, caller.owner.admin) {
        (None, true) => state.db.templates(None).await?,
        (named, _) => {
            let owner = caller.acting_for(&state, named.as_deref()).await?;
            state.db.templates(Some(owner.id)).await?
        }
    };
    let owners: std::collections::BTreeMap<i64, String> =
        state.db.owners().await?.into_iter().map(|o| (o.id, o.name)).collect();
    let list: Vec<StoredTemplate> = rows
        .iter()
        .map(|r| row_view(r, owners.get(&r.owner).map_or("", String::as_str)))
        .collect();
    Ok(Json(TemplateList { templates: list }))
}

/// `GET /v1/templates/{name}`: the newest version, with every version listed.
pub async fn describe(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StoredTemplate>, ApiError> {
    let owner = caller.acting_for(&state, q.owner.as_deref()).await?;
    let newest = state
        .db
        .template(owner.id, &name, None)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no template named {name}")))?;
    let versions = state.db.template_versions(owner.id, &name).await?;
    let mut v = row_view(&newest, &owner.name);
    v.document = super::template_facts::document(&newest.body);
    v.template = Some(newest.body);
    v.versions = Some(versions.iter().map(|r| row_view(r, &owner.name)).collect());
    Ok(Json(v))
}

/// `GET /v1/templates/{name}/versions/{version}`.
pub async fn version(
    State(state): State<Shared>,
    caller: Caller,
    Path((name, version)): Path<(String, i64)>,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StoredTemplate>, ApiError> {
    let owner = caller.acting_for(&state, q.owner.as_deref()).await?;
    let row = state
        .db
        .template(owner.id, &name, Some(version))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no version {version} of template {name}")))?;
    let mut v = row_view(&row, &owner.name);
    v.document = super::template_facts::document(&row.body);
    v.template = Some(row.body);
    Ok(Json(v))
}
