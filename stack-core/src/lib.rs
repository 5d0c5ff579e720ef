//! The engine of "CloudFormation for CloudStack": it runs validated plans (from
//! [`stack_template`], re-exported here as [`template`], [`plan`](mod@plan), [`typed`] and the rest)
//! against one cloud, with rollback, durable state and crash recovery, through ports it does not
//! implement itself. Building an [`Engine`] binds nothing and spawns nothing.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::collections::BTreeMap;
//! use std::sync::Arc;
//! use stack_core::{Engine, EngineConfig, MemoryStore};
//!
//! let client = cloudstack_client::Client::builder("https://cloud.example/client/api")
//!     .credentials("api key", "secret key")
//!     .build()?;
//! let engine = Engine::new(client, EngineConfig::default()).with_store(Arc::new(MemoryStore::new()));
//! let template = stack_core::template::parse(r#"{"Resources": {"Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}}}}"#)
//!     .map_err(stack_core::Problems)?;
//! let options = engine.plan_options("web", cloudstack_api::specs::newest()?);
//! let plan = stack_core::plan(&template, &BTreeMap::new(), &options)?;
//! match engine.create(plan).await {
//!     Ok(mut run) => engine.delete(&mut run).await?,
//!     // The failed resource as data: its kind (decided by codes) and the cloud's code.
//!     Err(e) => println!("{:?}", e.failure.map(|f| (f.kind, f.code))),
//! }
//! # Ok(()) }
//! ```
//!
//! A typed stack: required properties are constructor arguments, values have the request bindings'
//! Rust types, attributes are methods, and references carry their kind, so the compiler refuses a
//! security group's id where an address's belongs. It renders as a template and is read like one.
//!
//! ```
//! use cloudstack_api::v4_17::participants::{IpAddress, SecurityGroup, SecurityGroupIngress, VirtualMachine};
//! use stack_core::typed::{ParamSpec, Typed, TypedStack};
//!
//! let mut stack = TypedStack::new();
//! let zone = stack.parameter("Zone", ParamSpec::string());
//! let group = SecurityGroup::new("Web", "web");
//! let http = SecurityGroupIngress::new("Http")
//!     .securitygroupid(group.reference())
//!     .protocol("tcp")
//!     .startport(80)
//!     .endport(80)
//!     .cidrlist(["0.0.0.0/0"]);
//! let vm = VirtualMachine::new("Vm", "1b2c3d4e-0000-4000-8000-000000000003", "1b2c3d4e-0000-4000-8000-000000000002", &zone)
//!     .securitygroupids([group.reference()]);
//! let ip = IpAddress::new("Ip").zoneid(&zone);
//! stack.output("Address", ip.attr_ipaddress());
//! stack.output("Private", vm.attr_private_ip());
//! stack.add(group).add(http).add(vm).add(ip);
//!
//! let release = cloudstack_api::specs::release("4.17").expect("shipped");
//! let options = stack_core::PlanOptions::new("web", "web-1", release);
//! let given = [("Zone".to_string(), "1b2c3d4e-0000-4000-8000-000000000001".to_string())].into();
//! let plan = stack_core::plan(&stack.template().expect("reads"), &given, &options).expect("valid");
//! assert_eq!(plan.order.first().map(String::as_str), Some("Ip"));
//! assert!(plan.resources["Vm"].depends_on.contains("Web"));
//! ```
//!
//! ## Ports
//!
//! - [`state::StateStore`]: durable state. [`MemoryStore`] is here, with the [`state::conformance`]
//!   suite every store runs; the SQLite store (`stack-store-sqlite`) and the PostgreSQL store
//!   (`stack-store-postgres`) are sibling crates. With a store the engine writes ahead before every
//!   state-changing call, so a run killed at any point can be resumed ([`Engine::resume`]); a stack
//!   is written only under its lock, a lease with a fencing counter that the store checks on every
//!   write.
//! - [`signals::Signals`]: where guests signal wait conditions and read metadata. [`signals::SignalHub`]
//!   keeps them in memory; the HTTP server is the `stack-signals-http` crate. An engine without
//!   one refuses, at plan time, templates that need one.
//! - [`nesting::TemplateFetcher`]: nested templates. [`fetch::Fetcher`] reads files and `http(s)`.
//!
//! ## Map (by layer)
//!
//! One folder per layer under `src/`, from the top; a layer uses the ones below it, never one above.
//!
//! - [`operation`] (`src/operation.rs`): what a front-end asks for, as values ([`Operation`],
//!   [`Engine::run`]: the one door).
//! - `day2/`: operations on a stack that exists: [`update`], [`change_set`], [`drift`], [`import`].
//! - `operations/`: a stack's life: `create`, [`deletion`], [`durable`] (resume, delete by name,
//!   continue a rollback; guests served again on resume), [`by_tags`], and [`lifecycle`] (what
//!   every front-end shares: stack ids, plan options, [`Engine::plan_create`], delete by state or
//!   by tags).
//! - `kernel/`: the engine and one run: [`engine`] ([`Engine`], [`EngineConfig`]); [`walk`], the
//!   one graph walker (forwards for create, backwards for delete and rollback), critical path
//!   first, under a concurrency limit; `visits`: what visiting a resource means; `step`,
//!   `participant`, `wait_condition`, [`custom`]: one resource's create and delete by kind;
//!   `quirks`: what some CloudStack types need beyond their spec; [`retry`] (the one retry policy),
//!   `tagging` (the stack's tags, batched off the critical path), `recording` and
//!   `masked_records` (locks, write-ahead records, events, no secret in any of them), [`recovery`]
//!   (what a lost call made); what comes back: [`run`] ([`StackRun`], [`StackError`] with its
//!   [`ResourceFailure`]), [`resource_error`].
//! - `ports/`: [`state`], [`signals`] (with [`signal_body`] and [`metadata`]), [`events`] (what a
//!   run reports), [`fetch`], [`cloud_release`] (which release a stack is planned against:
//!   shipped, a file, or the cloud's own).
//! - Below them all: [`stack_template`] (pure: reading, checking and planning templates), re-exported
//!   here as [`template`], [`plan`](mod@plan), [`nesting`], [`typed`] and the rest.
//!
//! What it does not do: talk to the terminal (the `stackmate` CLI does), serve HTTP, or keep
//! secrets (NoEcho values are asked for again on resume, never stored).

mod day2;
mod kernel;
pub mod operation;
mod operations;
mod ports;

pub use day2::{change_set, drift, import, update};
pub use kernel::{custom, engine, recovery, resource_error, retry, run, walk};
pub(crate) use kernel::{masked_records, quirks, recording, step, tagging, visits, wait_condition};
pub use operations::{by_tags, deletion, durable, lifecycle};
pub use ports::{cloud_release, events, fetch, signals, state};

pub use stack_template::{
    builder, catalog, intrinsics, key_order, limits, nesting, parameters, plan, problem, reader, secrets, template,
    typed, yaml,
};

pub use signals::{body as signal_body, metadata};

/// The CloudStack client runtime this engine runs on, re-exported: its `Client` builds an engine and
/// its `FailureKind` is what a failed resource's [`ResourceFailure::kind`] is matched on, so an
/// embedding program needs no dependency of its own on it.
pub use cloudstack_client;

pub use custom::{BoxFuture, Created, CustomError, CustomResource};
pub use deletion::DeleteError;
pub use durable::DurableError;
pub use engine::{Engine, EngineConfig};
pub use events::{Event, EventLog, Status};
pub use lifecycle::{CreateSettings, DeleteBy, Deleted, PlanCreateError};
pub use operation::{Operation, OperationError, OperationKind, Outcome};
pub use resource_error::{ResourceError, ResourceFailure};
pub use retry::RetryPolicy;
pub use run::{LaunchError, OutputDetail, Refused, StackError, StackRun};
pub use stack_template::{order, Plan, PlanOptions};
pub use stack_template::{Problem, Problems};
pub use state::{MemoryStore, ResourceRecord, StateStore};
pub use tagging::{STACK_ID_TAG, STACK_NAME_TAG};
pub use update::{UpdateError, UpdateOptions};
