//! Templates to plans, pure: what validators, editors, linters, fuzzers and the engine all take.
//! No runtime, no network, no database: a template (CloudFormation or StackMate JSON, YAML with
//! CloudFormation's short forms, or a stack written in Rust) becomes a validated [`Plan`] (a DAG of
//! CloudStack participants of one release) before any API call. `stack-core` runs plans.
//!
//! ```
//! use std::collections::BTreeMap;
//! let template = stack_template::template::parse(r#"{
//!   "AWSTemplateFormatVersion": "2010-09-09",
//!   "Resources": {
//!     "Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}},
//!     "Http": {"Type": "CloudStack::SecurityGroupIngress",
//!              "Properties": {"securitygroupid": {"Ref": "Web"}, "protocol": "tcp", "startport": "80", "endport": 80}}
//!   }
//! }"#).expect("parses");
//! let release = cloudstack_api::specs::newest().expect("releases ship with cloudstack-api");
//! let options = stack_template::PlanOptions::new("demo", "demo-1", release);
//! let plan = stack_template::plan(&template, &BTreeMap::new(), &options).expect("valid");
//! assert_eq!(plan.order, ["Web", "Http"]);
//! ```
//!
//! ## Map (by layer, each using only those below it)
//! - [`problem`]: what is wrong and where (a JSON pointer and a hint), the one error of this crate.
//! - Reading ([`reader`], [`yaml`], [`limits`]): text to a JSON value, strictly, within the limits.
//! - The model ([`template`], [`builder`], [`typed`]): a checked template, from text or from Rust.
//! - Values ([`parameters`], [`intrinsics`]): parameters against their declarations, intrinsic
//!   functions and conditions.
//! - Nesting ([`nesting`]): nested stacks read through a [`nesting::TemplateFetcher`] (a port: the
//!   crate reads no file and no URL itself) and flattened into one template.
//! - Planning ([`plan`](mod@plan), [`catalog`]): a template against a release's participants, to a
//!   [`Plan`] with its dependency order and, for each resource, its create call as data
//!   ([`plan::wire`]).
//! - [`secrets`]: a plan's secrets (NoEcho values, tokens) and the [`secrets::Masker`] that keeps
//!   them out of everything written.
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
//! ## Before the release is known
//!
//! [`plan::precheck`] makes every check that needs no release (parse, parameters, conditions,
//! references, dependencies); [`plan::plan`] adds the release's types, properties and attributes.
//! A caller that has to read the cloud's own `listApis` first runs `precheck` before it, so a
//! template they refuse reaches no API at all.

use std::future::Future;
use std::pin::Pin;

pub mod catalog;
mod evaluate;
mod model;
pub mod nesting;
pub mod plan;
pub mod problem;
mod read;
pub mod secrets;

pub use evaluate::{intrinsics, parameters};
pub use model::{builder, template, typed};
pub use plan::{order, plan, Plan, PlanOptions};
pub use problem::{Problem, Problems};
pub use read::{key_order, limits, reader, yaml};

/// A boxed future that owns what it needs: what the ports of this crate and of the engine return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
