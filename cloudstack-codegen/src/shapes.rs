//! The response type plan: one Rust struct per distinct response shape of a dump.
//!
//! Many APIs return the same object (deployVirtualMachine, startVirtualMachine and listVirtualMachines
//! all return a VM), and the same nested objects appear everywhere (`tags`, `nic`). Structurally equal
//! shapes share one struct, which cuts the generated fields of 4.17 from about 18,800 to about 3,100.
//!
//! Names: a shape is named after the noun of the APIs that return it (`listVirtualMachines` ->
//! `VirtualMachine`), list APIs first; a shape of only `success`/`displaytext` is `Success`. When a name
//! is taken, the shape is named after its first API (`UpdateFooResponse`). Nested shapes are named after
//! their attribute, split into words known from API names (`securitygroup` -> `SecurityGroup`), with the
//! parent's name in front when taken. Every API also gets an alias `<Api>Response`.

use std::collections::{BTreeMap, BTreeSet};

use crate::naming::{field_ident, pascal, singular, split_verb, words};
use crate::spec::{ApiSpec, ResponseField};

/// The Rust type of one response attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldType {
    /// `Option<String>`: strings, ids, dates, enums.
    Text,
    /// `Option<bool>`.
    Bool,
    /// `Option<i64>`: all integer types.
    Int,
    /// `Option<f64>`.
    Float,
    /// `Option<Vec<String>>`.
    Texts,
    /// `Option<Vec<i64>>`.
    Ints,
    /// `Option<Vec<f64>>`.
    Floats,
    /// `Option<serde_json::Value>`: maps, undescribed sets and lists, embedded response objects.
    Json,
    /// `Vec<Struct>`: described nested objects; the index is into [`TypePlan::structs`].
    Nested(usize),
}

/// Maps a dump response type to a field type (without nesting).
pub fn field_type(kind: &str) -> FieldType {
    match kind {
        "boolean" => FieldType::Bool,
        "integer" | "int" | "long" | "short" => FieldType::Int,
        "float" | "double" | "bigdecimal" => FieldType::Float,
        "long[]" | "integer[]" | "int[]" | "short[]" => FieldType::Ints,
        "double[]" | "float[]" => FieldType::Floats,
        "string[]" | "uuid[]" => FieldType::Texts,
        "list" | "set" | "map" | "object" | "responseobject" => FieldType::Json,
        k if k.ends_with("response") => FieldType::Json,
        _ => FieldType::Text,
    }
}

/// One field of a planned struct.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// Attribute name on the wire.
    pub name: String,
    /// Rust identifier.
    pub ident: String,
    /// Rust type.
    pub ty: FieldType,
    /// The dump's type name.
    pub kind: String,
    /// Description (from the first API that describes it).
    pub description: String,
}

/// One planned struct.
#[derive(Debug, Clone)]
pub struct StructDef {
    /// Type name.
    pub name: String,
    /// Fields sorted by wire name.
    pub fields: Vec<FieldDef>,
    /// APIs whose top-level response is this struct (empty for nested-only shapes).
    pub apis: Vec<String>,
    /// Where it appears nested (`VirtualMachine.nic`).
    pub nested_in: Vec<String>,
}

/// The plan for a whole dump.
#[derive(Debug, Clone, Default)]
pub struct TypePlan {
    /// Structs in emission order.
    pub structs: Vec<StructDef>,
    /// API name -> index of its response struct.
    pub api_struct: BTreeMap<String, usize>,
}

/// A canonical, description-free key of a response shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ShapeKey(Vec<(String, FieldKey)>);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum FieldKey {
    Plain(FieldType),
    Nested(ShapeKey),
}

fn shape_key(fields: &[ResponseField]) -> ShapeKey {
    ShapeKey(
        fields
            .iter()
            .map(|f| {
                let k = if f.children.is_empty() {
                    FieldKey::Plain(field_type(&f.kind))
                } else {
                    FieldKey::Nested(shape_key(&f.children))
                };
                (f.name.clone(), k)
            })
            .collect(),
    )
}

struct Builder<'a> {
    index: BTreeMap<ShapeKey, usize>,
    plan: TypePlan,
    used: BTreeSet<String>,
    dictionary: BTreeMap<String, String>,
    first_fields: BTreeMap<usize, &'a [ResponseField]>,
}

/// Plans the response structs of `spec`.
pub fn plan(spec: &ApiSpec) -> TypePlan {
    let mut b = Builder {
        index: BTreeMap::new(),
        plan: TypePlan::default(),
        used: BTreeSet::new(),
        dictionary: dictionary(spec),
        first_fields: BTreeMap::new(),
    };
    // Group top-level shapes; name them list-noun first so the common objects get the plain nouns.
    let mut groups: BTreeMap<ShapeKey, Vec<&crate::spec::Api>> = BTreeMap::new();
    for api in &spec.apis {
        groups.entry(shape_key(&api.response)).or_default().push(api);
    }
    let mut ordered: Vec<(u8, String, String, ShapeKey)> = groups
        .iter()
        .map(|(key, apis)| {
            let (rank, name) = preferred_name(apis);
            (rank, name, apis[0].name.clone(), key.clone())
        })
        .collect();
    ordered.sort();
    for (_, preferred, first_api, key) in ordered {
        let apis = &groups[&key];
        let name = if b.used.contains(&preferred) || preferred.is_empty() {
            format!("{}Response", pascal(&first_api))
        } else {
            preferred
        };
        let idx = b.add(&key, apis[0].response.as_slice(), name);
        for api in apis {
            b.plan.structs[idx].apis.push(api.name.clone());
            b.plan.api_struct.insert(api.name.clone(), idx);
        }
    }
    // Nested shapes, breadth-first from each top-level struct, then fill every struct's fields.
    let mut i = 0;
    while i < b.plan.structs.len() {
        let fields = b.first_fields[&i];
        let parent = b.plan.structs[i].name.clone();
        let mut defs = Vec::new();
        let mut seen_idents = BTreeSet::from(["extra".to_string()]);
        for f in fields {
            let ty = if f.children.is_empty() {
                field_type(&f.kind)
            } else {
                let key = shape_key(&f.children);
                let child = match b.index.get(&key) {
                    Some(&c) => c,
                    None => {
                        let name = b.nested_name(&parent, &f.name);
                        b.add(&key, &f.children, name)
                    }
                };
                b.plan.structs[child].nested_in.push(format!("{parent}.{}", f.name));
                FieldType::Nested(child)
            };
            let mut ident = field_ident(&f.name);
            while !seen_idents.insert(ident.clone()) {
                ident.push('_');
            }
            defs.push(FieldDef {
                name: f.name.clone(),
                ident,
                ty,
                kind: f.kind.clone(),
                description: f.description.clone(),
            });
        }
        b.plan.structs[i].fields = defs;
        i += 1;
    }
    b.plan
}

impl<'a> Builder<'a> {
    fn add(&mut self, key: &ShapeKey, fields: &'a [ResponseField], name: String) -> usize {
        let idx = self.plan.structs.len();
        self.used.insert(name.clone());
        self.index.insert(key.clone(), idx);
        self.first_fields.insert(idx, fields);
        self.plan.structs.push(StructDef {
            name,
            fields: Vec::new(),
            apis: Vec::new(),
            nested_in: Vec::new(),
        });
        idx
    }

    fn nested_name(&self, parent: &str, field: &str) -> String {
        let base = segment(&singular(field), &self.dictionary);
        if !self.used.contains(&base) {
            return base;
        }
        let prefixed = format!("{parent}{base}");
        if !self.used.contains(&prefixed) {
            return prefixed;
        }
        (2..)
            .map(|n| format!("{prefixed}{n}"))
            .find(|c| !self.used.contains(c))
            .unwrap_or(prefixed)
    }
}

/// Lowercase word -> its capitalised spelling, from every word of every API name.
fn dictionary(spec: &ApiSpec) -> BTreeMap<String, String> {
    let mut d = BTreeMap::new();
    for api in &spec.apis {
        for w in words(&api.name).into_iter().skip(1) {
            let mut cs = w.chars();
            let cap: String = cs
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(cs)
                .collect();
            d.entry(w.to_ascii_lowercase()).or_insert(cap);
        }
    }
    d
}

/// Splits a lowercase attribute name into dictionary words (fewest words wins) and capitalises them:
/// `securitygroup` -> `SecurityGroup`. Unknown names are just capitalised.
fn segment(name: &str, dict: &BTreeMap<String, String>) -> String {
    let lower = name.to_ascii_lowercase();
    let n = lower.len();
    // best[i] = (word count, pieces) for lower[..i]
    let mut best: Vec<Option<(usize, Vec<String>)>> = vec![None; n + 1];
    best[0] = Some((0, Vec::new()));
    for i in 0..n {
        let Some((count, pieces)) = best[i].clone() else {
            continue;
        };
        for j in i + 1..=n {
            if !lower.is_char_boundary(j) {
                continue;
            }
            if let Some(word) = dict.get(&lower[i..j]) {
                let better = best[j].as_ref().is_none_or(|(c, _)| count + 1 < *c);
                if better {
                    let mut p = pieces.clone();
                    p.push(word.clone());
                    best[j] = Some((count + 1, p));
                }
            }
        }
    }
    match &best[n] {
        Some((_, pieces)) if !pieces.is_empty() => pieces.concat(),
        _ => pascal(name),
    }
}

/// The name a group of APIs with one response shape would like, with a rank (lower is named first).
fn preferred_name(apis: &[&crate::spec::Api]) -> (u8, String) {
    let first = apis[0];
    let names: BTreeSet<&str> = first
        .response
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| *n != "jobid" && *n != "jobstatus")
        .collect();
    if names.is_empty() {
        return (0, "Empty".to_string());
    }
    if names.iter().all(|n| *n == "success" || *n == "displaytext") {
        return (0, "Success".to_string());
    }
    let mut votes: BTreeMap<(u8, String), usize> = BTreeMap::new();
    for api in apis {
        let (verb, noun) = split_verb(&api.name);
        if noun.is_empty() {
            continue;
        }
        let (rank, noun) = match verb {
            "list" => (1, singular(noun)),
            "create" | "deploy" | "add" | "register" => (2, noun.to_string()),
            _ => (3, noun.to_string()),
        };
        *votes.entry((rank, noun)).or_default() += 1;
    }
    let best = votes.into_iter().min_by(|((ra, na), ca), ((rb, nb), cb)| {
        ra.cmp(rb)
            .then(cb.cmp(ca))
            .then(na.len().cmp(&nb.len()))
            .then(na.cmp(nb))
    });
    match best {
        Some(((rank, noun), _)) => (rank, noun),
        None => (4, String::new()),
    }
}
