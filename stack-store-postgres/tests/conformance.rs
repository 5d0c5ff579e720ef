//! The state store contract's conformance suite against PostgreSQL, the one the SQLite and
//! in-memory stores run too. The database is `STACKMATE_TEST_POSTGRES` (libpq's `key=value` form
//! or a URL), by default the machine's `host=127.0.0.1 user=postgres dbname=test`; point it at
//! another server to run it there.

use stack_store_postgres::PostgresStore;

fn database() -> String {
    std::env::var("STACKMATE_TEST_POSTGRES").unwrap_or_else(|_| "host=127.0.0.1 user=postgres dbname=test".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_keeps_the_contract() {
    let store = PostgresStore::connect(&database())
        .await
        .expect("connect (set STACKMATE_TEST_POSTGRES)");
    let passed = stack_core::state::conformance::check(&store)
        .await
        .unwrap_or_else(|b| panic!("{b}"));
    assert!(passed >= 25, "{passed} checks");
    // Connecting again (another worker starting) finds the schema in place.
    let again = PostgresStore::connect(&database()).await.expect("second connect");
    assert!(stack_core::state::conformance::check(&again).await.is_ok());
}
