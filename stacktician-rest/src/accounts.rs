//! Owners and API tokens.

use serde::{Deserialize, Serialize};

/// The body of `POST /v1/owners` (admins).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOwner {
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

/// Shows everything but the secret key.
impl std::fmt::Debug for NewOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewOwner")
            .field("name", &self.name)
            .field("admin", &self.admin)
            .field("endpoint", &self.endpoint)
            .field("api_key", &self.api_key)
            .field("api_version", &self.api_version)
            .finish_non_exhaustive()
    }
}

/// An owner as the API shows it (never its secret key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerView {
    /// Name.
    pub name: String,
    /// Whether its tokens see every owner's stacks.
    pub admin: bool,
    /// The CloudStack API endpoint.
    pub endpoint: String,
    /// The CloudStack API key.
    pub api_key: String,
    /// The release it plans against, when pinned.
    pub api_version: Option<String>,
    /// Added (RFC 3339).
    pub created: String,
}

/// `GET /v1/whoami`: the caller's owner and token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whoami {
    /// The owner.
    #[serde(flatten)]
    pub owner: OwnerView,
    /// The token's public id.
    pub token_id: String,
}

/// `GET /v1/owners`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerList {
    /// Every owner.
    pub owners: Vec<OwnerView>,
}

/// The body of `POST /v1/tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// A label.
    #[serde(default)]
    pub label: String,
    /// Whose (admins: any owner; others: their own).
    #[serde(default)]
    pub owner: Option<String>,
}

/// A token as the API shows it. `owner` and `token` (the secret, shown once) only in the answer to
/// its creation.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    /// Its public id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Whether it is refused.
    pub revoked: bool,
    /// Made (RFC 3339).
    pub created: String,
    /// Whose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The token itself, once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Shows everything but the token itself.
impl std::fmt::Debug for TokenView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenView")
            .field("id", &self.id)
            .field("label", &self.label)
            .field("revoked", &self.revoked)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// `GET /v1/tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenList {
    /// The tokens.
    pub tokens: Vec<TokenView>,
}

/// `DELETE /v1/tokens/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedToken {
    /// The token's id.
    pub id: String,
    /// Always true.
    pub revoked: bool,
}
