//! The resource types a template may use on a release, as a newcomer needs them: each type's
//! properties (required first, with their wire types) and the attributes `Fn::GetAtt` reads. The
//! CLI's `stackmate types` and the service's API render this; nothing here calls a cloud.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plan::{TIMEOUT_PROPERTY, VM_EXTRA_ATTRIBUTES};

/// What a type is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum TypeOrigin {
    /// A CloudStack participant: a create/delete API pair of the release.
    CloudStack {
        /// The create API.
        create: String,
        /// The delete API.
        delete: String,
    },
    /// Built into the engine (wait conditions).
    BuiltIn,
    /// Registered by the embedding program (`Engine::register` of stack-core).
    Custom,
}

/// One property of a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertyInfo {
    /// Its name (template keys are matched ignoring case).
    pub name: String,
    /// Its type (`uuid`, `string`, `integer`, `list`, `map`, ...).
    pub kind: String,
    /// Whether a template must give it.
    pub required: bool,
    /// What changing it on an existing resource does: `in place`, `interruption` or
    /// `replacement` (CloudStack types only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_update: Option<&'static str>,
}

/// One resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeInfo {
    /// The type name (`CloudStack::VirtualMachine`).
    pub type_name: String,
    /// Where it comes from.
    pub origin: TypeOrigin,
    /// Its properties, required ones first, each group by name.
    pub properties: Vec<PropertyInfo>,
    /// The attributes `Fn::GetAtt` reads (any, for a custom type that names none).
    pub attributes: Vec<String>,
}

fn property(name: &str, kind: &str, required: bool) -> PropertyInfo {
    PropertyInfo {
        name: name.to_string(),
        kind: kind.to_string(),
        required,
        on_update: None,
    }
}

/// The types built into the engine, under both their names.
fn built_in() -> Vec<TypeInfo> {
    let handle = |name: &str| TypeInfo {
        type_name: name.to_string(),
        origin: TypeOrigin::BuiltIn,
        properties: Vec::new(),
        attributes: Vec::new(),
    };
    let condition = |name: &str| TypeInfo {
        type_name: name.to_string(),
        origin: TypeOrigin::BuiltIn,
        properties: vec![
            property("Handle", "string", true),
            property("Count", "integer", false),
            property("Timeout", "integer", false),
        ],
        attributes: vec!["Data".to_string()],
    };
    vec![
        handle("AWS::CloudFormation::WaitConditionHandle"),
        condition("AWS::CloudFormation::WaitCondition"),
        handle("StackMate::WaitConditionHandle"),
        condition("StackMate::WaitCondition"),
    ]
}

/// Whether `type_name` is what a user means by `filter` (lowercase): a part of its name, or the
/// initials of its last part (`vm` for `CloudStack::VirtualMachine`).
fn matches(type_name: &str, filter: &str) -> bool {
    let last = type_name.rsplit("::").next().unwrap_or(type_name);
    let initials: String = last
        .chars()
        .filter(char::is_ascii_uppercase)
        .collect::<String>()
        .to_ascii_lowercase();
    type_name.to_ascii_lowercase().contains(filter) || initials == filter
}

/// Every type of `version`, the built-in ones and `custom` (name -> attributes), by name; only
/// those a `filter` names when given: a part of the name (ignoring case), or its last part's
/// initials (`vm`, `sg`).
pub fn resource_types(
    version: &cloudstack_api::Version,
    custom: &BTreeMap<String, Vec<String>>,
    filter: Option<&str>,
) -> Vec<TypeInfo> {
    let mut out: Vec<TypeInfo> = version
        .participants
        .iter()
        .map(|p| {
            let mut properties: Vec<PropertyInfo> = p
                .params()
                .iter()
                .map(|m| PropertyInfo {
                    on_update: p.update_of(m.name).map(|u| u.effect.as_str()),
                    ..property(m.name, m.kind.as_str(), m.required)
                })
                .collect();
            properties.push(property(TIMEOUT_PROPERTY, "integer", false));
            if p.tag_resource_type.is_some() && p.param("tags").is_none() {
                properties.push(property("Tags", "list", false));
            }
            properties.sort_by(|a, b| b.required.cmp(&a.required).then_with(|| a.name.cmp(&b.name)));
            let mut attributes: Vec<String> = p.attributes.iter().map(|a| a.name.to_string()).collect();
            if p.type_name == "CloudStack::VirtualMachine" {
                attributes.extend(VM_EXTRA_ATTRIBUTES.iter().map(|a| (*a).to_string()));
            }
            TypeInfo {
                type_name: p.type_name.to_string(),
                origin: TypeOrigin::CloudStack {
                    create: p.create.name.to_string(),
                    delete: p.delete.name.to_string(),
                },
                properties,
                attributes,
            }
        })
        .chain(built_in())
        .chain(custom.iter().map(|(name, attributes)| TypeInfo {
            type_name: name.clone(),
            origin: TypeOrigin::Custom,
            properties: Vec::new(),
            attributes: attributes.clone(),
        }))
        .collect();
    if let Some(f) = filter.map(str::to_ascii_lowercase) {
        out.retain(|t| matches(&t.type_name, &f));
    }
    out.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vm_lists_its_required_properties_first_and_its_extra_attributes() {
        let v = cloudstack_api::specs::newest().expect("a release");
        let types = resource_types(v, &BTreeMap::new(), Some("virtualmachine"));
        let vm = types
            .iter()
            .find(|t| t.type_name == "CloudStack::VirtualMachine")
            .expect("VM");
        let required: Vec<&str> = vm
            .properties
            .iter()
            .take_while(|p| p.required)
            .map(|p| p.name.as_str())
            .collect();
        assert!(
            required.contains(&"zoneid") && required.contains(&"serviceofferingid"),
            "{required:?}"
        );
        assert!(vm.properties.iter().skip(required.len()).all(|p| !p.required));
        assert!(vm.attributes.iter().any(|a| a == "PrivateIp"));
        let effect = |name: &str| vm.properties.iter().find(|p| p.name == name).and_then(|p| p.on_update);
        assert_eq!(effect("displayname"), Some("in place"));
        assert_eq!(effect("serviceofferingid"), Some("interruption"));
        assert_eq!(effect("templateid"), Some("replacement"));
        assert!(types
            .iter()
            .all(|t| t.type_name.to_ascii_lowercase().contains("virtualmachine")));
        let by_initials = resource_types(v, &BTreeMap::new(), Some("vm"));
        assert!(by_initials.iter().any(|t| t.type_name == "CloudStack::VirtualMachine"));
        assert!(by_initials.iter().any(|t| t.type_name == "CloudStack::VMSnapshot"));
        let all = resource_types(v, &BTreeMap::from([("Acme::Dns".to_string(), vec![])]), None);
        assert!(all.iter().any(|t| t.type_name == "AWS::CloudFormation::WaitCondition"));
        assert!(all.iter().any(|t| t.origin == TypeOrigin::Custom));
        assert!(all.len() > 50, "{}", all.len());
    }
}
