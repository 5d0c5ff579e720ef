//! The SQLite store's rows: how records are read from and written to its columns, and the fencing
//! check every write makes in its own transaction.

use rusqlite::{params, OptionalExtension, Transaction};

use stack_core::events::Status;
use stack_core::state::{Intent, IntentKind, Lease, ResourceRecord, StackRecord, StateError};

pub(super) fn corrupt(stack: &str, message: impl Into<String>) -> StateError {
    StateError::Corrupt {
        stack: stack.to_string(),
        message: message.into(),
    }
}

pub(super) fn parse_status(stack: &str, s: &str) -> Result<Status, StateError> {
    Status::parse(s).ok_or_else(|| corrupt(stack, format!("unknown status {s:?}")))
}

pub(super) fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_string())
}

pub(super) type StackRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<String>,
);

pub(super) fn stack_from_row(row: StackRow) -> Result<StackRecord, StateError> {
    let (name, stack_id, template, params, no_echo, options, status, reason, created, updated, previous) = row;
    let bad = |what: &str, e: serde_json::Error| corrupt(&name, format!("{what}: {e}"));
    Ok(StackRecord {
        stack_id,
        template,
        params: serde_json::from_str(&params).map_err(|e| bad("params", e))?,
        no_echo: serde_json::from_str(&no_echo).map_err(|e| bad("no_echo", e))?,
        options: serde_json::from_str(&options).map_err(|e| bad("options", e))?,
        status: parse_status(&name, &status)?,
        reason,
        created_ms: u64::try_from(created).unwrap_or(0),
        updated_ms: u64::try_from(updated).unwrap_or(0),
        previous: previous
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| bad("previous", e))?,
        name,
    })
}

pub(super) const STACK_COLUMNS: &str =
    "name, stack_id, template, params, no_echo, options, status, reason, created_ms, updated_ms, previous";

pub(super) fn read_stack_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StackRow> {
    // rusqlite reads a row into a tuple of its columns' types.
    StackRow::try_from(r)
}

pub(super) fn ms(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(super) fn unsigned(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Whether `lease` is the stack's current one, in the transaction that is about to write.
pub(super) fn fenced(tx: &Transaction<'_>, lease: &Lease) -> rusqlite::Result<Option<StateError>> {
    let current: Option<(String, i64)> = tx
        .query_row(
            "SELECT token, fence FROM locks WHERE stack = ?1",
            params![lease.stack],
            |r| <(String, i64)>::try_from(r),
        )
        .optional()?;
    Ok(match current {
        Some((token, fence)) if token == lease.token && unsigned(fence) == lease.fence => None,
        _ => Some(StateError::Fenced {
            stack: lease.stack.clone(),
            fence: lease.fence,
        }),
    })
}

pub(super) type ResourceRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
);

pub(super) fn resource_from_row(stack: &str, row: ResourceRow) -> Result<ResourceRecord, StateError> {
    let (logical, type_name, status, physical_id, attrs, wire, intent, api, at, job_id, reason, tagged, replaced) = row;
    let intent = match (intent.as_deref().and_then(IntentKind::parse), api) {
        (Some(kind), Some(api)) => Some(Intent {
            kind,
            api,
            at_ms: at.map_or(0, unsigned),
        }),
        _ => None,
    };
    Ok(ResourceRecord {
        status: parse_status(stack, &status)?,
        attributes: serde_json::from_str(&attrs)
            .map_err(|e| corrupt(stack, format!("attributes of {logical}: {e}")))?,
        create_wire: serde_json::from_str(&wire)
            .map_err(|e| corrupt(stack, format!("create parameters of {logical}: {e}")))?,
        replaced: replaced
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(|e| corrupt(stack, format!("the resource {logical} replaces: {e}")))?,
        logical,
        type_name,
        physical_id,
        intent,
        job_id,
        tagged,
        reason,
    })
}
