//! Owners and API tokens. Admins add owners (with their CloudStack credentials, sealed at once) and
//! tokens for anyone; every caller lists and revokes its own tokens and makes new ones. A token is
//! shown once, when made.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Caller;
use super::body::JsonBody;
use super::submit::now_ms;
use super::{ApiError, Shared};
use crate::db::{Owner, TokenRow};

fn owner_json(o: &Owner) -> Value {
    json!({
        "name": o.name,
        "admin": o.admin,
        "endpoint": o.endpoint,
        "api_key": o.api_key,
        "api_version": o.api_version,
        "created": stack_core::state::utc(u64::try_from(o.created_ms).unwrap_or(0)),
    })
}

fn token_json(t: &TokenRow) -> Value {
    json!({
        "id": t.id,
        "label": t.label,
        "revoked": t.revoked,
        "created": stack_core::state::utc(u64::try_from(t.created_ms).unwrap_or(0)),
    })
}

/// `GET /v1/whoami`.
pub async fn whoami(caller: Caller) -> Json<Value> {
    let mut v = owner_json(&caller.owner);
    v["token_id"] = json!(caller.token_id);
    Json(v)
}

/// `GET /v1/owners` (admins).
pub async fn owners(State(state): State<Shared>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.admin("listing owners")?;
    let all = state.db.owners().await?;
    Ok(Json(json!({"owners": all.iter().map(owner_json).collect::<Vec<_>>()})))
}

/// The body of `POST /v1/owners`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerBody {
    /// Name.
    pub name: String,
    /// Whether its tokens see every owner's stacks.
    #[serde(default)]
    pub admin: bool,
    /// The CloudStack API endpoint.
    pub endpoint: String,
    /// The CloudStack API key.
    pub api_key: String,
    /// The CloudStack secret key (sealed before it is kept; never shown again).
    pub secret_key: String,
    /// A shipped release to plan against instead of the cloud's own listApis.
    #[serde(default)]
    pub api_version: Option<String>,
}

impl std::fmt::Debug for OwnerBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnerBody")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Adds an owner (the admin command and the API share this).
pub async fn add(state: &Shared, body: OwnerBody) -> Result<Owner, ApiError> {
    crate::names::owner_name(&body.name).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
    if !(body.endpoint.starts_with("http://") || body.endpoint.starts_with("https://")) {
        return Err(ApiError::InvalidRequest(format!(
            "endpoint {:?} is not an http(s) URL like https://cloud.example.com/client/api",
            body.endpoint
        )));
    }
    if let Some(v) = &body.api_version {
        cloudstack_api::specs::release(v).map_err(|e| ApiError::InvalidRequest(format!("api_version {v}: {e}")))?;
    }
    let sealed = state
        .key
        .seal(&body.secret_key)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let owner = Owner {
        id: 0,
        name: body.name,
        admin: body.admin,
        endpoint: body.endpoint,
        api_key: body.api_key,
        secret_sealed: sealed,
        api_version: body.api_version,
        created_ms: now_ms(),
    };
    Ok(state.db.add_owner(&owner).await?)
}

/// `POST /v1/owners` (admins).
pub async fn add_owner(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<OwnerBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.admin("adding owners")?;
    let owner = add(&state, body).await?;
    Ok((StatusCode::CREATED, Json(owner_json(&owner))))
}

/// `GET /v1/tokens`: the caller's own.
pub async fn tokens(State(state): State<Shared>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let all = state.db.tokens(caller.owner.id).await?;
    Ok(Json(json!({"tokens": all.iter().map(token_json).collect::<Vec<_>>()})))
}

/// The body of `POST /v1/tokens`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// A label.
    #[serde(default)]
    pub label: String,
    /// Whose (admins: any owner; others: their own).
    #[serde(default)]
    pub owner: Option<String>,
}

/// Makes a token for `owner`: the row kept and the token, shown once.
pub async fn issue(state: &Shared, owner: &Owner, label: &str) -> Result<(TokenRow, String), ApiError> {
    let t = crate::tokens::new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    let row = TokenRow {
        id: t.id.clone(),
        owner: owner.id,
        hash: t.hash.clone(),
        label: label.chars().take(200).collect(),
        revoked: false,
        created_ms: now_ms(),
    };
    state.db.add_token(&row).await?;
    Ok((row, t.token))
}

/// `POST /v1/tokens`.
pub async fn add_token(
    State(state): State<Shared>,
    caller: Caller,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let owner = match &body.owner {
        Some(n) if *n != caller.owner.name => {
            caller.admin("making another owner's tokens")?;
            caller.acting_for(&state, Some(n)).await?
        }
        _ => caller.owner.clone(),
    };
    let (row, token) = issue(&state, &owner, &body.label).await?;
    let mut v = token_json(&row);
    v["owner"] = json!(owner.name);
    v["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(v)))
}

/// `DELETE /v1/tokens/{id}`: revokes one of the caller's tokens (an admin's: anyone's).
pub async fn revoke_token(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let row = state
        .db
        .token(&id)
        .await?
        .filter(|t| caller.owner.admin || t.owner == caller.owner.id)
        .ok_or_else(|| ApiError::NotFound(format!("no token {id}")))?;
    state.db.revoke_token(&row.id).await?;
    Ok(Json(json!({"id": row.id, "revoked": true})))
}
