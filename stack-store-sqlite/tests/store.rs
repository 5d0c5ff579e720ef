//! The state stores: the contract (one conformance suite for every store), locks across handles of
//! one file, and the SQLite schema's migrations.

use std::time::Duration;

use stack_core::state::{conformance, LockHolder, MemoryStore, StateError, StateStore};
use stack_core::Status;
use stack_store_sqlite::{SqliteStore, MIGRATIONS};

/// Two handles on one file, as two processes would have: the contract holds across them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_keeps_the_store_contract() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = SqliteStore::open_dir(dir.path()).expect("open");
    let checks = conformance::check(&store).await.expect("the contract holds");
    assert!(checks >= 19, "{checks} checks ran");
    // Twice on one file (the suite's stacks are its own), and through a second handle.
    let other = SqliteStore::open_dir(dir.path()).expect("open again");
    conformance::check(&other).await.expect("the contract holds again");
}

#[tokio::test]
async fn the_memory_store_keeps_the_store_contract() {
    let store = MemoryStore::new();
    let checks = conformance::check(&store).await.expect("the contract holds");
    assert!(checks >= 19, "{checks} checks ran");
}

/// A lock taken through one handle of a file is seen through another: the second holder is refused,
/// naming the first, until the first releases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_holds_across_handles_of_one_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let (one, two) = (
        SqliteStore::open_dir(dir.path()).expect("open"),
        SqliteStore::open_dir(dir.path()).expect("open again"),
    );
    let (first, second) = (LockHolder::this_process(), LockHolder::this_process());
    let lease = one
        .acquire_lock("web", &first, Duration::from_secs(30))
        .await
        .expect("first");
    let err = two
        .acquire_lock("web", &second, Duration::from_secs(30))
        .await
        .expect_err("locked");
    assert!(
        matches!(err, StateError::Locked { pid, .. } if pid == std::process::id()),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("stack web is locked by pid") && text.contains(" since 20"),
        "{text}"
    );
    one.release_lock(&lease).await.expect("release");
    let taken = two
        .acquire_lock("web", &second, Duration::from_secs(30))
        .await
        .expect("after release");
    assert!(taken.fence > lease.fence);
}

#[tokio::test]
async fn a_file_of_the_first_schema_is_migrated_and_keeps_its_stacks() {
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
    let s = store.stack("old").await.expect("read").expect("kept");
    assert_eq!(s.status, Status::CreateComplete);
    assert_eq!(s.params["a"], "1");
    let r = store.resources("old").await.expect("resources");
    assert_eq!(r.len(), 1);
    assert!(!r[0].tagged, "the column added by version 2 has its default");
    let conn = rusqlite::Connection::open(&path).expect("open");
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(v, stack_store_sqlite::SCHEMA_VERSION);
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
            stack_store_sqlite::SCHEMA_VERSION
        )) && text.contains("upgrade this program"),
        "{text}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn state_files_are_readable_by_their_owner_only() {
    use stack_core::state::StateStore as _;
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let store = stack_store_sqlite::SqliteStore::open_dir(&state).expect("store");
    // A write, so SQLite makes its journal files too.
    let holder = stack_core::state::LockHolder::this_process();
    let lease = store
        .acquire_lock("s", &holder, std::time::Duration::from_secs(5))
        .await
        .expect("lock");
    store.release_lock(&lease).await.expect("release");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&state), 0o700, "the directory");
    let mut files = 0;
    for entry in std::fs::read_dir(&state).expect("dir").flatten() {
        assert_eq!(mode(&entry.path()), 0o600, "{}", entry.path().display());
        files += 1;
    }
    assert!(files >= 2, "the database and its journal: {files} files");
}
