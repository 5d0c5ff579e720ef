//! The public-API check of `cargo xtask test`: no public function of a library crate returns
//! `Result<_, String>`. A caller matches errors by kind, so every library error is a type; text
//! is for people. Each crate's sources are read with `syn` (not as text): free functions, inherent
//! and trait-impl methods marked `pub`, and the methods of `pub` traits, outside `#[cfg(test)]`.

use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The library crates whose public API is checked.
pub const LIBRARY_CRATES: &[&str] = &[
    "cloudstack-codegen",
    "stack-template",
    "stack-core",
    "stack-store-sqlite",
    "stack-store-postgres",
    "stack-signals-http",
    "cloudstack-client",
    "cloudstack-api",
    "stacktician-rest",
];

/// Every public function of the library crates that returns `Result<_, String>`, as
/// `path:line: name`.
pub fn string_errors(root: &Path) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for krate in LIBRARY_CRATES {
        for file in rust_files(&root.join(krate).join("src"))? {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let parsed = syn::parse_file(&text).map_err(|e| format!("cannot parse {}: {e}", file.display()))?;
            let mut v = Finder {
                file: file.strip_prefix(root).unwrap_or(&file).display().to_string(),
                text: &text,
                found: &mut found,
            };
            v.visit_file(&parsed);
        }
    }
    Ok(found)
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

struct Finder<'a> {
    file: String,
    text: &'a str,
    found: &'a mut Vec<String>,
}

impl Finder<'_> {
    fn check(&mut self, name: &syn::Ident, output: &syn::ReturnType) {
        if let syn::ReturnType::Type(_, ty) = output {
            if is_string_result(ty) {
                let line = self.line_of(name);
                self.found.push(format!("{}:{line}: {name}", self.file));
            }
        }
    }

    /// The line of `name` in the file (the first `fn name` at or after its position is enough here).
    fn line_of(&self, name: &syn::Ident) -> usize {
        let needle = format!("fn {name}");
        self.text
            .find(&needle)
            .map_or(0, |at| self.text[..at].matches('\n').count() + 1)
    }
}

/// Whether `attrs` hold `#[cfg(test)]`.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"))
}

/// `Result<_, String>` (any path ending in `Result`, with `String` as its second argument).
fn is_string_result(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    if last.ident != "Result" {
        return false;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let (_, Some(syn::Type::Path(err))) = (types.next(), types.next()) else {
        return false;
    };
    err.path.segments.last().is_some_and(|s| s.ident == "String")
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if matches!(f.vis, syn::Visibility::Public(_)) && !is_test(&f.attrs) {
            self.check(&f.sig.ident, &f.sig.output);
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if is_test(&i.attrs) {
            return;
        }
        let trait_impl = i.trait_.is_some();
        for item in &i.items {
            if let syn::ImplItem::Fn(f) = item {
                if trait_impl || matches!(f.vis, syn::Visibility::Public(_)) {
                    self.check(&f.sig.ident, &f.sig.output);
                }
            }
        }
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        if matches!(t.vis, syn::Visibility::Public(_)) && !is_test(&t.attrs) {
            for item in &t.items {
                if let syn::TraitItem::Fn(f) = item {
                    self.check(&f.sig.ident, &f.sig.output);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(src: &str) -> Vec<String> {
        let mut found = Vec::new();
        let parsed = syn::parse_file(src).expect("parses");
        Finder {
            file: "f.rs".into(),
            text: src,
            found: &mut found,
        }
        .visit_file(&parsed);
        found
    }

    #[test]
    fn public_string_results_are_found_and_private_ones_are_not() {
        let src = "pub fn a() -> Result<(), String> { todo!() }\n\
                   fn b() -> Result<(), String> { todo!() }\n\
                   pub fn c() -> std::result::Result<u8, std::string::String> { todo!() }\n\
                   pub fn d() -> Result<(), E> { todo!() }\n\
                   pub(crate) fn e() -> Result<(), String> { todo!() }\n\
                   pub struct S;\nimpl S { pub fn f(&self) -> Result<(), String> { todo!() } fn g() -> Result<(), String> { todo!() } }\n\
                   pub trait T { fn h(&self) -> Result<(), String>; }\n\
                   #[cfg(test)] mod tests { pub fn i() -> Result<(), String> { todo!() } }\n";
        assert_eq!(found(src), ["f.rs:1: a", "f.rs:3: c", "f.rs:7: f", "f.rs:8: h"]);
    }
}
