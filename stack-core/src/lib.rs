//! The core of "CloudFormation for CloudStack": StackMate and CloudFormation JSON templates turned into
//! validated plans (a DAG of CloudStack participants) before any API call.
//!
//! [`template::parse`] reads a template (JSON, or YAML with CloudFormation's short forms), [`plan::plan`]
//! resolves parameters (with every constraint),
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
//! ## What a template must be
//!
//! Everything below is checked before the first API call, every problem with the JSON pointer of the
//! exact member (and line and column for text problems). Where StackMate was silent, CloudFormation's
//! documented rules are taken:
//! - **Text**: UTF-8 without a byte order mark; a key given twice, at any depth, is an error at the
//!   second one; YAML is one document, without anchors or aliases, with the short forms `!Ref`,
//!   `!GetAtt`, `!Sub`, `!Join`, `!If`, `!Select`, `!Split`, `!FindInMap`, `!Base64`, `!GetAZs`,
//!   `!Equals`, `!And`, `!Or`, `!Not`, `!Condition` (see [`yaml`]).
//! - **Format version** (CloudFormation): `AWSTemplateFormatVersion` is `2010-09-09`;
//!   `CSTemplateFormatVersion` (StackMate) is `1`; not both.
//! - **Names** (CloudFormation): logical ids and the names of parameters, outputs, mappings and
//!   conditions are alphanumeric, at most 255 characters; parameters and resources share one name
//!   space, as `Ref` names either.
//! - **Parameters** (CloudFormation): `Type` is required (`String`, `Number`, `CommaDelimitedList`,
//!   `List<Number>`); `NoEcho` is a boolean or `"true"`/`"false"`; only the documented attributes; a
//!   `Default` must meet its own constraints (reported at `.../Default`).
//! - **Mappings** (CloudFormation): two levels of keys, then a string or a list of strings.
//! - **Resources and outputs**: only the documented attributes; `DependsOn` entries name resources
//!   (reported by index); an output has a `Value`; cycles of resources or of conditions are reported
//!   naming every member; a property given twice in different case is an error (CloudStack parameter
//!   names are not case-sensitive).
//!
//! ## Limits
//!
//! [`limits::Limits`], documented defaults any caller may change (`PlanOptions::limits`, the CLI's
//! `--limit NAME=N`): template text 1 MiB; 1,000 resources; 200 parameters, outputs and mappings each;
//! nesting of objects and lists (and so of intrinsic functions) 64 levels; parameter values 4,096
//! bytes; names 255 characters. The size is checked before the text is read and the counts before
//! any resource is looked at, so a 20 MiB or a 50,000-resource template is refused at once.
//!
//! ## Before any call
//!
//! [`plan::precheck`] makes every check that needs no release (parse, parameters, conditions,
//! references, dependencies); [`plan::plan`] adds the release's types, properties and attributes; both
//! are pure. A caller that has to read the cloud's own `listApis` first ([`cloud_release`]) runs
//! `precheck` before it, so a template they refuse reaches no API at all; zones for `Fn::GetAZs` are
//! read only after the whole plan is valid.
//!
//! ## Map
//!
//! - [`template`], [`reader`], [`yaml`], [`limits`]: template text to a checked template model.
//! - [`parameters`], [`intrinsics`], [`order`], [`plan`](mod@plan), [`problem`]: a template and its parameters to a
//!   validated plan (pure), with every problem at its pointer.
//! - [`builder`]: a stack written in Rust instead of a template.
//! - [`cloud_release`]: which release a stack is planned against (shipped, a file, or the cloud's own).
//! - [`walk`]: the one graph walker (forwards for create, backwards for delete and rollback),
//!   critical path first, under a concurrency limit; it knows nothing of resources.
//! - `visits` (private): what visiting a resource means for a create walk and a delete walk.
//! - [`executor`]: the [`Engine`], a create run and the create step of one resource (with its retries).
//! - `tagging` (private): the stack's tags on each resource, off the critical path.
//! - `deletion` (private): delete and rollback runs, and the delete step of one resource.
//! - [`state`]: the [`state::StateStore`] contract and its SQLite store; [`durable`]: resume, delete
//!   by name, continue a rollback; [`recovery`]: finding what a lost call made.
//! - [`events`]: stack and resource events; [`signals`]: the wait-condition and metadata server.
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
//! let release = cloudstack_api::specs::newest().expect("releases ship with cloudstack-api");
//! let options = stack_core::plan::PlanOptions::new("demo", "demo-1", release);
//! let plan = stack_core::plan::plan(&template, &BTreeMap::new(), &options).expect("valid");
//! assert_eq!(plan.order, ["Web", "Http"]);
//! ```

pub mod builder;
pub mod cloud_release;
mod deletion;
pub mod durable;
pub mod events;
pub mod executor;
pub mod intrinsics;
pub mod limits;
pub mod order;
pub mod parameters;
pub mod plan;
pub mod problem;
pub mod reader;
pub mod recovery;
pub mod signals;
pub mod state;
mod tagging;
pub mod template;
mod visits;
pub mod walk;
pub mod yaml;

pub use durable::DurableError;
pub use events::{Event, EventLog, Status};
pub use executor::{Created, CustomResource, Engine, EngineConfig, LaunchError, ResourceRecord, StackError, StackRun};
pub use plan::{plan, Plan, PlanOptions};
pub use problem::{Problem, Problems};
pub use state::{SqliteStore, StateStore};
