//! Leaving out a required parameter is a compile error, not a runtime one.

#[test]
fn missing_required_parameter_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
