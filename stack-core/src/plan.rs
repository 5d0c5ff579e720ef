//! Validation and planning: everything that can be checked before the first API call, collected in one
//! pass, and the dependency graph the executor runs.

use std::collections::{BTreeMap, BTreeSet};

use cloudstack_client::{ParamValue as WireValue, ParticipantSpec};
use serde_json::Value;

use crate::intrinsics::{eval, references, ResourceView, Scope, PSEUDO};
use crate::limits::Limits;
pub use crate::order::topological_order;
use crate::parameters::{self, ParamValue};
use crate::problem::{segment, Problem, Problems};
use crate::template::{ResourceDecl, Template};

/// What kind of resource a template entry is.
#[derive(Debug, Clone, Copy)]
pub enum ResourceKind {
    /// A generated CloudStack participant.
    CloudStack(&'static ParticipantSpec),
    /// `StackMate::WaitConditionHandle` / `AWS::CloudFormation::WaitConditionHandle`.
    WaitConditionHandle,
    /// `StackMate::WaitCondition` / `AWS::CloudFormation::WaitCondition`.
    WaitCondition,
    /// A type registered by the embedding program.
    Custom,
}

/// One resource of a plan.
#[derive(Debug, Clone)]
pub struct PlannedResource {
    /// Logical id.
    pub logical: String,
    /// The declared type.
    pub type_name: String,
    /// What it is.
    pub kind: ResourceKind,
    /// The declaration.
    pub decl: ResourceDecl,
    /// Resources it depends on (Ref, GetAtt, Fn::Sub and DependsOn).
    pub depends_on: BTreeSet<String>,
    /// False when its Condition is false: it is not created.
    pub enabled: bool,
}

/// Options of planning. Make them with [`PlanOptions::new`] and the setters; every field has a default
/// but the stack's name, id and release.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PlanOptions {
    /// The stack's name.
    pub stack_name: String,
    /// The stack's id (the engine makes a unique one).
    pub stack_id: String,
    /// The CloudStack version whose participants are the `CloudStack::` types.
    pub version: &'static cloudstack_api::Version,
    /// The cloud's zone ids (Fn::GetAZs, the Region/Zone pseudo parameters).
    pub zones: Vec<String>,
    /// Make a `name` property unique per stack as StackMate did (`<StackName>-<value>`).
    pub unique_names: bool,
    /// Resource types registered by the embedding program, with the attributes they expose (empty:
    /// any attribute).
    pub custom_types: BTreeMap<String, Vec<String>>,
    /// Base URL of the metadata/wait-condition server (`CloudStack::StackMateApiURL`).
    pub metadata_url: String,
    /// What a template may hold.
    pub limits: Limits,
}

impl PlanOptions {
    /// Options for stack `stack_name` with id `stack_id` on `version`: no zones known, unique names,
    /// no custom types, the metadata server on `http://127.0.0.1:4567/`, the default limits.
    pub fn new(
        stack_name: impl Into<String>,
        stack_id: impl Into<String>,
        version: &'static cloudstack_api::Version,
    ) -> Self {
        Self {
            stack_name: stack_name.into(),
            stack_id: stack_id.into(),
            version,
            zones: Vec::new(),
            unique_names: true,
            custom_types: BTreeMap::new(),
            metadata_url: "http://127.0.0.1:4567/".into(),
            limits: Limits::default(),
        }
    }

    /// The cloud's zone ids.
    pub fn zones(mut self, zones: Vec<String>) -> Self {
        self.zones = zones;
        self
    }

    /// Whether `name` properties get the stack name in front.
    pub fn unique_names(mut self, on: bool) -> Self {
        self.unique_names = on;
        self
    }

    /// The custom resource types and their attributes.
    pub fn custom_types(mut self, types: BTreeMap<String, Vec<String>>) -> Self {
        self.custom_types = types;
        self
    }

    /// The metadata server's base URL.
    pub fn metadata_url(mut self, url: impl Into<String>) -> Self {
        self.metadata_url = url.into();
        self
    }

    /// The limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// A validated stack, ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The options it was planned with.
    pub options: PlanOptions,
    /// The template.
    pub template: Template,
    /// Resolved parameters.
    pub params: BTreeMap<String, ParamValue>,
    /// Evaluated conditions.
    pub conditions: BTreeMap<String, bool>,
    /// Resources by logical id.
    pub resources: BTreeMap<String, PlannedResource>,
    /// A creation order that respects every dependency (for display; the executor starts each resource
    /// as soon as its own dependencies are done).
    pub order: Vec<String>,
    /// The parameter values as given (the state store keeps them, less NoEcho ones).
    pub given: BTreeMap<String, String>,
    /// The template text, when the plan came from one (the state store keeps it for resume).
    pub source: Option<String>,
}

impl Plan {
    /// Evaluates `value` (found at `ptr`) with this plan's parameters, pseudo parameters, mappings and
    /// conditions, and `resources` for Ref/GetAtt of resources.
    pub fn evaluate(
        &self,
        resources: &(dyn ResourceView + Sync),
        value: &Value,
        ptr: &str,
    ) -> Result<Option<Value>, Problem> {
        let params: BTreeMap<String, Value> = self.params.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect();
        let pseudo = pseudo_values(&self.options);
        let scope = Scope {
            params: &params,
            pseudo: &pseudo,
            mappings: &self.template.mappings,
            conditions: &self.conditions,
            zones: &self.options.zones,
            resources,
        };
        eval(value, &scope, ptr)
    }
}

/// The conditions before any is evaluated.
static NO_CONDITIONS: BTreeMap<String, bool> = BTreeMap::new();

/// A property every CloudStack resource accepts: its own timeout in seconds, overriding the engine's
/// per-type default. It is not sent to CloudStack.
pub const TIMEOUT_PROPERTY: &str = "StackMateTimeout";

/// Attributes a `CloudStack::VirtualMachine` has beyond its create response (StackMate's names).
pub const VM_EXTRA_ATTRIBUTES: &[&str] = &["PrivateIp", "PublicIp"];

struct Unknown<'a>(&'a BTreeMap<String, ResourceDecl>);

impl ResourceView for Unknown<'_> {
    fn exists(&self, logical: &str) -> bool {
        self.0.contains_key(logical)
    }
    fn physical_id(&self, _: &str) -> Option<Value> {
        None
    }
    fn attribute(&self, _: &str, _: &str) -> Option<Value> {
        None
    }
}

/// The pseudo parameter values of a stack.
pub fn pseudo_values(o: &PlanOptions) -> BTreeMap<String, Value> {
    let zone = o.zones.first().cloned().unwrap_or_default();
    let mut m = BTreeMap::new();
    for (k, v) in [
        ("CloudStack::StackId", o.stack_id.clone()),
        ("AWS::StackId", o.stack_id.clone()),
        ("CloudStack::StackName", o.stack_name.clone()),
        ("AWS::StackName", o.stack_name.clone()),
        ("CloudStack::Region", zone.clone()),
        ("CloudStack::Zone", zone.clone()),
        ("AWS::Region", zone),
        ("CloudStack::StackMateApiURL", o.metadata_url.clone()),
    ] {
        m.insert(k.to_string(), Value::String(v));
    }
    m
}

fn resolve_type(type_name: &str, o: &PlanOptions) -> Option<ResourceKind> {
    match type_name {
        "StackMate::WaitConditionHandle" | "AWS::CloudFormation::WaitConditionHandle" => {
            Some(ResourceKind::WaitConditionHandle)
        }
        "StackMate::WaitCondition" | "AWS::CloudFormation::WaitCondition" => Some(ResourceKind::WaitCondition),
        t if o.custom_types.contains_key(t) => Some(ResourceKind::Custom),
        t => o.version.participant(t).map(ResourceKind::CloudStack),
    }
}

/// Validates `template` with `given` parameters and plans it. Every problem is collected.
pub fn plan(template: &Template, given: &BTreeMap<String, String>, options: &PlanOptions) -> Result<Plan, Problems> {
    plan_checked(template, given, options, Checks::All)
}

/// Every check that needs neither a CloudStack release nor a cloud: the template's structure (done by
/// the parser), parameters and their constraints, conditions, references, DependsOn and dependency
/// cycles, outputs. Resource types, properties and attributes are left for [`plan`], which needs the
/// release's participants. A caller that must fetch the release first (the cloud's `listApis`) runs
/// this before, so that a template it refuses causes no API call at all.
pub fn precheck(template: &Template, given: &BTreeMap<String, String>, limits: &Limits) -> Result<(), Problems> {
    let release = cloudstack_api::specs::newest()
        .map_err(|e| Problems(vec![Problem::new("", format!("no CloudStack release is shipped: {e}"))]))?;
    let options = PlanOptions::new("precheck", "precheck", release).limits(*limits);
    plan_checked(template, given, &options, Checks::WithoutRelease).map(|_| ())
}

/// Which checks [`plan_checked`] makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// Everything, parameter values included.
    All,
    /// Everything but parameter values (teardown: NoEcho values are not stored).
    Teardown,
    /// Everything that needs no release: resource types are not resolved.
    WithoutRelease,
}

/// A plan for deleting or rolling back a stored stack: parameter constraints are not checked, and
/// parameters without a value (NoEcho values are never stored) are empty. Deleting needs no
/// parameter values, only the resources and their dependencies.
pub fn plan_for_teardown(
    template: &Template,
    given: &BTreeMap<String, String>,
    options: &PlanOptions,
) -> Result<Plan, Problems> {
    plan_checked(template, given, options, Checks::Teardown)
}

fn plan_checked(
    template: &Template,
    given: &BTreeMap<String, String>,
    options: &PlanOptions,
    checks: Checks,
) -> Result<Plan, Problems> {
    let mut problems = Vec::new();
    let params = parameters::resolve(template, given, &options.limits).unwrap_or_else(|mut p| {
        if checks != Checks::Teardown {
            problems.append(&mut p);
        }
        // Every declared parameter still exists for the checks below (no cascade of "unknown Ref").
        template
            .parameters
            .iter()
            .map(|(name, decl)| {
                let text = given.get(name).or(decl.default.as_ref()).cloned().unwrap_or_default();
                let value = Value::String(text.clone());
                (
                    name.clone(),
                    parameters::ParamValue {
                        text,
                        value,
                        no_echo: decl.no_echo,
                    },
                )
            })
            .collect()
    });
    let param_values: BTreeMap<String, Value> = params.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect();
    let pseudo = pseudo_values(options);
    let view = Unknown(&template.resources);
    // What every evaluation below sees; each takes it with the conditions known so far.
    let base = Scope {
        params: &param_values,
        pseudo: &pseudo,
        mappings: &template.mappings,
        conditions: &NO_CONDITIONS,
        zones: &options.zones,
        resources: &view,
    };
    let cyclic = crate::order::condition_cycles(template, &mut problems);
    // Conditions may use other conditions: evaluate until nothing changes.
    let mut conditions: BTreeMap<String, bool> = BTreeMap::new();
    for _ in 0..=template.conditions.len() {
        let before = conditions.len();
        for (name, expr) in &template.conditions {
            if conditions.contains_key(name) {
                continue;
            }
            let scope = Scope {
                conditions: &conditions,
                ..base
            };
            if let Ok(Some(Value::Bool(b))) = eval(expr, &scope, &format!("/Conditions/{}", segment(name))) {
                conditions.insert(name.clone(), b);
            }
        }
        if conditions.len() == before {
            break;
        }
    }
    for (name, expr) in &template.conditions {
        if !conditions.contains_key(name) && !cyclic.contains(name) {
            let ptr = format!("/Conditions/{}", segment(name));
            let scope = Scope {
                conditions: &conditions,
                ..base
            };
            match eval(expr, &scope, &ptr) {
                Err(p) => problems.push(p),
                _ => problems.push(
                    Problem::new(ptr, format!("condition {name:?} does not evaluate to true or false"))
                        .hint("use Fn::Equals, Fn::And, Fn::Or, Fn::Not or another condition"),
                ),
            }
        }
    }
    let scope = Scope {
        conditions: &conditions,
        ..base
    };

    let mut resources = BTreeMap::new();
    for (logical, decl) in &template.resources {
        let ptr = format!("/Resources/{}", segment(logical));
        let resolved = if checks == Checks::WithoutRelease {
            Some(resolve_type(&decl.kind, options).unwrap_or(ResourceKind::Custom))
        } else {
            resolve_type(&decl.kind, options)
        };
        let Some(kind) = resolved else {
            let all = options
                .version
                .participants
                .iter()
                .map(|p| p.type_name)
                .chain(["StackMate::WaitCondition", "StackMate::WaitConditionHandle"])
                .chain(options.custom_types.keys().map(String::as_str));
            let mut p = Problem::new(
                format!("{ptr}/Type"),
                format!("unknown resource type {}", crate::reader::shown(&decl.kind)),
            );
            p = match cloudstack_client::request::closest(&decl.kind, all) {
                Some(c) => p.hint(format!("did you mean {c:?}?")),
                None => p.hint(format!(
                    "CloudStack {} has {} CloudStack:: types; see `stackmate types`",
                    options.version.version,
                    options.version.participants.len()
                )),
            };
            problems.push(p);
            continue;
        };
        let enabled = match &decl.condition {
            None => true,
            Some(c) => match conditions.get(c) {
                Some(b) => *b,
                None if cyclic.contains(c) => true,
                None => {
                    problems.push(Problem::new(
                        format!("{ptr}/Condition"),
                        format!("condition {c:?} is not declared under Conditions"),
                    ));
                    true
                }
            },
        };
        let mut depends_on = BTreeSet::new();
        for (i, d) in decl.depends_on.iter().enumerate() {
            if d == logical {
                let at = if decl.depends_on_list {
                    format!("{ptr}/DependsOn/{i}")
                } else {
                    format!("{ptr}/DependsOn")
                };
                problems.push(Problem::new(at, format!("{logical} depends on itself")));
            } else if template.resources.contains_key(d) {
                depends_on.insert(d.clone());
            } else {
                let at = if decl.depends_on_list {
                    format!("{ptr}/DependsOn/{i}")
                } else {
                    format!("{ptr}/DependsOn")
                };
                problems.push(
                    Problem::new(at, format!("DependsOn names {d:?}, which is not a resource"))
                        .hint(closest_hint(d, template.resources.keys().map(String::as_str))),
                );
            }
        }
        let mut refs = Vec::new();
        references(
            &Value::Object(decl.properties.clone()),
            &format!("{ptr}/Properties"),
            &mut refs,
        );
        if let Some(m) = &decl.metadata {
            references(m, &format!("{ptr}/Metadata"), &mut refs);
        }
        for r in refs {
            if let Some(target) = template.resources.get(&r.target) {
                if r.target == *logical {
                    problems.push(Problem::new(&r.pointer, format!("{logical} refers to itself")));
                    continue;
                }
                depends_on.insert(r.target.clone());
                if let Some(attr) = &r.attribute {
                    if let Some(p) = check_attribute(&r.target, target, attr, options, &r.pointer) {
                        problems.push(p);
                    }
                }
            } else if r.attribute.is_some() {
                problems.push(
                    Problem::new(
                        &r.pointer,
                        format!("Fn::GetAtt of {:?}, which is not a resource", r.target),
                    )
                    .hint(closest_hint(&r.target, template.resources.keys().map(String::as_str))),
                );
            } else if !params.contains_key(&r.target)
                && !template.parameters.contains_key(&r.target)
                && !PSEUDO.contains(&r.target.as_str())
            {
                let candidates = template
                    .resources
                    .keys()
                    .chain(template.parameters.keys())
                    .map(String::as_str)
                    .chain(PSEUDO.iter().copied());
                problems.push(
                    Problem::new(
                        &r.pointer,
                        format!(
                            "Ref to {:?}, which is neither a parameter, a pseudo parameter nor a resource",
                            r.target
                        ),
                    )
                    .hint(closest_hint(&r.target, candidates)),
                );
            }
        }
        match kind {
            ResourceKind::CloudStack(spec) => check_properties(logical, decl, spec, &scope, options, &mut problems),
            ResourceKind::WaitCondition => check_wait_condition(decl, template, &ptr, &mut problems),
            ResourceKind::WaitConditionHandle | ResourceKind::Custom => {}
        }
        resources.insert(
            logical.clone(),
            PlannedResource {
                logical: logical.clone(),
                type_name: decl.kind.clone(),
                kind,
                decl: decl.clone(),
                depends_on,
                enabled,
            },
        );
    }
    for (name, out) in &template.outputs {
        let ptr = format!("/Outputs/{}/Value", segment(name));
        let mut refs = Vec::new();
        references(&out.value, &ptr, &mut refs);
        for r in refs {
            match (template.resources.get(&r.target), &r.attribute) {
                (Some(t), Some(a)) => {
                    if let Some(p) = check_attribute(&r.target, t, a, options, &r.pointer) {
                        problems.push(p);
                    }
                }
                (Some(_), None) => {}
                (None, _)
                    if r.attribute.is_none()
                        && (template.parameters.contains_key(&r.target) || PSEUDO.contains(&r.target.as_str())) => {}
                (None, _) => problems.push(
                    Problem::new(&r.pointer, format!("{:?} is not a resource of this template", r.target))
                        .hint(closest_hint(&r.target, template.resources.keys().map(String::as_str))),
                ),
            }
        }
        if let Err(p) = eval(&out.value, &scope, &ptr) {
            if !problems.iter().any(|q| q.pointer.starts_with(&ptr)) {
                problems.push(p);
            }
        }
    }
    let order = match topological_order(&resources) {
        Ok(o) => o,
        Err(cycle) => {
            problems.push(
                Problem::new(
                    format!("/Resources/{}", segment(&cycle[0])),
                    format!("dependency cycle: {}", cycle.join(" -> ")),
                )
                .hint("remove one of these references or DependsOn entries"),
            );
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    Ok(Plan {
        options: options.clone(),
        template: template.clone(),
        params,
        conditions,
        resources,
        order,
        given: given.clone(),
        source: None,
    })
}

fn closest_hint<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    cloudstack_client::request::closest(name, candidates)
        .map_or_else(|| "check the spelling".to_string(), |c| format!("did you mean {c:?}?"))
}

fn check_attribute(target: &str, decl: &ResourceDecl, attr: &str, o: &PlanOptions, ptr: &str) -> Option<Problem> {
    let known: Vec<String> = match resolve_type(&decl.kind, o)? {
        ResourceKind::CloudStack(spec) => {
            let mut v: Vec<String> = spec.attributes.iter().map(|a| a.name.to_string()).collect();
            if spec.create.name == "deployVirtualMachine" {
                v.extend(VM_EXTRA_ATTRIBUTES.iter().map(|s| s.to_string()));
            }
            v
        }
        ResourceKind::WaitCondition => vec!["Data".to_string()],
        ResourceKind::WaitConditionHandle => vec![],
        ResourceKind::Custom => {
            let attrs = o.custom_types.get(&decl.kind).cloned().unwrap_or_default();
            if attrs.is_empty() {
                return None;
            }
            attrs
        }
    };
    if known.iter().any(|k| k == attr) {
        return None;
    }
    Some(
        Problem::new(ptr, format!("{target} ({}) has no attribute {attr:?}", decl.kind))
            .hint(closest_hint(attr, known.iter().map(String::as_str))),
    )
}

fn check_properties(
    logical: &str,
    decl: &ResourceDecl,
    spec: &'static ParticipantSpec,
    scope: &Scope<'_>,
    o: &PlanOptions,
    problems: &mut Vec<Problem>,
) {
    let ptr = format!("/Resources/{}/Properties", segment(logical));
    let mut given: BTreeMap<&str, &str> = BTreeMap::new();
    for (key, raw) in &decl.properties {
        let kptr = format!("{ptr}/{}", segment(key));
        if key == TIMEOUT_PROPERTY {
            let secs = raw.as_str().map_or_else(|| raw.as_u64(), |s| s.trim().parse().ok());
            if !secs.is_some_and(|s| (1..=86_400).contains(&s)) {
                problems.push(Problem::new(
                    &kptr,
                    format!("{TIMEOUT_PROPERTY} must be a number of seconds from 1 to 86400"),
                ));
            }
            continue;
        }
        let Some(meta) = spec.param(key) else {
            if key.eq_ignore_ascii_case("tags") {
                continue; // stack-level tags, applied with createTags after the create
            }
            problems.push(Problem::new(&kptr, format!("{} ({}) has no property {key:?}: {} takes no such parameter, and CloudStack would silently ignore it", logical, decl.kind, spec.create.name))
                .hint(closest_hint(key, spec.params().iter().map(|p| p.name))));
            continue;
        };
        if let Some(first) = given.insert(meta.name, key) {
            problems.push(
                Problem::new(
                    &kptr,
                    format!(
                        "{key:?} and {first:?} both give parameter {:?} of {} (property names are not case-sensitive)",
                        meta.name, spec.create.name
                    ),
                )
                .hint("keep one of them"),
            );
            continue;
        }
        let value = match eval(raw, scope, &kptr) {
            Err(p) => {
                problems.push(p);
                continue;
            }
            Ok(None) => continue, // depends on a resource: checked when it is known
            Ok(Some(v)) => v,
        };
        let value = if o.unique_names && meta.name == "name" {
            match value.as_str() {
                Some(s) => Value::String(format!("{}-{s}", o.stack_name)),
                None => value,
            }
        } else {
            value
        };
        let checked: Result<WireValue, _> = cloudstack_client::request::value_from_json(spec.create, meta, &value);
        match checked.and_then(|v| cloudstack_client::params::check_value(spec.create, meta, &v)) {
            Ok(()) => {}
            Err(e) => problems.push(Problem::new(&kptr, e.to_string()).hint(format!(
                "{} is a {} parameter",
                meta.name,
                meta.kind.as_str()
            ))),
        }
    }
    for p in spec.params().iter().filter(|p| p.required) {
        if !given.contains_key(p.name) {
            problems.push(
                Problem::new(
                    format!("{ptr}/{}", segment(p.name)),
                    format!("{logical} ({}) is missing required property {:?}", decl.kind, p.name),
                )
                .hint(format!(
                    "add {:?} ({}) to Properties; `stackmate types {}` lists what {} takes",
                    p.name,
                    p.kind.as_str(),
                    decl.kind,
                    spec.create.name
                )),
            );
        }
    }
}

fn check_wait_condition(decl: &ResourceDecl, template: &Template, ptr: &str, problems: &mut Vec<Problem>) {
    let props = &decl.properties;
    match props.get("Handle").and_then(|h| h.get("Ref")).and_then(Value::as_str) {
        Some(h)
            if template
                .resources
                .get(h)
                .is_some_and(|r| r.kind.ends_with("WaitConditionHandle")) => {}
        Some(h) => problems.push(Problem::new(
            format!("{ptr}/Properties/Handle"),
            format!("Handle refers to {h:?}, which is not a WaitConditionHandle"),
        )),
        None => problems.push(Problem::new(
            format!("{ptr}/Properties/Handle"),
            "a WaitCondition needs Handle: {\"Ref\": \"<WaitConditionHandle>\"}",
        )),
    }
    let number = |k: &str| {
        props
            .get(k)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
    };
    match number("Timeout").map(|t| t.parse::<u64>()) {
        Some(Ok(t)) if t > 0 && t <= 43_200 => {}
        Some(_) => problems.push(Problem::new(
            format!("{ptr}/Properties/Timeout"),
            "Timeout must be a number of seconds from 1 to 43200",
        )),
        None => problems.push(Problem::new(
            format!("{ptr}/Properties/Timeout"),
            "a WaitCondition needs a Timeout in seconds",
        )),
    }
    if let Some(c) = number("Count") {
        if !c.parse::<u32>().is_ok_and(|n| n >= 1) {
            problems.push(Problem::new(
                format!("{ptr}/Properties/Count"),
                "Count must be a whole number of at least 1",
            ));
        }
    }
    for k in props.keys() {
        if !["Handle", "Timeout", "Count"].contains(&k.as_str()) {
            problems.push(
                Problem::new(
                    format!("{ptr}/Properties/{}", segment(k)),
                    format!("a WaitCondition has no property {k:?}"),
                )
                .hint("use Handle, Timeout and Count"),
            );
        }
    }
}

/// DOT text of the dependency graph (edges point from a dependency to its dependent).
pub fn to_dot(plan: &Plan) -> String {
    let mut s = String::from("digraph stack {\n  rankdir=LR;\n");
    for (name, r) in &plan.resources {
        s.push_str(&format!("  \"{name}\" [label=\"{name}\\n{}\"];\n", r.type_name));
        for d in &r.depends_on {
            s.push_str(&format!("  \"{d}\" -> \"{name}\";\n"));
        }
    }
    s.push_str("}\n");
    s
}

/// Mermaid text of the dependency graph (`flowchart LR`, edges from a dependency to its dependent).
pub fn to_mermaid(plan: &Plan) -> String {
    let mut s = String::from("flowchart LR\n");
    for (name, r) in &plan.resources {
        s.push_str(&format!("  {name}[\"{name}<br/>{}\"]\n", r.type_name));
    }
    for (name, r) in &plan.resources {
        for d in &r.depends_on {
            s.push_str(&format!("  {d} --> {name}\n"));
        }
    }
    s
}
