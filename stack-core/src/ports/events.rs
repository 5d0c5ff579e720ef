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
    /// An update started (stack), or a resource being changed.
    UpdateInProgress,
    /// Updated.
    UpdateComplete,
    /// A resource's update failed.
    UpdateFailed,
    /// The stack is updated and usable; replaced and removed resources are being deleted.
    UpdateCompleteCleanupInProgress,
    /// A failed update is being undone (stack), or a resource being changed back.
    UpdateRollbackInProgress,
    /// The rollback of an update could not finish (`continue-update-rollback` goes on).
    UpdateRollbackFailed,
    /// The stack is back as it was; what the update made is being deleted.
    UpdateRollbackCompleteCleanupInProgress,
    /// The stack is back as it was before the update.
    UpdateRollbackComplete,
}

impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown status {text:?}")))
    }
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
            Self::UpdateInProgress => "UPDATE_IN_PROGRESS",
            Self::UpdateComplete => "UPDATE_COMPLETE",
            Self::UpdateFailed => "UPDATE_FAILED",
            Self::UpdateCompleteCleanupInProgress => "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            Self::UpdateRollbackInProgress => "UPDATE_ROLLBACK_IN_PROGRESS",
            Self::UpdateRollbackFailed => "UPDATE_ROLLBACK_FAILED",
            Self::UpdateRollbackCompleteCleanupInProgress => "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
            Self::UpdateRollbackComplete => "UPDATE_ROLLBACK_COMPLETE",
        }
    }

    /// The status named `CREATE_IN_PROGRESS`, ...
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Every status.
    pub const ALL: [Status; 18] = [
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
        Self::UpdateInProgress,
        Self::UpdateComplete,
        Self::UpdateFailed,
        Self::UpdateCompleteCleanupInProgress,
        Self::UpdateRollbackInProgress,
        Self::UpdateRollbackFailed,
        Self::UpdateRollbackCompleteCleanupInProgress,
        Self::UpdateRollbackComplete,
    ];

    /// Whether a stack in this status stands as made: created, or updated (or its update undone),
    /// so that it can be updated, checked for drift or described with outputs.
    pub fn is_stable(self) -> bool {
        matches!(
            self,
            Self::CreateComplete | Self::UpdateComplete | Self::UpdateRollbackComplete
        )
    }

    /// Whether a stack in this status is in the middle of an update, its clean-up or its rollback
    /// (what [`crate::Engine::resume`] finishes or rolls back).
    pub fn is_updating(self) -> bool {
        matches!(
            self,
            Self::UpdateInProgress
                | Self::UpdateCompleteCleanupInProgress
                | Self::UpdateRollbackInProgress
                | Self::UpdateRollbackFailed
                | Self::UpdateRollbackCompleteCleanupInProgress
        )
    }

    /// Whether a resource in this status exists in the cloud as the stack's (made, or updated).
    pub fn is_live(self) -> bool {
        matches!(self, Self::CreateComplete | Self::UpdateComplete)
    }
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
