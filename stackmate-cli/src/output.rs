//! Rendering for people (text) and scripts (`--output json`, stable field names).

use crate::printing::outln;
use serde_json::{json, Value};
use stack_core::state::{utc, ResourceRecord, StackRecord};
use stack_core::Event;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For scripts.
    Json,
}

/// An event as a JSON object.
pub fn event_json(seq: u64, e: &Event) -> Value {
    json!({
        "seq": seq,
        "timestamp": utc(e.timestamp_ms),
        "timestamp_ms": e.timestamp_ms,
        "stack": e.stack,
        "logical_id": e.logical_id,
        "resource_type": e.resource_type,
        "physical_id": e.physical_id,
        "status": e.status.as_str(),
        "reason": e.reason,
    })
}

/// An event as one line of text.
pub fn event_line(e: &Event) -> String {
    format!(
        "{}  {:<24} {:<40} {:<20} {}{}",
        utc(e.timestamp_ms),
        e.logical_id,
        e.resource_type,
        e.status.as_str(),
        e.physical_id.as_deref().unwrap_or("-"),
        e.reason.as_deref().map(|r| format!("  ({r})")).unwrap_or_default()
    )
}

/// A stack summary.
pub fn stack_json(s: &StackRecord) -> Value {
    json!({
        "name": s.name,
        "stack_id": s.stack_id,
        "status": s.status.as_str(),
        "reason": s.reason,
        "created": utc(s.created_ms),
        "updated": utc(s.updated_ms),
        "api_version": s.options.version,
        "disable_rollback": s.options.disable_rollback,
        "parameters": s.params,
        "no_echo_parameters": s.no_echo,
    })
}

/// A resource.
pub fn resource_json(r: &ResourceRecord) -> Value {
    json!({
        "logical_id": r.logical,
        "resource_type": r.type_name,
        "status": r.status.as_str(),
        "physical_id": r.physical_id,
        "job_id": r.job_id,
        "reason": r.reason,
        "attributes": r.attributes,
    })
}

/// Prints a JSON document.
pub fn print_json(v: &Value) {
    outln!("{}", serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()));
}
