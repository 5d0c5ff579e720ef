//! The spec loader accepts every shape real dumps come in and rejects malformation with a pointer.

mod common;

use cloudstack_codegen::spec::{load_slice, ParamType, SpecError};

fn load(text: &str) -> Result<cloudstack_codegen::spec::ApiSpec, SpecError> {
    load_slice(text.as_bytes(), "test.json")
}

fn malformed(text: &str) -> (String, String) {
    match load(text) {
        Err(SpecError::Malformed {
            pointer,
            message,
            source_name,
        }) => {
            assert_eq!(source_name, "test.json");
            (pointer, message)
        }
        other => panic!("expected a malformation error, got {other:?}"),
    }
}

#[test]
fn bare_and_wrapped_dumps_are_equal() {
    let api = r#"{"name":"listZones","isasync":false,"params":[],"response":[{"name":"id","type":"string"}]}"#;
    let bare = load(&format!(r#"{{"count":1,"api":[{api}]}}"#)).expect("bare");
    let wrapped = load(&format!(r#"{{"listapisresponse":{{"count":1,"api":[{api}]}}}}"#)).expect("wrapped");
    assert_eq!(bare.apis, wrapped.apis);
    assert_eq!(bare.apis[0].name, "listZones");
}

#[test]
fn empty_response_entries_are_skipped_at_any_depth() {
    let spec = load(
        r#"{"api":[{"name":"a","isasync":false,"params":[],"response":[{},{"name":"x","type":"set",
        "response":[{},{"name":"y","type":"list","response":[{},{"name":"z","type":"set","response":[{},{"name":"w","type":"string"}]}]}]}]}]}"#,
    )
    .expect("loads");
    let x = &spec.apis[0].response[0];
    assert_eq!(spec.apis[0].response.len(), 1);
    let z = &x.children[0].children[0];
    assert_eq!((x.name.as_str(), z.name.as_str()), ("x", "z"));
    assert_eq!(z.children[0].name, "w");
}

#[test]
fn optional_keys_may_be_missing() {
    let spec = load(r#"{"api":[{"name":"a","params":[{"name":"p","type":"string"}]}]}"#).expect("loads");
    let a = &spec.apis[0];
    assert!(!a.is_async && a.since.is_none() && a.related.is_empty() && a.response.is_empty());
    let p = &a.params[0];
    assert_eq!(
        (p.kind.clone(), p.required, p.length, p.since.clone()),
        (ParamType::String, false, None, None)
    );
}

#[test]
fn agreeing_duplicate_parameters_are_merged_with_a_warning() {
    let spec = load(
        r#"{"api":[{"name":"a","params":[
            {"name":"z","type":"uuid","required":true,"length":255},
            {"name":"z","type":"uuid","required":true,"length":4096,"description":"second"},
            {"name":"b","type":"string"}]}]}"#,
    )
    .expect("loads");
    let params = &spec.apis[0].params;
    assert_eq!(params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["b", "z"]);
    assert!(params[1].required);
    assert_eq!(params[1].length, Some(4096));
    assert_eq!(params[1].description, "second");
    assert_eq!(spec.warnings.len(), 1);
    assert_eq!(spec.warnings[0].pointer, "/api/0/params/1");
    assert!(
        spec.warnings[0].message.contains("first at /api/0/params/0"),
        "{:?}",
        spec.warnings
    );
}

#[test]
fn what_a_dump_must_not_do() {
    let cases: &[(&str, &str, &str)] = &[
        (r#"{"api":[]}"#, "/api", "the dump lists no APIs; save listApis as an admin account, which sees every API"),
        (r#"{"listapisresponse":{"count":0,"api":[]}}"#, "/listapisresponse/api", "the dump lists no APIs; save listApis as an admin account, which sees every API"),
        (r#"{"api":[{"name":"a","params":[{"name":"p"}]}]}"#, "/api/0/params/0/type", "parameter \"p\" has no `type`; every parameter of a listApis dump has one (uuid, string, ...)"),
        (r#"{"api":[{"name":"a"},{"name":"a"}]}"#, "/api/1/name", "API \"a\" is listed twice (first at /api/0)"),
        (r#"{"api":[{"name":"listZones"},{"name":"listzones"}]}"#, "/api/1/name", "API \"listzones\" differs only in case from \"listZones\" (at /api/0); the server dispatches commands ignoring case, so one would shadow the other"),
        (r#"{"api":[{"name":"a","params":[{"name":"z","type":"uuid"},{"name":"z","type":"long"}]}]}"#, "/api/0/params/1", "parameter \"z\" is listed again with type long and required false (first at /api/0/params/0: type uuid, required false); fix the dump"),
        (r#"{"api":[{"name":"a","params":[{"name":"z","type":"uuid","required":true},{"name":"z","type":"uuid"}]}]}"#, "/api/0/params/1", "parameter \"z\" is listed again with type uuid and required false (first at /api/0/params/0: type uuid, required true); fix the dump"),
        (r#"{"api":[{"name":"a","params":[{"name":"x y","type":"string"}]}]}"#, "/api/0/params/0/name", "parameter name \"x y\" has characters a request cannot carry (only letters, digits, '_', '-' and '.')"),
    ];
    for (text, pointer, message) in cases {
        assert_eq!(malformed(text), (pointer.to_string(), message.to_string()), "{text}");
    }
}

#[test]
fn parameter_names_that_are_not_rust_identifiers_keep_their_wire_name() {
    let spec = load(
        r#"{"api":[{"name":"createThing","isasync":false,"params":[
            {"name":"user-data","type":"string","required":true},{"name":"2fa.code","type":"string"},
            {"name":"type","type":"string"}],"response":[{"name":"id","type":"string"}]}]}"#,
    )
    .expect("loads");
    let names: Vec<&str> = spec.apis[0].params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["2fa.code", "type", "user-data"]);
    let out = cloudstack_codegen::generate(&spec, "t").expect("generates");
    let src = cloudstack_codegen::format_source(&out.tokens).expect("parses as Rust");
    assert!(src.contains("pub fn new(user_data: impl Into<String>)"), "{src}");
    assert!(
        src.contains("pub fn n2fa_code(") && src.contains("pub fn type_("),
        "{src}"
    );
    assert!(src.contains("\"user-data\"") && src.contains("\"2fa.code\""), "{src}");
}

#[test]
fn string_flags_related_lists_and_type_names_are_normalised() {
    let spec = load(
        r#"{"api":[{"name":"a","isasync":"true","related":"x,y,x, ","params":[
            {"name":"p","type":"UUID","required":"TRUE","length":"64"},{"name":"q","type":"tzdate"},{"name":"r","type":"weird"}]}]}"#,
    )
    .expect("loads");
    let a = &spec.apis[0];
    assert!(a.is_async);
    assert_eq!(a.related, ["x", "y"]);
    assert_eq!(
        (a.params[0].kind.clone(), a.params[0].required, a.params[0].length),
        (ParamType::Uuid, true, Some(64))
    );
    assert_eq!(a.params[1].kind, ParamType::TzDate);
    assert_eq!(a.params[2].kind, ParamType::Other("weird".into()));
}

#[test]
fn apis_are_sorted_and_findable() {
    let spec = load(r#"{"api":[{"name":"listZones"},{"name":"deployVirtualMachine"}]}"#).expect("loads");
    assert_eq!(spec.apis[0].name, "deployVirtualMachine");
    assert!(spec.api("listZones").is_some() && spec.api("nope").is_none());
}

#[test]
fn not_json_names_line_and_column() {
    match load("{\n  \"api\": [\n    {\"name\": }\n") {
        Err(SpecError::Json {
            source_name,
            line,
            column,
            ..
        }) => {
            assert_eq!(source_name, "test.json");
            assert_eq!((line, column), (3, 14));
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let err = load("").unwrap_err().to_string();
    assert!(err.contains("test.json") && err.contains("not valid JSON"), "{err}");
}

#[test]
fn malformation_names_the_pointer() {
    assert_eq!(malformed("[1,2]").0, "");
    let (p, m) = malformed(r#"{"count":0}"#);
    assert_eq!(p, "");
    assert!(m.contains("no `api` array"), "{m}");
    assert_eq!(malformed(r#"{"listapisresponse":{"count":0}}"#).0, "/listapisresponse");
    assert_eq!(malformed(r#"{"listapisresponse":[]}"#).0, "/listapisresponse");
    assert_eq!(malformed(r#"{"api":{}}"#).0, "/api");
    assert_eq!(malformed(r#"{"api":[{"name":"a"},3]}"#).0, "/api/1");
    let (p, m) = malformed(r#"{"api":[{"name":"a"},{"description":"no name"}]}"#);
    assert_eq!(p, "/api/1/name");
    assert!(m.contains("without a name"), "{m}");
    assert_eq!(malformed(r#"{"api":[{"name":""}]}"#).0, "/api/0/name");
    assert_eq!(malformed(r#"{"api":[{"name":7}]}"#).0, "/api/0/name");
    assert_eq!(malformed(r#"{"api":[{"name":"a b"}]}"#).0, "/api/0/name");
    assert_eq!(
        malformed(r#"{"api":[{"name":"a","params":[{"type":"uuid"}]}]}"#).0,
        "/api/0/params/0/name"
    );
    assert_eq!(malformed(r#"{"api":[{"name":"a","params":{}}]}"#).0, "/api/0/params");
    assert_eq!(
        malformed(r#"{"api":[{"name":"a","params":[{"name":"p","type":5}]}]}"#).0,
        "/api/0/params/0/type"
    );
    assert_eq!(
        malformed(r#"{"api":[{"name":"a","isasync":"maybe"}]}"#).0,
        "/api/0/isasync"
    );
    assert_eq!(
        malformed(r#"{"api":[{"name":"a","response":{}}]}"#).0,
        "/api/0/response"
    );
    assert_eq!(
        malformed(r#"{"api":[{"name":"a","response":[{"name":"x","response":[1]}]}]}"#).0,
        "/api/0/response/0/response/0"
    );
    let err = load(r#"{"api":[{"name":"a","params":[{"type":"uuid"}]}]}"#)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("test.json: /api/0/params/0/name: "), "{err}");
}

#[test]
fn nesting_past_the_parser_limit_is_an_error_with_a_pointer() {
    let text = format!(
        r#"{{"api":[{{"name":"a","response":{}1{}}}]}}"#,
        "[".repeat(500),
        "]".repeat(500)
    );
    let (p, m) = malformed(&text);
    assert_eq!(p, format!("/api/0/response{}", "/0".repeat(61)));
    assert_eq!(
        m,
        "nested deeper than 64 levels of objects and arrays (at line 1); no listApis dump does that"
    );
}

#[test]
fn very_deep_nesting_is_an_error_not_a_crash() {
    let mut nested = String::from(r#"{"name":"leaf","type":"string"}"#);
    for _ in 0..40 {
        nested = format!(r#"{{"name":"n","type":"set","response":[{nested}]}}"#);
    }
    let text = format!(r#"{{"api":[{{"name":"a","response":[{nested}]}}]}}"#);
    let (_, m) = malformed(&text);
    assert!(m.contains("deeper than"), "{m}");
}

/// A tiny deterministic generator (xorshift) so the mutation test needs no extra dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).expect("fits")
    }
}

#[test]
fn never_panics_on_mutated_input() {
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cloudstack-golden/fixtures/quirks.json"
    ))
    .expect("fixture");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"{}[]\":,01truefalsnameparamsresponsetypeisasync \n\\";
    let mut ok = 0;
    for _ in 0..3000 {
        let mut bytes = fixture.clone();
        for _ in 0..=rng.below(6) {
            match rng.below(4) {
                0 => {
                    let i = rng.below(bytes.len());
                    bytes[i] = alphabet[rng.below(alphabet.len())];
                }
                1 => {
                    let i = rng.below(bytes.len());
                    bytes.remove(i);
                }
                2 => {
                    let i = rng.below(bytes.len());
                    bytes.insert(i, alphabet[rng.below(alphabet.len())]);
                }
                _ => {
                    let i = rng.below(bytes.len());
                    bytes.truncate(i.max(1));
                }
            }
        }
        // Any outcome is fine as long as it is a value, not a panic; errors must name the source.
        match load_slice(&bytes, "mutated.json") {
            Ok(_) => ok += 1,
            Err(e) => assert!(e.to_string().contains("mutated.json"), "{e}"),
        }
    }
    assert!(ok > 0, "some mutations keep the dump valid");
}

#[test]
fn real_releases_load() {
    // The committed facts always; the full dumps too where the build finds them.
    for entry in common::manifest().specs {
        let mut specs = vec![common::facts(&entry.version)];
        if let Some(found) = common::full_dump(&entry.version) {
            specs.push(load_slice(&found.bytes, &entry.dump).expect("real dump loads"));
        }
        for spec in specs {
            assert!(spec.apis.len() > 600, "{}: {} APIs", entry.version, spec.apis.len());
            let deploy = spec.api("deployVirtualMachine").expect("deployVirtualMachine");
            assert!(deploy.is_async);
            let required: Vec<&str> = deploy
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| p.name.as_str())
                .collect();
            assert_eq!(
                required,
                ["serviceofferingid", "templateid", "zoneid"],
                "{}",
                entry.version
            );
        }
    }
}
