//! Custom resources: types the embedding program provides ([`CustomResource`]), for anything
//! CloudStack has no create/delete pair for, or another cloud's resources. Register one with
//! [`crate::Engine::register`]; the engine runs it like any other resource (write-ahead, rollback,
//! events), and its failures are typed ([`CustomError`]).

use serde_json::{Map, Value};

pub use stack_template::BoxFuture;

/// What a custom resource returns when created.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// Its physical id (`Ref`).
    pub physical_id: String,
    /// Its attributes (`Fn::GetAtt`).
    pub attributes: Map<String, Value>,
}

/// Why a custom resource's create or delete failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CustomError {
    /// It failed; trying again will not help.
    #[error("{0}")]
    Failed(String),
    /// It failed for now (a service down, a limit); the engine retries under its transient policy.
    #[error("{0} (transient)")]
    Transient(String),
    /// A delete found nothing to delete: counts as deleted.
    #[error("already gone")]
    Gone,
}

impl From<String> for CustomError {
    fn from(message: String) -> Self {
        Self::Failed(message)
    }
}

impl From<&str> for CustomError {
    fn from(message: &str) -> Self {
        Self::Failed(message.to_string())
    }
}

/// A resource type the embedding program provides. Register it with [`crate::Engine::register`].
pub trait CustomResource: Send + Sync {
    /// The attributes it exposes (empty: any).
    fn attributes(&self) -> Vec<String> {
        Vec::new()
    }
    /// Creates it from its evaluated properties.
    fn create(&self, logical_id: &str, properties: Value) -> BoxFuture<Result<Created, CustomError>>;
    /// Deletes it.
    fn delete(&self, physical_id: &str, attributes: &Map<String, Value>) -> BoxFuture<Result<(), CustomError>>;
}
