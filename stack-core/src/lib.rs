//! The core of "CloudFormation for CloudStack": StackMate and CloudFormation JSON templates turned into
//! validated plans (a DAG of CloudStack participants) before any API call.
//!
//! [`template::parse`] reads a template, [`plan::plan`] resolves parameters (with every constraint),
//! evaluates conditions and intrinsics as far as they can be before anything exists, checks every
//! resource type, property, reference and attribute against the generated participant specs, and builds
//! the dependency graph. All problems are collected, each with a JSON pointer and a hint.
//!
//! [`Engine`] runs a plan: each resource starts as soon as its dependencies are done, async jobs are
//! watched in batches, created resources are tagged with the stack, failures roll back in reverse
//! dependency order, and wait conditions are served by an embedded [`signals::SignalServer`].
//!
//! With a [`state::StateStore`] ([`state::SqliteStore`] by default) the engine writes ahead before every
//! state-changing call, so a run killed at any point can be resumed ([`Engine::resume`]): recorded jobs are
//! polled again, creates whose reply was lost are found ([`recovery`] lists the few types that cannot be),
//! and the stack goes on or rolls back. Stacks are locked per process with a lease.
//!
//! What it does not do: talk to the terminal (the `stackmate` CLI does), or keep secrets (NoEcho values
//! are asked for again on resume, never stored).
//!
//! ```
//! use std::collections::BTreeMap;
//! let template = stack_core::template::parse(r#"{
//!   "AWSTemplateFormatVersion": "2010-09-09",
//!   "Resources": {
//!     "Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}},
//!     "Http": {"Type": "CloudStack::SecurityGroupIngress",
//!              "Properties": {"securitygroupid": {"Ref": "Web"}, "protocol": "tcp", "startport": "80", "endport": 80}}
//!   }
//! }"#).expect("parses");
//! let options = stack_core::plan::PlanOptions {
//!     stack_name: "demo".into(),
//!     stack_id: "demo-1".into(),
//!     version: cloudstack_api::specs::newest().expect("releases ship with cloudstack-api"),
//!     zones: vec![],
//!     unique_names: true,
//!     custom_types: BTreeMap::new(),
//!     metadata_url: "http://127.0.0.1:4567/".into(),
//! };
//! let plan = stack_core::plan::plan(&template, &BTreeMap::new(), &options).expect("valid");
//! assert_eq!(plan.order, ["Web", "Http"]);
//! ```

pub mod builder;
pub mod cloud_release;
pub mod durable;
pub mod events;
pub mod executor;
pub mod intrinsics;
pub mod parameters;
pub mod plan;
pub mod problem;
pub mod recovery;
pub mod signals;
pub mod state;
pub mod template;

pub use durable::DurableError;
pub use events::{Event, EventLog, Status};
pub use executor::{Created, CustomResource, Engine, EngineConfig, LaunchError, ResourceRecord, StackError, StackRun};
pub use plan::{plan, Plan, PlanOptions};
pub use problem::{Problem, Problems};
pub use state::{SqliteStore, StateStore};
