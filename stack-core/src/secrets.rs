//! Keeping NoEcho values and metadata tokens out of everything written: events, records, outputs.

use serde_json::{Map, Value};

use crate::plan::Plan;

/// The values of the plan's NoEcho parameters and its metadata token (never written anywhere in
/// clear).
pub(crate) fn secrets_of(plan: &Plan) -> Vec<String> {
    let token = plan.options.metadata_token.expose();
    plan.params
        .values()
        .filter(|p| p.no_echo && !p.text.is_empty())
        .map(|p| p.text.clone())
        .chain((!token.is_empty()).then(|| token.to_string()))
        .collect()
}

/// What stands where a secret was, everywhere: events, records, outputs, logs.
pub(crate) const MASK: &str = "****";

/// `text` with every secret replaced by [`MASK`].
pub(crate) fn mask(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |acc, s| {
        if acc.contains(s.as_str()) {
            acc.replace(s.as_str(), MASK)
        } else {
            acc
        }
    })
}

/// `v` with every secret masked, at any depth.
pub(crate) fn mask_value(v: &Value, secrets: &[String]) -> Value {
    match v {
        Value::String(s) => Value::String(mask(s, secrets)),
        Value::Array(a) => Value::Array(a.iter().map(|x| mask_value(x, secrets)).collect()),
        Value::Object(o) => Value::Object(mask_map(o, secrets)),
        other => other.clone(),
    }
}

/// `m` with every secret masked.
pub(crate) fn mask_map(m: &Map<String, Value>, secrets: &[String]) -> Map<String, Value> {
    m.iter().map(|(k, v)| (k.clone(), mask_value(v, secrets))).collect()
}
