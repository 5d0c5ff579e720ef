//! Turns CloudStack `listApis` dumps into typed Rust bindings and participant tables.
//!
//! This is the generator library behind `cloudstack-api`'s build script, `cargo xtask codegen` and
//! run-time spec loading:
//! - [`spec`] loads a listApis dump, in any of the shapes real servers produce, or a facts spec;
//! - [`facts`] writes the facts spec (a dump without its prose) that `cloudstack-api` ships;
//! - [`manifest`] lists the releases a build knows and finds their full dumps;
//! - [`participants`] pairs create and delete APIs into resource types, and [`updates`] says which
//!   of their properties an update changes in place, with an interruption, or by replacement;
//! - [`api_meta`] derives how each API is sent and checked (method, parameter kinds, limits, secrets);
//! - [`shapes`] plans shared response structs, and [`emit`] (feature `emit`, on by default) writes the
//!   Rust source; [`diff`] compares two dumps.
//!
//! The participant derivation and the API facts are used twice, with no second copy: by the build
//! script for the compiled-in releases, and at run time for a spec loaded from a file or a cloud
//! (`cloudstack_api::Version::load`).
//!
//! What it does not do: it performs no network calls and has no runtime; the generated code depends on
//! `cloudstack-client`.
//!
//! ```
//! let dump = br#"{"listapisresponse":{"count":1,"api":[{"name":"listZones","isasync":false,
//!     "params":[{"name":"id","type":"uuid","required":false}],
//!     "response":[{"name":"id","type":"string"},{}]}]}}"#;
//! let spec = cloudstack_codegen::spec::load_slice(dump, "example.json")?;
//! let out = cloudstack_codegen::generate(&spec, "4.x")?;
//! assert_eq!(out.stats.apis, 1);
//! assert!(out.tokens.to_string().contains("pub struct ListZones"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod api_meta;
pub mod depth;
pub mod diff;
#[cfg(feature = "emit")]
pub mod emit;
#[cfg(feature = "emit")]
mod emit_responses;
#[cfg(feature = "emit")]
mod emit_typed;
pub mod error;
pub mod facts;
pub mod manifest;
pub mod maps;
pub mod naming;
pub mod participants;
pub mod shapes;
pub mod spec;
pub mod updates;

#[cfg(feature = "emit")]
pub use emit::{Generated, Stats};

/// Generates the bindings of one version with the built-in curated tables.
#[cfg(feature = "emit")]
pub fn generate(spec: &spec::ApiSpec, version: &str) -> Result<Generated, error::TableError> {
    let maps = maps::MapShapes::builtin()?;
    let table = participants::ParticipantTable::builtin()?;
    let updates = updates::UpdateTable::builtin()?;
    Ok(emit::generate(spec, version, &maps, &table, &updates))
}

/// Formats generated tokens as readable source (rustfmt-like), for review and golden files.
#[cfg(feature = "pretty")]
pub fn format_source(tokens: &proc_macro2::TokenStream) -> Result<String, error::UnparsableOutput> {
    let file: syn::File = syn::parse2(tokens.clone()).map_err(|e| error::UnparsableOutput(e.to_string()))?;
    Ok(prettyplease::unparse(&file))
}
