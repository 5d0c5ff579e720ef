//! Typed stacks: resources, parameters, conditions and outputs built in Rust with the compiler
//! checking what it can, then rendered as the CloudFormation-style JSON a template file holds and
//! read by the same parser ([`TypedStack::template`]). Validation, planning, execution, state,
//! resume and rollback are those of JSON templates: there is no second path.
//!
//! The typed resources of CloudStack are generated per release
//! (`cloudstack_api::v4_17::participants::VirtualMachine`, ...); the wait conditions are here
//! ([`WaitConditionHandle`], [`WaitCondition`]); a custom type of the embedding program is any
//! struct that implements [`Typed`] with setters of its own (the crate's tests have one).
//!
//! ```
//! use stack_template::typed::{join, ParamSpec, Typed, TypedStack, WaitCondition, WaitConditionHandle};
//!
//! let mut stack = TypedStack::new();
//! let env = stack.parameter("Env", ParamSpec::string().allowed_values(["dev", "prod"]).default("dev"));
//! let handle = WaitConditionHandle::new("Handle");
//! let ready = WaitCondition::new("Ready", handle.reference()).timeout(300);
//! stack.output("Data", ready.attr_data());
//! stack.output("Env", join("", [env.into()]));
//! stack.add(handle);
//! stack.add(ready);
//! let template = stack.template().expect("a valid template");
//! assert_eq!(template.resources.len(), 2);
//! assert_eq!(stack.to_json()["Resources"]["Ready"]["Properties"]["Handle"]["Ref"], "Handle");
//! ```

use std::marker::PhantomData;

use serde_json::{json, Map, Value};

pub use cloudstack_client::typed::{
    base64, join, AnyId, Att, IdOf, Param, Ref, Resource, ToJson, Typed, Unchecked, Val,
};

use crate::problem::Problems;
use crate::template::Template;

/// A parameter's declaration, of Rust type `T`: `String` for String parameters, `i64` or `f64`
/// for Number ones.
#[derive(Debug, Clone)]
#[must_use]
pub struct ParamSpec<T> {
    decl: Map<String, Value>,
    _t: PhantomData<fn() -> T>,
}

impl ParamSpec<String> {
    /// A String parameter.
    pub fn string() -> Self {
        Self::of("String")
    }
}

impl ParamSpec<i64> {
    /// A Number parameter holding whole numbers.
    pub fn number() -> Self {
        Self::of("Number")
    }
}

impl ParamSpec<f64> {
    /// A Number parameter holding any number.
    pub fn decimal() -> Self {
        Self::of("Number")
    }
}

impl<T> ParamSpec<T> {
    fn of(kind: &str) -> Self {
        let mut decl = Map::new();
        decl.insert("Type".into(), json!(kind));
        Self { decl, _t: PhantomData }
    }

    fn with(mut self, key: &str, value: Value) -> Self {
        self.decl.insert(key.into(), value);
        self
    }

    /// Its description.
    pub fn description(self, text: &str) -> Self {
        self.with("Description", json!(text))
    }

    /// Its default value.
    pub fn default(self, value: impl std::fmt::Display) -> Self {
        self.with("Default", json!(value.to_string()))
    }

    /// A secret: never shown, stored or logged (`NoEcho`).
    pub fn no_echo(self) -> Self {
        self.with("NoEcho", json!(true))
    }

    /// The values it may take.
    pub fn allowed_values<V: std::fmt::Display>(self, values: impl IntoIterator<Item = V>) -> Self {
        let list: Vec<Value> = values.into_iter().map(|v| json!(v.to_string())).collect();
        self.with("AllowedValues", Value::Array(list))
    }

    /// A regular expression it must match.
    pub fn allowed_pattern(self, pattern: &str) -> Self {
        self.with("AllowedPattern", json!(pattern))
    }

    /// Its shortest and longest length.
    pub fn length(self, min: u32, max: u32) -> Self {
        self.with("MinLength", json!(min.to_string()))
            .with("MaxLength", json!(max.to_string()))
    }

    /// Its smallest and largest value.
    pub fn range(self, min: i64, max: i64) -> Self {
        self.with("MinValue", json!(min.to_string()))
            .with("MaxValue", json!(max.to_string()))
    }
}

/// A condition expression (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`).
#[derive(Debug, Clone)]
pub struct Cond(Value);

impl Cond {
    /// True when `a` equals `b`.
    pub fn equals(a: impl Into<Val<String>>, b: impl Into<Val<String>>) -> Self {
        Self(json!({"Fn::Equals": [a.into().erase(), b.into().erase()]}))
    }
    /// True when `c` is false.
    pub fn negate(c: Cond) -> Self {
        Self(json!({"Fn::Not": [c.0]}))
    }
    /// True when all of `cs` are.
    pub fn all(cs: impl IntoIterator<Item = Cond>) -> Self {
        Self(json!({"Fn::And": cs.into_iter().map(|c| c.0).collect::<Vec<_>>()}))
    }
    /// True when any of `cs` is.
    pub fn any(cs: impl IntoIterator<Item = Cond>) -> Self {
        Self(json!({"Fn::Or": cs.into_iter().map(|c| c.0).collect::<Vec<_>>()}))
    }
    /// Another condition of the stack, by name.
    pub fn named(name: &str) -> Self {
        Self(json!({ "Condition": name }))
    }
}

/// A stack built in Rust. [`TypedStack::template`] reads it as a template file is read.
#[derive(Debug, Clone, Default)]
pub struct TypedStack {
    description: Option<String>,
    parameters: Map<String, Value>,
    conditions: Map<String, Value>,
    resources: Map<String, Value>,
    outputs: Map<String, Value>,
}

impl TypedStack {
    /// An empty stack.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets its description.
    pub fn description(&mut self, text: &str) -> &mut Self {
        self.description = Some(text.to_string());
        self
    }

    /// Declares parameter `name`; returns the reference resources use.
    pub fn parameter<T>(&mut self, name: &str, spec: ParamSpec<T>) -> Param<T> {
        self.parameters.insert(name.to_string(), Value::Object(spec.decl));
        Param::new(name)
    }

    /// Declares condition `name`; resources created under it name it ([`Typed::condition`]).
    pub fn condition(&mut self, name: &str, expression: Cond) -> String {
        self.conditions.insert(name.to_string(), expression.0);
        name.to_string()
    }

    /// Adds a resource (a generated participant, a wait condition, a custom type). A second one
    /// with the same logical id replaces the first.
    pub fn add(&mut self, resource: impl Into<Resource>) -> &mut Self {
        let r: Resource = resource.into();
        let mut decl = Map::new();
        decl.insert("Type".into(), json!(r.type_name()));
        if !r.properties().is_empty() {
            decl.insert("Properties".into(), Value::Object(r.properties().clone()));
        }
        if !r.explicit_dependencies().is_empty() {
            decl.insert("DependsOn".into(), json!(r.explicit_dependencies()));
        }
        if let Some(c) = r.condition_name() {
            decl.insert("Condition".into(), json!(c));
        }
        if let Some(m) = r.metadata_value() {
            decl.insert("Metadata".into(), m.clone());
        }
        if r.retained() {
            decl.insert("DeletionPolicy".into(), json!("Retain"));
        }
        self.resources.insert(r.logical_id().to_string(), Value::Object(decl));
        self
    }

    /// Adds output `name` showing `value` (a reference, an attribute, any value).
    pub fn output(&mut self, name: &str, value: impl ToJson) -> &mut Self {
        self.outputs
            .insert(name.to_string(), json!({ "Value": value.to_json() }));
        self
    }

    /// The stack as a CloudFormation-style template, for review and diff.
    pub fn to_json(&self) -> Value {
        let mut root = Map::new();
        root.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        if let Some(d) = &self.description {
            root.insert("Description".into(), json!(d));
        }
        for (key, section) in [
            ("Parameters", &self.parameters),
            ("Conditions", &self.conditions),
            ("Resources", &self.resources),
            ("Outputs", &self.outputs),
        ] {
            if !section.is_empty() || key == "Resources" {
                root.insert(key.into(), Value::Object(section.clone()));
            }
        }
        Value::Object(root)
    }

    /// The stack read as a template file is: the same checks, each problem at its JSON pointer in
    /// [`TypedStack::to_json`].
    pub fn template(&self) -> Result<Template, Problems> {
        crate::template::from_value(&self.to_json()).map_err(Problems)
    }
}

/// `AWS::CloudFormation::WaitConditionHandle`: a URL its guests signal.
#[derive(Debug, Clone)]
#[must_use]
pub struct WaitConditionHandle(Resource);

impl WaitConditionHandle {
    /// A handle named `logical`.
    pub fn new(logical: impl Into<String>) -> Self {
        Self(Resource::new("AWS::CloudFormation::WaitConditionHandle", logical))
    }
}

/// `AWS::CloudFormation::WaitCondition`: waits for `Count` signals on a handle.
#[derive(Debug, Clone)]
#[must_use]
pub struct WaitCondition(Resource);

impl WaitCondition {
    /// A condition named `logical`, waiting on `handle`.
    pub fn new(logical: impl Into<String>, handle: Ref<WaitConditionHandle>) -> Self {
        let mut r = Resource::new("AWS::CloudFormation::WaitCondition", logical);
        r.set("Handle", handle.to_json());
        Self(r)
    }

    /// How many success signals it waits for (default 1).
    pub fn count(mut self, count: impl Into<Val<i64>>) -> Self {
        self.0.set("Count", count.into().erase());
        self
    }

    /// Seconds it waits at most (default 600).
    pub fn timeout(mut self, seconds: impl Into<Val<i64>>) -> Self {
        self.0.set("Timeout", seconds.into().erase());
        self
    }

    /// `Fn::GetAtt` of `Data`: what the signals sent, as JSON `{"<UniqueId>": "<Data>"}`.
    pub fn attr_data(&self) -> Att<String> {
        self.0.att("Data")
    }
}

macro_rules! typed_builtin {
    ($($t:ty),*) => {$(
        impl Typed for $t {
            fn resource(&self) -> &Resource {
                &self.0
            }
            fn resource_mut(&mut self) -> &mut Resource {
                &mut self.0
            }
        }
        impl From<$t> for Resource {
            fn from(t: $t) -> Self {
                t.0
            }
        }
    )*};
}
/// `CloudStack::Stack`: another typed stack nested in this one, run as part of it
/// ([`crate::nesting`]): its resources join this stack's plan as `Logical.Resource`.
#[derive(Debug, Clone)]
#[must_use]
pub struct NestedStack(Resource);

impl NestedStack {
    /// `child`, nested as `logical`.
    pub fn new(logical: impl Into<String>, child: &TypedStack) -> Self {
        let mut r = Resource::new("CloudStack::Stack", logical);
        r.set("TemplateBody", child.to_json());
        Self(r)
    }

    /// Passes `value` as the child's parameter `name`.
    pub fn parameter(mut self, name: &str, value: impl ToJson) -> Self {
        let mut params = match self.0.properties().get("Parameters") {
            Some(Value::Object(o)) => o.clone(),
            _ => Map::new(),
        };
        params.insert(name.to_string(), value.to_json());
        self.0.set("Parameters", Value::Object(params));
        self
    }

    /// Each of the child's resources' default timeout.
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.0.set("TimeoutInMinutes", json!(minutes));
        self
    }

    /// `Fn::GetAtt [logical, Outputs.name]`: the child's output `name`.
    pub fn output(&self, name: &str) -> Att<String> {
        Att::new(self.0.logical_id(), format!("Outputs.{name}"))
    }
}

typed_builtin!(WaitConditionHandle, WaitCondition, NestedStack);
