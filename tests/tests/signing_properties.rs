//! The canonical string equals an independent implementation of the server's Java rules for random
//! names and values.

use cloudstack_client::signing::{canonical_string, signature};
use integration_tests::java_rules::java_canonical;
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    // Parameter names as clients send them: letters of both cases, digits, map syntax.
    "[a-zA-Z][a-zA-Z0-9]{0,12}(\\[[0-9]{1,2}\\]\\.[a-zA-Z]{1,8})?"
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ ~*+/=&\\[\\]a-zA-Z0-9._-]{0,30}",
        "[\\u{80}-\\u{10FFFF} ~*+/=&]{0,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn canonical_string_matches_java_rules(params in proptest::collection::vec((name(), value()), 0..12)) {
        prop_assert_eq!(canonical_string(&params), java_canonical(&params));
    }
}

#[test]
fn specials_are_encoded_like_java() {
    let params = vec![("q".to_string(), "a b~*+/=&[]é".to_string())];
    assert_eq!(canonical_string(&params), "q=a%20b%7e*%2b%2f%3d%26%5b%5d%c3%a9");
    assert_eq!(canonical_string(&params), java_canonical(&params));
    // The documented vector, through the public API.
    let v = vec![
        (
            "apikey".to_string(),
            "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg".to_string(),
        ),
        ("command".to_string(), "listUsers".to_string()),
        ("response".to_string(), "json".to_string()),
    ];
    assert_eq!(
        signature(
            &v,
            "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ"
        ),
        "TTpdDq/7j/J58XCRHomKoQXEQds="
    );
}
