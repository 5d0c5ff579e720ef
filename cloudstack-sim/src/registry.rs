//! The APIs the simulator serves, from a listApis dump loaded at start, and how each is handled when no
//! hand-written model covers it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cloudstack_codegen::naming::{singular, split_verb};
use cloudstack_codegen::participants::{derive, KeySource, ParticipantTable};
use cloudstack_codegen::spec::{Api, ApiSpec};
use serde_json::Value;

use crate::error::SimError;

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
    /// The raw API objects of the dump, for `listApis`, sorted by name.
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
    /// Loads a dump file.
    pub fn load(path: &Path) -> Result<Self, SimError> {
        let bytes = std::fs::read(path).map_err(|e| SimError::Spec(format!("cannot read {}: {e}", path.display())))?;
        let version = path
            .file_stem()
            .map_or_else(|| "unknown".to_string(), |s| s.to_string_lossy().into_owned());
        Self::from_bytes(&bytes, &path.display().to_string(), &version)
    }

    /// The newest dump listed in `api-specs/manifest.toml` under `workspace`, found by the build's
    /// search order.
    pub fn newest(workspace: &Path) -> Result<PathBuf, SimError> {
        let manifest = cloudstack_codegen::manifest::read_manifest(&workspace.join("api-specs").join("manifest.toml"))
            .map_err(|e| SimError::Spec(e.to_string()))?;
        let env_dir = std::env::var_os("CLOUDSTACK_API_SPECS").map(PathBuf::from);
        let dirs = cloudstack_codegen::manifest::search_dirs(workspace, env_dir.as_deref());
        let entry = manifest
            .specs
            .last()
            .ok_or_else(|| SimError::Spec("api-specs/manifest.toml lists no versions".into()))?;
        cloudstack_codegen::manifest::locate(entry, &dirs)
            .map(|l| l.path)
            .map_err(|e| SimError::Spec(e.to_string()))
    }

    /// Builds the registry from dump bytes.
    pub fn from_bytes(bytes: &[u8], source: &str, version: &str) -> Result<Self, SimError> {
        let spec = cloudstack_codegen::spec::load_slice(bytes, source).map_err(|e| SimError::Spec(e.to_string()))?;
        let raw_root: Value = serde_json::from_slice(bytes).map_err(|e| SimError::Spec(e.to_string()))?;
        let raw_list = raw_root
            .get("listapisresponse")
            .unwrap_or(&raw_root)
            .get("api")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut raw: Vec<Value> = raw_list;
        raw.sort_by(|a, b| {
            let n = |v: &Value| v.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            n(a).cmp(&n(b))
        });
        let behaviors = behaviors(&spec);
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
                let def = ApiDef {
                    envelope: format!("{}response", api.name.to_ascii_lowercase()),
                    params_lc,
                    behavior,
                    api,
                };
                (def.api.name.clone(), def)
            })
            .collect();
        Ok(Self {
            version: version.to_string(),
            source: source.to_string(),
            apis,
            raw,
        })
    }
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
