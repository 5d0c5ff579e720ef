//! Participants: resource types with a create/delete API pair, as generated for each CloudStack version.
//!
//! A [`ParticipantSpec`] says which command creates the resource, which deletes it, what the create takes
//! (its [`ParamMeta`]s), what it returns ([`AttributeMeta`]s), and how the delete call gets its keys from
//! the create's request and result ([`DeleteKey`]). [`ParticipantSpec::delete_params`] applies that recipe.

use serde_json::Value;

use crate::decode::scalar_text;
use crate::meta::{ApiMeta, AttributeMeta, ParamMeta};

/// Where a delete parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// An attribute of the create result, by dotted path (`id`, `ingressrule.0.ruleid`, `nic.-1.id`;
    /// numbers index arrays, negative numbers count from the end).
    Attribute(&'static str),
    /// The value the create request was given for this parameter (all of it, for maps).
    Parameter(&'static str),
}

/// One parameter of the delete call.
#[derive(Debug)]
#[non_exhaustive]
pub struct DeleteKey {
    /// The delete API's parameter name.
    pub param: &'static str,
    /// Sources tried in order; the first that has a value wins.
    pub sources: &'static [KeySource],
    /// Whether the delete cannot run without it (otherwise it is forwarded when present, e.g. `projectid`).
    pub required: bool,
}

impl DeleteKey {
    /// Creates a key description; used by generated code.
    pub const fn new(param: &'static str, sources: &'static [KeySource], required: bool) -> Self {
        Self {
            param,
            sources,
            required,
        }
    }
}

/// How a participant pair was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairOrigin {
    /// By the naming rule (create/deploy/add/associate/register -> delete/destroy/remove/...).
    NamingRule,
    /// From the curated table of irregular pairs.
    Curated,
}

/// What a change of one create property does to an existing resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UpdateEffect {
    /// Changed in place, without interruption.
    InPlace,
    /// Changed in place with some interruption (the VM is stopped, changed and started).
    Interruption,
    /// A new resource replaces the old one.
    Replacement,
}

impl UpdateEffect {
    /// `in place`, `interruption`, `replacement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPlace => "in place",
            Self::Interruption => "interruption",
            Self::Replacement => "replacement",
        }
    }
}

/// How one create property of a participant changes (derived by `cloudstack_codegen::updates`).
#[derive(Debug, Clone, Copy)]
pub struct PropertyUpdate {
    /// The create parameter.
    pub property: &'static str,
    /// What a change does.
    pub effect: UpdateEffect,
    /// The API that changes it in place (none for a replacement).
    pub api: Option<&'static ApiMeta>,
    /// That API's parameter for the new value.
    pub param: &'static str,
}

impl PropertyUpdate {
    /// Creates a rule; used by generated code.
    pub const fn new(
        property: &'static str,
        effect: UpdateEffect,
        api: Option<&'static ApiMeta>,
        param: &'static str,
    ) -> Self {
        Self {
            property,
            effect,
            api,
            param,
        }
    }
}

/// A resource type of one CloudStack version.
#[derive(Debug)]
#[non_exhaustive]
pub struct ParticipantSpec {
    /// The template type name, e.g. `CloudStack::VirtualMachine`.
    pub type_name: &'static str,
    /// The create command.
    pub create: &'static ApiMeta,
    /// The delete command.
    pub delete: &'static ApiMeta,
    /// How each delete parameter is filled.
    pub delete_keys: &'static [DeleteKey],
    /// Parameters the delete always sends unless the caller overrides them (`expunge=true` for VMs).
    pub delete_defaults: &'static [(&'static str, &'static str)],
    /// The create result's attributes.
    pub attributes: &'static [AttributeMeta],
    /// The `resourcetype` for createTags/listTags, when the resource supports tags.
    pub tag_resource_type: Option<&'static str>,
    /// How the pair was found.
    pub origin: PairOrigin,
    /// How each create property changes after the resource exists, by property name.
    pub updates: &'static [PropertyUpdate],
}

impl ParticipantSpec {
    /// Creates a description; used by generated code.
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        type_name: &'static str,
        create: &'static ApiMeta,
        delete: &'static ApiMeta,
        delete_keys: &'static [DeleteKey],
        delete_defaults: &'static [(&'static str, &'static str)],
        attributes: &'static [AttributeMeta],
        tag_resource_type: Option<&'static str>,
        origin: PairOrigin,
        updates: &'static [PropertyUpdate],
    ) -> Self {
        Self {
            type_name,
            create,
            delete,
            delete_keys,
            delete_defaults,
            attributes,
            tag_resource_type,
            origin,
            updates,
        }
    }

    /// How a change of create property `name` (ignoring case) is made; a property the create API
    /// does not take has no rule.
    pub fn update_of(&self, name: &str) -> Option<&'static PropertyUpdate> {
        self.updates.iter().find(|u| u.property.eq_ignore_ascii_case(name))
    }

    /// The create command's parameters (name, type, required, length, description).
    pub fn params(&self) -> &'static [ParamMeta] {
        self.create.params
    }

    /// Finds a create parameter by name, ignoring case (template property keys are case-insensitive).
    pub fn param(&self, name: &str) -> Option<&'static ParamMeta> {
        self.create.param_ignore_case(name)
    }

    /// Finds a top-level attribute of the create result by name.
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeMeta> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The wire parameters of the delete call for a resource created with `create_wire` (the create's
    /// wire parameters) that returned `result` (the create's result object).
    ///
    /// Returns the name of the first required key that no source could fill.
    pub fn delete_params(
        &self,
        create_wire: &[(String, String)],
        result: &Value,
    ) -> Result<Vec<(String, String)>, MissingKey> {
        let mut out: Vec<(String, String)> = Vec::new();
        for key in self.delete_keys {
            let mut found: Vec<(String, String)> = Vec::new();
            for source in key.sources {
                match source {
                    KeySource::Attribute(path) => {
                        if let Some(text) = lookup_path(result, path)
                            .and_then(scalar_text)
                            .filter(|s| !s.is_empty())
                        {
                            found.push((key.param.to_string(), text));
                        }
                    }
                    KeySource::Parameter(name) => {
                        let prefix = format!("{name}[");
                        for (k, v) in create_wire {
                            if k.eq_ignore_ascii_case(name) {
                                found.push((key.param.to_string(), v.clone()));
                            } else if k.len() > prefix.len() && k[..prefix.len()].eq_ignore_ascii_case(&prefix) {
                                found.push((format!("{}{}", key.param, &k[name.len()..]), v.clone()));
                            }
                        }
                    }
                }
                if !found.is_empty() {
                    break;
                }
            }
            if found.is_empty() && key.required {
                return Err(MissingKey {
                    type_name: self.type_name,
                    param: key.param,
                });
            }
            out.extend(found);
        }
        for (k, v) in self.delete_defaults {
            if !out.iter().any(|(name, _)| name == k) {
                out.push(((*k).to_string(), (*v).to_string()));
            }
        }
        Ok(out)
    }
}

/// A delete key that neither the create result nor the create request could provide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{type_name}: cannot find the value of `{param}` for the delete call in the create request or result")]
pub struct MissingKey {
    /// The participant.
    pub type_name: &'static str,
    /// The delete parameter.
    pub param: &'static str,
}

/// Follows a dotted path (`a.0.b`, `nic.-1.id`) through objects and arrays.
pub fn lookup_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |cur, part| match cur {
        Value::Object(o) => o.get(part),
        Value::Array(a) => {
            let i: i64 = part.parse().ok()?;
            let len = i64::try_from(a.len()).ok()?;
            let idx = if i < 0 { len + i } else { i };
            usize::try_from(idx).ok().and_then(|i| a.get(i))
        }
        _ => None,
    })
}

/// Finds a participant by type name in a table sorted by type name.
pub fn find<'a>(table: &'a [ParticipantSpec], type_name: &str) -> Option<&'a ParticipantSpec> {
    table
        .binary_search_by(|p| p.type_name.cmp(type_name))
        .ok()
        .map(|i| &table[i])
}
