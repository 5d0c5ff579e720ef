//! Emits the Rust source of one CloudStack version: request types, response types, API descriptions and
//! participants.
//!
//! The output is designed to compile fast: a request is a newtype over the runtime's `Params` with one
//! tiny setter per parameter; validation, wire encoding and decoding are non-generic runtime functions
//! driven by `static` descriptions. Only `Debug` and `Clone` are derived.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::api_meta::{self, is_get, is_list, is_sensitive, ParamKind};
use crate::maps::{MapShape, MapShapes};
use crate::naming::{field_ident, pascal, screaming};
use crate::participants::{self, KeySource, Origin, ParticipantTable};
use crate::shapes::{self, TypePlan};
use crate::spec::{Api, ApiSpec, Param, ParamType};
use crate::updates::{Effect, UpdateTable};

use crate::emit_responses::{emit_attributes, emit_types};

/// The generated source and what it contains.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The module body (to be `include!`d inside `pub mod vX_Y { ... }`).
    pub tokens: TokenStream,
    /// Counts.
    pub stats: Stats,
    /// Participant pairs that were found but skipped, with reasons.
    pub skipped_participants: Vec<participants::Skipped>,
    /// The participants' type names.
    pub participant_names: Vec<String>,
}

/// Counts of what was generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Request types.
    pub apis: usize,
    /// Parameters (setters and constructor arguments).
    pub params: usize,
    /// Response structs.
    pub structs: usize,
    /// Response struct fields.
    pub fields: usize,
    /// Participants.
    pub participants: usize,
}

/// Generates the module for `spec` as CloudStack `version`.
pub fn generate(
    spec: &ApiSpec,
    version: &str,
    maps: &MapShapes,
    table: &ParticipantTable,
    updates: &UpdateTable,
) -> Generated {
    let plan = shapes::plan(spec);
    let derivation = participants::derive(spec, table);
    let mut stats = Stats {
        apis: spec.apis.len(),
        structs: plan.structs.len(),
        fields: plan.structs.iter().map(|s| s.fields.len()).sum(),
        participants: derivation.participants.len(),
        ..Stats::default()
    };

    let mut requests = Vec::with_capacity(spec.apis.len());
    let mut metas = Vec::with_capacity(spec.apis.len());
    for api in &spec.apis {
        stats.params += api.params.len();
        let resp = response_type(api, &plan);
        requests.push(emit_request(api, &resp, maps));
        metas.push(emit_meta(api, maps, &plan));
    }
    let types = emit_types(spec, &plan);
    let participant_items: Vec<TokenStream> = derivation
        .participants
        .iter()
        .filter_map(|p| emit_participant(spec, p, updates))
        .collect();
    let typed_items: Vec<TokenStream> = derivation
        .participants
        .iter()
        .filter_map(|p| crate::emit_typed::emit_typed_participant(spec, p, &derivation, maps))
        .collect();
    let all_apis: Vec<_> = spec
        .apis
        .iter()
        .map(|a| format_ident!("{}", screaming(&a.name)))
        .collect();
    let n_apis = Literal::usize_unsuffixed(all_apis.len());
    let n_participants = Literal::usize_unsuffixed(participant_items.len());
    let version_lit = Literal::string(version);

    let tokens = quote! {
        use ::cloudstack_client as rt;

        /// The CloudStack version these bindings were generated from.
        pub const VERSION: &str = #version_lit;

        /// Finds an API description by exact command name.
        pub fn api(name: &str) -> ::core::option::Option<&'static rt::ApiMeta> {
            rt::meta::find_api(&apis::ALL, name)
        }

        /// Finds a participant by type name (`CloudStack::VirtualMachine`).
        pub fn participant(type_name: &str) -> ::core::option::Option<&'static rt::ParticipantSpec> {
            rt::participant::find(&participants::ALL, type_name)
        }

        #(#requests)*

        /// Static descriptions of every API: parameters, types, limits, method, response kind.
        pub mod apis {
            use super::{rt, types};
            #(#metas)*
            /// Every API, sorted by command name.
            pub static ALL: [&rt::ApiMeta; #n_apis] = [#(&#all_apis),*];
        }

        /// Response types: one struct per distinct response shape, and an alias per API.
        pub mod types {
            use super::rt;
            #types
        }

        /// Resource types with a create/delete pair: their descriptions ([`participants::ALL`]) and
        /// a typed resource per type for stacks built in Rust (`participants::VirtualMachine`, ...).
        pub mod participants {
            use super::{apis, rt};
            /// Every participant, sorted by type name.
            pub static ALL: [rt::ParticipantSpec; #n_participants] = [#(#participant_items),*];
            #(#typed_items)*
        }
    };
    Generated {
        tokens,
        stats,
        skipped_participants: derivation.skipped,
        participant_names: derivation
            .participants
            .iter()
            .map(participants::Participant::type_name)
            .collect(),
    }
}

/// Escapes text for a doc comment: dump descriptions contain `<uuid>`, `[0]` and `*` that Markdown would
/// otherwise eat or turn into links.
pub fn doc_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']' | '<' | '>' | '*' | '_' | '`' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One `#[doc]` attribute per line, so formatted output shows `///` comments rather than an indented
/// block comment (which Markdown would read as a code block).
pub(crate) fn doc_attrs_of(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let line = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

struct ResponseTy {
    /// The `Request::Response` type, relative to the version module.
    full: TokenStream,
}

fn response_type(api: &Api, plan: &TypePlan) -> ResponseTy {
    let name = struct_name(api, plan);
    let ident = format_ident!("{}", name);
    let full = if is_list(api) {
        quote!(rt::List<types::#ident>)
    } else {
        quote!(types::#ident)
    };
    ResponseTy { full }
}

pub(crate) fn struct_name<'a>(api: &Api, plan: &'a TypePlan) -> &'a str {
    plan.api_struct
        .get(&api.name)
        .map_or("Empty", |&i| plan.structs[i].name.as_str())
}

struct ParamCode {
    ident: proc_macro2::Ident,
    arg_ty: TokenStream,
    store: TokenStream,
}

pub(crate) fn param_idents(api: &Api) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::from(["new".to_string()]);
    api.params
        .iter()
        .map(|p| {
            let mut id = field_ident(&p.name);
            while !seen.insert(id.clone()) {
                id.push('_');
            }
            id
        })
        .collect()
}

fn param_code(index: usize, param: &Param, ident: &str, shape: Option<&MapShape>) -> ParamCode {
    let i = Literal::u16_unsuffixed(u16::try_from(index).unwrap_or(u16::MAX));
    let v = format_ident!("{}", ident);
    let (arg_ty, store) = match (&param.kind, shape) {
        (ParamType::Boolean, _) => (quote!(bool), quote!(set_bool(#i, #v))),
        (ParamType::Short, _) => (quote!(i16), quote!(set_int(#i, i64::from(#v)))),
        (ParamType::Integer, _) => (quote!(i32), quote!(set_int(#i, i64::from(#v)))),
        (ParamType::Long, _) => (quote!(i64), quote!(set_int(#i, #v))),
        (ParamType::Float, _) => (quote!(f32), quote!(set_float(#i, f64::from(#v)))),
        (ParamType::Double, _) => (quote!(f64), quote!(set_float(#i, #v))),
        (ParamType::Date | ParamType::TzDate, _) => (quote!(rt::Date), quote!(set_date(#i, #v))),
        (ParamType::List, _) => (
            quote!(impl IntoIterator<Item = impl Into<String>>),
            quote!(set_list(#i, #v)),
        ),
        (ParamType::Map, Some(MapShape::Entries)) => (
            quote!(impl IntoIterator<Item = impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>>),
            quote!(set_entries(#i, #v)),
        ),
        (ParamType::Map, _) => (
            quote!(impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>),
            quote!(set_pairs(#i, #v)),
        ),
        _ => (quote!(impl Into<String>), quote!(set_text(#i, #v.into()))),
    };
    ParamCode {
        ident: v,
        arg_ty,
        store,
    }
}

pub(crate) fn param_doc(param: &Param, shape: Option<&MapShape>) -> String {
    let mut doc = if param.description.is_empty() {
        format!("`{}`", param.name)
    } else {
        doc_escape(&param.description)
    };
    doc.push_str(&format!("\n\nWire name `{}`, type `{}`", param.name, param.kind));
    match (&param.kind, shape) {
        (ParamType::String | ParamType::Other(_), _) => {
            doc.push_str(&format!(", at most {} characters", param.length.unwrap_or(255)));
        }
        (ParamType::Map, Some(MapShape::Pairs { key, value })) => {
            doc.push_str(&format!(
                "; each `(K, V)` is sent as `{0}[i].{key}=K&{0}[i].{value}=V`",
                param.name
            ));
        }
        (ParamType::Map, Some(MapShape::Flat)) => {
            doc.push_str(&format!("; each `(K, V)` is sent as `{}[0].K=V`", param.name));
        }
        (ParamType::Map, Some(MapShape::Entries)) => {
            doc.push_str(&format!(
                "; entry `i` with fields `(F, V)` is sent as `{}[i].F=V`",
                param.name
            ));
        }
        (ParamType::List, _) => doc.push_str(", sent comma-joined"),
        _ => {}
    }
    if let Some(since) = &param.since {
        doc.push_str(&format!(", since {since}"));
    }
    if is_sensitive(&param.name) {
        doc.push_str(". Secret: never logged");
    }
    doc.push('.');
    doc
}

fn emit_request(api: &Api, resp: &ResponseTy, maps: &MapShapes) -> TokenStream {
    let ty = format_ident!("{}", pascal(&api.name));
    let meta = format_ident!("{}", screaming(&api.name));
    let idents = param_idents(api);
    let mut ctor_args = Vec::new();
    let mut ctor_stores = Vec::new();
    let mut ctor_doc = String::from("Creates the request with its required parameters.");
    let mut setters = Vec::new();
    for (index, (param, ident)) in api.params.iter().zip(&idents).enumerate() {
        let shape = (param.kind == ParamType::Map).then(|| maps.shape(&api.name, &param.name).clone());
        let code = param_code(index, param, ident, shape.as_ref());
        let (id, arg_ty, store) = (&code.ident, &code.arg_ty, &code.store);
        if param.required {
            ctor_doc.push_str(&format!(
                "\n- `{ident}`: {}",
                first_line(&doc_escape(&param.description))
            ));
            ctor_args.push(quote!(#id: #arg_ty));
            ctor_stores.push(quote!(p.#store;));
        } else {
            let doc_attrs = doc_attrs_of(&param_doc(param, shape.as_ref()));
            setters.push(quote! {
                #doc_attrs
                pub fn #id(mut self, #id: #arg_ty) -> Self {
                    self.0.#store;
                    self
                }
            });
        }
    }
    let mut doc = if api.description.is_empty() {
        format!(
            "`{}` (its description is in the CloudStack API reference; this build has the facts only)",
            api.name
        )
    } else {
        doc_escape(&api.description)
    };
    doc.push_str(&format!(
        "\n\nCommand `{}`{}{}, sent by {}.",
        api.name,
        if api.is_async { ", async (returns a job)" } else { "" },
        api.since.as_ref().map(|s| format!(", since {s}")).unwrap_or_default(),
        if is_get(api) { "GET" } else { "POST" }
    ));
    if ctor_args.is_empty() {
        ctor_doc = "Creates the request; this command has no required parameters.".to_string();
    }
    let p_mut = if ctor_stores.is_empty() { quote!() } else { quote!(mut) };
    let doc_attrs = doc_attrs_of(&doc);
    let ctor_doc_attrs = doc_attrs_of(&ctor_doc);
    let full = &resp.full;
    quote! {
        #doc_attrs
        #[derive(Clone)]
        #[must_use]
        pub struct #ty(rt::Params);

        impl #ty {
            #ctor_doc_attrs
            #[allow(clippy::new_without_default, clippy::too_many_arguments)]
            pub fn new(#(#ctor_args),*) -> Self {
                let #p_mut p = rt::Params::new();
                #(#ctor_stores)*
                Self(p)
            }
            #(#setters)*
        }

        impl ::core::fmt::Debug for #ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                rt::request::debug_request(f, &apis::#meta, &self.0)
            }
        }

        impl rt::Request for #ty {
            type Response = #full;
            fn meta(&self) -> &'static rt::ApiMeta {
                &apis::#meta
            }
            fn params(&self) -> &rt::Params {
                &self.0
            }
            fn params_mut(&mut self) -> &mut rt::Params {
                &mut self.0
            }
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn emit_meta(api: &Api, maps: &MapShapes, plan: &TypePlan) -> TokenStream {
    let facts = api_meta::api_facts(api, maps);
    let ident = format_ident!("{}", screaming(&api.name));
    let name = Literal::string(&api.name);
    let is_async = facts.is_async;
    let method = if facts.get {
        quote!(rt::HttpMethod::Get)
    } else {
        quote!(rt::HttpMethod::Post)
    };
    let kind = if facts.list {
        quote!(rt::ResponseKind::List)
    } else {
        quote!(rt::ResponseKind::Object)
    };
    let params = facts.params.iter().map(|p| {
        let pname = Literal::string(&p.name);
        let kind = param_kind(&p.kind);
        let required = p.required;
        let length = match p.length {
            Some(l) => {
                let l = Literal::u32_unsuffixed(l);
                quote!(Some(#l))
            }
            None => quote!(None),
        };
        let sensitive = p.sensitive;
        quote!(rt::ParamMeta::new(#pname, #kind, #required, #length, #sensitive))
    });
    let st = format_ident!("{}", struct_name(api, plan));
    let doc_attrs = doc_attrs_of(&format!("`{}`", api.name));
    quote! {
        #doc_attrs
        pub static #ident: rt::ApiMeta = rt::ApiMeta::new(
            #name, #is_async, #method, #kind,
            &[#(#params),*],
            <types::#st as rt::FromObject>::FIELDS,
        );
    }
}

fn param_kind(kind: &ParamKind) -> TokenStream {
    match kind {
        ParamKind::Plain(ParamType::Boolean) => quote!(rt::ParamKind::Boolean),
        ParamKind::Plain(ParamType::Short) => quote!(rt::ParamKind::Short),
        ParamKind::Plain(ParamType::Integer) => quote!(rt::ParamKind::Integer),
        ParamKind::Plain(ParamType::Long) => quote!(rt::ParamKind::Long),
        ParamKind::Plain(ParamType::Float) => quote!(rt::ParamKind::Float),
        ParamKind::Plain(ParamType::Double) => quote!(rt::ParamKind::Double),
        ParamKind::Plain(ParamType::Uuid) => quote!(rt::ParamKind::Uuid),
        ParamKind::Plain(ParamType::Date) => quote!(rt::ParamKind::Date),
        ParamKind::Plain(ParamType::TzDate) => quote!(rt::ParamKind::TzDate),
        ParamKind::Plain(ParamType::List) => quote!(rt::ParamKind::List),
        ParamKind::Plain(ParamType::String) => quote!(rt::ParamKind::String),
        ParamKind::Plain(ParamType::Map | ParamType::Other(_)) | ParamKind::Other => quote!(rt::ParamKind::Other),
        ParamKind::Map(MapShape::Pairs { key, value }) => {
            quote!(rt::ParamKind::Map(rt::MapShape::Pairs { key: #key, value: #value }))
        }
        ParamKind::Map(MapShape::Flat) => quote!(rt::ParamKind::Map(rt::MapShape::Flat)),
        ParamKind::Map(MapShape::Entries) => quote!(rt::ParamKind::Map(rt::MapShape::Entries)),
    }
}

fn emit_participant(spec: &ApiSpec, p: &participants::Participant, updates: &UpdateTable) -> Option<TokenStream> {
    let create = spec.api(&p.create)?;
    let type_name = Literal::string(&p.type_name());
    let create_ident = format_ident!("{}", screaming(&p.create));
    let delete_ident = format_ident!("{}", screaming(&p.delete));
    let keys = p.keys.iter().map(|k| {
        let param = Literal::string(&k.param);
        let required = k.required;
        let sources = k.sources.iter().map(|s| match s {
            KeySource::Attribute(a) => quote!(rt::KeySource::Attribute(#a)),
            KeySource::Parameter(n) => quote!(rt::KeySource::Parameter(#n)),
        });
        quote!(rt::DeleteKey::new(#param, &[#(#sources),*], #required))
    });
    let defaults = p.delete_defaults.iter().map(|(k, v)| quote!((#k, #v)));
    let attributes = emit_attributes(&create.response);
    let tag = match &p.tag_resource_type {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    };
    let origin = match p.origin {
        Origin::NamingRule => quote!(rt::PairOrigin::NamingRule),
        Origin::Curated => quote!(rt::PairOrigin::Curated),
    };
    let rules = crate::updates::classify(spec, p, updates).into_iter().map(|r| {
        let property = Literal::string(&r.property);
        let effect = match r.effect {
            Effect::InPlace => quote!(rt::UpdateEffect::InPlace),
            Effect::Interruption => quote!(rt::UpdateEffect::Interruption),
            Effect::Replacement => quote!(rt::UpdateEffect::Replacement),
        };
        let api = match &r.api {
            Some(a) => {
                let ident = format_ident!("{}", screaming(a));
                quote!(Some(&apis::#ident))
            }
            None => quote!(None),
        };
        let param = Literal::string(r.param.as_deref().unwrap_or(""));
        quote!(rt::PropertyUpdate::new(#property, #effect, #api, #param))
    });
    Some(quote! {
        rt::ParticipantSpec::new(
            #type_name,
            &apis::#create_ident,
            &apis::#delete_ident,
            &[#(#keys),*],
            &[#(#defaults),*],
            #attributes,
            #tag,
            #origin,
            &[#(#rules),*],
        )
    })
}
