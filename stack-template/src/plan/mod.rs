//! Validation and planning: everything that can be checked before the first API call, collected in one
//! pass, and the dependency graph the executor runs.

mod graph_text;
mod options;
pub mod order;
mod resource_checks;
pub mod wire;

use std::collections::{BTreeMap, BTreeSet};

use cloudstack_client::ParticipantSpec;
use serde_json::Value;

pub use self::graph_text::{to_dot, to_mermaid};
pub use self::options::{check_stack_settings, uses_zones, PlanOptions, MAX_STACK_TAGS, MAX_TIMEOUT_MINUTES};
pub use self::order::topological_order;
use self::resource_checks::{check_attribute, check_properties, check_wait_condition, closest_hint};
use crate::intrinsics::{eval, references, ResourceView, Scope, PSEUDO};
use crate::limits::Limits;
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
    /// The masker of its secrets, made on first use (a plan does not change once it runs).
    pub(crate) masker: crate::secrets::MaskerCache,
}

impl Plan {
    /// The parameter values as given, without NoEcho ones (what the state keeps).
    pub fn stored_params(&self) -> BTreeMap<String, String> {
        self.given
            .iter()
            .filter(|(k, _)| !self.params.get(*k).is_some_and(|p| p.no_echo))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

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

/// Resources before any exists: every reference evaluates as unknown.
pub struct Unknown<'a>(pub &'a BTreeMap<String, ResourceDecl>);

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
        (
            "CloudStack::StackMateMetadataToken",
            o.metadata_token.expose().to_string(),
        ),
    ] {
        m.insert(k.to_string(), Value::String(v));
    }
    m
}

/// The pseudo parameters that point a stack's guests at the engine's signals and metadata server.
const GUEST_PSEUDO: [&str; 2] = ["CloudStack::StackMateApiURL", "CloudStack::StackMateMetadataToken"];

/// A template needs guest services (`what`: a type or a pseudo parameter) that the engine lacks.
fn no_guest_services(pointer: String, what: &str) -> Problem {
    Problem::new(
        pointer,
        format!("{what} needs a server that the stack's guests signal and read metadata from, and the engine that runs this plan has none"),
    )
    .hint("run it with an engine that has a signals port (Engine::with_signals)")
}

pub(crate) fn resolve_type(type_name: &str, o: &PlanOptions) -> Option<ResourceKind> {
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
///
/// Each call logs a `template planned` event (debug, target `stack_template::work`): what shows how
/// often a front-end plans for one operation. ([`precheck`] logs `template prechecked`.)
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

/// Plans `template`, its nested stacks flattened into it first ([`crate::nesting`]): problems in a
/// nested template come back with the nesting path in their pointers.
fn plan_checked(
    template: &Template,
    given: &BTreeMap<String, String>,
    options: &PlanOptions,
    checks: Checks,
) -> Result<Plan, Problems> {
    let pass = match checks {
        Checks::All => "planned",
        Checks::Teardown => "planned for teardown",
        Checks::WithoutRelease => "prechecked",
    };
    tracing::debug!(
        target: "stack_template::work",
        stack = %options.stack_name,
        resources = template.resources.len(),
        "template {pass}"
    );
    let planned = match crate::nesting::flatten(template, &options.limits) {
        Ok(None) => plan_flat(template, given, options, checks),
        Ok(Some((flat, origins))) => plan_flat(&flat, given, options, checks)
            .map_err(|Problems(ps)| Problems(ps.into_iter().map(|p| crate::nesting::locate(p, &origins)).collect())),
        Err(ps) => Err(Problems(ps)),
    };
    planned.map_err(|problems| masked(problems, template, given))
}

/// `problems` with the values of `template`'s NoEcho parameters (given, or their defaults) masked
/// wherever a message or hint quotes them: a value refused as a property ("... is not a resource
/// id") must not come back in the refusal.
fn masked(problems: Problems, template: &Template, given: &BTreeMap<String, String>) -> Problems {
    let secrets: Vec<String> = template
        .parameters
        .iter()
        .filter(|(_, p)| p.no_echo)
        .filter_map(|(name, p)| given.get(name).cloned().or_else(|| p.default.clone()))
        .filter(|v| !v.is_empty())
        .collect();
    if secrets.is_empty() {
        return problems;
    }
    let masker = crate::secrets::Masker::new(&secrets);
    Problems(
        problems
            .0
            .into_iter()
            .map(|p| Problem {
                message: masker.mask(&p.message),
                hint: p.hint.map(|h| masker.mask(&h)),
                ..p
            })
            .collect(),
    )
}

fn plan_flat(
    template: &Template,
    given: &BTreeMap<String, String>,
    options: &PlanOptions,
    checks: Checks,
) -> Result<Plan, Problems> {
    let mut problems = if checks == Checks::Teardown {
        Vec::new()
    } else {
        options::check_stack_settings(options)
    };
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
                    "CloudStack {} has {} CloudStack:: types, none of them close to this name",
                    options.version.version,
                    options.version.participants.len()
                )),
            };
            problems.push(p);
            continue;
        };
        if !options.guest_services && matches!(kind, ResourceKind::WaitCondition | ResourceKind::WaitConditionHandle) {
            problems.push(no_guest_services(format!("{ptr}/Type"), &decl.kind));
        }
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
            if !options.guest_services && GUEST_PSEUDO.contains(&r.target.as_str()) {
                problems.push(no_guest_services(r.pointer.clone(), &r.target));
                continue;
            }
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
        masker: crate::secrets::MaskerCache::default(),
    })
}
