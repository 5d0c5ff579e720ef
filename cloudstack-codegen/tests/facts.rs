//! Facts specs: canonical, free of prose, equal to their dump minus descriptions, and a facts-only build
//! generates the same items as a build with the full dump (only doc comments differ).

mod common;

use cloudstack_codegen::facts;
use cloudstack_codegen::spec::{load_slice, ApiSpec, ResponseField};
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

/// The generated tokens with every `#[doc = ...]` attribute removed, one item per line.
fn items_of(spec: &ApiSpec, version: &str) -> String {
    fn strip(tokens: TokenStream) -> TokenStream {
        let mut out = Vec::new();
        let mut iter = tokens.into_iter().peekable();
        while let Some(t) = iter.next() {
            if let TokenTree::Punct(p) = &t {
                if p.as_char() == '#' {
                    if let Some(TokenTree::Group(g)) = iter.peek() {
                        let is_doc = g.delimiter() == Delimiter::Bracket
                            && matches!(g.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc");
                        if is_doc {
                            iter.next();
                            continue;
                        }
                    }
                }
            }
            out.push(match t {
                TokenTree::Group(g) => TokenTree::Group(Group::new(g.delimiter(), strip(g.stream()))),
                other => other,
            });
        }
        out.into_iter().collect()
    }
    let generated = cloudstack_codegen::generate(spec, version).expect("generates");
    strip(generated.tokens).to_string().replace(" pub ", "\npub ")
}

fn without_descriptions(mut spec: ApiSpec) -> ApiSpec {
    fn clear(fields: &mut [ResponseField]) {
        for f in fields {
            f.description.clear();
            clear(&mut f.children);
        }
    }
    for api in &mut spec.apis {
        api.description.clear();
        for p in &mut api.params {
            p.description.clear();
        }
        clear(&mut api.response);
    }
    spec.header = None;
    spec.source.clear();
    spec.warnings.clear();
    spec
}

fn has_description(spec: &ApiSpec) -> bool {
    fn any(fields: &[ResponseField]) -> bool {
        fields.iter().any(|f| !f.description.is_empty() || any(&f.children))
    }
    spec.apis
        .iter()
        .any(|a| !a.description.is_empty() || a.params.iter().any(|p| !p.description.is_empty()) || any(&a.response))
}

#[test]
fn committed_facts_are_canonical_and_free_of_prose() {
    for entry in common::manifest().specs {
        let text = common::facts_text(&entry.version);
        let spec = common::facts(&entry.version);
        let header = spec.header.clone().expect("a facts header");
        assert_eq!(header.version, entry.version);
        assert_eq!(header.dump_sha256, entry.dump_sha256);
        assert_eq!(
            facts::render(&spec, &header).text,
            text,
            "{} is not canonical",
            entry.facts
        );
        assert!(!has_description(&spec), "{} carries descriptions", entry.facts);
        assert!(
            !text.contains("\"description\":"),
            "{} has a description key",
            entry.facts
        );
        assert!(text.len() < 1_500_000, "{}: {} bytes", entry.facts, text.len());
    }
}

#[test]
fn facts_equal_the_dump_without_descriptions() {
    for entry in common::manifest().specs {
        let Some(found) = common::full_dump(&entry.version) else {
            continue;
        };
        let full = load_slice(&found.bytes, &entry.dump).expect("dump loads");
        assert!(has_description(&full));
        // What `cargo xtask spec-import` would write today is what is committed.
        let fresh = facts::render(&full, &facts::header_for(&entry.version, &entry.dump_sha256));
        assert_eq!(
            fresh.text,
            common::facts_text(&entry.version),
            "re-import {}",
            entry.version
        );
        assert_eq!(
            without_descriptions(full),
            without_descriptions(common::facts(&entry.version))
        );
    }
}

#[test]
fn facts_and_full_builds_generate_the_same_items() {
    // Always: the fixture dump (with descriptions) against its own facts.
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cloudstack-golden/fixtures/quirks.json"
    ))
    .expect("fixture");
    let full = load_slice(&fixture, "quirks.json").expect("fixture loads");
    let rendered = facts::render(&full, &facts::header_for("quirks", ""));
    let facts_only = load_slice(rendered.text.as_bytes(), "quirks.facts.json").expect("facts load");
    assert!(has_description(&full) && !has_description(&facts_only));
    assert_eq!(items_of(&full, "quirks"), items_of(&facts_only, "quirks"));
    let mut merged = facts_only.clone();
    merged.merge_descriptions(&full);
    assert_eq!(without_descriptions(merged.clone()), without_descriptions(full.clone()));
    assert!(has_description(&merged));

    // The real releases, where their dumps are on this machine (CI has them).
    for entry in common::manifest().specs {
        let Some(found) = common::full_dump(&entry.version) else {
            continue;
        };
        let full = load_slice(&found.bytes, &entry.dump).expect("dump loads");
        let facts_only = common::facts(&entry.version);
        let mut documented = facts_only.clone();
        documented.merge_descriptions(&full);
        let a = items_of(&facts_only, &entry.version);
        let b = items_of(&documented, &entry.version);
        if a != b {
            let at = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
            panic!(
                "{}: facts-only and documented builds differ at line {at}:\n  {:?}\n  {:?}",
                entry.version,
                a.lines().nth(at),
                b.lines().nth(at)
            );
        }
    }
}
