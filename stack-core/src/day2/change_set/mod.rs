//! What an update would change, before any call: the difference between a stack's current plan
//! and a new one, per resource `Add | Modify | Remove`, each changed property with what its change
//! does (the release's classification, [`cloudstack_client::ParticipantSpec::update_of`]), and
//! whether the resource is replaced: `True`, `False`, or `Conditional` when only a value known at
//! run time may change (a reference to a resource that is itself replaced). Pure: plans in, a
//! change set out. [`crate::update`] executes one; `stored` keeps them with the stack
//! ([`Engine::create_change_set`](crate::Engine::create_change_set) and the rest).

mod stored;

use std::collections::{BTreeMap, BTreeSet};

use cloudstack_client::UpdateEffect;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::intrinsics::references;
use crate::plan::{Plan, PlannedResource, ResourceKind, Unknown};
use crate::secrets::{secrets_of, Masker};

pub use stored::{StoredChangeSet, StoredChangeSetError};

/// What happens to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// It is created.
    Add,
    /// It is changed, in place or by replacement.
    Modify,
    /// It is deleted.
    Remove,
}

/// Whether a modified resource is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Replacement {
    /// Kept.
    False,
    /// Replaced only if a value known at run time changes.
    Conditional,
    /// Replaced.
    True,
}

/// One changed property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyChange {
    /// The property.
    pub name: String,
    /// Its value before, as far as it is known without the cloud (secrets masked).
    pub before: Option<Value>,
    /// Its value after.
    pub after: Option<Value>,
    /// What the change does: `in place`, `interruption` or `replacement` (`drift` for a value
    /// brought back from drift).
    pub effect: String,
    /// True when the value only may change: it refers to a resource that is replaced.
    pub dynamic: bool,
}

/// One resource's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// Logical id.
    pub logical: String,
    /// Type (the new one, for a modified resource).
    pub type_name: String,
    /// What happens.
    pub action: Action,
    /// For `Modify`: whether it is replaced.
    pub replacement: Option<Replacement>,
    /// For `Modify`: the properties that change.
    pub properties: Vec<PropertyChange>,
}

/// A property's value as far as it is known without the cloud (`None` when it needs a resource).
fn known(plan: &Plan, r: &PlannedResource, name: &str) -> Option<Value> {
    let v = r.decl.properties.get(name)?;
    let ptr = format!("/Resources/{}/Properties/{name}", r.logical);
    plan.evaluate(&Unknown(&plan.template.resources), v, &ptr)
        .ok()
        .flatten()
}

/// The resources a property refers to.
fn referred(r: &PlannedResource, name: &str) -> BTreeSet<String> {
    let mut refs = Vec::new();
    if let Some(v) = r.decl.properties.get(name) {
        references(v, "", &mut refs);
    }
    refs.into_iter().map(|x| x.target).collect()
}

/// What changing property `name` of a resource of `kind` does (only CloudStack participants
/// change in place).
pub(crate) fn effect_of(kind: ResourceKind, name: &str) -> UpdateEffect {
    match kind {
        ResourceKind::CloudStack(spec) => spec.update_of(name).map_or(UpdateEffect::Replacement, |u| u.effect),
        _ => UpdateEffect::Replacement,
    }
}

/// The change set from `old` (the stack as it is) to `new` (the update), resources in `new`'s
/// creation order, then the removed ones.
pub fn diff(old: &Plan, new: &Plan) -> Vec<ResourceChange> {
    let secrets: Vec<String> = secrets_of(old).into_iter().chain(secrets_of(new)).collect();
    let masker = Masker::new(&secrets);
    let shown = |v: Option<Value>| v.map(|v| masker.mask_value(&v));
    let mut replaced: BTreeMap<String, Replacement> = BTreeMap::new();
    let mut out = Vec::new();
    for logical in &new.order {
        let Some(after) = new.resources.get(logical).filter(|r| r.enabled) else {
            continue;
        };
        let Some(before) = old.resources.get(logical).filter(|r| r.enabled) else {
            out.push(ResourceChange {
                logical: logical.clone(),
                type_name: after.type_name.clone(),
                action: Action::Add,
                replacement: None,
                properties: Vec::new(),
            });
            continue;
        };
        let names: BTreeSet<&String> = before
            .decl
            .properties
            .keys()
            .chain(after.decl.properties.keys())
            .collect();
        let mut properties = Vec::new();
        let mut replacement = if before.type_name == after.type_name {
            Replacement::False
        } else {
            Replacement::True
        };
        for name in names {
            let (was, will) = (known(old, before, name), known(new, after, name));
            let declared_same = before.decl.properties.get(name) == after.decl.properties.get(name);
            let changed = match (&was, &will) {
                (Some(a), Some(b)) => a != b,
                _ => !declared_same,
            };
            // The same declaration, referring to a resource that is replaced: its value may change.
            let dynamic = !changed
                && referred(after, name)
                    .iter()
                    .any(|t| replaced.get(t).is_some_and(|r| *r != Replacement::False));
            if !changed && !dynamic {
                continue;
            }
            // CloudStack's update APIs cannot unset a value: a property removed replaces.
            let removed = !after.decl.properties.contains_key(name.as_str());
            let effect = if removed {
                UpdateEffect::Replacement
            } else {
                effect_of(after.kind, name)
            };
            if effect == UpdateEffect::Replacement {
                let this = if dynamic {
                    Replacement::Conditional
                } else {
                    Replacement::True
                };
                replacement = replacement.max(this);
            }
            properties.push(PropertyChange {
                name: name.clone(),
                before: shown(was),
                after: shown(will),
                effect: effect.as_str().to_string(),
                dynamic,
            });
        }
        if properties.is_empty() && replacement == Replacement::False {
            continue;
        }
        replaced.insert(logical.clone(), replacement);
        out.push(ResourceChange {
            logical: logical.clone(),
            type_name: after.type_name.clone(),
            action: Action::Modify,
            replacement: Some(replacement),
            properties,
        });
    }
    for (logical, r) in &old.resources {
        if r.enabled && !new.resources.get(logical).is_some_and(|n| n.enabled) {
            out.push(ResourceChange {
                logical: logical.clone(),
                type_name: r.type_name.clone(),
                action: Action::Remove,
                replacement: None,
                properties: Vec::new(),
            });
        }
    }
    out
}

/// Why a change set could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeSetError {
    /// The stack's current state could not be read or planned again.
    #[error(transparent)]
    Stack(#[from] crate::durable::DurableError),
    /// The new template or its parameters are not valid.
    #[error("the new template:\n{0}")]
    Invalid(crate::problem::Problems),
}

impl crate::engine::Engine {
    /// The change set that updating stack `name` to `template_text` with `params` would make.
    /// Parameters not given keep their current values (NoEcho ones come from `secrets`, as they are
    /// never stored); the release, zones and naming are the stack's. Nothing is called or written.
    pub async fn preview_update(
        &self,
        name: &str,
        template_text: &str,
        params: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
    ) -> Result<Vec<ResourceChange>, ChangeSetError> {
        let record = self.stack_record(name).await?;
        let old = self.teardown_plan(name, secrets).await?;
        let new = self.plan_update(&record, &old, template_text, params, secrets)?;
        Ok(diff(&old, &new))
    }

    /// The plan of an update of the stack of `record` (whose current plan is `old`) to
    /// `template_text` with `params`: parameters not given keep their current values (NoEcho
    /// ones from `secrets`); the release, zones and naming are the stack's.
    pub(crate) fn plan_update(
        &self,
        record: &crate::state::StackRecord,
        old: &Plan,
        template_text: &str,
        params: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
    ) -> Result<Plan, ChangeSetError> {
        let template = crate::template::parse_with(template_text.as_bytes(), &old.options.limits)
            .map_err(|p| ChangeSetError::Invalid(crate::problem::Problems(p)))?;
        let mut given: BTreeMap<String, String> = record
            .params
            .iter()
            .chain(secrets.iter())
            .filter(|(k, _)| template.parameters.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        given.extend(params.iter().map(|(k, v)| (k.clone(), v.clone())));
        let options = self
            .stack_plan_options(&record.name, &record.stack_id, old.options.version)
            .zones(record.options.zones.clone())
            .unique_names(record.options.unique_names)
            .stack_tags(record.options.stack_tags.clone())
            .timeout_minutes(record.options.timeout_minutes);
        let mut new = crate::plan::plan(&template, &given, &options).map_err(ChangeSetError::Invalid)?;
        new.source = Some(template_text.to_string());
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn plan(text: &str, given: &[(&str, &str)]) -> Plan {
        let t = crate::template::parse(text).expect("parses");
        let release = cloudstack_api::specs::newest().expect("release");
        let options = crate::plan::PlanOptions::new("s", "s-1", release);
        let given: BTreeMap<String, String> = given.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        crate::plan::plan(&t, &given, &options).expect("plans")
    }

    const ZONE: &str = "1b2c3d4e-0000-4000-8000-000000000001";

    fn stack(group_description: &str, vm_name: &str, offering: &str) -> String {
        format!(
            r#"{{"Parameters": {{"Secret": {{"Type": "String", "NoEcho": true, "Default": "x"}}}},
              "Resources": {{
                "Web": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "web", "description": "{group_description}"}}}},
                "Vm": {{"Type": "CloudStack::VirtualMachine", "Properties": {{"zoneid": "{ZONE}",
                    "templateid": "{ZONE}", "serviceofferingid": "{offering}", "name": "{vm_name}",
                    "securitygroupids": [{{"Ref": "Web"}}]}}}},
                "Ip": {{"Type": "CloudStack::IpAddress", "Properties": {{"zoneid": "{ZONE}"}}}}
              }}}}"#
        )
    }

    fn change<'a>(set: &'a [ResourceChange], logical: &str) -> Option<&'a ResourceChange> {
        set.iter().find(|c| c.logical == logical)
    }

    #[test]
    fn in_place_interruption_and_replacement_with_its_dependents() {
        let old = plan(&stack("web tier", "web", "1b2c3d4e-0000-4000-8000-00000000000a"), &[]);
        // Nothing changed: nothing to do.
        assert!(diff(&old, &old).is_empty());
        // A VM's name: updateVirtualMachine changes it, after a restart: an interruption.
        let renamed = plan(&stack("web tier", "web2", "1b2c3d4e-0000-4000-8000-00000000000a"), &[]);
        let set = diff(&old, &renamed);
        let vm = change(&set, "Vm").expect("Vm changes");
        assert_eq!((vm.action, vm.replacement), (Action::Modify, Some(Replacement::False)));
        assert_eq!(vm.properties[0].name, "name");
        assert_eq!(vm.properties[0].effect, "interruption");
        // The group's description: replacement, and the VM that refers to it may change.
        let redescribed = plan(
            &stack("web servers", "web", "1b2c3d4e-0000-4000-8000-00000000000a"),
            &[],
        );
        let set = diff(&old, &redescribed);
        let web = change(&set, "Web").expect("Web changes");
        assert_eq!(web.replacement, Some(Replacement::True));
        let vm = change(&set, "Vm").expect("the VM follows");
        let groups = vm
            .properties
            .iter()
            .find(|p| p.name == "securitygroupids")
            .expect("groups");
        assert!(groups.dynamic);
        assert_eq!(groups.effect, "interruption");
        assert_eq!(vm.replacement, Some(Replacement::False));
        assert!(change(&set, "Ip").is_none(), "the address is untouched");
    }

    #[test]
    fn added_and_removed_resources() {
        let old = plan(&stack("a", "web", "1b2c3d4e-0000-4000-8000-00000000000a"), &[]);
        let fewer = r#"{"Resources": {"Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web", "description": "a"}},
                       "Db": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "db"}}}}"#;
        let set = diff(&old, &plan(fewer, &[]));
        let actions: Vec<(&str, Action)> = set.iter().map(|c| (c.logical.as_str(), c.action)).collect();
        assert!(actions.contains(&("Db", Action::Add)), "{actions:?}");
        assert!(actions.contains(&("Vm", Action::Remove)) && actions.contains(&("Ip", Action::Remove)));
        assert!(change(&set, "Web").is_none());
    }

    #[test]
    fn noecho_values_never_show() {
        let text = r#"{"Parameters": {"Pw": {"Type": "String", "NoEcho": true}},
              "Resources": {"Web": {"Type": "CloudStack::SecurityGroup",
                "Properties": {"name": "web", "description": {"Fn::Join": ["", ["pw=", {"Ref": "Pw"}]]}}}}}"#;
        let set = diff(
            &plan(text, &[("Pw", "old-secret")]),
            &plan(text, &[("Pw", "new-secret")]),
        );
        let shown = serde_json::to_string(&set).expect("json");
        assert!(shown.contains("pw=****") && !shown.contains("secret"), "{shown}");
    }
}
