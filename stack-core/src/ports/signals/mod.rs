//! The signals port: where a stack's guests signal wait conditions and read their resources'
//! `Metadata`. The engine uses a [`Signals`]; it never binds a socket itself.
//!
//! - [`SignalHub`] keeps handles, signals and metadata in this process and answers what a transport
//!   hands it ([`SignalHub::signal`], [`SignalHub::metadata`]): the HTTP server of the
//!   `stack-signals-http` crate serves one; a test can call it directly.
//! - A service that answers guests from its database implements [`Signals`] over it.
//! - An engine without one ([`crate::Engine::new`] alone) refuses, at plan time, a template that
//!   needs one: wait conditions and their handles, and the `CloudStack::StackMateApiURL` and
//!   `CloudStack::StackMateMetadataToken` pseudo parameters.
//!
//! A WaitConditionHandle is a URL with an unguessable token: `PUT` (or `POST`) of cfn-signal's JSON
//! `{"Status":"SUCCESS"|"FAILURE","Reason":..,"UniqueId":..,"Data":..}` signals it. A WaitCondition
//! completes on `Count` distinct successful signals within its `Timeout`, and fails on the first
//! FAILURE.

pub mod body;
mod hub;
pub mod metadata;
pub mod stored;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use self::hub::{SignalAnswer, SignalHub};
use crate::state::{SignalRecord, StateStore};
use stack_template::BoxFuture;

/// Why waiting ended without success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    /// A FAILURE signal.
    #[error("received a FAILURE signal: {0}")]
    Failure(String),
    /// Not enough success signals in time.
    #[error("timed out after {waited:?} with {received} of {count} success signals")]
    Timeout {
        /// Signals received.
        received: usize,
        /// Signals needed.
        count: usize,
        /// How long it waited.
        waited: Duration,
    },
    /// The handle is not registered.
    #[error("unknown wait condition handle")]
    UnknownHandle,
}

/// What names a wait-condition handle.
#[derive(Debug, Clone, Copy)]
pub struct HandleKey<'a> {
    /// The stack's id (in the URL).
    pub stack_id: &'a str,
    /// The stack's name (the store's key).
    pub stack_name: &'a str,
    /// The handle's logical id.
    pub logical: &'a str,
    /// Its token (in the URL; a secret).
    pub token: &'a str,
}

/// A created resource's `Metadata`, as its guests read it.
#[derive(Debug, Clone, Copy)]
pub struct MetadataEntry<'a> {
    /// The stack's id.
    pub stack_id: &'a str,
    /// The stack's name.
    pub stack_name: &'a str,
    /// The resource's logical id.
    pub logical: &'a str,
    /// Its type.
    pub resource_type: &'a str,
    /// Its physical id.
    pub physical_id: &'a str,
    /// Its `Metadata`, evaluated.
    pub metadata: &'a Value,
    /// The stack's metadata token (a secret): only requests that present it read the entry.
    pub token: &'a cloudstack_client::Secret,
}

/// Distinct signals a handle takes beyond its condition's `Count`.
pub const SIGNAL_MARGIN: usize = 8;

/// Where a stack's guests signal and read metadata: the engine's port for wait conditions.
pub trait Signals: Send + Sync {
    /// The base URL guests reach it at (`CloudStack::StackMateApiURL`), ending in `/`.
    fn base_url(&self) -> &str;

    /// The local address it listens on, when it listens itself (kept with the stack, so that a
    /// resumed run can listen there again).
    fn listen_addr(&self) -> Option<SocketAddr> {
        None
    }

    /// Registers the handle `key` (again, after a restart), holding the signals it already
    /// received; each new signal is kept in `store`, when given, before it is answered. Returns the
    /// handle's URL (which holds the token: a secret).
    fn register_handle(
        &self,
        key: HandleKey<'_>,
        earlier: Vec<SignalRecord>,
        store: Option<Arc<dyn StateStore>>,
    ) -> String;

    /// Forgets handle `logical` of stack `stack_id` (its URL stops working).
    fn remove_handle(&self, stack_id: &str, logical: &str);

    /// Waits for `count` distinct success signals on the handle at `url`, or a failure, or the end
    /// of `timeout`, of which `waited` already passed (in an earlier run). Returns the signals' data
    /// as `{"<UniqueId>": "<Data>"}`.
    fn wait(&self, url: &str, count: usize, timeout: Duration, waited: Duration)
        -> BoxFuture<Result<Value, WaitError>>;

    /// Publishes a created resource's `Metadata` for its guests (cfn-init).
    fn publish(&self, entry: MetadataEntry<'_>);

    /// The URL of the handle of `stack_id` with `token`.
    fn handle_url(&self, stack_id: &str, token: &str) -> String {
        format!("{}waitcondition/{stack_id}/{token}", self.base_url())
    }
}
