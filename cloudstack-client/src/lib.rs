//! Runtime for the generated CloudStack bindings: everything a generated request or response type needs,
//! written once.
//!
//! Generated code (in `cloudstack-api`) is mostly data: a request type stores typed values in [`Params`]
//! and points at a static [`ApiMeta`]; a response type lists its attributes and is filled by the lenient
//! `take_*` functions of [`decode`]. This crate turns that into exact wire parameters
//! ([`Params::to_wire`]), decodes replies whatever their drift ([`decode`]), describes resource types
//! ([`ParticipantSpec`]), and holds what the typed participants of stacks built in Rust are made of
//! ([`typed`]).
//!
//! What it does not do: it has no knowledge of any particular CloudStack version (that is generated),
//! and it does not parse listApis dumps (that is `cloudstack-codegen`).
//!
//! ```
//! use cloudstack_client::{ApiMeta, DynamicRequest, HttpMethod, ParamKind, ParamMeta, Request, ResponseKind};
//!
//! static PARAMS: [ParamMeta; 2] = [
//!     ParamMeta::new("name", ParamKind::String, true, Some(255), false),
//!     ParamMeta::new("ports", ParamKind::List, false, None, false),
//! ];
//! static API: ApiMeta = ApiMeta::new("createThing", false, HttpMethod::Post, ResponseKind::Object, &PARAMS, &["id"]);
//!
//! let mut req = DynamicRequest::new(&API);
//! req.set_json("Name", &serde_json::json!("web"))?;
//! req.set_json("ports", &serde_json::json!("80,443"))?;
//! assert_eq!(
//!     req.wire_params()?,
//!     vec![("name".to_string(), "web".to_string()), ("ports".to_string(), "80,443".to_string())]
//! );
//! # Ok::<(), cloudstack_client::BuildError>(())
//! ```

#[cfg(feature = "http")]
pub mod client;
pub mod decode;
pub mod error;
pub mod job_listing;
#[cfg(feature = "http")]
mod job_page;
pub mod job_timing;
pub mod jobs;
pub mod meta;
#[cfg(feature = "http")]
pub mod paging;
pub mod params;
pub mod participant;
#[cfg(feature = "http")]
mod rate;
mod replies;
pub mod request;
mod secret;
pub mod signing;
#[cfg(feature = "http")]
pub mod slots;
pub mod typed;
#[cfg(feature = "http")]
pub mod watcher;

#[cfg(feature = "http")]
pub use client::{Client, ClientBuilder, JobPolicy, RetryPolicy, DEFAULT_MAX_IN_FLIGHT};
pub use decode::{Decode, FromObject, List, Object};
pub use error::{ApiError, BuildError, DecodeError, Error, FailureKind};
#[cfg(feature = "http")]
pub use jobs::{JobWatcher, WatchMode};
pub use meta::{ApiMeta, AttributeMeta, HttpMethod, MapShape, ParamKind, ParamMeta, ResponseKind};
pub use params::{Date, DateError, ParamValue, Params};
pub use participant::{DeleteKey, KeySource, MissingKey, PairOrigin, ParticipantSpec, PropertyUpdate, UpdateEffect};
pub use replies::{async_reply, error_from_reply, AsyncReply};
pub use request::{DynamicRequest, Request};
pub use secret::Secret;
pub use serde_json::Value;
#[cfg(feature = "http")]
pub use slots::{current_priority, with_priority, DEFAULT_PRIORITY};
