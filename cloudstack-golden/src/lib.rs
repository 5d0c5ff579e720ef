//! The generator's output for `fixtures/quirks.json`, a small hand-written dump with every quirk real
//! dumps have, checked in as [`quirks`] and compiled like any other crate.
//!
//! `cloudstack-codegen/tests/golden.rs` regenerates the module and fails when it differs (set `UPDATE_GOLDEN=1` to accept a
//! change after reviewing it); `tests/wire.rs` and `tests/decode.rs` exercise the compiled output;
//! `tests/compile_fail.rs` shows that leaving out a required parameter does not compile.
//!
//! It has no use outside this workspace's tests.

#[allow(
    clippy::all,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]
/// Bindings generated from `fixtures/quirks.json`.
#[rustfmt::skip]
pub mod quirks;
