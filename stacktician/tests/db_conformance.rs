//! The service database's contract ([`stacktician::db::conformance`]) on both backends: SQLite in a
//! temporary directory, and PostgreSQL (this machine's, or `STACKTICIAN_TEST_POSTGRES`) in a schema
//! of its own, so the queue checks see no other test's operations.

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_the_service_database_contract() {
    let dir = tempfile::tempdir().expect("dir");
    let db = stacktician::db::sqlite::SqliteServiceDb::open(&dir.path().join("service.db")).expect("open");
    let passed = stacktician::db::conformance::check(db.as_ref())
        .await
        .expect("the contract holds");
    assert_eq!(passed, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_service_database_contract() {
    let base = common::postgres();
    let (admin, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL (set STACKTICIAN_TEST_POSTGRES)");
    tokio::spawn(connection);
    let schema = format!(
        "conformance_{}",
        stack_core::lifecycle::new_stack_id("s")
            .replace('-', "_")
            .to_lowercase()
    );
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("a schema of its own");
    let config = format!("{base} options='-c search_path={schema}'");
    let db = stacktician::db::postgres::PgServiceDb::connect(&config, true)
        .await
        .expect("connect");
    let outcome = stacktician::db::conformance::check(db.as_ref()).await;
    drop(db);
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .expect("drop the schema");
    assert_eq!(outcome.expect("the contract holds"), 8);
}
