//! [`ResourceError`]: why creating, updating or deleting one resource failed, by kind of failure. What a
//! CloudStack failure means (gone, in use, throttled, auth) is decided once, by codes, in
//! `cloudstack_client` ([`cloudstack_client::Error::kind`]); this type keeps that error whole.

use std::time::Duration;

use cloudstack_client::{BuildError, Error as ClientError, FailureKind, MissingKey};

use crate::custom::CustomError;
use crate::signals::WaitError;
use crate::state::StateError;

/// Why a resource's create or delete failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// A property could not be evaluated (the pointer is in the message).
    #[error("{0}")]
    Property(crate::problem::Problem),
    /// A property depends on a value that no resource provided.
    #[error("property {property} depends on a value that is not known")]
    Unresolved {
        /// The property.
        property: String,
    },
    /// A property value does not fit the API's parameter.
    #[error(transparent)]
    Request(#[from] BuildError),
    /// The delete call's keys cannot be found in what the create sent or returned.
    #[error(transparent)]
    DeleteKey(#[from] MissingKey),
    /// The cloud refused or failed the call, or could not be reached.
    #[error(transparent)]
    Cloud(#[from] ClientError),
    /// The resource's job did not end within the resource's timeout.
    #[error("timed out after {after:?} (job {job_id} still running)")]
    TimedOut {
        /// The resource's timeout.
        after: Duration,
        /// The job, which may still finish.
        job_id: String,
    },
    /// The stack's tags could not be put on the resource.
    #[error("tagging failed: {0}")]
    Tagging(#[source] ClientError),
    /// A wait condition failed or timed out.
    #[error(transparent)]
    WaitCondition(#[from] WaitError),
    /// A wait condition's `Handle` is not a wait-condition handle's URL.
    #[error("Handle did not resolve to a wait-condition handle's URL")]
    NoHandle,
    /// A custom resource failed.
    #[error("custom resource: {0}")]
    Custom(#[from] CustomError),
    /// The resource's custom type is not registered with this engine.
    #[error("custom type {0} is not registered; register it with Engine::register before resuming")]
    NotRegistered(String),
    /// What a lost create made could not be looked for.
    #[error("cannot find what an interrupted create made: {0}")]
    Recovery(String),
    /// A property cannot be changed where the resource is: the release has no API for it, or the
    /// API cannot name the resource.
    #[error("property {property} cannot be changed in place: {why}")]
    NotUpdatable {
        /// The property.
        property: String,
        /// Why, and what to do.
        why: String,
    },
    /// The state store refused or failed a write (the run cannot go on safely).
    #[error(transparent)]
    State(#[from] StateError),
}

impl ResourceError {
    /// What the failure means, when the cloud said (or the connection did).
    pub fn kind(&self) -> Option<FailureKind> {
        match self {
            Self::Cloud(e) | Self::Tagging(e) => Some(e.kind()),
            Self::TimedOut { .. } => Some(FailureKind::Transient),
            _ => None,
        }
    }
}
