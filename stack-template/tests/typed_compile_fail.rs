//! What the compiler refuses in a typed stack: a missing required property, an attribute the type
//! does not have, a reference of the wrong kind where the dump says which kind makes the value,
//! and a value of the wrong Rust type. Each case's expected error is in `compile_fail/*.stderr`
//! (`TRYBUILD=overwrite cargo test -p stack-template --test typed_compile_fail` writes them again
//! after a toolchain upgrade changes the wording).

#[test]
fn typed_stacks_refuse_at_compile_time() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/compile_fail/*.rs");
}
