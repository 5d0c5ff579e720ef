//! Typed bindings for every Apache CloudStack API, one module per CloudStack version.
//!
//! Each version module (`v4_15`, `v4_16`, `v4_17`, behind cargo features of the same names; the newest is
//! on by default) is generated at build time from that version's `listApis` dump and holds:
//! - a request type per API: required parameters are constructor arguments, so leaving one out does
//!   not compile; optional ones are builder setters ([`v4_17::DeployVirtualMachine`]);
//! - response types that decode what real servers send, drift included ([`v4_17::types`]);
//! - static API descriptions for dynamic use ([`v4_17::apis`]) and participants, the resource types with
//!   a create/delete pair that stacks are built from ([`v4_17::participants`]).
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

pub use cloudstack_client;

mod registry;

pub use registry::{latest, version, Version};

include!(concat!(env!("OUT_DIR"), "/versions.rs"));
