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
    /// The stack's create ran out of the time it was given (`TimeoutInMinutes`) before this
    /// resource was made.
    #[error("the stack's create did not finish within its timeout of {minutes} minutes")]
    StackTimedOut {
        /// The stack's timeout.
        minutes: u32,
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
    /// A wait condition or its handle was to be made by an engine without a signals port (a plan
    /// made with the engine's own options refuses this before any call).
    #[error("wait conditions need somewhere for guests to signal, and this engine has none (Engine::with_signals)")]
    NoSignals,
    /// A custom resource failed.
    #[error("custom resource: {0}")]
    Custom(#[from] CustomError),
    /// The resource's custom type is not registered with this engine.
    #[error("custom type {0} is not registered; register it with Engine::register before resuming")]
    NotRegistered(String),
    /// What a lost create made could not be looked for.
    #[error("cannot find what an interrupted create made: {0}")]
    Recovery(#[source] crate::recovery::LookupError),
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

impl From<stack_template::plan::wire::WireError> for ResourceError {
    fn from(e: stack_template::plan::wire::WireError) -> Self {
        use stack_template::plan::wire::WireError;
        match e {
            WireError::Property(p) => Self::Property(p),
            WireError::Unresolved { property } => Self::Unresolved { property },
            WireError::Request(e) => Self::Request(e),
            // A new kind of wire failure: its message is kept, under the property layer's variant.
            other => Self::Property(crate::problem::Problem::new("", other.to_string())),
        }
    }
}

impl ResourceError {
    /// What the failure means, when the cloud said (or the connection did).
    pub fn kind(&self) -> Option<FailureKind> {
        match self {
            Self::Cloud(e) | Self::Tagging(e) | Self::Recovery(crate::recovery::LookupError::Cloud(e)) => {
                Some(e.kind())
            }
            Self::TimedOut { .. } => Some(FailureKind::Transient),
            _ => None,
        }
    }
}

/// Why one resource failed, kept as data: the resource, what kind of failure it was
/// ([`FailureKind`], decided by codes), the cloud's error code and API when the cloud answered,
/// and the message with every secret of the stack masked. What [`crate::StackError`] carries, what
/// a store or a service keeps, and what a caller matches on (never the message's wording).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResourceFailure {
    /// The resource's logical id.
    pub logical: String,
    /// Its type.
    pub type_name: String,
    /// What the failure means, when the cloud (or the connection) said.
    pub kind: Option<FailureKind>,
    /// CloudStack's error code (431, 530, 536, ...), when the cloud answered with one.
    pub code: Option<u16>,
    /// The API whose call failed, when one did.
    pub api: Option<String>,
    /// What went wrong, for a person (secrets masked).
    pub message: String,
}

impl std::fmt::Display for ResourceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}) failed: {}", self.logical, self.type_name, self.message)
    }
}

impl ResourceError {
    /// The cloud's error code, when the cloud answered with one.
    pub fn code(&self) -> Option<u16> {
        match self {
            Self::Cloud(e) | Self::Tagging(e) | Self::Recovery(crate::recovery::LookupError::Cloud(e)) => e.errorcode(),
            _ => None,
        }
    }

    /// The API whose call failed, when one did.
    pub fn api(&self) -> Option<&str> {
        match self {
            Self::Cloud(e) | Self::Tagging(e) | Self::Recovery(crate::recovery::LookupError::Cloud(e)) => e.api(),
            _ => None,
        }
    }

    /// This error as data, for resource `logical` of type `type_name`, its message masked with
    /// `masker` (the stack's secrets).
    pub fn failure(&self, logical: &str, type_name: &str, masker: &stack_template::secrets::Masker) -> ResourceFailure {
        ResourceFailure {
            logical: logical.to_string(),
            type_name: type_name.to_string(),
            kind: self.kind(),
            code: self.code(),
            api: self.api().map(str::to_string),
            message: masker.mask(&self.to_string()),
        }
    }
}
