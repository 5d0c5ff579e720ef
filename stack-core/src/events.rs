//! Stack events: every state change of a stack or resource, delivered to subscribers.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// A resource or stack status, as CloudFormation names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Creation started.
    CreateInProgress,
    /// Created.
    CreateComplete,
    /// Creation failed.
    CreateFailed,
    /// Deletion started.
    DeleteInProgress,
    /// Deleted.
    DeleteComplete,
    /// Deletion failed.
    DeleteFailed,
    /// Kept on delete (DeletionPolicy Retain).
    DeleteSkipped,
    /// Rollback started (stack) or resource being rolled back.
    RollbackInProgress,
    /// Rollback finished.
    RollbackComplete,
    /// Rollback could not delete everything.
    RollbackFailed,
}

impl Status {
    /// `CREATE_IN_PROGRESS`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateInProgress => "CREATE_IN_PROGRESS",
            Self::CreateComplete => "CREATE_COMPLETE",
            Self::CreateFailed => "CREATE_FAILED",
            Self::DeleteInProgress => "DELETE_IN_PROGRESS",
            Self::DeleteComplete => "DELETE_COMPLETE",
            Self::DeleteFailed => "DELETE_FAILED",
            Self::DeleteSkipped => "DELETE_SKIPPED",
            Self::RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            Self::RollbackComplete => "ROLLBACK_COMPLETE",
            Self::RollbackFailed => "ROLLBACK_FAILED",
        }
    }

    /// The status named `CREATE_IN_PROGRESS`, ...
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Every status.
    pub const ALL: [Status; 10] = [
        Self::CreateInProgress,
        Self::CreateComplete,
        Self::CreateFailed,
        Self::DeleteInProgress,
        Self::DeleteComplete,
        Self::DeleteFailed,
        Self::DeleteSkipped,
        Self::RollbackInProgress,
        Self::RollbackComplete,
        Self::RollbackFailed,
    ];
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// The stack name.
    pub stack: String,
    /// The resource's logical id, or the stack name for stack events.
    pub logical_id: String,
    /// The resource type (`CloudStack::Stack` for stack events).
    pub resource_type: String,
    /// The physical id, when known.
    pub physical_id: Option<String>,
    /// The new status.
    pub status: Status,
    /// Why, for failures and skips.
    pub reason: Option<String>,
}

/// Receives events; must not block.
pub type Subscriber = Arc<dyn Fn(&Event) + Send + Sync>;

/// Fans events out to subscribers and keeps them in order.
#[derive(Clone, Default)]
pub struct EventLog {
    events: Arc<Mutex<Vec<Event>>>,
    subscribers: Arc<Mutex<Vec<Subscriber>>>,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog").field("events", &self.all().len()).finish()
    }
}

impl EventLog {
    /// Adds a subscriber.
    pub fn subscribe(&self, s: Subscriber) {
        self.subscribers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(s);
    }

    /// Records and delivers an event (stamped now); returns it as recorded.
    pub fn emit(&self, mut e: Event) -> Event {
        e.timestamp_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        tracing::info!(stack = %e.stack, resource = %e.logical_id, status = e.status.as_str(), physical_id = ?e.physical_id, reason = ?e.reason, "event");
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(e.clone());
        let subs = self
            .subscribers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for s in subs {
            s(&e);
        }
        e
    }

    /// Every event so far.
    pub fn all(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}
