//! Change sets: an update described before it is run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::stacks::TemplateSource;

/// The body of `POST /v1/stacks/{name}/change-sets`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateChangeSet {
    /// The change set's name.
    pub name: String,
    /// The new template (the current one if none is given).
    #[serde(flatten)]
    pub source: TemplateSource,
    /// Parameter values to change (and the NoEcho ones, again).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

/// A stored change set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeSetView {
    /// Its name.
    pub name: String,
    /// The stack.
    pub stack: String,
    /// Made (RFC 3339).
    pub created: String,
    /// Whether the stack changed after it was made (then it cannot be run).
    pub stale: bool,
    /// The parameter values it would run with (NoEcho ones left out).
    pub parameters: BTreeMap<String, String>,
    /// The NoEcho parameters it needs again when it is run.
    pub no_echo: Vec<String>,
    /// What would change, resource by resource: each with `action`, `logical`, `type_name`,
    /// `replacement` and the properties that change (the engine's `ResourceChange`).
    pub changes: Vec<Value>,
}

/// `GET /v1/stacks/{name}/change-sets`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeSetList {
    /// The stack.
    pub name: String,
    /// Its change sets.
    pub change_sets: Vec<ChangeSetView>,
}

/// `DELETE /v1/stacks/{name}/change-sets/{change_set}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedChangeSet {
    /// The change set.
    pub name: String,
    /// Always true.
    pub deleted: bool,
}

/// The body of `POST .../change-sets/{change_set}/execute`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecuteChangeSet {
    /// NoEcho values, again.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}
