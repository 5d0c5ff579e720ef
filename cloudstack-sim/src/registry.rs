//! The APIs the simulator serves, from a listApis dump loaded at start, and how each is handled when no
//! hand-written model covers it.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use cloudstack_codegen::naming::{singular, split_verb};
use cloudstack_codegen::participants::{derive, KeySource, ParticipantTable};
use cloudstack_codegen::spec::{Api, ApiSpec, ResponseField};
use serde_json::{json, Value};

use crate::error::SimError;
use crate::filters::{derive as derive_filters, Filter};

/// What a command does when no hand-written model covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behavior {
    /// `list*`: the resources of `kind`.
    List {
        /// Object name of the items.
        kind: String,
    },
    /// The create side of a participant: stores a `kind` object with the given parameters.
    Create {
        /// Object name.
        kind: String,
    },
    /// The delete side of a participant: removes the `kind` object that `param` identifies (by id, or
    /// by the attribute of the same name).
    Delete {
        /// Object name.
        kind: String,
        /// The delete parameter that identifies the object.
        param: String,
        /// The create result attribute it matches (`id`, `name`, ...).
        attribute: String,
    },
    /// `update*` with an `id`: merges the parameters into that object.
    Update {
        /// Object name.
        kind: String,
    },
    /// Anything else: succeeds without changing state.
    Other,
}

/// One served command.
#[derive(Debug)]
pub struct ApiDef {
    /// The dump's description.
    pub api: Api,
    /// `<lowercase name>response`.
    pub envelope: String,
    /// Lowercase parameter name -> index into `api.params`.
    pub params_lc: HashMap<String, usize>,
    /// Generic behaviour.
    pub behavior: Behavior,
    /// For a list API: how each parameter filters (lowercase parameter name, rule).
    pub filters: Vec<(String, Filter)>,
}

/// Every command of the loaded dump.
#[derive(Debug)]
pub struct Registry {
    /// The CloudStack version (from the file name) or `unknown`.
    pub version: String,
    /// Where the dump came from.
    pub source: String,
    /// By exact command name.
    pub apis: HashMap<String, ApiDef>,
    /// The API objects `listApis` answers with, sorted by name.
    pub raw: Vec<Value>,
}

/// Object names that differ from the lowercase noun of the create API.
fn kind_alias(noun: &str) -> Option<&'static str> {
    Some(match noun {
        "IpAddress" => "publicipaddress",
        "RegisterTemplate" => "template",
        "RegisterSSHKeyPair" => "sshkeypair",
        "UploadedVolume" => "volume",
        "SnapshotPolicy" => "snapshotpolicy",
        _ => return None,
    })
}

/// The object name for a participant named `name` (`VirtualMachine` -> `virtualmachine`).
pub fn kind_of(name: &str) -> String {
    kind_alias(name).map_or_else(|| name.to_ascii_lowercase(), str::to_string)
}

impl Registry {
    /// Loads a listApis dump or facts spec file. The release is the facts header's, else the file name
    /// without extension.
    pub fn load(path: &Path) -> Result<Self, SimError> {
        let bytes = std::fs::read(path).map_err(|e| SimError::Spec(format!("cannot read {}: {e}", path.display())))?;
        let version = path
            .file_stem()
            .map_or_else(|| "unknown".to_string(), |s| s.to_string_lossy().into_owned());
        Self::from_bytes(&bytes, &path.display().to_string(), &version)
    }

    /// The facts of a release shipped with `cloudstack-api` (`None`: the newest).
    pub fn embedded(release: Option<&str>) -> Result<Self, SimError> {
        let all = cloudstack_api::specs::embedded();
        let e = match release {
            Some(v) => all.iter().find(|e| e.version == v).ok_or_else(|| {
                SimError::Spec(format!(
                    "CloudStack {v} is not shipped with this build (it has {}); give its dump with --spec",
                    cloudstack_api::specs::releases().join(", ")
                ))
            })?,
            None => all
                .last()
                .ok_or_else(|| SimError::Spec("this build ships no CloudStack release".into()))?,
        };
        Self::from_bytes(
            e.facts.as_bytes(),
            &format!("embedded facts of CloudStack {}", e.version),
            e.version,
        )
    }

    /// Builds the registry from the bytes of a dump or facts spec; `version` names the release when the
    /// document does not.
    pub fn from_bytes(bytes: &[u8], source: &str, version: &str) -> Result<Self, SimError> {
        let spec = cloudstack_codegen::spec::load_slice(bytes, source).map_err(|e| SimError::Spec(e.to_string()))?;
        Ok(Self::from_spec(spec, version))
    }

    /// Builds the registry from a loaded spec.
    pub fn from_spec(spec: ApiSpec, version: &str) -> Self {
        let version = spec.header.as_ref().map_or(version, |h| h.version.as_str()).to_string();
        let raw: Vec<Value> = spec.apis.iter().map(list_apis_entry).collect();
        let behaviors = behaviors(&spec);
        let source = spec.source.clone();
        let apis = spec
            .apis
            .into_iter()
            .map(|api| {
                let params_lc = api
                    .params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.name.to_ascii_lowercase(), i))
                    .collect();
                let behavior = behaviors.get(&api.name).cloned().unwrap_or(Behavior::Other);
                let filters = match behavior {
                    Behavior::List { .. } => derive_filters(&api),
                    _ => Vec::new(),
                };
                let def = ApiDef {
                    envelope: format!("{}response", api.name.to_ascii_lowercase()),
                    params_lc,
                    behavior,
                    filters,
                    api,
                };
                (def.api.name.clone(), def)
            })
            .collect();
        Self {
            version,
            source,
            apis,
            raw,
        }
    }
}

impl Registry {
    /// Per object name, the top-level fields its list, create and update APIs declare (in CloudStack
    /// they answer with the same response class): a rendered object carries no other.
    pub fn declared_fields(&self) -> HashMap<String, HashSet<String>> {
        let mut out: HashMap<String, HashSet<String>> = HashMap::new();
        for def in self.apis.values() {
            if let Behavior::List { kind } | Behavior::Create { kind } | Behavior::Update { kind } = &def.behavior {
                let fields = out.entry(kind.clone()).or_default();
                fields.extend(
                    def.api
                        .response
                        .iter()
                        .map(|f| f.name.clone())
                        .filter(|n| !n.is_empty()),
                );
            }
        }
        out.retain(|_, fields| !fields.is_empty());
        out
    }
}

/// An API as `listApis` describes it (descriptions are empty when the spec is facts only).
fn list_apis_entry(api: &Api) -> Value {
    fn fields(list: &[ResponseField]) -> Value {
        Value::Array(
            list.iter()
                .map(|f| {
                    let mut o = json!({"name": f.name, "description": f.description, "type": f.kind});
                    if !f.children.is_empty() {
                        o["response"] = fields(&f.children);
                    }
                    o
                })
                .collect(),
        )
    }
    let params: Vec<Value> = api
        .params
        .iter()
        .map(|p| {
            let mut o = json!({"name": p.name, "description": p.description, "type": p.kind.as_str(),
                               "length": p.length.unwrap_or(255), "required": p.required});
            if let Some(s) = &p.since {
                o["since"] = json!(s);
            }
            if !p.related.is_empty() {
                o["related"] = json!(p.related.join(","));
            }
            o
        })
        .collect();
    let mut o = json!({"name": api.name, "description": api.description, "isasync": api.is_async,
                       "related": api.related.join(","), "params": params, "response": fields(&api.response)});
    if let Some(s) = &api.since {
        o["since"] = json!(s);
    }
    o
}

fn behaviors(spec: &ApiSpec) -> HashMap<String, Behavior> {
    let mut out = HashMap::new();
    for api in &spec.apis {
        let (verb, noun) = split_verb(&api.name);
        if verb == "list" && !noun.is_empty() {
            out.insert(
                api.name.clone(),
                Behavior::List {
                    kind: kind_of(&singular(noun)),
                },
            );
        } else if verb == "update" && api.param("id").is_some() {
            out.insert(api.name.clone(), Behavior::Update { kind: kind_of(noun) });
        }
    }
    if let Ok(table) = ParticipantTable::builtin() {
        for p in derive(spec, &table).participants {
            let kind = kind_of(&p.name);
            out.insert(p.create.clone(), Behavior::Create { kind: kind.clone() });
            if let Some(key) = p.keys.iter().find(|k| k.required) {
                let attribute = key
                    .sources
                    .iter()
                    .find_map(|s| match s {
                        KeySource::Attribute(a) if !a.contains('.') => Some(a.clone()),
                        KeySource::Parameter(n) => Some(n.clone()),
                        KeySource::Attribute(_) => None,
                    })
                    .unwrap_or_else(|| "id".to_string());
                out.entry(p.delete.clone()).or_insert(Behavior::Delete {
                    kind,
                    param: key.param.clone(),
                    attribute,
                });
            }
        }
    }
    out
}
