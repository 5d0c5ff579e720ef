//! Who a request is from: its API token checked ([`crate::tokens`]) and turned into a [`Caller`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::{ApiError, Shared};
use crate::db::Owner;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's owner.
    pub owner: Owner,
    /// The token's id.
    pub token_id: String,
}

impl Caller {
    /// The owner a request acts for: the caller's, or (for an admin) the one `?owner=` names. A
    /// non-admin naming another owner gets the same answer as for a stack that does not exist.
    pub async fn acting_for(&self, state: &Shared, named: Option<&str>) -> Result<Owner, ApiError> {
        match named {
            None => Ok(self.owner.clone()),
            Some(n) if n == self.owner.name => Ok(self.owner.clone()),
            Some(n) if self.owner.admin => state
                .db
                .owner_named(n)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no owner named {n}"))),
            Some(_) => Err(ApiError::NotFound("no such stack".into())),
        }
    }

    /// Refuses unless the caller is an admin.
    pub fn admin(&self, what: &'static str) -> Result<(), ApiError> {
        if self.owner.admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(what))
        }
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(ApiError::MissingToken)?;
        let presented = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::BadToken)?;
        let (id, secret) = crate::tokens::parse(presented).ok_or(ApiError::BadToken)?;
        let row = state.db.token(id).await?.ok_or(ApiError::BadToken)?;
        let (hash, sid, ssecret) = (row.hash.clone(), id.to_string(), secret.to_string());
        // argon2 costs tens of milliseconds: off the request threads.
        let shared = std::sync::Arc::clone(state);
        let ok = tokio::task::spawn_blocking(move || shared.verifier.verify(&sid, &ssecret, &hash))
            .await
            .unwrap_or(false);
        if !ok {
            return Err(ApiError::BadToken);
        }
        if row.revoked {
            return Err(ApiError::RevokedToken);
        }
        let owner = state.db.owner(row.owner).await?.ok_or(ApiError::BadToken)?;
        Ok(Self {
            owner,
            token_id: row.id,
        })
    }
}
