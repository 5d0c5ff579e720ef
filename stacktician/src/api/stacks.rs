//! Finding a stack as a caller sees it (its owner's, or the one an admin names; a deleted one
//! when a read asks for it) and listing them. The reads are in [`super::stack_reads`], the
//! operations in [`super::stack_ops`].

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use stack_core::state::{utc, StackRecord};
use stack_core::Status;
use stacktician_rest::{StackList, StackSummary};

use super::auth::Caller;
use super::body::Query;
use super::submit::operation_view;
use super::template_facts::facts_of;
use super::{ApiError, Shared};
use crate::db::{OpState, Operation, Owner};
use crate::names::{split_store_name, store_name};
use crate::operations::standing;

/// `?owner=` (admins only) and other query flags.
#[derive(Debug, Default, Deserialize)]
pub struct OwnerQuery {
    /// The owner whose stack is meant (admins).
    pub owner: Option<String>,
    /// `GET /v1/stacks`: only stacks in this status.
    pub status: Option<String>,
    /// Reads: a deleted stack of the name too (the list: deleted stacks too).
    #[serde(default)]
    pub deleted: bool,
}

/// The mask NoEcho values are shown as.
pub const MASK: &str = "****";

/// A stack as one owner sees it: its record, if the state has it, and its latest operation.
pub struct Found {
    /// The owner.
    pub owner: Owner,
    /// The stack's name.
    pub name: String,
    /// Its name in the state store.
    pub store_name: String,
    /// Its record.
    pub record: Option<StackRecord>,
    /// Its latest operation.
    pub latest: Option<Operation>,
}

impl Found {
    /// The status to show: the record's, or (before the record exists) the queued create's.
    pub fn status(&self) -> String {
        match (&self.record, &self.latest) {
            (Some(r), _) => r.status.as_str().to_string(),
            (None, Some(op)) if op.kind == "create" && op.state == OpState::Failed => "CREATE_FAILED".into(),
            _ => "CREATE_IN_PROGRESS".into(),
        }
    }

    /// Whether an operation is queued or running.
    pub fn busy(&self) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|o| matches!(o.state, OpState::Queued | OpState::Running))
    }
}

/// `owner`'s stack `name` (the caller's owner, or the one an admin names), or 404. A deleted
/// stack is not found: operations act on stacks that stand.
pub async fn find(state: &Shared, caller: &Caller, q: &OwnerQuery, name: &str) -> Result<Found, ApiError> {
    locate(state, caller, q, name, false).await
}

/// [`find`] for a read: with `?deleted=true`, a deleted stack of the name is found too (until a
/// stack of its name is made again).
pub async fn find_read(state: &Shared, caller: &Caller, q: &OwnerQuery, name: &str) -> Result<Found, ApiError> {
    locate(state, caller, q, name, q.deleted).await
}

async fn locate(
    state: &Shared,
    caller: &Caller,
    q: &OwnerQuery,
    name: &str,
    deleted_too: bool,
) -> Result<Found, ApiError> {
    let owner = caller.acting_for(state, q.owner.as_deref()).await?;
    crate::names::stack_name(name).map_err(|_| ApiError::NotFound(format!("no stack named {name}")))?;
    let store_name = store_name(&owner.name, name);
    let stored = state.engines.store().stack(&store_name).await?;
    let record = if deleted_too { stored } else { standing(stored) };
    let latest = state.db.operations(owner.id, name, 1).await?.into_iter().next();
    let visible = record.is_some()
        || latest
            .as_ref()
            .is_some_and(|o| o.kind == "create" && o.state != OpState::Done);
    if !visible {
        return Err(ApiError::NotFound(format!("no stack named {name}")));
    }
    Ok(Found {
        owner,
        name: name.to_string(),
        store_name,
        record,
        latest,
    })
}

/// The stack as a list shows it.
pub fn summary(state: &Shared, f: &Found) -> StackSummary {
    let r = f.record.as_ref();
    let failed_op = || {
        f.latest
            .as_ref()
            .filter(|o| o.state == OpState::Failed)
            .and_then(|o| o.outcome.as_deref())
            .map(|raw| crate::operations::StoredOutcome::decode(raw).text)
    };
    StackSummary {
        name: f.name.clone(),
        owner: f.owner.name.clone(),
        stack_id: r.map(|r| r.stack_id.clone()),
        status: f.status(),
        reason: r.and_then(|r| r.reason.clone()).or_else(failed_op),
        created: r.map(|r| utc(r.created_ms)),
        updated: r.map(|r| utc(r.updated_ms)),
        operation: f.latest.as_ref().map(operation_view),
        description: r.and_then(|r| facts_of(state, r).description),
        deleted: r.is_some_and(|r| r.status == Status::DeleteComplete),
    }
}

/// `GET /v1/stacks`: the owner's stacks (every owner's for an admin), with `?deleted=true` the
/// deleted ones too, with `?status=` only those in that status.
pub async fn list(
    State(state): State<Shared>,
    caller: Caller,
    Query(q): Query<OwnerQuery>,
) -> Result<Json<StackList>, ApiError> {
    let owners: Vec<Owner> = match (&q.owner, caller.owner.admin) {
        (None, true) => state.db.owners().await?,
        (named, _) => vec![caller.acting_for(&state, named.as_deref()).await?],
    };
    let records = state.engines.store().stacks().await?;
    let active = state.db.active_operations().await?;
    let mut out = Vec::new();
    for owner in &owners {
        let mut names: BTreeMap<String, Option<StackRecord>> = records
            .iter()
            .filter(|r| q.deleted || r.status != Status::DeleteComplete)
            .filter_map(|r| match split_store_name(&r.name) {
                Some((o, s)) if o == owner.name => Some((s.to_string(), Some(r.clone()))),
                _ => None,
            })
            .collect();
        for op in &active {
            if op.owner == owner.id && op.kind == "create" {
                names.entry(op.stack.clone()).or_insert(None);
            }
        }
        for (name, record) in names {
            let latest = state.db.operations(owner.id, &name, 1).await?.into_iter().next();
            let found = Found {
                owner: owner.clone(),
                store_name: store_name(&owner.name, &name),
                name,
                record,
                latest,
            };
            if q.status.as_ref().is_none_or(|s| *s == found.status()) {
                out.push(summary(&state, &found));
            }
        }
    }
    Ok(Json(StackList { stacks: out }))
}
