//! Loading a release at run time: a listApis dump or a facts spec becomes a [`Version`] with the same
//! tables the build generates for a compiled-in release.
//!
//! The participant derivation and the API facts come from `cloudstack-codegen`, the code the build
//! script runs, so a release loaded at run time and the same release compiled in agree exactly (a test
//! compares them table by table).
//!
//! A loaded release lives as long as the process: its tables are `'static`, like the generated ones,
//! so everything that takes a compiled-in release takes a loaded one. Loads are interned by the sha256
//! of the canonical facts, so loading the same API surface again (the same dump, or a cloud answering
//! `listApis` the same way) returns the first copy and costs no memory.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use cloudstack_client::meta::{ApiMeta, AttributeMeta, HttpMethod, MapShape, ParamKind, ParamMeta, ResponseKind};
use cloudstack_client::participant::{DeleteKey, KeySource, PairOrigin, ParticipantSpec, PropertyUpdate, UpdateEffect};
use cloudstack_codegen::api_meta::{self, ParamKind as FactKind};
use cloudstack_codegen::facts;
use cloudstack_codegen::maps::{self, MapShapes};
use cloudstack_codegen::participants::{self, Origin as DerivedOrigin, ParticipantTable};
use cloudstack_codegen::spec::{ApiSpec, ParamType, ResponseField, SpecError};
use cloudstack_codegen::updates::{Effect, UpdateTable};

use crate::registry::{Origin, Version};

/// Why a release could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The document is not a listApis dump or facts spec (with the file and JSON pointer).
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A curated table of the generator does not parse (a bug of this build).
    #[error("cloudstack-codegen's curated table is broken: {0}")]
    Table(#[source] cloudstack_codegen::error::TableError),
    /// No facts of this release ship with the crate.
    #[error(
        "CloudStack {version} is not among the releases this build ships ({known}); give its listApis \
         dump (`stackmate --api-spec FILE`, `Version::load`), let stackmate read the cloud's own \
         listApis, or import it with `cargo xtask spec-import`"
    )]
    UnknownRelease {
        /// The release asked for.
        version: String,
        /// The releases shipped.
        known: String,
    },
}

impl Version {
    /// Loads a listApis dump or a facts spec. A dump's release is `unknown` unless [`Version::from_spec`]
    /// is given one; a facts spec names its own.
    pub fn load(bytes: &[u8], source: &str) -> Result<&'static Version, LoadError> {
        // Facts already loaded in this process are not read again: the spec is named by its hash.
        if let Some(v) = Self::loaded(&facts_sha256_of(bytes)) {
            return Ok(v);
        }
        let spec = cloudstack_codegen::spec::load_slice(bytes, source)?;
        Self::from_spec(&spec, None)
    }

    /// Loads an already parsed listApis dump or facts spec (a cloud's `listApis` answer wrapped in
    /// `{"listapisresponse": ...}`); `release` names it when the document does not.
    pub fn load_value(
        value: &serde_json::Value,
        source: &str,
        release: Option<&str>,
    ) -> Result<&'static Version, LoadError> {
        let spec = cloudstack_codegen::spec::from_value(value, source)?;
        Self::from_spec(&spec, release)
    }

    /// The release described by `spec`. `release` names it when the spec is a dump without a facts
    /// header (a facts spec's own header wins).
    pub fn from_spec(spec: &ApiSpec, release: Option<&str>) -> Result<&'static Version, LoadError> {
        let header = spec
            .header
            .clone()
            .unwrap_or_else(|| facts::header_for(release.unwrap_or("unknown"), ""));
        let rendered = facts::render(spec, &header);
        let mut loaded = loaded_versions();
        if let Some(v) = loaded.get(&rendered.sha256) {
            return Ok(v);
        }
        let sha = rendered.sha256.clone();
        let version: &'static Version = Box::leak(Box::new(build(spec, &header.version, rendered)?));
        loaded.insert(sha, version);
        Ok(version)
    }

    /// [`Version::load`] without the interning: every call builds (and keeps) new tables. For
    /// benchmarks of the load itself; everything else should call [`Version::load`].
    #[doc(hidden)]
    pub fn load_uninterned(bytes: &[u8], source: &str) -> Result<&'static Version, LoadError> {
        let spec = cloudstack_codegen::spec::load_slice(bytes, source)?;
        let header = spec.header.clone().unwrap_or_else(|| facts::header_for("unknown", ""));
        let rendered = facts::render(&spec, &header);
        Ok(Box::leak(Box::new(build(&spec, &header.version, rendered)?)))
    }
}

/// Leaked strings, each distinct text once per load.
#[derive(Default)]
struct Strings(HashMap<String, &'static str>);

impl Strings {
    fn get(&mut self, s: &str) -> &'static str {
        if let Some(v) = self.0.get(s) {
            return v;
        }
        let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
        self.0.insert(s.to_string(), leaked);
        leaked
    }
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn build(spec: &ApiSpec, release: &str, rendered: facts::Facts) -> Result<Version, LoadError> {
    let maps = MapShapes::builtin().map_err(LoadError::Table)?;
    let table = ParticipantTable::builtin().map_err(LoadError::Table)?;
    let updates = UpdateTable::builtin().map_err(LoadError::Table)?;
    let mut s = Strings::default();
    let mut apis: Vec<&'static ApiMeta> = Vec::with_capacity(spec.apis.len());
    for api in &spec.apis {
        let f = api_meta::api_facts(api, &maps);
        let params: Vec<ParamMeta> = f
            .params
            .iter()
            .map(|p| {
                ParamMeta::new(
                    s.get(&p.name),
                    param_kind(&p.kind, &mut s),
                    p.required,
                    p.length,
                    p.sensitive,
                )
            })
            .collect();
        let fields: Vec<&'static str> = f.fields.iter().map(|n| s.get(n)).collect();
        let meta = ApiMeta::new(
            s.get(&f.name),
            f.is_async,
            if f.get { HttpMethod::Get } else { HttpMethod::Post },
            if f.list {
                ResponseKind::List
            } else {
                ResponseKind::Object
            },
            leak(params),
            leak(fields),
        );
        apis.push(Box::leak(Box::new(meta)));
    }
    let apis = leak(apis);
    let find = |name: &str| cloudstack_client::meta::find_api(apis, name);
    let mut list = Vec::new();
    for p in participants::derive(spec, &table).participants {
        let (Some(create), Some(delete), Some(create_api)) = (find(&p.create), find(&p.delete), spec.api(&p.create))
        else {
            continue;
        };
        let keys: Vec<DeleteKey> = p
            .keys
            .iter()
            .map(|k| {
                let sources: Vec<KeySource> = k
                    .sources
                    .iter()
                    .map(|src| match src {
                        participants::KeySource::Attribute(a) => KeySource::Attribute(s.get(a)),
                        participants::KeySource::Parameter(n) => KeySource::Parameter(s.get(n)),
                    })
                    .collect();
                DeleteKey::new(s.get(&k.param), leak(sources), k.required)
            })
            .collect();
        let defaults: Vec<(&'static str, &'static str)> =
            p.delete_defaults.iter().map(|(k, v)| (s.get(k), s.get(v))).collect();
        let attributes = attributes(&create_api.response, &mut s);
        let tag = p.tag_resource_type.as_deref().map(|t| s.get(t));
        let rules: Vec<PropertyUpdate> = cloudstack_codegen::updates::classify(spec, &p, &updates)
            .into_iter()
            .map(|r| {
                let effect = match r.effect {
                    Effect::InPlace => UpdateEffect::InPlace,
                    Effect::Interruption => UpdateEffect::Interruption,
                    Effect::Replacement => UpdateEffect::Replacement,
                };
                let api = r.api.as_deref().and_then(find);
                PropertyUpdate::new(s.get(&r.property), effect, api, s.get(r.param.as_deref().unwrap_or("")))
            })
            .collect();
        list.push(ParticipantSpec::new(
            s.get(&p.type_name()),
            create,
            delete,
            leak(keys),
            leak(defaults),
            attributes,
            tag,
            match p.origin {
                DerivedOrigin::NamingRule => PairOrigin::NamingRule,
                DerivedOrigin::Curated => PairOrigin::Curated,
            },
            leak(rules),
        ));
    }
    Ok(Version {
        version: s.get(release),
        apis,
        participants: leak(list),
        facts: Box::leak(rendered.text.into_boxed_str()),
        facts_sha256: Box::leak(rendered.sha256.into_boxed_str()),
        origin: Origin::Loaded,
    })
}

fn param_kind(kind: &FactKind, s: &mut Strings) -> ParamKind {
    match kind {
        FactKind::Plain(t) => match t {
            ParamType::Boolean => ParamKind::Boolean,
            ParamType::Short => ParamKind::Short,
            ParamType::Integer => ParamKind::Integer,
            ParamType::Long => ParamKind::Long,
            ParamType::Float => ParamKind::Float,
            ParamType::Double => ParamKind::Double,
            ParamType::Uuid => ParamKind::Uuid,
            ParamType::Date => ParamKind::Date,
            ParamType::TzDate => ParamKind::TzDate,
            ParamType::List => ParamKind::List,
            ParamType::String => ParamKind::String,
            ParamType::Map | ParamType::Other(_) => ParamKind::Other,
        },
        FactKind::Map(maps::MapShape::Pairs { key, value }) => ParamKind::Map(MapShape::Pairs {
            key: s.get(key),
            value: s.get(value),
        }),
        FactKind::Map(maps::MapShape::Flat) => ParamKind::Map(MapShape::Flat),
        FactKind::Map(maps::MapShape::Entries) => ParamKind::Map(MapShape::Entries),
        FactKind::Other => ParamKind::Other,
    }
}

fn attributes(fields: &[ResponseField], s: &mut Strings) -> &'static [AttributeMeta] {
    let list: Vec<AttributeMeta> = fields
        .iter()
        .map(|f| {
            let children = attributes(&f.children, s);
            AttributeMeta::new(s.get(&f.name), s.get(&f.kind), children)
        })
        .collect();
    leak(list)
}

/// The versions loaded in this process, by the sha256 of their facts.
fn loaded_versions() -> std::sync::MutexGuard<'static, HashMap<String, &'static Version>> {
    static LOADED: OnceLock<Mutex<HashMap<String, &'static Version>>> = OnceLock::new();
    LOADED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The sha256 of `bytes` as [`Version::facts_sha256`] spells it (lower-case hex).
fn facts_sha256_of(bytes: &[u8]) -> String {
    cloudstack_codegen::manifest::sha256_hex(bytes)
}

impl Version {
    /// The version whose facts (as rendered, [`Version::facts_sha256`]) have `sha256`, if this
    /// process has loaded it: a stored spec is then not read and parsed again.
    pub fn loaded(sha256: &str) -> Option<&'static Version> {
        loaded_versions().get(sha256).copied()
    }
}
