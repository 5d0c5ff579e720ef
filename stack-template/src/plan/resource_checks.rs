//! The checks of one resource declaration against its release: its properties (names, types,
//! required ones, allowed values) and the attributes other resources read from it, each problem at its
//! pointer with a hint.

use std::collections::BTreeMap;

use cloudstack_client::{ParamValue as WireValue, ParticipantSpec};
use serde_json::Value;

use super::{resolve_type, PlanOptions, ResourceKind, TIMEOUT_PROPERTY, VM_EXTRA_ATTRIBUTES};
use crate::intrinsics::{eval, Scope};
use crate::problem::{segment, Problem};
use crate::template::{ResourceDecl, Template};

pub(crate) fn closest_hint<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    cloudstack_client::request::closest(name, candidates)
        .map_or_else(|| "check the spelling".to_string(), |c| format!("did you mean {c:?}?"))
}

pub(crate) fn check_attribute(
    target: &str,
    decl: &ResourceDecl,
    attr: &str,
    o: &PlanOptions,
    ptr: &str,
) -> Option<Problem> {
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

pub(crate) fn check_properties(
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
                    "add {:?} ({}) to Properties; the release's {} takes it",
                    p.name,
                    p.kind.as_str(),
                    spec.create.name
                )),
            );
        }
    }
}

pub(crate) fn check_wait_condition(decl: &ResourceDecl, template: &Template, ptr: &str, problems: &mut Vec<Problem>) {
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
