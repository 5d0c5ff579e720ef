//! Owners and API tokens. Admins add owners (with their CloudStack credentials, sealed at once) and
//! tokens for anyone; every caller lists and revokes its own tokens and makes new ones. A token is
//! shown once, when made.

use axum::extract::State;

use super::body::Path;
use axum::http::StatusCode;
use axum::Json;
use stacktician_rest::{NewToken, OwnerList, OwnerView, RevokedToken, TokenList, TokenView, Whoami};

use super::auth::Caller;
use super::body::JsonBody;
use super::submit::now_ms;
use super::{ApiError, Shared};
use crate::db::{Owner, TokenRow};

fn owner_view(o: &Owner) -> OwnerView {
    OwnerView {
        name: o.name.clone(),
        admin: o.admin,
        endpoint: o.endpoint.clone(),
        api_key: o.api_key.clone(),
        api_version: o.api_version.clone(),
        created: stack_core::state::utc(u64::try_from(o.created_ms).unwrap_or(0)),
    }
}

fn token_view(t: &TokenRow) -> TokenView {
    TokenView {
        id: t.id.clone(),
        label: t.label.clone(),
        revoked: t.revoked,
        created: stack_core::state::utc(u64::try_from(t.created_ms).unwrap_or(0)),
        owner: None,
        token: None,
    }
}

/// `GET /v1/whoami`.
pub async fn whoami(caller: Caller) -> Json<Whoami> {
    Json(Whoami {
        owner: owner_view(&caller.owner),
        token_id: caller.token_id.clone(),
    })
}

/// `GET /v1/owners` (admins).
pub async fn owners(State(state): State<Shared>, caller: Caller) -> Result<Json<OwnerList>, ApiError> {
    caller.admin("listing owners")?;
    let all = state.db.owners().await?;
    Ok(Json(OwnerList {
        owners: all.iter().map(owner_view).collect(),
    }))
}

/// The body of `POST /v1/owners`.
pub type OwnerBody = stacktician_rest::NewOwner;

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
) -> Result<(StatusCode, Json<OwnerView>), ApiError> {
    caller.admin("adding owners")?;
    let owner = add(&state, body).await?;
    Ok((StatusCode::CREATED, Json(owner_view(&owner))))
}

/// `GET /v1/tokens`: the caller's own.
pub async fn tokens(State(state): State<Shared>, caller: Caller) -> Result<Json<TokenList>, ApiError> {
    let all = state.db.tokens(caller.owner.id).await?;
    Ok(Json(TokenList {
        tokens: all.iter().map(token_view).collect(),
    }))
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
    JsonBody(body): JsonBody<NewToken>,
) -> Result<(StatusCode, Json<TokenView>), ApiError> {
    let owner = match &body.owner {
        Some(n) if *n != caller.owner.name => {
            caller.admin("making another owner's tokens")?;
            caller.acting_for(&state, Some(n)).await?
        }
        _ => caller.owner.clone(),
    };
    let (row, token) = issue(&state, &owner, &body.label).await?;
    let v = TokenView {
        owner: Some(owner.name),
        token: Some(token),
        ..token_view(&row)
    };
    Ok((StatusCode::CREATED, Json(v)))
}

/// `DELETE /v1/tokens/{id}`: revokes one of the caller's tokens (an admin's: anyone's).
pub async fn revoke_token(
    State(state): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RevokedToken>, ApiError> {
    let row = state
        .db
        .token(&id)
        .await?
        .filter(|t| caller.owner.admin || t.owner == caller.owner.id)
        .ok_or_else(|| ApiError::NotFound(format!("no token {id}")))?;
    state.db.revoke_token(&row.id).await?;
    Ok(Json(RevokedToken {
        id: row.id,
        revoked: true,
    }))
}
