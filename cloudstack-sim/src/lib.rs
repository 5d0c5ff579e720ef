//! A CloudStack management-server simulator, driven by a listApis dump, that real clients cannot tell
//! from the real thing on the wire.
//!
//! It authenticates requests exactly as `ApiServer.verifyRequest` does (signature versions 2 and 3),
//! dispatches every API of the dump with the server's parameter checks and error codes, keeps a seeded
//! cloud (zone "Sandbox-simulator", templates, offerings, ROOT domain, admin account) and models the
//! resources stacks use most; every other create/delete pair of the dump gets a generic model. Async
//! commands return job ids that complete after a configurable latency. Faults can be injected per API.
//!
//! What it does not do: hypervisors, storage or networking. Resources are records; a VM is "Running"
//! because the job said so.
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
pub mod config;
pub mod error;
pub mod faults;
pub mod fixtures;
pub mod handlers;
pub mod listing;
pub mod registry;
pub mod server;
pub mod tags;
pub mod world;

pub use config::{Account, Latency, SimConfig, SpecSource, DEMO_API_KEY, DEMO_SECRET_KEY};
pub use error::{ApiErr, SimError};
pub use faults::FaultRule;
pub use registry::Registry;
pub use server::{start, start_with_registry, RunningSim, SimHandle};
pub use world::LiveResource;
