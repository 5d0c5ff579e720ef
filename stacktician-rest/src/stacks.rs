//! Stacks: creating and updating them, and what the API shows of them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::operations::OperationView;

/// Where a request's template comes from: its body, or a stored template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateSource {
    /// The template: its text, or its JSON object.
    #[serde(default)]
    pub template: Option<Value>,
    /// A stored template's name.
    #[serde(default)]
    pub template_name: Option<String>,
    /// Its version (the newest if not given).
    #[serde(default)]
    pub template_version: Option<i64>,
}

impl TemplateSource {
    /// A template given as its text (JSON or YAML).
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            template: Some(Value::String(text.into())),
            ..Self::default()
        }
    }

    /// A stored template, its newest version unless `version`.
    pub fn stored(name: impl Into<String>, version: Option<i64>) -> Self {
        Self {
            template_name: Some(name.into()),
            template_version: version,
            ..Self::default()
        }
    }
}

/// The body of `POST /v1/stacks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateStack {
    /// The stack's name.
    pub name: String,
    /// Its template.
    #[serde(flatten)]
    pub source: TemplateSource,
    /// Parameter values (NoEcho ones are sealed while queued, never kept after).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// Keep what was made if it fails.
    #[serde(default)]
    pub disable_rollback: bool,
    /// This stack's cap on resources made at once (the service's default if not given).
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// The stack's own tags, put on every resource that takes tags (at most 50; keys may not
    /// start with `cloudstack:`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Minutes the create may take; past them it fails (and rolls back unless
    /// `disable_rollback`).
    #[serde(default)]
    pub timeout_minutes: Option<u32>,
    /// The stack policy its updates are checked against (its JSON, as text or an object).
    #[serde(default)]
    pub stack_policy: Option<Value>,
}

/// The body of `PUT /v1/stacks/{name}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateStack {
    /// The new template (the current one if none is given).
    #[serde(flatten)]
    pub source: TemplateSource,
    /// Parameter values to change (and the NoEcho ones, again).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// A new stack policy (its JSON, as text or an object).
    #[serde(default)]
    pub stack_policy: Option<Value>,
    /// A policy for this update only.
    #[serde(default)]
    pub policy_override: Option<Value>,
}

/// The body of `DELETE /v1/stacks/{name}`, `POST .../resume` and `POST .../continue-rollback`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsBody {
    /// The stack's NoEcho parameter values (they are not kept after an operation ends).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// `continue-rollback`: resources to leave behind.
    #[serde(default)]
    pub skip: Vec<String>,
}

/// A stack in a list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackSummary {
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: String,
    /// Its id, once its create has started.
    pub stack_id: Option<String>,
    /// Its status (`CREATE_QUEUED` while its create waits for a worker).
    pub status: String,
    /// Why it is in that status, when there is more to say.
    pub reason: Option<String>,
    /// Created (RFC 3339).
    pub created: Option<String>,
    /// Last changed.
    pub updated: Option<String>,
    /// Its latest operation.
    pub operation: Option<OperationView>,
    /// The template's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// True for a stack that was deleted (listed with `?deleted=true`; its events stay readable
    /// until a stack of its name is made again).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// `GET /v1/stacks`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackList {
    /// The stacks.
    pub stacks: Vec<StackSummary>,
}

/// `GET /v1/stacks/{name}`: the summary, and once the stack exists, its parameters and outputs
/// (left out before).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackDescription {
    /// The summary.
    #[serde(flatten)]
    pub summary: StackSummary,
    /// Every declared parameter: its value, else its default (NoEcho ones masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<BTreeMap<String, String>>,
    /// The parameters' names in the order the template declares them (`parameters` is sorted by
    /// name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameter_order: Vec<String>,
    /// Its outputs (NoEcho values masked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<BTreeMap<String, String>>,
    /// Its stack tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Whether a failed create rolls back.
    #[serde(default)]
    pub disable_rollback: bool,
    /// Minutes its create was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u32>,
    /// Its stack policy (JSON text), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_policy: Option<String>,
}

/// One resource of a stack.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceView {
    /// Its logical id (with the nesting path for nested stacks' resources).
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// Its status.
    pub status: String,
    /// Its id in the cloud.
    pub physical_id: Option<String>,
    /// Why it is in that status.
    pub reason: Option<String>,
    /// Its attributes (secret-looking ones masked).
    pub attributes: serde_json::Map<String, Value>,
}

/// `GET /v1/stacks/{name}/resources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceList {
    /// The stack.
    pub name: String,
    /// Its resources.
    pub resources: Vec<ResourceView>,
}

/// `GET /v1/stacks/{name}/outputs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackOutputs {
    /// The stack.
    pub name: String,
    /// Its status.
    pub status: String,
    /// Its outputs (NoEcho values masked).
    pub outputs: BTreeMap<String, String>,
    /// The same outputs in the order the template declares them, with their descriptions and
    /// export names.
    #[serde(default)]
    pub details: Vec<OutputView>,
}

/// One output with what the template says of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputView {
    /// Its name.
    pub name: String,
    /// Its value (NoEcho values masked).
    pub value: String,
    /// The template's description of it.
    pub description: Option<String>,
    /// The name it is exported by (`Export.Name`), worked out.
    pub export_name: Option<String>,
}

/// `GET /v1/stacks/{name}/template`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackTemplate {
    /// The stack.
    pub name: String,
    /// The template it runs (nested templates in place), as written.
    pub template: String,
    /// The same template read into JSON (YAML short forms as their `Fn::` objects); `null` if it
    /// does not read.
    #[serde(default)]
    pub document: Option<Value>,
}

/// `GET /v1/stacks/{name}/graph`: the dependency graph, each node with its resource's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackGraph {
    /// The stack.
    pub name: String,
    /// Its resources.
    pub nodes: Vec<GraphNode>,
    /// Dependencies: `from` must exist before `to`.
    pub edges: Vec<GraphEdge>,
}

/// A resource in the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphNode {
    /// Its logical id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Its status (`NOT_STARTED` before it is touched).
    pub status: String,
}

/// A dependency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphEdge {
    /// What is needed.
    pub from: String,
    /// What needs it.
    pub to: String,
}
