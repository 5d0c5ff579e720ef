//! Turns CloudStack `listApis` dumps into typed Rust bindings and participant tables.
//!
//! This is the generator library behind `cloudstack-api`'s build script and `cargo xtask codegen`:
//! [`spec`] loads a dump in any of the shapes real servers produce, [`manifest`] finds and verifies the
//! dumps a build uses, [`shapes`] plans shared response structs, [`participants`] pairs create and delete
//! APIs into resource types, and [`emit`] writes the Rust source. [`diff`] compares two dumps.
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

pub mod diff;
pub mod emit;
pub mod manifest;
pub mod maps;
pub mod naming;
pub mod participants;
pub mod shapes;
pub mod spec;

pub use emit::{Generated, Stats};

/// Generates the bindings of one version with the built-in curated tables.
pub fn generate(spec: &spec::ApiSpec, version: &str) -> Result<Generated, String> {
    let maps = maps::MapShapes::builtin()?;
    let table = participants::ParticipantTable::builtin()?;
    Ok(emit::generate(spec, version, &maps, &table))
}

/// Formats generated tokens as readable source (rustfmt-like), for review and golden files.
#[cfg(feature = "pretty")]
pub fn format_source(tokens: &proc_macro2::TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens.clone()).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
