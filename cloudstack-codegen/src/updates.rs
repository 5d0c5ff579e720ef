//! What an update can change in place: for each create property of each participant, whether a
//! change keeps the resource (through its own `update*` API or a dedicated one, with or without
//! stopping a VM) or replaces it. Derived from each release's dump by the rule below, with the
//! curated table in `data/updates.toml` for what the dump cannot say; used at build time (the
//! generated participants carry it) and for specs loaded at run time.
//!
//! The rule: a property is changed in place when the type's own update API (`update<Type>`: for
//! `VirtualMachine`, `updateVirtualMachine`) takes a parameter of the same name; the table's
//! dedicated APIs come first; a change through an API that needs the VM stopped is an
//! interruption; everything else is a replacement. Scope properties (`account`, `domainid`,
//! `projectid`) are always replacements.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::participants::Participant;
use crate::spec::ApiSpec;

/// What a change of one property does to the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// Changed in place, no interruption.
    InPlace,
    /// Changed in place, with some interruption (the VM is stopped and started).
    Interruption,
    /// The resource is replaced: a new one is made, the old one deleted.
    Replacement,
}

impl Effect {
    /// `in place`, `interruption`, `replacement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InPlace => "in place",
            Self::Interruption => "interruption",
            Self::Replacement => "replacement",
        }
    }
}

/// How one create property of a participant changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyRule {
    /// The create parameter.
    pub property: String,
    /// What a change does.
    pub effect: Effect,
    /// The API that makes the change (none for a replacement).
    pub api: Option<String>,
    /// That API's parameter for the new value.
    pub param: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Dedicated {
    #[serde(rename = "type")]
    type_name: String,
    property: String,
    api: String,
    #[serde(default)]
    param: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    dedicated: Vec<Dedicated>,
    #[serde(default)]
    stopped: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    interrupting: BTreeMap<String, Vec<String>>,
}

/// The curated update table.
#[derive(Debug)]
pub struct UpdateTable {
    file: TableFile,
}

/// The built-in table's text.
pub const BUILTIN: &str = include_str!("../data/updates.toml");

/// Scope properties: who owns the resource, never changed by an update.
const SCOPE: &[&str] = &["account", "domainid", "projectid"];

impl UpdateTable {
    /// The table shipped with the generator.
    pub fn builtin() -> Result<Self, crate::error::TableError> {
        Self::from_toml(BUILTIN).map_err(|e| e.in_table("data/updates.toml"))
    }

    /// Parses a table.
    pub fn from_toml(text: &str) -> Result<Self, crate::error::TableError> {
        let file: TableFile = toml::from_str(text).map_err(|e| crate::error::TableError::of_text(e.to_string()))?;
        Ok(Self { file })
    }

    /// The effect of a change through `api`'s parameter `param`.
    fn effect_of(&self, api: &str, param: &str) -> Effect {
        let stops = self
            .file
            .stopped
            .get(api)
            .is_some_and(|except| !except.iter().any(|e| e == param));
        let interrupts = self
            .file
            .interrupting
            .get(api)
            .is_some_and(|list| list.iter().any(|e| e == param));
        if stops || interrupts {
            Effect::Interruption
        } else {
            Effect::InPlace
        }
    }
}

/// How each create property of participant `p` changes, by property name.
pub fn classify(spec: &ApiSpec, p: &Participant, table: &UpdateTable) -> Vec<PropertyRule> {
    let Some(create) = spec.api(&p.create) else {
        return Vec::new();
    };
    let own = spec.api(&format!("update{}", p.name));
    let mut rules: Vec<PropertyRule> = create
        .params
        .iter()
        .map(|param| {
            let name = param.name.as_str();
            let dedicated = table
                .file
                .dedicated
                .iter()
                .filter(|d| d.type_name == p.name && d.property == name)
                .find_map(|d| {
                    let api = spec.api(&d.api)?;
                    let target = d.param.as_deref().unwrap_or(name);
                    api.params
                        .iter()
                        .any(|q| q.name == target)
                        .then(|| (d.api.clone(), target.to_string()))
                });
            let through_own = || {
                own.filter(|api| api.params.iter().any(|q| q.name == name))
                    .map(|api| (api.name.clone(), name.to_string()))
            };
            let via = if SCOPE.contains(&name) {
                None
            } else {
                dedicated.or_else(through_own)
            };
            match via {
                Some((api, param)) => PropertyRule {
                    property: name.to_string(),
                    effect: table.effect_of(&api, &param),
                    api: Some(api),
                    param: Some(param),
                },
                None => PropertyRule {
                    property: name.to_string(),
                    effect: Effect::Replacement,
                    api: None,
                    param: None,
                },
            }
        })
        .collect();
    rules.sort_by(|a, b| a.property.cmp(&b.property));
    rules
}

/// The table of every participant of `spec`, for review: `Type  property  effect  (api.param)`.
pub fn render(spec: &ApiSpec, participants: &[Participant], table: &UpdateTable) -> String {
    let mut out = String::new();
    for p in participants {
        for r in classify(spec, p, table) {
            let via = match (&r.api, &r.param) {
                (Some(api), Some(param)) if *param == r.property => format!("  {api}"),
                (Some(api), Some(param)) => format!("  {api}.{param}"),
                _ => String::new(),
            };
            out.push_str(&format!(
                "{:<36} {:<28} {:<13}{via}\n",
                p.type_name(),
                r.property,
                r.effect.as_str()
            ));
        }
    }
    out
}
