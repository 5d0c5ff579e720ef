//! Wire parameters produced by generated request types: every type, every map shape, limits.

use cloudstack_client::{BuildError, Date, HttpMethod, Request};
use cloudstack_golden::quirks::{CreateWidget, GetWidgetUsage, ListWidgets, Login};

const ZONE: &str = "3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c";

fn wire(req: &impl Request) -> Vec<(String, String)> {
    req.wire_params().expect("valid request")
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn required_parameters_only() {
    let req = CreateWidget::new("web", ZONE);
    assert_eq!(wire(&req), pairs(&[("name", "web"), ("zoneid", ZONE)]));
    assert_eq!(req.meta().name, "createWidget");
    assert!(req.meta().is_async);
    assert_eq!(req.meta().method, HttpMethod::Post);
}

#[test]
fn scalars_booleans_and_numbers() {
    let req = CreateWidget::new("web", ZONE)
        .enabled(false)
        .count(-3)
        .level(7)
        .size(9_000_000_000)
        .ratio(0.5)
        .weight(1.25)
        .type_("big")
        .domain_id("42");
    let w = wire(&req);
    for (k, v) in [
        ("enabled", "false"),
        ("count", "-3"),
        ("level", "7"),
        ("size", "9000000000"),
        ("ratio", "0.5"),
        ("weight", "1.25"),
        ("type", "big"),
        ("domainId", "42"),
    ] {
        assert!(
            w.contains(&(k.to_string(), v.to_string())),
            "{k}={v} missing from {w:?}"
        );
    }
    // Wire order is parameter-name order, whatever order the setters ran in.
    let names: Vec<&str> = w.iter().map(|(k, _)| k.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);
}

#[test]
fn lists_are_comma_joined_and_checked() {
    let w = wire(&CreateWidget::new("web", ZONE).ids(["a", "b", "c"]));
    assert!(w.contains(&("ids".to_string(), "a,b,c".to_string())));
    let err = CreateWidget::new("web", ZONE).ids(["a,b"]).wire_params().unwrap_err();
    assert!(matches!(err, BuildError::InvalidValue { param: "ids", .. }), "{err}");
    let err = CreateWidget::new("web", ZONE).ids([""]).wire_params().unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn map_pairs_key_value() {
    let w = wire(&CreateWidget::new("web", ZONE).tags([("env", "prod"), ("team", "a b")]));
    for (k, v) in [
        ("tags[0].key", "env"),
        ("tags[0].value", "prod"),
        ("tags[1].key", "team"),
        ("tags[1].value", "a b"),
    ] {
        assert!(w.contains(&(k.to_string(), v.to_string())), "{k} missing from {w:?}");
    }
}

#[test]
fn map_pairs_with_curated_field_names() {
    let w = wire(&CreateWidget::new("web", ZONE).serviceproviderlist([("Dhcp", "VirtualRouter")]));
    assert!(w.contains(&("serviceproviderlist[0].service".to_string(), "Dhcp".to_string())));
    assert!(w.contains(&(
        "serviceproviderlist[0].provider".to_string(),
        "VirtualRouter".to_string()
    )));
}

#[test]
fn map_flat_details_share_entry_zero() {
    let w = wire(&CreateWidget::new("web", ZONE).details([("cpuNumber", "2"), ("memory", "512")]));
    assert!(w.contains(&("details[0].cpuNumber".to_string(), "2".to_string())));
    assert!(w.contains(&("details[0].memory".to_string(), "512".to_string())));
    let err = CreateWidget::new("web", ZONE)
        .details([("a.b", "1")])
        .wire_params()
        .unwrap_err();
    assert!(err.to_string().contains("map field name"), "{err}");
}

#[test]
fn map_entries_keep_their_fields() {
    let req = CreateWidget::new("web", ZONE).iptonetworklist([
        vec![("ip", "10.0.0.5"), ("networkid", "n1")],
        vec![("ip", "10.0.1.5"), ("networkid", "n2")],
    ]);
    let w = wire(&req);
    for (k, v) in [
        ("iptonetworklist[0].ip", "10.0.0.5"),
        ("iptonetworklist[0].networkid", "n1"),
        ("iptonetworklist[1].ip", "10.0.1.5"),
        ("iptonetworklist[1].networkid", "n2"),
    ] {
        assert!(w.contains(&(k.to_string(), v.to_string())), "{k} missing from {w:?}");
    }
}

#[test]
fn dates_and_timestamps() {
    let day = Date::ymd(2024, 2, 29).expect("leap day");
    let instant = Date::ymd_hms(2030, 1, 2, 3, 4, 5).expect("valid");
    let w = wire(&CreateWidget::new("web", ZONE).startdate(day).expires(instant));
    assert!(w.contains(&("startdate".to_string(), "2024-02-29".to_string())));
    assert!(w.contains(&("expires".to_string(), "2030-01-02T03:04:05Z".to_string())));
    assert!(Date::ymd(2023, 2, 29).is_none());
    assert!(Date::ymd_hms(2023, 1, 1, 24, 0, 0).is_none());
    assert_eq!(
        Date::parse("2024-05-01 12:00:00"),
        Ok(Date::ymd_hms(2024, 5, 1, 12, 0, 0).expect("valid"))
    );
    assert!(Date::parse("01/05/2024").is_err());
}

#[test]
fn string_length_limits_count_utf16_units() {
    let ok = "x".repeat(64);
    assert!(CreateWidget::new(ok, ZONE).wire_params().is_ok());
    let err = CreateWidget::new("x".repeat(65), ZONE).wire_params().unwrap_err();
    assert_eq!(
        err,
        BuildError::TooLong {
            api: "createWidget",
            param: "name",
            length: 65,
            limit: 64
        }
    );
    // 32 emoji are 64 UTF-16 units (what Java's String.length counts): allowed; 33 are not.
    assert!(CreateWidget::new("😀".repeat(32), ZONE).wire_params().is_ok());
    assert!(CreateWidget::new("😀".repeat(33), ZONE).wire_params().is_err());
    // A string parameter without a length in the dump gets the server's default of 255.
    let meta = cloudstack_golden::quirks::api("updateWidget").expect("exists");
    assert_eq!(meta.param("displaytext").and_then(|p| p.length), Some(255));
}

#[test]
fn ids_are_checked_before_sending() {
    let err = CreateWidget::new("web", "not an id").wire_params().unwrap_err();
    assert!(matches!(err, BuildError::InvalidValue { param: "zoneid", .. }), "{err}");
    assert!(
        CreateWidget::new("web", "17").wire_params().is_ok(),
        "numeric internal ids are accepted"
    );
    assert!(CreateWidget::new("web", "-1").wire_params().is_ok());
}

#[test]
fn read_apis_use_get_and_secrets_force_post() {
    assert_eq!(ListWidgets::new().meta().method, HttpMethod::Get);
    assert_eq!(GetWidgetUsage::new(ZONE).meta().method, HttpMethod::Get);
    assert_eq!(Login::new("pw", "admin").meta().method, HttpMethod::Post);
}

#[test]
fn duplicate_parameters_are_merged_required_wins() {
    let meta = cloudstack_golden::quirks::api("getWidgetUsage").expect("exists");
    let names: Vec<&str> = meta.params.iter().map(|p| p.name).collect();
    assert_eq!(names, ["name", "zoneid"]);
    assert!(meta.param("zoneid").expect("zoneid").required);
}

#[test]
fn debug_output_hides_secrets() {
    let req = CreateWidget::new("web", ZONE).password("hunter2-secret");
    let shown = format!("{req:?}");
    assert!(shown.contains("createWidget") && shown.contains("web"), "{shown}");
    assert!(!shown.contains("hunter2-secret"), "{shown}");
    assert!(shown.contains("***"), "{shown}");
    let login = format!("{:?}", Login::new("s3cr3t-pass", "admin"));
    assert!(!login.contains("s3cr3t-pass"), "{login}");
}
