//! The state store: locks with leases, schema migrations, and NoEcho values kept out of the file.

use std::collections::BTreeMap;
use std::time::Duration;

use stack_core::state::{LockHolder, SqliteStore, StackRecord, StateError, StateStore, StoredOptions, MIGRATIONS};
use stack_core::Status;

fn record(name: &str) -> StackRecord {
    StackRecord {
        name: name.into(),
        stack_id: format!("{name}-1"),
        template: "{}".into(),
        params: BTreeMap::new(),
        no_echo: vec![],
        options: StoredOptions {
            version: "4.17".into(),
            spec_sha256: String::new(),
            zones: vec![],
            unique_names: true,
            disable_rollback: false,
        },
        status: Status::CreateInProgress,
        reason: None,
        created_ms: 1,
        updated_ms: 1,
    }
}

#[test]
fn a_second_holder_is_refused_with_who_and_since_and_a_stale_lock_is_taken_over() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = SqliteStore::open_dir(dir.path()).expect("open");
    let first = LockHolder::this_process();
    let second = LockHolder::this_process();
    store
        .acquire_lock("web", &first, Duration::from_secs(30))
        .expect("first");
    // Another handle on the same file, as another process would have.
    let other = SqliteStore::open_dir(dir.path()).expect("open again");
    let err = other
        .acquire_lock("web", &second, Duration::from_secs(30))
        .expect_err("locked");
    let text = err.to_string();
    assert!(
        matches!(err, StateError::Locked { pid, .. } if pid == std::process::id()),
        "{text}"
    );
    assert!(
        text.contains("stack web is locked by pid") && text.contains(" since 20"),
        "{text}"
    );
    // Other stacks are free.
    other
        .acquire_lock("db", &second, Duration::from_secs(30))
        .expect("other stack");
    // Released: the second takes it.
    store.release_lock("web", &first).expect("release");
    other
        .acquire_lock("web", &second, Duration::from_secs(30))
        .expect("after release");
    // A lock whose lease ran out is taken over.
    let third = LockHolder::this_process();
    other
        .acquire_lock("lease", &second, Duration::from_millis(1))
        .expect("short lease");
    std::thread::sleep(Duration::from_millis(5));
    store
        .acquire_lock("lease", &third, Duration::from_secs(30))
        .expect("expired lease");
    // A lock of a dead process on this host is taken over at once.
    let dead = LockHolder {
        pid: 999_999_999,
        ..LockHolder::this_process()
    };
    store
        .acquire_lock("dead", &dead, Duration::from_secs(3600))
        .expect("dead holder");
    other
        .acquire_lock("dead", &third, Duration::from_secs(30))
        .expect("dead process");
}

#[test]
fn a_file_of_the_first_schema_is_migrated_and_keeps_its_stacks() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("stackmate.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(MIGRATIONS[0]).expect("v1");
        conn.pragma_update(None, "user_version", 1).expect("version");
        conn.execute(
            "INSERT INTO stacks VALUES ('old', 'old-1', '{}', '{\"a\":\"1\"}', '[]', \
             '{\"version\":\"4.15\",\"zones\":[],\"unique_names\":true,\"disable_rollback\":false}', \
             'CREATE_COMPLETE', NULL, 5, 6)",
            [],
        )
        .expect("row");
        conn.execute(
            "INSERT INTO resources (stack, logical, type_name, status, attributes, create_wire, updated_ms) \
             VALUES ('old', 'Web', 'CloudStack::SecurityGroup', 'CREATE_COMPLETE', '{}', '[]', 6)",
            [],
        )
        .expect("resource");
    }
    let store = SqliteStore::open(&path).expect("migrates");
    let s = store.stack("old").expect("read").expect("kept");
    assert_eq!(s.status, Status::CreateComplete);
    assert_eq!(s.params["a"], "1");
    let r = store.resources("old").expect("resources");
    assert_eq!(r.len(), 1);
    assert!(!r[0].tagged, "the column added by version 2 has its default");
    let conn = rusqlite::Connection::open(&path).expect("open");
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(v, stack_core::state::SCHEMA_VERSION);
}

#[test]
fn a_file_of_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("stackmate.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", 99).expect("version");
    }
    let err = SqliteStore::open(&path).expect_err("newer");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "schema version 99, newer than this build's {}",
            stack_core::state::SCHEMA_VERSION
        )) && text.contains("upgrade stackmate"),
        "{text}"
    );
}

#[test]
fn stacks_resources_and_events_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = SqliteStore::open_dir(dir.path()).expect("open");
    store.save_stack(&record("a")).expect("save");
    store
        .set_stack_status("a", Status::CreateFailed, Some("x"))
        .expect("status");
    let s = store.stack("a").expect("read").expect("there");
    assert_eq!((s.status, s.reason.as_deref()), (Status::CreateFailed, Some("x")));
    let mut r = stack_core::ResourceRecord::new("Web", "CloudStack::SecurityGroup", Status::CreateInProgress);
    r.intent = Some(stack_core::state::Intent {
        kind: stack_core::state::IntentKind::Create,
        api: "createSecurityGroup".into(),
        at_ms: 42,
    });
    r.job_id = Some("job".into());
    store.save_resource("a", &r).expect("resource");
    assert_eq!(store.resources("a").expect("read"), vec![r]);
    store.remove_stack("a").expect("remove");
    assert!(store.stack("a").expect("read").is_none());
    assert!(store.resources("a").expect("read").is_empty());
    // API specs, by content hash and by endpoint.
    store.save_spec("abc", "{\"facts\":1}").expect("spec");
    store.save_spec("abc", "ignored: already kept").expect("again");
    assert_eq!(store.spec("abc").expect("read").as_deref(), Some("{\"facts\":1}"));
    assert!(store.spec("nope").expect("read").is_none());
    assert!(store.endpoint_spec("cloud-1").expect("read").is_none());
    store.set_endpoint_spec("cloud-1", "abc").expect("endpoint");
    let (sha, at) = store.endpoint_spec("cloud-1").expect("read").expect("kept");
    assert_eq!(sha, "abc");
    assert!(at > 0);
}
