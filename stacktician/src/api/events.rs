//! A stack's events: pages (`?after=ID&limit=N`, oldest first, with the id to ask after next; or
//! `?latest=N`, the newest N) and a live stream (server-sent events: first a `status` with the
//! stack's status, then one `event` per stack event with its id, so a client that reconnects with
//! `Last-Event-ID` misses none; `end` when the stack is gone). `?from_now=true` starts the stream
//! after the newest event, for a page that has read what it shows already.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;

use super::body::{Path, Query};
use axum::http::HeaderMap;
use axum::response::sse::{Event as Sse, KeepAlive};
use axum::Json;
use serde::Deserialize;
use stack_core::events::Event;
use stacktician_rest::{EventPage, EventView};

use super::auth::Caller;
use super::stacks::{find_read, OwnerQuery};
use super::{ApiError, Shared};

/// `?after=&limit=&owner=`.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// Events after this id.
    #[serde(default)]
    pub after: u64,
    /// At most this many (default 100, at most 1,000).
    pub limit: Option<usize>,
    /// Pages: the newest this many (at most 1,000) instead of those after `after`.
    pub latest: Option<usize>,
    /// Streams: only events after the newest one at the start.
    #[serde(default)]
    pub from_now: bool,
    /// The owner (admins).
    pub owner: Option<String>,
    /// A deleted stack's events (see [`OwnerQuery::deleted`]).
    #[serde(default)]
    pub deleted: bool,
}

/// One event of stack `name` (`store_name` in the state store) as the API shows it.
pub fn event_view(id: u64, e: &Event, store_name: &str, name: &str) -> EventView {
    let logical = if e.logical_id == store_name {
        name
    } else {
        e.logical_id.as_str()
    };
    EventView {
        id,
        timestamp: stack_core::state::utc(e.timestamp_ms),
        logical_id: logical.to_string(),
        resource_type: e.resource_type.clone(),
        physical_id: e.physical_id.clone(),
        status: e.status.as_str().to_string(),
        reason: e.reason.clone(),
    }
}

/// `GET /v1/stacks/{name}/events`.
pub async fn page(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<EventPage>, ApiError> {
    let limit = q.latest.or(q.limit).unwrap_or(100);
    if limit == 0 || limit > 1000 {
        let which = if q.latest.is_some() { "latest" } else { "limit" };
        return Err(ApiError::InvalidRequest(format!("{which} {limit}: give 1 to 1000")));
    }
    let oq = OwnerQuery {
        owner: q.owner.clone(),
        status: None,
        deleted: q.deleted,
    };
    let found = find_read(&state, &caller, &oq, &name).await?;
    let mut events = state.engines.store().events(&found.store_name, q.after).await?;
    let mut more = events.len() > limit;
    if q.latest.is_some() {
        // The newest: nothing after them, and `next` is the newest id.
        events = events.split_off(events.len().saturating_sub(limit));
        more = false;
    }
    let shown = events
        .iter()
        .take(limit)
        .map(|(id, e)| event_view(*id, e, &found.store_name, &name))
        .collect();
    let next = events.iter().take(limit).next_back().map_or(q.after, |(id, _)| *id);
    Ok(Json(EventPage {
        name,
        events: shown,
        next,
        more,
    }))
}

/// `GET /v1/stacks/{name}/events/stream`.
pub async fn stream(
    State(state): State<Shared>,
    caller: Caller,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<axum::response::Sse<impl futures_util::Stream<Item = Result<Sse, Infallible>>>, ApiError> {
    let oq = OwnerQuery {
        owner: q.owner.clone(),
        status: None,
        deleted: q.deleted,
    };
    let found = find_read(&state, &caller, &oq, &name).await?;
    let resumed = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let newest = || async {
        let events = state.engines.store().events(&found.store_name, 0).await.ok()?;
        events.last().map(|(id, _)| *id)
    };
    let after = match resumed {
        Some(id) => id,
        None if q.from_now => newest().await.unwrap_or(0),
        None => q.after,
    };
    let status = serde_json::json!({
        "status": found.status(),
        "reason": found.record.as_ref().and_then(|r| r.reason.clone()),
    });
    let store_name = found.store_name;
    let (owner, stack) = (found.owner.id, found.name);
    struct Cursor {
        state: Shared,
        store_name: String,
        owner: i64,
        stack: String,
        after: u64,
        pending: std::collections::VecDeque<Sse>,
        ended: bool,
    }
    let cursor = Cursor {
        state,
        store_name,
        owner,
        stack,
        after,
        pending: [Sse::default().event("status").data(status.to_string())].into(),
        ended: false,
    };
    let s = futures_util::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(e) = c.pending.pop_front() {
                return Some((Ok(e), c));
            }
            if c.ended {
                return None;
            }
            match c.state.engines.store().events(&c.store_name, c.after).await {
                Ok(events) if !events.is_empty() => {
                    for (id, e) in &events {
                        c.after = *id;
                        c.pending
                            .push_back(Sse::default().event("event").id(id.to_string()).data(
                                serde_json::to_string(&event_view(*id, e, &c.store_name, &c.stack)).unwrap_or_default(),
                            ));
                    }
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "events could not be read"),
            }
            // Gone: no record, or only a deleted stack's, and nothing queued for it.
            let record = c.state.engines.store().stack(&c.store_name).await.ok().flatten();
            if crate::operations::standing(record).is_none() {
                let active = c
                    .state
                    .db
                    .operations(c.owner, &c.stack, 1)
                    .await
                    .ok()
                    .and_then(|o| o.into_iter().next())
                    .is_some_and(|o| matches!(o.state, crate::db::OpState::Queued | crate::db::OpState::Running));
                if !active {
                    c.ended = true;
                    c.pending.push_back(
                        Sse::default()
                            .event("end")
                            .data("{\"reason\":\"the stack is gone (deleted, or its create failed)\"}"),
                    );
                    continue;
                }
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    Ok(axum::response::Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
