//! A template with nested stacks made one flat template: every nested template's resources,
//! conditions and mappings join the root's under the nesting prefix (`Db.Vm`, `Db.App.Vm`), its
//! parameters replaced by what its parent passes, its outputs by their expressions. The plan of the
//! flat template is one DAG: a child's resource starts as soon as its own dependencies are done,
//! under the run's one concurrency limit and job watcher. Pure: the nested templates are inline
//! (`TemplateBody`) by then ([`super::inline`]).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::rewrite::{rewrite, Nested, Scope};
use super::{is_stack_type, Origins};
use crate::limits::Limits;
use crate::problem::{segment, Problem};
use crate::template::{OutputDecl, ParamKind, ResourceDecl, Template};

/// What flattening one nested template adds to the flat template.
#[derive(Default)]
struct Flat {
    resources: BTreeMap<String, ResourceDecl>,
    /// The nested templates' outputs, as `Child.Output` (the tree `outputs` shows).
    outputs: BTreeMap<String, OutputDecl>,
    conditions: Map<String, Value>,
    mappings: Map<String, Value>,
    origins: Origins,
}

/// What a nested stack's resources inherit from its declaration in the parent.
#[derive(Default, Clone)]
struct Inherited {
    /// A condition every resource of it is under (the flattened name).
    gate: Option<String>,
    /// Flattened resources every resource of it waits for (the stack's `DependsOn`).
    depends_on: Vec<String>,
    /// `TimeoutInMinutes`, as a `StackMateTimeout` in seconds.
    timeout: Option<Value>,
    /// `Tags`.
    tags: Option<Value>,
}

/// The flat template of `t`, or `None` when it nests no stack. Problems inside nested templates
/// carry the nesting path in their pointers.
pub(crate) fn flatten(t: &Template, limits: &Limits) -> Result<Option<(Template, Origins)>, Vec<Problem>> {
    if !t.resources.values().any(|r| is_stack_type(&r.kind)) {
        return Ok(None);
    }
    let mut flat = Flat::default();
    let mut problems = Vec::new();
    let (outputs, _) = flatten_into(
        t,
        "",
        None,
        &Inherited::default(),
        "",
        1,
        limits,
        &mut flat,
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut root_outputs = BTreeMap::new();
    for (name, o) in &t.outputs {
        root_outputs.insert(
            name.clone(),
            OutputDecl {
                value: outputs.get(name).cloned().unwrap_or_else(|| o.value.clone()),
                ..o.clone()
            },
        );
    }
    let template = Template {
        dialect: t.dialect,
        description: t.description.clone(),
        parameters: t.parameters.clone(),
        mappings: flat.mappings,
        conditions: flat.conditions,
        resources: flat.resources,
        outputs: root_outputs.into_iter().chain(flat.outputs).collect(),
    };
    Ok(Some((template, flat.origins)))
}

/// The nested stacks of `t` in an order where a stack comes after those whose outputs or
/// membership it uses; a cycle among them is a problem.
fn stack_order(t: &Template, chain: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let stacks: BTreeSet<&String> = t
        .resources
        .iter()
        .filter(|(_, r)| is_stack_type(&r.kind))
        .map(|(k, _)| k)
        .collect();
    let uses = |name: &str| -> BTreeSet<String> {
        let r = &t.resources[name];
        let mut refs = Vec::new();
        crate::intrinsics::references(&Value::Object(r.properties.clone()), "", &mut refs);
        refs.into_iter()
            .map(|x| x.target)
            .chain(r.depends_on.iter().cloned())
            .filter(|x| stacks.contains(x) && x != name)
            .collect()
    };
    let mut order: Vec<String> = Vec::new();
    let mut left: Vec<&String> = stacks.iter().copied().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|s| {
            let ready = uses(s).iter().all(|u| order.contains(u));
            if ready {
                order.push((*s).clone());
            }
            !ready
        });
        if left.len() == before {
            let names: Vec<&str> = left.iter().map(|s| s.as_str()).collect();
            problems.push(Problem::new(
                format!("{chain}/Resources"),
                format!(
                    "the nested stacks {} use each other's outputs in a cycle",
                    names.join(", ")
                ),
            ));
            break;
        }
    }
    order
}

/// The value of a nested template's parameter `name` as its parent passes it (or its Default), in
/// the flattened name space: a list parameter's text is split.
fn parameter_value(decl: &crate::template::ParameterDecl, passed: Option<&Value>) -> Option<Value> {
    let list = matches!(decl.kind, ParamKind::CommaDelimitedList);
    let v = match passed {
        Some(v) => v.clone(),
        None => Value::String(decl.default.clone()?),
    };
    Some(match (&v, list) {
        (Value::String(s), true) => Value::Array(s.split(',').map(|x| Value::String(x.trim().to_string())).collect()),
        (Value::Array(_), true) => v,
        (_, true) => json!({"Fn::Split": [",", v]}),
        (Value::Number(n), false) => Value::String(n.to_string()),
        _ => v,
    })
}

/// Flattens `t` under `prefix` into `out`; returns its outputs' expressions and its flattened
/// resources. `params` holds what the parent passes (`None` at the root); `chain` is the pointer
/// prefix that leads to `t` in the root template's terms.
#[allow(clippy::too_many_arguments)]
fn flatten_into(
    t: &Template,
    prefix: &str,
    params: Option<&BTreeMap<String, Value>>,
    inherited: &Inherited,
    chain: &str,
    depth: usize,
    limits: &Limits,
    out: &mut Flat,
    problems: &mut Vec<Problem>,
) -> (BTreeMap<String, Value>, Vec<String>) {
    let resources: BTreeSet<String> = t
        .resources
        .iter()
        .filter(|(_, r)| !is_stack_type(&r.kind))
        .map(|(k, _)| k.clone())
        .collect();
    let conditions: BTreeSet<String> = t.conditions.keys().cloned().collect();
    let mappings: BTreeSet<String> = t.mappings.keys().cloned().collect();
    let mut stacks: BTreeMap<String, Nested> = BTreeMap::new();
    let mut members: Vec<String> = Vec::new();
    for name in stack_order(t, chain, problems) {
        let decl = &t.resources[&name];
        let ptr = format!("{chain}/Resources/{}", segment(&name));
        let scope = Scope::of(prefix, &resources, params, &stacks, &conditions, &mappings);
        let nested = flatten_stack(
            &name, decl, &scope, inherited, &ptr, prefix, depth, limits, out, problems,
        );
        members.extend(nested.members.iter().cloned());
        stacks.insert(name, nested);
    }
    let scope = Scope::of(prefix, &resources, params, &stacks, &conditions, &mappings);
    for (c, v) in &t.conditions {
        let ptr = format!("{chain}/Conditions/{}", segment(c));
        out.conditions
            .insert(format!("{prefix}{c}"), rewrite(v, &scope, &ptr, problems));
    }
    for (m, v) in &t.mappings {
        out.mappings.insert(format!("{prefix}{m}"), v.clone());
    }
    for name in &resources {
        let r = &t.resources[name];
        let ptr = format!("{chain}/Resources/{}", segment(name));
        let mut properties: Map<String, Value> = match rewrite(
            &Value::Object(r.properties.clone()),
            &scope,
            &format!("{ptr}/Properties"),
            problems,
        ) {
            Value::Object(o) => o,
            _ => Map::new(),
        };
        if let Some(timeout) = &inherited.timeout {
            properties
                .entry(crate::plan::TIMEOUT_PROPERTY.to_string())
                .or_insert_with(|| timeout.clone());
        }
        if let Some(tags) = &inherited.tags {
            match properties.get_mut("Tags") {
                Some(Value::Array(own)) => {
                    if let Value::Array(more) = tags {
                        own.extend(more.iter().cloned());
                    }
                }
                Some(_) => {}
                None => {
                    properties.insert("Tags".into(), tags.clone());
                }
            }
        }
        let mut depends_on: Vec<String> = r.depends_on.iter().flat_map(|d| scope.depends(d)).collect();
        depends_on.extend(inherited.depends_on.iter().cloned());
        let own = r.condition.as_ref().map(|c| scope.condition(c));
        let flat_name = format!("{prefix}{name}");
        let condition = match (own, &inherited.gate) {
            (Some(c), Some(g)) => {
                let both = format!("{flat_name}.When");
                out.conditions
                    .insert(both.clone(), json!({"Fn::And": [{"Condition": g}, {"Condition": c}]}));
                Some(both)
            }
            (c, g) => c.or_else(|| g.clone()),
        };
        out.resources.insert(
            flat_name.clone(),
            ResourceDecl {
                properties,
                depends_on_list: true,
                depends_on,
                condition,
                ..r.clone()
            },
        );
        members.push(flat_name);
    }
    let outputs = t
        .outputs
        .iter()
        .map(|(n, o)| {
            let ptr = format!("{chain}/Outputs/{}/Value", segment(n));
            (n.clone(), rewrite(&o.value, &scope, &ptr, problems))
        })
        .collect();
    (outputs, members)
}

/// Flattens nested stack `name` of `t` (declared as `decl` at `ptr`).
#[allow(clippy::too_many_arguments)]
fn flatten_stack(
    name: &str,
    decl: &ResourceDecl,
    scope: &Scope<'_>,
    inherited: &Inherited,
    ptr: &str,
    prefix: &str,
    depth: usize,
    limits: &Limits,
    out: &mut Flat,
    problems: &mut Vec<Problem>,
) -> Nested {
    let child_prefix = format!("{prefix}{name}.");
    let id = json!({"Fn::Join": ["/", [{"Ref": "AWS::StackId"}, child_prefix.trim_end_matches('.')]]});
    let mut nested = Nested {
        id,
        ..Nested::default()
    };
    if depth > limits.stack_depth {
        problems.push(super::too_deep(ptr, depth, limits));
        return nested;
    }
    let (body, shown) = match (decl.properties.get("TemplateBody"), decl.properties.get("TemplateURL")) {
        (Some(b), url) => {
            let shown = url.and_then(Value::as_str).map_or_else(
                || format!("{ptr}/Properties/TemplateBody: "),
                |u| format!("{ptr}/Properties/TemplateURL -> {u}: "),
            );
            (b, shown)
        }
        (None, Some(_)) => {
            problems.push(
                Problem::new(
                    format!("{ptr}/Properties/TemplateURL"),
                    "the nested template was not read",
                )
                .hint("read the template with stack_template::nesting::inline first (the CLI does)"),
            );
            return nested;
        }
        (None, None) => {
            problems.push(
                Problem::new(
                    format!("{ptr}/Properties"),
                    "a nested stack needs TemplateURL or TemplateBody",
                )
                .hint("TemplateURL: a path relative to this template, a file:// or an http(s) URL"),
            );
            return nested;
        }
    };
    for k in decl.properties.keys() {
        if ![
            "TemplateURL",
            "TemplateBody",
            "Parameters",
            "TimeoutInMinutes",
            "Tags",
            "NotificationARNs",
        ]
        .contains(&k.as_str())
        {
            problems.push(
                Problem::new(
                    format!("{ptr}/Properties/{}", segment(k)),
                    format!("a nested stack has no property {k}"),
                )
                .hint("its properties are TemplateURL or TemplateBody, Parameters, TimeoutInMinutes and Tags"),
            );
        }
    }
    let child = match body {
        Value::String(text) => crate::template::parse_with(text.as_bytes(), limits),
        other => crate::template::from_value_with(other, limits),
    };
    let child = match child {
        Ok(c) => c,
        Err(ps) => {
            problems.extend(ps.into_iter().map(|p| Problem {
                pointer: format!("{shown}{}", p.pointer),
                ..p
            }));
            return nested;
        }
    };
    // What the parent passes, in the flattened name space, checked against what the child declares.
    let params_ptr = format!("{ptr}/Properties/Parameters");
    let passed: BTreeMap<String, Value> = match decl.properties.get("Parameters") {
        None => BTreeMap::new(),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    rewrite(v, scope, &format!("{params_ptr}/{}", segment(k)), problems),
                )
            })
            .collect(),
        Some(_) => {
            problems.push(Problem::new(
                &params_ptr,
                "Parameters is a map of parameter names to values",
            ));
            BTreeMap::new()
        }
    };
    for k in passed.keys() {
        if !child.parameters.contains_key(k) {
            problems.push(Problem::new(
                format!("{params_ptr}/{}", segment(k)),
                format!("the nested template declares no parameter {k}"),
            ));
        }
    }
    let mut values = BTreeMap::new();
    for (p, d) in &child.parameters {
        match parameter_value(d, passed.get(p)) {
            Some(v) => {
                if let Some(text) = v.as_str().filter(|_| passed.contains_key(p)) {
                    if let Err(e) = crate::parameters::check(p, d, text, &format!("{params_ptr}/{}", segment(p))) {
                        problems.push(e);
                    }
                }
                values.insert(p.clone(), v);
            }
            None => problems.push(
                Problem::new(
                    &params_ptr,
                    format!("the nested template needs parameter {p}, which has no Default"),
                )
                .hint(format!("pass it: \"Parameters\": {{\"{p}\": ...}}")),
            ),
        }
    }
    let mut child_inherited = inherited.clone();
    child_inherited
        .depends_on
        .extend(decl.depends_on.iter().flat_map(|d| scope.depends(d)));
    if let Some(c) = &decl.condition {
        let c = scope.condition(c);
        child_inherited.gate = Some(match &inherited.gate {
            Some(g) => {
                let both = format!("{child_prefix}When");
                out.conditions
                    .insert(both.clone(), json!({"Fn::And": [{"Condition": g}, {"Condition": c}]}));
                both
            }
            None => c,
        });
    }
    if let Some(minutes) = decl.properties.get("TimeoutInMinutes") {
        match crate::template::text(minutes).and_then(|m| m.trim().parse::<u64>().ok()) {
            Some(m) => child_inherited.timeout = Some(Value::String((m * 60).to_string())),
            None => problems.push(Problem::new(
                format!("{ptr}/Properties/TimeoutInMinutes"),
                "TimeoutInMinutes is a whole number",
            )),
        }
    }
    if let Some(tags) = decl.properties.get("Tags") {
        child_inherited.tags = Some(rewrite(tags, scope, &format!("{ptr}/Properties/Tags"), problems));
    }
    out.origins.push((child_prefix.clone(), shown.clone()));
    let (outputs, members) = flatten_into(
        &child,
        &child_prefix,
        Some(&values),
        &child_inherited,
        &shown,
        depth + 1,
        limits,
        out,
        problems,
    );
    for (o, value) in &outputs {
        let declared = child.outputs.get(o);
        // Shown when its own condition (or else its stack's) holds.
        let own = declared
            .and_then(|d| d.condition.as_ref())
            .map(|c| format!("{child_prefix}{c}"));
        out.outputs.insert(
            format!("{child_prefix}{o}"),
            OutputDecl {
                value: value.clone(),
                description: declared.and_then(|d| d.description.clone()),
                condition: own.or_else(|| child_inherited.gate.clone()),
                // Not carried up: no stack serves exports to others yet, and a nested stack's
                // export names would need its parameters rewritten.
                export_name: None,
            },
        );
    }
    nested.outputs = outputs;
    nested.members = members;
    nested
}
