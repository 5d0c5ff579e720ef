//! Queued operations: what a state-changing request answers (`202 Accepted`) and how it ended.

use serde::{Deserialize, Serialize};

/// The answer to a request that queued an operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The stack.
    pub stack: String,
    /// The operation queued.
    pub operation: OperationView,
}

/// An operation as the API shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationView {
    /// Its id (`GET /v1/operations/{id}`).
    pub id: i64,
    /// The stack.
    pub stack: String,
    /// `create`, `update`, `delete`, `resume`, `continue_rollback` or `execute_change_set`.
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// How it ended, for a person: a stack status, `STATUS: why`, or `error: why`.
    pub outcome: Option<String>,
    /// The resource that failed first, as data, when one did.
    pub failure: Option<FailedResource>,
    /// Queued (RFC 3339).
    pub created: String,
    /// Last claimed by a worker.
    pub started: Option<String>,
    /// Finished.
    pub finished: Option<String>,
    /// How many times a worker claimed it.
    pub attempts: i64,
}

impl OperationView {
    /// Whether it has ended (done or failed).
    pub fn ended(&self) -> bool {
        matches!(self.state.as_str(), "done" | "failed")
    }
}

/// Why a resource failed, as data: match on `kind` and `code`, never on the message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedResource {
    /// The resource's logical id.
    pub logical: String,
    /// Its type.
    pub type_name: String,
    /// What the failure means, when the cloud (or the connection) said.
    pub kind: Option<cloudstack_client::FailureKind>,
    /// CloudStack's error code, when the cloud answered with one.
    pub code: Option<u16>,
    /// The API whose call failed, when one did.
    pub api: Option<String>,
    /// What went wrong, for a person (secrets masked).
    pub message: String,
}

/// `GET /v1/stacks/{name}/operations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationList {
    /// The stack.
    pub name: String,
    /// Its operations, newest first.
    pub operations: Vec<OperationView>,
}
