//! Emits the typed participants of one version: for each participant a struct (in the version's
//! `participants` module) whose constructor takes the create API's required parameters and whose
//! setters take the optional ones, each as a literal of the request binding's Rust type or a
//! reference ([`cloudstack_client::typed`]); typed accessors for the create response's attributes;
//! and, where the dump's `related` names the participant that makes a parameter's value, a setter
//! that takes references to that kind only ([`crate::participants::Derivation::producer_of`]).
//!
//! Cheap to compile: every setter is one call of a non-generic runtime method; the argument
//! conversions are generic and so cost nothing until a program calls them.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::emit::{doc_attrs_of as doc_attrs, param_doc, param_idents};
use crate::maps::{MapShape, MapShapes};
use crate::naming::field_ident;
use crate::participants::{Derivation, Participant};
use crate::spec::{ApiSpec, Param, ParamType, ResponseField};

/// Methods every typed resource has (from `rt::typed::Typed`), which a setter must not shadow.
const TAKEN: &[&str] = &[
    "new",
    "reference",
    "logical_id",
    "depends_on",
    "condition",
    "metadata",
    "retain",
    "property",
    "resource",
    "resource_mut",
];

/// Attributes of a participant beyond its create response: the stack engine's own names.
fn extra_attributes(p: &Participant) -> &'static [(&'static str, &'static str)] {
    match p.name.as_str() {
        "VirtualMachine" => &[("PrivateIp", "private_ip"), ("PublicIp", "public_ip")],
        _ => &[],
    }
}

/// The Rust type of one value of `param` in a typed setter: `rt::typed::Val<..>`.
fn value_type(param: &Param, producer: Option<&Participant>) -> TokenStream {
    let id = || match producer {
        Some(k) => {
            let k = format_ident!("{}", k.name);
            quote!(rt::typed::IdOf<#k>)
        }
        None => quote!(rt::typed::AnyId),
    };
    let inner = match &param.kind {
        ParamType::Boolean => quote!(bool),
        ParamType::Short => quote!(i16),
        ParamType::Integer => quote!(i32),
        ParamType::Long => quote!(i64),
        ParamType::Float => quote!(f32),
        ParamType::Double => quote!(f64),
        ParamType::Date | ParamType::TzDate => quote!(rt::Date),
        ParamType::Uuid => id(),
        ParamType::List if param.name.ends_with("ids") => id(),
        _ => quote!(String),
    };
    quote!(rt::typed::Val<#inner>)
}

/// The argument type and the JSON it becomes, for `param` named `v` in the generated code.
fn argument(
    param: &Param,
    producer: Option<&Participant>,
    shape: Option<&MapShape>,
    v: &proc_macro2::Ident,
) -> (TokenStream, TokenStream) {
    let val = value_type(param, producer);
    match (&param.kind, shape) {
        (ParamType::List, _) => (
            quote!(impl IntoIterator<Item = impl Into<#val>>),
            quote!(rt::typed::list(#v.into_iter().map(|x| <#val>::erase(x.into())))),
        ),
        (ParamType::Map, Some(MapShape::Entries)) => (
            quote!(
                impl IntoIterator<Item = impl IntoIterator<Item = (impl Into<String>, impl Into<rt::typed::Val<String>>)>>
            ),
            quote!(rt::typed::entries(#v)),
        ),
        (ParamType::Map, _) => (
            quote!(impl IntoIterator<Item = (impl Into<String>, impl Into<rt::typed::Val<String>>)>),
            quote!(rt::typed::pairs(#v)),
        ),
        _ => (quote!(impl Into<#val>), quote!(<#val>::erase(#v.into()))),
    }
}

/// The Rust type an attribute of the dump's `kind` reads as.
fn attribute_type(kind: &str) -> TokenStream {
    match kind {
        "boolean" => quote!(bool),
        "long" | "integer" | "int" | "short" => quote!(i64),
        "float" | "double" => quote!(f64),
        "string" | "uuid" | "date" | "tzdate" => quote!(String),
        _ => quote!(rt::Value),
    }
}

fn attribute_accessors(p: &Participant, fields: &[ResponseField]) -> Vec<TokenStream> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let extra = extra_attributes(p)
        .iter()
        .map(|(name, ident)| (name.to_string(), ident.to_string(), quote!(String)));
    let own = fields
        .iter()
        .map(|f| (f.name.clone(), field_ident(&f.name), attribute_type(&f.kind)));
    for (name, ident, ty) in own.chain(extra) {
        let mut ident = format!("attr_{}", ident.trim_end_matches('_'));
        while !seen.insert(ident.clone()) {
            ident.push('_');
        }
        let id = format_ident!("{}", ident);
        let doc = doc_attrs(&format!("`Fn::GetAtt` of attribute `{name}`."));
        let lit = Literal::string(&name);
        out.push(quote! {
            #doc
            pub fn #id(&self) -> rt::typed::Att<#ty> {
                self.0.att(#lit)
            }
        });
    }
    out
}

/// The typed struct of participant `p`, or `None` when its create API is missing.
pub(crate) fn emit_typed_participant(
    spec: &ApiSpec,
    p: &Participant,
    derivation: &Derivation,
    maps: &MapShapes,
) -> Option<TokenStream> {
    let create = spec.api(&p.create)?;
    let ty = format_ident!("{}", p.name);
    let type_name = Literal::string(&p.type_name());
    let idents = param_idents(create);
    let (mut ctor_args, mut ctor_sets, mut setters) = (Vec::new(), Vec::new(), Vec::new());
    let mut ctor_doc = format!(
        "A `{}` named `logical` in the stack (made with `{}`, removed with `{}`), with the create \
         call's required parameters.",
        p.type_name(),
        p.create,
        p.delete
    );
    for (param, ident) in create.params.iter().zip(idents) {
        let ident = if TAKEN.contains(&ident.as_str()) {
            format!("{ident}_")
        } else {
            ident
        };
        let v = format_ident!("{}", ident);
        let shape = (param.kind == ParamType::Map).then(|| maps.shape(&create.name, &param.name).clone());
        let producer = derivation.producer_of(param);
        let (arg, json) = argument(param, producer, shape.as_ref(), &v);
        let wire = Literal::string(&param.name);
        let mut doc = param_doc(param, shape.as_ref());
        if let Some(k) = producer {
            doc.push_str(&format!(
                " A reference takes a `{}` only; an id from outside the stack is a string.",
                k.name
            ));
        }
        if param.required {
            ctor_doc.push_str(&format!("\n- `{ident}`: `{}`", param.name));
            ctor_args.push(quote!(#v: #arg));
            ctor_sets.push(quote!(r.set(#wire, #json);));
        } else {
            let doc = doc_attrs(&doc);
            setters.push(quote! {
                #doc
                pub fn #v(mut self, #v: #arg) -> Self {
                    self.0.set(#wire, #json);
                    self
                }
            });
        }
    }
    let accessors = attribute_accessors(p, &create.response);
    let doc = doc_attrs(&format!(
        "`{}` in a typed stack: required create parameters in [`{}::new`], optional ones as \
         setters, attributes as `attr_*` references, its id as `reference()` (from `rt::typed::Typed`).",
        p.type_name(),
        p.name
    ));
    let ctor_doc = doc_attrs(&ctor_doc);
    let r_mut = if ctor_sets.is_empty() { quote!() } else { quote!(mut) };
    Some(quote! {
        #doc
        #[derive(Debug, Clone)]
        #[must_use]
        pub struct #ty(rt::typed::Resource);

        impl #ty {
            /// The type name in templates.
            pub const TYPE: &'static str = #type_name;

            #ctor_doc
            #[allow(clippy::too_many_arguments)]
            pub fn new(logical: impl Into<String>, #(#ctor_args),*) -> Self {
                let #r_mut r = rt::typed::Resource::new(Self::TYPE, logical);
                #(#ctor_sets)*
                Self(r)
            }
            #(#setters)*
            #(#accessors)*
        }

        impl rt::typed::Typed for #ty {
            fn resource(&self) -> &rt::typed::Resource {
                &self.0
            }
            fn resource_mut(&mut self) -> &mut rt::typed::Resource {
                &mut self.0
            }
        }

        impl From<#ty> for rt::typed::Resource {
            fn from(t: #ty) -> Self {
                t.0
            }
        }
    })
}
