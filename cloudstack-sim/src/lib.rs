//! A CloudStack management-server simulator, driven by a listApis dump, that real clients cannot tell
//! from the real thing on the wire.
//!
//! It authenticates requests exactly as `ApiServer.verifyRequest` does (signature versions 2 and 3),
//! dispatches every API of the dump with the server's parameter checks and error codes, keeps a seeded
//! cloud (zone "Sandbox-simulator", templates, offerings, ROOT domain, admin account) and models the
//! resources stacks use most; every other create/delete pair of the dump gets a generic model. Async
//! commands return job ids that complete after a configurable latency. Faults can be injected per API.
//!
//! # What it models, as the 4.17 sources do
//! - **Parameters** (`ParamProcessWorker`): required parameters, Java `Integer`/`Short`/`Long` parsing
//!   and ranges, dates, string lengths, control characters, and uuids looked up *including removed
//!   entities*: the id of an expunged VM passes validation, a list filtered by it answers `{}` and a
//!   second delete gets the command's own "not found" error.
//! - **Lists** (`BaseListCmd`, `QueryManagerImpl`): visibility per account and `listall`, `id`, `ids`,
//!   `keyword`, `tags`, and every other parameter by the rule [`filters`] derives from the spec: the
//!   response field of the same name, or an alias, a membership (a VM's networks, groups and affinity
//!   groups; a group's VMs) or a substring match from one documented table. A filter it cannot apply
//!   is logged once with the API and the parameter. Paging with BaseListCmd's checks, codes and texts.
//! - **Objects**: VMs with a NIC per network (also listed by `listNics`), a ROOT volume and security
//!   group membership; networks (`Allocated` until a VM starts in one, then `Implemented`), public
//!   addresses (to a network or the account's network in a zone), static NAT naming the VM and its
//!   guest IP; expunging a VM removes its NICs, ROOT volume, group membership, static NAT and port
//!   forwarding rules, and detaches its data volumes. Security groups and rules, volumes, SSH key
//!   pairs, tags, async jobs (with the command's Java class in `cmd`, see [`command_classes`]).
//! - **Answers**: a rendered object carries only the fields its release declares and never a JSON
//!   `null`; `listCapabilities` fills every declared field, with a four-part `cloudstackversion`.
//!
//! # What it does not model
//! Hypervisors, hosts, storage pools, routers and real networking: resources are records, and a VM
//! is "Running" because its job said so. Projects, domains below ROOT, roles other than the root
//! admin and the accounts it is configured with, usage, events and alerts. Load balancer and firewall
//! rules, VPCs, snapshots and the rest follow the generic model (stored parameters, no side effects).
//! Filters on fields a generic object does not store answer as CloudStack would for an unset column
//! (no match). `cmd` of an async command outside the table is the package convention, a guess.
//! Error texts quote [`world::Resource::seq`] where CloudStack quotes a database id.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = cloudstack_sim::start(cloudstack_sim::SimConfig::ephemeral()).await?;
//! println!("endpoint {} key {} secret {}", sim.url, cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY);
//! assert!(sim.handle.created_resources().is_empty());
//! sim.stop().await;
//! # Ok(()) }
//! ```

pub mod args;
pub mod auth;
pub mod command_classes;
pub mod config;
pub mod error;
pub mod faults;
pub mod filters;
pub mod fixtures;
pub mod handlers;
pub mod listing;
pub mod models;
pub mod names;
pub mod registry;
pub mod server;
pub mod tags;
pub mod world;

pub use config::{Account, ApiThrottle, Latency, SimConfig, SpecSource, DEMO_API_KEY, DEMO_SECRET_KEY};
pub use error::{ApiErr, SimError};
pub use faults::FaultRule;

/// One async job the simulator ran: the API that started it (`associateIpAddress`), the
/// entity it works on, and how long it ran (or will run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The API that started it.
    pub cmd: String,
    /// `jobinstanceid`, if the job names an entity.
    pub instance_id: Option<String>,
    /// From submission to completion.
    pub duration: std::time::Duration,
    /// When it was submitted (its completion is `duration` later).
    pub submitted: std::time::Instant,
}
pub use registry::Registry;
pub use server::{start, start_with_registry, RunningSim, SimHandle};
pub use world::LiveResource;
