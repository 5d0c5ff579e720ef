//! The error every refusal answers with.

use serde::{Deserialize, Serialize};

/// The body of every error answer: `{"error": {...}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAnswer {
    /// The error.
    pub error: ErrorBody,
}

/// An error: a stable code per kind (`invalid_template`, `not_found`, `conflict`, ...) and a
/// message for a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The stable code: what a client matches on.
    pub code: String,
    /// What was wrong, for a person.
    pub message: String,
    /// For `invalid_template`: every problem, each at its place in the template. Left out otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<ProblemView>>,
}

/// One problem of a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemView {
    /// Where: a JSON pointer into the template (with the nesting path for nested templates).
    pub pointer: String,
    /// What.
    pub message: String,
    /// What to do, when there is advice.
    pub hint: Option<String>,
}
