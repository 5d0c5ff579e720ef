//! The core of "CloudFormation for CloudStack": stacks written in Rust ([`typed`]) or as StackMate and
//! CloudFormation templates, turned into validated plans (a DAG of CloudStack participants) before
//! any API call, and run with rollback, durable state and crash recovery.
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
//! The same stack as a template file goes through [`template::parse`] instead; from there on
//! everything is shared.
//!
//! [`template::parse`] reads a template (JSON, or YAML with CloudFormation's short forms), [`plan::plan`]
//! resolves parameters (with every constraint),
//! evaluates conditions and intrinsics as far as they can be before anything exists, checks every
//! resource type, property, reference and attribute against the generated participant specs, and builds
//! the dependency graph. All problems are collected, each with a JSON pointer and a hint.
//!
//! [`Engine`] runs a plan: each resource starts as soon as its dependencies are done, async jobs are
//! watched in batches, each with its resource's own deadline; created resources are tagged with the
//! stack, in batches and off the critical path; failures roll back in reverse dependency order, and
//! wait conditions are served by an embedded [`signals::SignalServer`].
//!
//! With a [`state::StateStore`] ([`state::SqliteStore`] by default, [`state::MemoryStore`] in memory)
//! the engine writes ahead before every state-changing call, so a run killed at any point can be
//! resumed ([`Engine::resume`]): recorded jobs are polled again, creates whose reply was lost are
//! found ([`recovery`] lists the few types that cannot be), and the stack goes on or rolls back. A
//! stack is written only under its lock, a lease with a fencing counter that the store checks on
//! every write.
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
//! Templates to plans (pure, no I/O):
//! - [`template`], [`reader`], [`yaml`], [`limits`]: template text to a checked template model;
//!   `template::declarations` (private): one parameter, resource or mapping declaration read and checked.
//! - [`parameters`], [`intrinsics`], [`plan`](mod@plan) (with [`plan::order`]), [`problem`]: a template and its
//!   parameters to a validated plan, with every problem at its pointer; `plan::resource_checks`
//!   (private):
//!   one resource's properties and attributes against its release; `plan::graph_text` (private): the
//!   dependency graph as DOT or Mermaid.
//! - [`nesting`]: nested stacks (`CloudStack::Stack`): their templates read ([`nesting::inline`],
//!   the only I/O) and the tree flattened into one plan.
//! - [`builder`]: a stack written in Rust instead of a template.
//! - [`cloud_release`]: which release a stack is planned against (shipped, a file, or the cloud's own).
//!
//! Running plans:
//! - [`engine`]: the [`Engine`] and its [`EngineConfig`]; [`lifecycle`]: stack ids, plan options,
//!   delete by state or (explicitly) by tags, for every front-end.
//! - [`walk`]: the one graph walker (forwards for create, backwards for delete and rollback),
//!   critical path first, under a concurrency limit; it knows nothing of resources.
//! - `create` (private): a create run; `deletion` (private): delete and rollback runs.
//! - `visits` (private): what visiting a resource means for a create walk and a delete walk.
//! - `step` (private): one resource's create or delete, dispatched by its kind.
//! - `participant` (private): the CloudStack participant's create and delete; `quirks` (private):
//!   what some CloudStack types need beyond their spec (VM attributes, expunge).
//! - `wait_condition` (private): wait-condition handles and conditions; [`custom`]: resource types
//!   the embedding program provides.
//! - `tagging` (private): the stack's tags, batched and off the critical path.
//! - [`retry`]: the one retry policy (throttled, transient, in use, not yet visible).
//! - `recording` (private): locks, write-ahead records and events; `secrets` (private): masking every
//!   secret (NoEcho values, metadata and handle tokens) in every encoding.
//! - `wait_condition` (private): handles and waits that outlive the process.
//! - [`resource_error`]: why one resource failed; [`run`]: what a stack operation gives back.
//!
//! State and recovery:
//! - [`state`]: the [`state::StateStore`] contract, its conformance suite, and the SQLite and
//!   in-memory stores.
//! - [`durable`]: resume, delete by name, continue a rollback; [`recovery`]: finding what a lost
//!   call made; [`by_tags`]: a stack found by its tags, whether a run looks live, and deleting it.
//! - [`catalog`]: the resource types of a release, their properties and attributes.
//! - [`drift`]: each resource compared with the cloud, per property; [`import`]: resources made
//!   outside any stack adopted into one.
//! - [`change_set`]: what an update would change, per resource and property; [`update`]: the
//!   update itself (in place, interruption, replacement create-first, clean-up, rollback, stack
//!   policies).
//! - [`events`]: stack and resource events; [`signals`]: the wait-condition and metadata server;
//!   [`signal_body`]: what a signal may say; [`metadata`]: who may read a resource's metadata.
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
pub mod by_tags;
pub mod catalog;
pub mod change_set;
pub mod cloud_release;
mod create;
pub mod custom;
mod deletion;
pub mod drift;
pub mod durable;
pub mod engine;
pub mod events;
pub mod import;
pub mod intrinsics;
pub mod lifecycle;
pub mod limits;
pub mod metadata;
pub mod nesting;
pub mod parameters;
mod participant;
pub mod plan;
pub mod problem;
mod quirks;
pub mod reader;
mod recording;
pub mod recovery;
pub mod resource_error;
pub mod retry;
pub mod run;
mod secrets;
pub mod signal_body;
pub mod signals;
pub mod state;
mod step;
mod tagging;
pub mod template;
pub mod typed;
pub mod update;
mod visits;
mod wait_condition;
pub mod walk;
pub mod yaml;

pub use custom::{BoxFuture, Created, CustomError, CustomResource};
pub use durable::DurableError;
pub use engine::{Engine, EngineConfig};
pub use events::{Event, EventLog, Status};
pub use lifecycle::{DeleteBy, Deleted};
pub use plan::{order, plan, Plan, PlanOptions};
pub use problem::{Problem, Problems};
pub use resource_error::ResourceError;
pub use retry::RetryPolicy;
pub use run::{LaunchError, Refused, StackError, StackRun};
pub use state::{MemoryStore, ResourceRecord, SqliteStore, StateStore};
pub use tagging::{STACK_ID_TAG, STACK_NAME_TAG};
pub use update::{UpdateError, UpdateOptions};
