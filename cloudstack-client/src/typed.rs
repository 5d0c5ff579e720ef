//! The runtime of typed resources: what the generated `participants::<Type>` structs of
//! `cloudstack-api` are made of, written once.
//!
//! A typed resource is a [`Resource`] (its type, logical id and properties as template JSON) behind
//! setters whose argument types the compiler checks. A property value is a [`Val<T>`]: a literal of
//! the request binding's Rust type `T`, or a reference resolved when the stack runs: another
//! resource's id ([`Ref<K>`]) or attribute ([`Att<T>`]), a stack parameter ([`Param<T>`]), or an
//! expression of them ([`join`], [`base64()`]). A reference is template JSON (`{"Ref": ..}`,
//! `{"Fn::GetAtt": ..}`), so the stack's dependencies follow from the references themselves.
//!
//! Where the API's `related` list names the participant that makes a parameter's value, the setter
//! takes [`Val<IdOf<K>>`]: a reference to a resource of kind `K` only. Ids of resources outside the
//! stack are literal strings (or stack parameters), which every id parameter takes; and
//! [`Unchecked::id`] turns any value into an id of any kind, for the rare id the dump gets wrong.
//!
//! What it does not do: validate values (the plan does that, with the same rules as for a JSON
//! template) or know any CloudStack release (the generated code does).
//!
//! ```
//! use cloudstack_client::typed::{join, Att, Param, Ref, Resource, Val};
//!
//! struct Group;
//! let zone: Param<String> = Param::new("Zone");
//! let name: Val<String> = join("-", [Val::from("web"), zone.into()]);
//! let mut r = Resource::new("CloudStack::SecurityGroup", "Web");
//! r.set("name", name.erase());
//! let id: Ref<Group> = Ref::new("Web");
//! let address: Att<String> = Att::new("Ip", "ipaddress");
//! assert_eq!(r.properties()["name"]["Fn::Join"][1][1]["Ref"], "Zone");
//! assert_eq!(Val::<String>::from(id).erase()["Ref"], "Web");
//! assert_eq!(Val::<String>::from(address).erase()["Fn::GetAtt"][1], "ipaddress");
//! ```

use std::marker::PhantomData;

use serde_json::{json, Map, Value};

use crate::params::Date;

/// What can stand in a template: its JSON (`{"Ref": ..}`, a literal, ...).
pub trait ToJson {
    /// The template JSON.
    fn to_json(&self) -> Value;
}

impl<T> ToJson for Val<T> {
    fn to_json(&self) -> Value {
        self.json.clone()
    }
}

impl<K> ToJson for Ref<K> {
    fn to_json(&self) -> Value {
        json!({ "Ref": self.logical })
    }
}

impl<T> ToJson for Att<T> {
    fn to_json(&self) -> Value {
        json!({ "Fn::GetAtt": [self.logical, self.attribute] })
    }
}

impl<T> ToJson for Param<T> {
    fn to_json(&self) -> Value {
        json!({ "Ref": self.name })
    }
}

impl ToJson for &str {
    fn to_json(&self) -> Value {
        Value::String((*self).to_string())
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

/// A property value whose Rust type is `T`: a literal or a reference (template JSON).
#[must_use]
pub struct Val<T> {
    json: Value,
    _t: PhantomData<fn() -> T>,
}

impl<T> Val<T> {
    /// A value from template JSON as is (intrinsics allowed), with no check of its type.
    pub fn raw(json: Value) -> Self {
        Self { json, _t: PhantomData }
    }

    /// The template JSON.
    pub fn erase(self) -> Value {
        self.json
    }
}

impl<T> Clone for Val<T> {
    fn clone(&self) -> Self {
        Self::raw(self.json.clone())
    }
}

impl<T> std::fmt::Debug for Val<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Val({})", self.json)
    }
}

/// The id of a resource of kind `K` (a generated participant type), for parameters whose value the
/// dump says a `K` makes.
pub struct IdOf<K>(PhantomData<fn() -> K>);

/// The id of a resource of any kind, for parameters whose maker the dump does not single out.
pub struct AnyId;

/// A reference to the physical id of resource `logical`, of kind `K` (`{"Ref": logical}`).
pub struct Ref<K> {
    logical: String,
    _k: PhantomData<fn() -> K>,
}

impl<K> Ref<K> {
    /// The reference to resource `logical`.
    pub fn new(logical: impl Into<String>) -> Self {
        Self {
            logical: logical.into(),
            _k: PhantomData,
        }
    }

    /// The logical id it refers to.
    pub fn logical_id(&self) -> &str {
        &self.logical
    }
}

impl<K> Clone for Ref<K> {
    fn clone(&self) -> Self {
        Self::new(self.logical.clone())
    }
}

impl<K> std::fmt::Debug for Ref<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ref({})", self.logical)
    }
}

/// A reference to attribute `attribute` of resource `logical`, of Rust type `T`
/// (`{"Fn::GetAtt": [logical, attribute]}`).
pub struct Att<T> {
    logical: String,
    attribute: std::borrow::Cow<'static, str>,
    _t: PhantomData<fn() -> T>,
}

impl<T> Att<T> {
    /// The reference to `logical`'s `attribute` (a nested stack's is `Outputs.NAME`).
    pub fn new(logical: impl Into<String>, attribute: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self {
            logical: logical.into(),
            attribute: attribute.into(),
            _t: PhantomData,
        }
    }
}

impl<T> Clone for Att<T> {
    fn clone(&self) -> Self {
        Self::new(self.logical.clone(), self.attribute.clone())
    }
}

impl<T> std::fmt::Debug for Att<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Att({}.{})", self.logical, self.attribute)
    }
}

/// A reference to stack parameter `name`, of Rust type `T` (`{"Ref": name}`): `String` for String
/// parameters, `i64` or `f64` for Number ones.
pub struct Param<T> {
    name: String,
    _t: PhantomData<fn() -> T>,
}

impl<T> Param<T> {
    /// The reference to parameter `name` (or a pseudo parameter, `CloudStack::StackName`).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            _t: PhantomData,
        }
    }

    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl<T> Clone for Param<T> {
    fn clone(&self) -> Self {
        Self::new(self.name.clone())
    }
}

impl<T> std::fmt::Debug for Param<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Param({})", self.name)
    }
}

/// The way out of the kind check: any value as an id of any kind.
#[derive(Debug, Clone)]
pub struct Unchecked(Value);

impl Unchecked {
    /// `v` (a reference, a string attribute or parameter, a literal) taken as an id of any kind.
    pub fn id(v: impl Into<Val<String>>) -> Self {
        Self(v.into().erase())
    }
}

macro_rules! literal {
    ($($t:ty),*) => {$(
        impl From<$t> for Val<$t> {
            fn from(v: $t) -> Self {
                Val::raw(json!(v))
            }
        }
    )*};
}
literal!(bool, i16, i32, i64, f32, f64, String);

impl From<&str> for Val<String> {
    fn from(v: &str) -> Self {
        Val::raw(Value::String(v.to_string()))
    }
}

impl From<&String> for Val<String> {
    fn from(v: &String) -> Self {
        Val::raw(Value::String(v.clone()))
    }
}

impl From<Date> for Val<Date> {
    fn from(d: Date) -> Self {
        Val::raw(Value::String(d.to_date_string()))
    }
}

macro_rules! from_refs {
    ($target:ty => $($source:ty),*) => {$(
        impl From<$source> for Val<$target> {
            fn from(v: $source) -> Self {
                Val::raw(v.to_json())
            }
        }
        impl From<&$source> for Val<$target> {
            fn from(v: &$source) -> Self {
                Val::raw(v.to_json())
            }
        }
    )*};
}
from_refs!(String => Att<String>, Param<String>);
from_refs!(bool => Att<bool>);
from_refs!(i16 => Att<i64>, Param<i64>);
from_refs!(i32 => Att<i64>, Param<i64>);
from_refs!(i64 => Att<i64>, Param<i64>);
from_refs!(f32 => Att<f64>, Param<f64>);
from_refs!(f64 => Att<f64>, Param<f64>);
from_refs!(Date => Param<String>);
from_refs!(AnyId => Att<String>, Param<String>);

impl<K> From<Ref<K>> for Val<String> {
    fn from(r: Ref<K>) -> Self {
        Val::raw(r.to_json())
    }
}

impl<K> From<&Ref<K>> for Val<String> {
    fn from(r: &Ref<K>) -> Self {
        Val::raw(r.to_json())
    }
}

/// Literal ids: a resource outside the stack, of whatever kind.
macro_rules! literal_ids {
    ($($t:ty),*) => {$(
        impl<K> From<$t> for Val<IdOf<K>> {
            fn from(v: $t) -> Self {
                Val::raw(Value::String(v.to_string()))
            }
        }
        impl From<$t> for Val<AnyId> {
            fn from(v: $t) -> Self {
                Val::raw(Value::String(v.to_string()))
            }
        }
    )*};
}
literal_ids!(&str, String, &String);

impl<K> From<Ref<K>> for Val<IdOf<K>> {
    fn from(r: Ref<K>) -> Self {
        Val::raw(r.to_json())
    }
}

impl<K> From<&Ref<K>> for Val<IdOf<K>> {
    fn from(r: &Ref<K>) -> Self {
        Val::raw(r.to_json())
    }
}

impl<K> From<Param<String>> for Val<IdOf<K>> {
    fn from(p: Param<String>) -> Self {
        Val::raw(p.to_json())
    }
}

impl<K> From<&Param<String>> for Val<IdOf<K>> {
    fn from(p: &Param<String>) -> Self {
        Val::raw(p.to_json())
    }
}

impl<K> From<Unchecked> for Val<IdOf<K>> {
    fn from(u: Unchecked) -> Self {
        Val::raw(u.0)
    }
}

impl<K> From<Ref<K>> for Val<AnyId> {
    fn from(r: Ref<K>) -> Self {
        Val::raw(r.to_json())
    }
}

impl<K> From<&Ref<K>> for Val<AnyId> {
    fn from(r: &Ref<K>) -> Self {
        Val::raw(r.to_json())
    }
}

impl From<Unchecked> for Val<AnyId> {
    fn from(u: Unchecked) -> Self {
        Val::raw(u.0)
    }
}

/// `Fn::Join`: `parts` joined with `separator` when the stack runs.
pub fn join(separator: &str, parts: impl IntoIterator<Item = Val<String>>) -> Val<String> {
    let parts: Vec<Value> = parts.into_iter().map(Val::erase).collect();
    Val::raw(json!({ "Fn::Join": [separator, parts] }))
}

/// `Fn::Base64`: `text` base64-encoded when the stack runs (a VM's `userdata`).
pub fn base64(text: impl Into<Val<String>>) -> Val<String> {
    Val::raw(json!({ "Fn::Base64": text.into().erase() }))
}

/// A list property: its items' JSON, in order.
pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
    Value::Array(items.into_iter().collect())
}

/// A map property of key/value pairs: a JSON object.
pub fn pairs<K: Into<String>, V: Into<Val<String>>>(items: impl IntoIterator<Item = (K, V)>) -> Value {
    Value::Object(items.into_iter().map(|(k, v)| (k.into(), v.into().erase())).collect())
}

/// A map property of entries (a list of field maps): a JSON array of objects.
pub fn entries<K: Into<String>, V: Into<Val<String>>, E: IntoIterator<Item = (K, V)>>(
    items: impl IntoIterator<Item = E>,
) -> Value {
    Value::Array(items.into_iter().map(pairs).collect())
}

/// One resource of a stack: its type, logical id, properties (template JSON) and the attributes of
/// a resource declaration (`DependsOn`, `Condition`, `Metadata`, `DeletionPolicy`).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    type_name: String,
    logical: String,
    properties: Map<String, Value>,
    depends_on: Vec<String>,
    condition: Option<String>,
    metadata: Option<Value>,
    retain: bool,
}

impl Resource {
    /// A resource of `type_name` named `logical`, with no properties yet.
    pub fn new(type_name: impl Into<String>, logical: impl Into<String>) -> Self {
        Self {
            type_name: type_name.into(),
            logical: logical.into(),
            properties: Map::new(),
            depends_on: Vec::new(),
            condition: None,
            metadata: None,
            retain: false,
        }
    }

    /// Sets property `name` to `value` (template JSON).
    pub fn set(&mut self, name: &str, value: Value) {
        self.properties.insert(name.to_string(), value);
    }

    /// Its type.
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// Its logical id.
    pub fn logical_id(&self) -> &str {
        &self.logical
    }

    /// Its properties.
    pub fn properties(&self) -> &Map<String, Value> {
        &self.properties
    }

    /// What it depends on beyond its references (`DependsOn`).
    pub fn explicit_dependencies(&self) -> &[String] {
        &self.depends_on
    }

    /// The condition it is created under.
    pub fn condition_name(&self) -> Option<&str> {
        self.condition.as_deref()
    }

    /// Its metadata (for cfn-init).
    pub fn metadata_value(&self) -> Option<&Value> {
        self.metadata.as_ref()
    }

    /// Whether it is kept when the stack is deleted (`DeletionPolicy: Retain`).
    pub fn retained(&self) -> bool {
        self.retain
    }

    /// A reference to its attribute `attribute`.
    pub fn att<T>(&self, attribute: &'static str) -> Att<T> {
        Att::new(self.logical.clone(), attribute)
    }
}

/// What every typed resource is: a [`Resource`] with typed setters. The generated participants and
/// the built-in and custom types implement it; its provided methods set what any resource has.
pub trait Typed: Sized {
    /// The resource.
    fn resource(&self) -> &Resource;
    /// The resource, to change.
    fn resource_mut(&mut self) -> &mut Resource;

    /// Its logical id.
    fn logical_id(&self) -> &str {
        self.resource().logical_id()
    }

    /// A reference to its physical id (`Ref`), of its own kind.
    fn reference(&self) -> Ref<Self> {
        Ref::new(self.resource().logical_id())
    }

    /// Depends on `other` beyond what its references say (`DependsOn`).
    fn depends_on(mut self, other: &impl Typed) -> Self {
        let logical = other.logical_id().to_string();
        let list = &mut self.resource_mut().depends_on;
        if !list.contains(&logical) {
            list.push(logical);
        }
        self
    }

    /// Created only when condition `name` holds (`Condition`).
    fn condition(mut self, name: impl Into<String>) -> Self {
        self.resource_mut().condition = Some(name.into());
        self
    }

    /// Metadata for the guest's cfn-init (`Metadata`; intrinsics allowed).
    fn metadata(mut self, metadata: Value) -> Self {
        self.resource_mut().metadata = Some(metadata);
        self
    }

    /// Kept when the stack is deleted (`DeletionPolicy: Retain`).
    fn retain(mut self) -> Self {
        self.resource_mut().retain = true;
        self
    }

    /// Sets property `name` to template JSON, checked only when the stack is planned (for a
    /// property the typed setters lack, such as one of a newer release).
    fn property(mut self, name: &str, value: Value) -> Self {
        self.resource_mut().set(name, value);
        self
    }
}

impl Typed for Resource {
    fn resource(&self) -> &Resource {
        self
    }
    fn resource_mut(&mut self) -> &mut Resource {
        self
    }
}
