//! Typed bindings for every Apache CloudStack API, one module per CloudStack version, and the API facts
//! of every release it knows, for engines that work from data.
//!
//! The crate is self-contained: each release's API facts (names, types, flags, lengths, response fields)
//! ship inside it as a facts spec (`specs/*.facts.json`). Two ways to use them:
//! - **Typed bindings**, compiled in per release: each version module (`v4_15`, `v4_16`, `v4_17`,
//!   behind cargo features of the same names; the newest is on by default) holds:
//!   - a request type per API: required parameters are constructor arguments, so leaving one out does
//!     not compile; optional ones are builder setters ([`v4_17::DeployVirtualMachine`]);
//!   - response types that decode what real servers send, drift included ([`v4_17::types`]);
//!   - static API descriptions for dynamic use ([`v4_17::apis`]) and participants, the resource types
//!     with a create/delete pair that stacks are built from ([`v4_17::participants`]).
//! - **Releases as data** ([`Version`]): the APIs and participants of a release, for callers that
//!   build requests at run time (the stack engine). [`specs::release`] gives any shipped release, with
//!   or without its feature; [`Version::load`] takes any other release's `listApis` dump, a facts spec,
//!   or a cloud's own `listApis` answer, and derives its participants with the same code the build uses.
//!
//! What it does not do: send requests. The generated types implement [`cloudstack_client::Request`];
//! the client that signs and sends them lives in `cloudstack-client`.
//!
//! ```
//! # #[cfg(feature = "v4_17")] {
//! use cloudstack_api::v4_17::DeployVirtualMachine;
//! use cloudstack_client::Request;
//!
//! let req = DeployVirtualMachine::new(
//!     "8a3c0d2e-0000-4000-8000-000000000001", // serviceofferingid
//!     "8a3c0d2e-0000-4000-8000-000000000002", // templateid
//!     "8a3c0d2e-0000-4000-8000-000000000003", // zoneid
//! )
//! .name("web-1")
//! .securitygroupids(["8a3c0d2e-0000-4000-8000-000000000004"]);
//! let wire = req.wire_params().expect("valid request");
//! assert!(wire.contains(&("name".to_string(), "web-1".to_string())));
//! assert_eq!(req.meta().method, cloudstack_client::HttpMethod::Post);
//! # }
//! ```
//!
//! A release as data, whatever features are on:
//!
//! ```
//! let v = cloudstack_api::specs::release("4.16")?;
//! let vm = v.participant("CloudStack::VirtualMachine").expect("4.16 has VMs");
//! assert_eq!(vm.create.name, "deployVirtualMachine");
//! // Any other release: its listApis dump, loaded at run time.
//! let dump = br#"{"listapisresponse":{"count":2,"api":[
//!   {"name":"createWidget","isasync":false,"params":[{"name":"name","type":"string","required":true}],
//!    "response":[{"name":"id","type":"string"}]},
//!   {"name":"deleteWidget","isasync":true,"params":[{"name":"id","type":"uuid","required":true}],"response":[]}]}}"#;
//! let custom = cloudstack_api::Version::load(dump, "widgets.json")?;
//! assert!(custom.participant("CloudStack::Widget").is_some());
//! # Ok::<(), cloudstack_api::LoadError>(())
//! ```

pub use cloudstack_client;

mod load;
mod registry;
pub mod specs;

pub use load::LoadError;
pub use registry::{latest, version, Origin, Version};

include!(concat!(env!("OUT_DIR"), "/versions.rs"));
