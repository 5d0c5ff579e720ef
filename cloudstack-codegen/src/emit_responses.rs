//! Emits the response types of one CloudStack version (structs with their fields, shared where the
//! type plan found one shape) and the attribute descriptions participants expose.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::api_meta::is_list;
use crate::emit::{doc_attrs_of, doc_escape, struct_name};
use crate::naming::pascal;
use crate::shapes::{FieldType, TypePlan};
use crate::spec::{ApiSpec, ResponseField};

pub(crate) fn emit_types(spec: &ApiSpec, plan: &TypePlan) -> TokenStream {
    let mut items = Vec::new();
    for s in &plan.structs {
        let ident = format_ident!("{}", s.name);
        let mut doc = String::new();
        if !s.apis.is_empty() {
            let list: Vec<String> = s.apis.iter().take(12).map(|a| format!("`{a}`")).collect();
            let more = s.apis.len().saturating_sub(12);
            doc.push_str(&format!(
                "Returned by {}{}.",
                list.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        if !s.nested_in.is_empty() {
            let mut places: Vec<&String> = s.nested_in.iter().collect();
            places.dedup();
            let list: Vec<String> = places.iter().take(8).map(|a| format!("`{a}`")).collect();
            if !doc.is_empty() {
                doc.push_str("\n\n");
            }
            doc.push_str(&format!("Nested in {}.", list.join(", ")));
        }
        if doc.is_empty() {
            doc.push_str("A response object.");
        }
        let fields = s.fields.iter().map(|f| {
            let id = format_ident!("{}", f.ident);
            let ty = rust_field_type(&f.ty, plan);
            let d = if f.description.is_empty() {
                format!("`{}` ({})", f.name, f.kind)
            } else {
                format!("{} (`{}`, {})", doc_escape(&f.description), f.name, f.kind)
            };
            let d_attrs = doc_attrs_of(&d);
            quote! { #d_attrs pub #id: #ty }
        });
        let takes = s.fields.iter().map(|f| {
            let id = format_ident!("{}", f.ident);
            let key = Literal::string(&f.name);
            let take = match &f.ty {
                FieldType::Text => quote!(rt::decode::take_string(&mut o, #key)),
                FieldType::Bool => quote!(rt::decode::take_bool(&mut o, #key)),
                FieldType::Int => quote!(rt::decode::take_i64(&mut o, #key)),
                FieldType::Float => quote!(rt::decode::take_f64(&mut o, #key)),
                FieldType::Texts => quote!(rt::decode::take_strings(&mut o, #key)),
                FieldType::Ints => quote!(rt::decode::take_i64s(&mut o, #key)),
                FieldType::Floats => quote!(rt::decode::take_f64s(&mut o, #key)),
                FieldType::Json => quote!(rt::decode::take_value(&mut o, #key)),
                FieldType::Nested(_) => quote!(rt::decode::take_objects(&mut o, #key)),
            };
            quote!(#id: #take)
        });
        let names = s.fields.iter().map(|f| Literal::string(&f.name));
        let o_mut = if s.fields.is_empty() { quote!() } else { quote!(mut) };
        let doc_attrs = doc_attrs_of(&doc);
        items.push(quote! {
            #doc_attrs
            #[derive(Debug, Clone)]
            #[non_exhaustive]
            pub struct #ident {
                #(#fields,)*
                /// Attributes the API description does not list, and values that did not fit their declared type.
                pub extra: rt::Object,
            }

            impl rt::FromObject for #ident {
                const FIELDS: &'static [&'static str] = &[#(#names),*];
                fn from_object(#o_mut o: rt::Object) -> Self {
                    Self { #(#takes,)* extra: o }
                }
            }
        });
    }
    let struct_names: std::collections::BTreeSet<&str> = plan.structs.iter().map(|s| s.name.as_str()).collect();
    for api in &spec.apis {
        let alias = format!("{}Response", pascal(&api.name));
        let target = struct_name(api, plan);
        if struct_names.contains(alias.as_str()) {
            continue;
        }
        let alias_ident = format_ident!("{}", alias);
        let target_ident = format_ident!("{}", target);
        let doc = format!("What `{}` returns.", api.name);
        let ty = if is_list(api) {
            quote!(rt::List<#target_ident>)
        } else {
            quote!(#target_ident)
        };
        let doc_attrs = doc_attrs_of(&doc);
        items.push(quote! {
            #doc_attrs
            pub type #alias_ident = #ty;
        });
    }
    quote!(#(#items)*)
}

fn rust_field_type(ty: &FieldType, plan: &TypePlan) -> TokenStream {
    match ty {
        FieldType::Text => quote!(Option<String>),
        FieldType::Bool => quote!(Option<bool>),
        FieldType::Int => quote!(Option<i64>),
        FieldType::Float => quote!(Option<f64>),
        FieldType::Texts => quote!(Option<Vec<String>>),
        FieldType::Ints => quote!(Option<Vec<i64>>),
        FieldType::Floats => quote!(Option<Vec<f64>>),
        FieldType::Json => quote!(Option<rt::Value>),
        FieldType::Nested(i) => {
            let id = format_ident!("{}", plan.structs[*i].name);
            quote!(Vec<#id>)
        }
    }
}

pub(crate) fn emit_attributes(fields: &[ResponseField]) -> TokenStream {
    let items = fields.iter().map(|f| {
        let name = Literal::string(&f.name);
        let kind = Literal::string(&f.kind);
        let children = emit_attributes(&f.children);
        quote!(rt::AttributeMeta::new(#name, #kind, #children))
    });
    quote!(&[#(#items),*])
}
