//! A stack's events, a page at a time.

use serde::{Deserialize, Serialize};

/// One event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    /// Its id, increasing: the `after` of the next page.
    pub id: u64,
    /// When (RFC 3339).
    pub timestamp: String,
    /// The resource (the stack's name for the stack's own events).
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// Its id in the cloud, when it has one.
    pub physical_id: Option<String>,
    /// The status it reached.
    pub status: String,
    /// Why, when there is more to say.
    pub reason: Option<String>,
}

/// `GET /v1/stacks/{name}/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPage {
    /// The stack.
    pub name: String,
    /// Events after the cursor, oldest first.
    pub events: Vec<EventView>,
    /// The cursor for the next page.
    pub next: u64,
    /// Whether more events wait after this page.
    pub more: bool,
}
