//! Stored templates and validation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::stacks::TemplateSource;

/// The body of `POST /v1/templates`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreTemplate {
    /// The template's name.
    pub name: String,
    /// Its text or JSON object.
    pub template: Value,
}

/// A stored template's version. `template` (the text) is left out of lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTemplate {
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: String,
    /// The version (1, 2, ...).
    pub version: i64,
    /// Stored (RFC 3339); left out of the answer to a store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The text, when one version is asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The text read into JSON (YAML short forms as their `Fn::` objects), with the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<serde_json::Value>,
    /// Every version, when a template is described.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<StoredTemplate>>,
}

/// `GET /v1/templates`: the newest version of each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateList {
    /// The templates.
    pub templates: Vec<StoredTemplate>,
}

/// The body of `POST /v1/validate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validate {
    /// The template.
    #[serde(flatten)]
    pub source: TemplateSource,
    /// Parameter values: when given, the whole plan is checked against the owner's release.
    #[serde(default)]
    pub parameters: Option<BTreeMap<String, String>>,
}

/// The answer to `POST /v1/validate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidateAnswer {
    /// Always true (an invalid template is an `invalid_template` error).
    pub valid: bool,
    /// The template's description.
    pub description: Option<String>,
    /// Its parameters.
    pub parameters: Vec<DeclaredParameter>,
    /// Its resources.
    pub resources: Vec<DeclaredResource>,
}

/// A parameter a template declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeclaredParameter {
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Its default (left null for NoEcho ones).
    pub default: Option<String>,
    /// Whether it has a default.
    pub has_default: bool,
    /// Whether its value is secret.
    pub no_echo: bool,
    /// The values it may take.
    pub allowed_values: Vec<String>,
    /// The pattern it matches.
    pub allowed_pattern: Option<String>,
    /// Its shortest length.
    pub min_length: Option<usize>,
    /// Its longest length.
    pub max_length: Option<usize>,
    /// Its least value.
    pub min_value: Option<f64>,
    /// Its greatest value.
    pub max_value: Option<f64>,
    /// What to say when a value breaks a constraint.
    pub constraint_description: Option<String>,
    /// Its description.
    pub description: Option<String>,
}

/// A resource a template declares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredResource {
    /// Its logical id.
    pub logical_id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub type_name: String,
}
