//! Drift: each resource's recorded create parameters (what the stack sent) compared with what the
//! cloud says now, read through the type's list API by id. CloudFormation's model: per resource
//! `IN_SYNC | MODIFIED | DELETED | NOT_CHECKED`, per property `ADD | REMOVE | NOT_EQUAL` with the
//! expected and actual values, and the stack `DRIFTED | IN_SYNC | NOT_CHECKED`.
//!
//! Which response field holds a create parameter is data: a parameter is compared with the list
//! response's field of the same name, or with the field [`FIELDS`] names for it (a VM's
//! `securitygroupids` are its `securitygroup[].id`). A parameter with neither, or whose recorded
//! value is masked (a NoEcho value, never stored), is not compared, so no secret is ever shown.
//! The comparison itself ([`compare`]) is pure.

use std::collections::BTreeSet;

use crate::template::text as scalar_text;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::durable::DurableError;
use crate::engine::Engine;
use crate::plan::ResourceKind;
use crate::state::ResourceRecord;

/// Create parameters whose live value is under another response field, per type: `(type, parameter,
/// path)`, where `a[].b` is field `b` of each object of list `a`. Reviewed against the 4.15-4.17
/// list responses.
pub const FIELDS: &[(&str, &str, &str)] = &[
    ("CloudStack::VirtualMachine", "securitygroupids", "securitygroup[].id"),
    (
        "CloudStack::VirtualMachine",
        "securitygroupnames",
        "securitygroup[].name",
    ),
    ("CloudStack::VirtualMachine", "networkids", "nic[].networkid"),
    ("CloudStack::VirtualMachine", "affinitygroupids", "affinitygroup[].id"),
    (
        "CloudStack::VirtualMachine",
        "affinitygroupnames",
        "affinitygroup[].name",
    ),
    ("CloudStack::VirtualMachine", "keypair", "keypairs"),
    ("CloudStack::IpAddress", "networkid", "associatednetworkid"),
    ("CloudStack::Volume", "diskofferingid", "diskofferingid"),
];

/// Parameters never compared: they are not a property of what exists (a VM's start flag, a
/// password's reset), or their response field is in other units (a volume's size).
const UNCHECKED: &[(&str, &str)] = &[
    ("CloudStack::VirtualMachine", "startvm"),
    ("CloudStack::VirtualMachine", "userdata"),
    ("CloudStack::VirtualMachine", "ipaddress"),
    ("CloudStack::Volume", "size"),
];

/// A resource's drift status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResourceDrift {
    /// As recorded.
    InSync,
    /// Some compared property differs.
    Modified,
    /// The cloud no longer has it.
    Deleted,
    /// It could not be compared (no list API, not a CloudStack resource, not made).
    NotChecked,
}

/// How a property differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Difference {
    /// The live value has entries the recorded one lacks.
    Add,
    /// The live value lacks entries (or all of the value).
    Remove,
    /// The live value is another.
    NotEqual,
}

/// One differing property.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropertyDrift {
    /// The create parameter.
    pub property: String,
    /// What the stack sent.
    pub expected: Value,
    /// What the cloud says (`null` when it says nothing).
    pub actual: Value,
    /// How it differs.
    pub difference: Difference,
}

/// One resource's drift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceDriftReport {
    /// Logical id.
    pub logical: String,
    /// Type.
    pub type_name: String,
    /// Physical id.
    pub physical_id: Option<String>,
    /// Status.
    pub status: ResourceDrift,
    /// The differing properties (for `MODIFIED`).
    pub differences: Vec<PropertyDrift>,
}

/// A stack's drift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    /// The stack.
    pub stack: String,
    /// `DRIFTED`, `IN_SYNC` or `NOT_CHECKED`.
    pub status: &'static str,
    /// Each resource, in the stack's order.
    pub resources: Vec<ResourceDriftReport>,
}

/// The values at `path` of `object` (`a[].b` reads `b` of each entry of list `a`), as text.
fn values_at(object: &Map<String, Value>, path: &str) -> Option<Vec<String>> {
    match path.split_once("[].") {
        Some((list, field)) => Some(
            object
                .get(list)?
                .as_array()?
                .iter()
                .filter_map(|e| e.get(field).and_then(scalar_text))
                .collect(),
        ),
        None => match object.get(path)? {
            Value::Array(a) => Some(a.iter().filter_map(scalar_text).collect()),
            v => scalar_text(v).map(|s| vec![s]),
        },
    }
}

/// Compares the recorded create parameters `wire` of a resource of `type_name` with its live
/// object, for the parameters that have a response field among `fields` (or in [`FIELDS`]).
pub fn compare(
    type_name: &str,
    wire: &[(String, String)],
    live: &Map<String, Value>,
    fields: &[&str],
) -> Vec<PropertyDrift> {
    let mut out = Vec::new();
    for (param, recorded) in wire {
        let param = param.to_ascii_lowercase();
        if param.contains('[')
            || recorded.contains(crate::secrets::MASK)
            || UNCHECKED.contains(&(type_name, param.as_str()))
        {
            continue;
        }
        let path = FIELDS
            .iter()
            .find(|(t, p, _)| *t == type_name && *p == param)
            .map(|(_, _, path)| *path)
            .or_else(|| fields.contains(&param.as_str()).then_some(param.as_str()));
        let Some(path) = path else { continue };
        let expected: BTreeSet<String> = if path.contains("[]") || recorded.contains(',') {
            recorded
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            [recorded.clone()].into()
        };
        let norm = |s: &str| s.to_ascii_lowercase();
        let actual_list = values_at(live, path).unwrap_or_default();
        let actual: BTreeSet<String> = actual_list.iter().cloned().collect();
        let same =
            expected.iter().map(|s| norm(s)).collect::<BTreeSet<_>>() == actual.iter().map(|s| norm(s)).collect();
        if same {
            continue;
        }
        let difference = if actual.is_empty() {
            Difference::Remove
        } else if expected.len() > 1 || path.contains("[]") {
            match (expected.is_subset(&actual), actual.is_subset(&expected)) {
                (true, false) => Difference::Add,
                (false, true) => Difference::Remove,
                _ => Difference::NotEqual,
            }
        } else {
            Difference::NotEqual
        };
        let shown = |v: Vec<String>| match v.len() {
            0 => Value::Null,
            1 if !path.contains("[]") => Value::String(v[0].clone()),
            _ => Value::Array(v.into_iter().map(Value::String).collect()),
        };
        out.push(PropertyDrift {
            property: param.clone(),
            expected: shown(expected.into_iter().collect()),
            actual: shown(actual_list),
            difference,
        });
    }
    out
}

/// States of a listed entity that mean it is gone.
fn is_gone(object: &Map<String, Value>) -> bool {
    matches!(
        object.get("state").and_then(Value::as_str),
        Some("Destroyed" | "Expunging" | "Expunged" | "Destroy" | "Removed")
    )
}

impl Engine {
    /// Compares each resource of stack `name` with the cloud (read-only: list calls, no lock).
    pub async fn detect_drift(&self, name: &str) -> Result<DriftReport, DurableError> {
        let record = self.stack_record(name).await?;
        let plan = self.teardown_plan(name, &Default::default()).await?;
        let records = self.stored_records(name).await?;
        let mut out = Vec::new();
        for logical in &plan.order {
            let (Some(r), Some(rec)) = (plan.resources.get(logical).filter(|r| r.enabled), records.get(logical)) else {
                continue;
            };
            let not_checked = |rec: &ResourceRecord| ResourceDriftReport {
                logical: logical.clone(),
                type_name: rec.type_name.clone(),
                physical_id: rec.physical_id.clone(),
                status: ResourceDrift::NotChecked,
                differences: Vec::new(),
            };
            let (ResourceKind::CloudStack(spec), Some(id)) = (r.kind, rec.physical_id.clone()) else {
                out.push(not_checked(rec));
                continue;
            };
            let Some((list, answer)) =
                crate::recovery::entity_by_id(&self.client, plan.options.version, spec, &id).await
            else {
                out.push(not_checked(rec));
                continue;
            };
            let live = match answer {
                Ok(live) => live,
                Err(e) => {
                    tracing::warn!(resource = %logical, error = %e, "could not read the resource for drift");
                    out.push(not_checked(rec));
                    continue;
                }
            };
            let (status, differences) = match live.filter(|o| !is_gone(o)) {
                None => (ResourceDrift::Deleted, Vec::new()),
                Some(o) => {
                    let d = compare(&rec.type_name, &rec.create_wire, &o, list.fields);
                    (
                        if d.is_empty() {
                            ResourceDrift::InSync
                        } else {
                            ResourceDrift::Modified
                        },
                        d,
                    )
                }
            };
            out.push(ResourceDriftReport {
                logical: logical.clone(),
                type_name: rec.type_name.clone(),
                physical_id: Some(id),
                status,
                differences,
            });
        }
        let drifted = out
            .iter()
            .any(|r| matches!(r.status, ResourceDrift::Modified | ResourceDrift::Deleted));
        let checked = out.iter().any(|r| r.status != ResourceDrift::NotChecked);
        Ok(DriftReport {
            stack: record.name,
            status: match (drifted, checked) {
                (true, _) => "DRIFTED",
                (false, true) => "IN_SYNC",
                _ => "NOT_CHECKED",
            },
            resources: out,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn parameters_meet_their_response_fields() {
        let wire = vec![
            ("name".to_string(), "s-web".to_string()),
            ("securitygroupids".to_string(), "g1,g2".to_string()),
            ("serviceofferingid".to_string(), "so-1".to_string()),
            ("userdata".to_string(), "aGk=".to_string()),
            ("displayname".to_string(), "****".to_string()),
        ];
        let fields = ["name", "serviceofferingid", "displayname", "securitygroup"];
        let live = obj(
            json!({"name": "s-web", "serviceofferingid": "so-2", "displayname": "secret!",
                             "securitygroup": [{"id": "g1"}, {"id": "g2"}, {"id": "g3"}]}),
        );
        let d = compare("CloudStack::VirtualMachine", &wire, &live, &fields);
        let by: Vec<(&str, Difference)> = d.iter().map(|p| (p.property.as_str(), p.difference)).collect();
        assert_eq!(
            by,
            [
                ("securitygroupids", Difference::Add),
                ("serviceofferingid", Difference::NotEqual)
            ]
        );
        assert_eq!(d[1].expected, json!("so-1"));
        assert_eq!(d[1].actual, json!("so-2"));
        assert!(
            !serde_json::to_string(&d).expect("json").contains("secret"),
            "masked values are not compared"
        );
        let same =
            obj(json!({"name": "S-WEB", "serviceofferingid": "so-1", "securitygroup": [{"id": "g2"}, {"id": "g1"}]}));
        assert!(compare("CloudStack::VirtualMachine", &wire, &same, &fields).is_empty());
        let gone = obj(json!({"name": "s-web", "serviceofferingid": "so-1"}));
        let d = compare("CloudStack::VirtualMachine", &wire, &gone, &fields);
        assert_eq!(d[0].difference, Difference::Remove);
    }
}
