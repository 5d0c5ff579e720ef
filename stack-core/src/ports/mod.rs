//! The ports: what the engine uses and does not implement itself, each with what it keeps here.
//! [`state`] (the `StateStore` contract, the in-memory store and the conformance suite every
//! store runs), [`signals`] (where guests signal wait conditions and read metadata; `SignalHub` in
//! memory), [`fetch`] (nested templates from files and URLs, for the planning layer's
//! `TemplateFetcher`) [`events`] (what a run reports, to the store and to listeners) and [`cloud_release`] (which release a stack is planned against: shipped, a
//! file, or the cloud's own `listApis`, kept in the store).

pub mod cloud_release;
pub mod events;
pub mod fetch;
pub mod signals;
pub mod state;
