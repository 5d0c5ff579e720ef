//! Deriving participants (resource types with a create/delete pair) from a dump, by the naming rule plus
//! the curated table in `data/participants.toml`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::naming::{pascal, split_verb};
use crate::spec::{Api, ApiSpec, Param, ParamType};

/// Where a delete parameter's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An attribute of the create result (dotted path).
    Attribute(String),
    /// The value given to the create request.
    Parameter(String),
}

/// One parameter of the delete call and its sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteKey {
    /// The delete API's parameter.
    pub param: String,
    /// Sources, tried in order.
    pub sources: Vec<KeySource>,
    /// Whether the delete needs it.
    pub required: bool,
}

/// How a pair was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The naming rule.
    NamingRule,
    /// The curated table.
    Curated,
}

/// A participant of one dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// The name after `CloudStack::`, e.g. `VirtualMachine`.
    pub name: String,
    /// The create command.
    pub create: String,
    /// The delete command.
    pub delete: String,
    /// The delete call's keys.
    pub keys: Vec<DeleteKey>,
    /// Parameters the delete always sends.
    pub delete_defaults: Vec<(String, String)>,
    /// The createTags resource type, when tags are supported.
    pub tag_resource_type: Option<String>,
    /// How it was found.
    pub origin: Origin,
}

impl Participant {
    /// `CloudStack::<name>`.
    pub fn type_name(&self) -> String {
        format!("CloudStack::{}", self.name)
    }
}

/// A pair that was found but cannot be a participant, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The create command.
    pub create: String,
    /// The delete command.
    pub delete: String,
    /// Why.
    pub reason: String,
}

/// The result of [`derive()`].
#[derive(Debug, Clone, Default)]
pub struct Derivation {
    /// Participants sorted by type name.
    pub participants: Vec<Participant>,
    /// Pairs whose delete keys could not be derived.
    pub skipped: Vec<Skipped>,
}

impl Derivation {
    /// The participant that makes the value of `param` (an id, or a list named `...ids`): among the
    /// participants whose create API the dump's `related` list for it names, the one whose name the
    /// parameter's carries (`virtualmachineid` -> `VirtualMachine`, `overridediskofferingid` ->
    /// `DiskOffering`, `vmprofileid` -> `AutoScaleVmProfile`), when exactly one does. `None` when
    /// none or several do: a template id may come from `createTemplate` or `registerTemplate`, and
    /// the dump relates some ids to an API that does not make them (a pod id to
    /// `createManagementNetworkIpRange`).
    pub fn producer_of(&self, param: &Param) -> Option<&Participant> {
        let noun = match param.kind {
            ParamType::Uuid => param.name.strip_suffix("id"),
            ParamType::List => param.name.strip_suffix("ids"),
            _ => None,
        }?
        .to_ascii_lowercase();
        if noun.is_empty() {
            return None;
        }
        let mut makers = self.participants.iter().filter(|p| {
            let name = p.name.to_ascii_lowercase();
            param.related.contains(&p.create) && (noun.ends_with(&name) || name.ends_with(&noun))
        });
        let first = makers.next()?;
        makers.next().is_none().then_some(first)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    create_verbs: Vec<String>,
    delete_verbs: Vec<String>,
    scope_params: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IrregularDef {
    #[serde(rename = "type")]
    type_name: String,
    create: String,
    delete: String,
    #[serde(default)]
    keys: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    rule: RuleDef,
    #[serde(default)]
    irregular: Vec<IrregularDef>,
    #[serde(default)]
    keys: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    delete_defaults: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    tag_resource_types: BTreeMap<String, String>,
}

/// The curated participant table.
#[derive(Debug)]
pub struct ParticipantTable {
    file: TableFile,
}

/// The built-in table's text.
pub const BUILTIN: &str = include_str!("../data/participants.toml");

impl ParticipantTable {
    /// The table shipped with the generator.
    pub fn builtin() -> Result<Self, crate::error::TableError> {
        Self::from_toml(BUILTIN).map_err(|e| e.in_table("data/participants.toml"))
    }

    /// Parses a table and checks its key sources.
    pub fn from_toml(text: &str) -> Result<Self, crate::error::TableError> {
        Self::read(text).map_err(crate::error::TableError::of_text)
    }

    fn read(text: &str) -> Result<Self, String> {
        let file: TableFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let all_keys = file
            .irregular
            .iter()
            .flat_map(|i| i.keys.values())
            .chain(file.keys.values().flat_map(BTreeMap::values));
        for sources in all_keys {
            for s in sources {
                parse_source(s)?;
            }
        }
        Ok(Self { file })
    }
}

fn parse_source(s: &str) -> Result<KeySource, String> {
    if let Some(path) = s.strip_prefix("attr:") {
        Ok(KeySource::Attribute(path.to_string()))
    } else if let Some(name) = s.strip_prefix("param:") {
        Ok(KeySource::Parameter(name.to_string()))
    } else {
        Err(format!("key source {s:?} must start with attr: or param:"))
    }
}

fn parse_sources(list: &[String]) -> Vec<KeySource> {
    // Sources were validated in `from_toml`.
    list.iter().filter_map(|s| parse_source(s).ok()).collect()
}

/// A create/delete pair before its keys are derived.
struct Candidate<'a> {
    create: &'a Api,
    delete: &'a Api,
    origin: Origin,
    overrides: BTreeMap<String, Vec<String>>,
}

/// Finds every participant of `spec`.
pub fn derive(spec: &ApiSpec, table: &ParticipantTable) -> Derivation {
    let t = &table.file;
    // noun -> [(verb rank, create, delete)]
    let mut by_noun: BTreeMap<&str, Vec<(usize, &Api, &Api)>> = BTreeMap::new();
    for api in &spec.apis {
        let (verb, noun) = split_verb(&api.name);
        let Some(rank) = t.rule.create_verbs.iter().position(|v| v == verb) else {
            continue;
        };
        if noun.is_empty() {
            continue;
        }
        let delete = t
            .rule
            .delete_verbs
            .iter()
            .find_map(|dv| spec.api(&format!("{dv}{noun}")));
        if let Some(delete) = delete {
            by_noun.entry(noun).or_default().push((rank, api, delete));
        }
    }
    let mut pairs: BTreeMap<String, Candidate<'_>> = BTreeMap::new();
    for (noun, mut creates) in by_noun {
        creates.sort_by_key(|(rank, api, _)| (*rank, api.name.clone()));
        for (i, (_, create, delete)) in creates.into_iter().enumerate() {
            let name = if i == 0 {
                noun.to_string()
            } else {
                format!("{}{noun}", pascal(split_verb(&create.name).0))
            };
            let keys = t.keys.get(&create.name).cloned().unwrap_or_default();
            pairs.insert(
                name,
                Candidate {
                    create,
                    delete,
                    origin: Origin::NamingRule,
                    overrides: keys,
                },
            );
        }
    }
    for irr in &t.irregular {
        if let (Some(create), Some(delete)) = (spec.api(&irr.create), spec.api(&irr.delete)) {
            let c = Candidate {
                create,
                delete,
                origin: Origin::Curated,
                overrides: irr.keys.clone(),
            };
            pairs.insert(irr.type_name.clone(), c);
        }
    }
    let mut out = Derivation::default();
    for (
        name,
        Candidate {
            create,
            delete,
            origin,
            overrides,
        },
    ) in pairs
    {
        match delete_keys(create, delete, &overrides, &t.rule.scope_params) {
            Ok(keys) => out.participants.push(Participant {
                delete_defaults: t
                    .delete_defaults
                    .get(&name)
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
                tag_resource_type: t.tag_resource_types.get(&name).cloned(),
                name,
                create: create.name.clone(),
                delete: delete.name.clone(),
                keys,
                origin,
            }),
            Err(reason) => out.skipped.push(Skipped {
                create: create.name.clone(),
                delete: delete.name.clone(),
                reason,
            }),
        }
    }
    out.participants.sort_by_key(Participant::type_name);
    out
}

/// Derives the delete call's keys; see `data/participants.toml` for the rule.
fn delete_keys(
    create: &Api,
    delete: &Api,
    overrides: &BTreeMap<String, Vec<String>>,
    scope: &[String],
) -> Result<Vec<DeleteKey>, String> {
    let mut wanted: Vec<&str> = delete
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    if wanted.is_empty() {
        if let Some(p) = delete.param("id").or_else(|| delete.param("name")) {
            wanted.push(p.name.as_str());
        }
    }
    let mut keys = Vec::new();
    for param in wanted {
        let sources = if let Some(list) = overrides.get(param) {
            parse_sources(list)
        } else if param == "id" && create.response_field("id").is_some() {
            vec![KeySource::Attribute("id".into())]
        } else if create.response_field(param).is_some() {
            vec![KeySource::Attribute(param.into())]
        } else if create.param(param).is_some() {
            vec![KeySource::Parameter(param.into())]
        } else if param.ends_with("id") && create.response_field("id").is_some() {
            vec![KeySource::Attribute("id".into())]
        } else {
            return Err(format!(
                "{} needs `{param}`, which is neither in the {} result nor among its parameters",
                delete.name, create.name
            ));
        };
        keys.push(DeleteKey {
            param: param.to_string(),
            sources,
            required: true,
        });
    }
    // Optional keys the curated table names (e.g. virtualmachineids for removeFromLoadBalancerRule).
    for (param, list) in overrides {
        if !keys.iter().any(|k| &k.param == param) && delete.param(param).is_some() {
            keys.push(DeleteKey {
                param: param.clone(),
                sources: parse_sources(list),
                required: false,
            });
        }
    }
    for s in scope {
        let both = delete.param(s).is_some() && create.param(s).is_some();
        if both && !keys.iter().any(|k| &k.param == s) {
            keys.push(DeleteKey {
                param: s.clone(),
                sources: vec![KeySource::Parameter(s.clone())],
                required: false,
            });
        }
    }
    Ok(keys)
}
