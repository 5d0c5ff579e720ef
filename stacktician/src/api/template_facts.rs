//! What the API shows of a stack that comes from its stored template: its description, the order
//! it declares its parameters and outputs in, and its outputs worked out against its resources.
//! Each is worked out once per version of the stack's record ([`super::version_cache`]).

use std::collections::BTreeMap;

use stack_core::state::StackRecord;
use stack_core::OutputDetail;

use super::{submit, Shared};
use crate::db::Owner;

/// What a stack's template says of it, read once per version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateFacts {
    /// The template's `Description`.
    pub description: Option<String>,
    /// Its parameters, in the order it declares them.
    pub parameter_order: Vec<String>,
    /// Its outputs, in the order it declares them.
    pub output_order: Vec<String>,
}

impl TemplateFacts {
    /// Read from `text` (a stored template: held to the stored limits). A template that no longer
    /// reads has no description and no order.
    pub fn read(text: &str) -> Self {
        let limits = stack_core::limits::Limits::for_stored();
        let description = stack_core::template::parse_with(text.as_bytes(), &limits)
            .ok()
            .and_then(|t| t.description);
        Self {
            description,
            parameter_order: stack_core::key_order::declared_order(text.as_bytes(), "Parameters"),
            output_order: stack_core::key_order::declared_order(text.as_bytes(), "Outputs"),
        }
    }
}

/// `text` read into JSON, as the service reads a stored template; `None` if it does not read.
pub fn document(text: &str) -> Option<serde_json::Value> {
    stack_core::template::read(text.as_bytes(), &stack_core::limits::Limits::for_stored()).ok()
}

/// The facts of `record`'s template.
pub fn facts_of(state: &Shared, record: &StackRecord) -> TemplateFacts {
    state.facts.get_or_put(&record.name, record.updated_ms, || {
        TemplateFacts::read(&record.template)
    })
}

/// Where `name` stands in `order`, for sorting (names it lacks after all the others).
pub fn rank(order: &[String], name: &str) -> usize {
    order.iter().position(|o| o == name).unwrap_or(usize::MAX)
}

/// The outputs of `owner`'s stack `store_name` (its `record`) with their descriptions and export
/// names, in declared order (none until the stack stands as made).
pub async fn outputs_of(
    state: &Shared,
    owner: &Owner,
    store_name: &str,
    record: Option<&StackRecord>,
) -> Vec<OutputDetail> {
    let Some(r) = record else {
        return Vec::new();
    };
    if !r.status.is_stable() {
        return Vec::new();
    }
    if let Some(kept) = state.outputs.get(store_name, r.updated_ms) {
        return kept;
    }
    let Ok(engine) = submit::engine(state, owner) else {
        return Vec::new();
    };
    match engine.stored_run(store_name, &BTreeMap::new()).await {
        Ok(run) => {
            let order = facts_of(state, r).output_order;
            let mut details = run.output_details();
            details.sort_by(|a, b| {
                rank(&order, &a.name)
                    .cmp(&rank(&order, &b.name))
                    .then_with(|| a.name.cmp(&b.name))
            });
            state.outputs.put(store_name, r.updated_ms, &details);
            details
        }
        Err(e) => {
            tracing::warn!(stack = %store_name, error = %e, "outputs could not be read");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_keep_the_declared_order() {
        let text = r#"{"Description": "two", "Parameters": {"Zone": {"Type": "String"}, "Size": {"Type": "String"}},
            "Resources": {"G": {"Type": "CloudStack::SecurityGroup"}},
            "Outputs": {"Url": {"Value": "u"}, "Address": {"Value": "a"}}}"#;
        let facts = TemplateFacts::read(text);
        assert_eq!(facts.description.as_deref(), Some("two"));
        assert_eq!(facts.parameter_order, ["Zone", "Size"]);
        assert_eq!(facts.output_order, ["Url", "Address"]);
        let mut names = vec!["Other", "Address", "Url"];
        names.sort_by_key(|n| (rank(&facts.output_order, n), *n));
        assert_eq!(names, ["Url", "Address", "Other"]);
    }
}
