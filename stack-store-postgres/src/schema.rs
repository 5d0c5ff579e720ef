//! The PostgreSQL store's schema: its version and the migrations that reach it.

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// The statements that take a database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // Version 1: everything the state store contract keeps (stack-core's SQLite schema 6).
    "CREATE TABLE stackmate_stacks (
        name TEXT PRIMARY KEY,
        stack_id TEXT NOT NULL,
        template TEXT NOT NULL,
        params TEXT NOT NULL,
        no_echo TEXT NOT NULL,
        options TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        created_ms BIGINT NOT NULL,
        updated_ms BIGINT NOT NULL,
        previous TEXT
    );
    CREATE TABLE stackmate_resources (
        stack TEXT NOT NULL,
        logical TEXT NOT NULL,
        record TEXT NOT NULL,
        updated_ms BIGINT NOT NULL,
        PRIMARY KEY (stack, logical)
    );
    CREATE TABLE stackmate_events (
        seq BIGSERIAL PRIMARY KEY,
        stack TEXT NOT NULL,
        timestamp_ms BIGINT NOT NULL,
        logical_id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        physical_id TEXT,
        status TEXT NOT NULL,
        reason TEXT
    );
    CREATE INDEX stackmate_events_by_stack ON stackmate_events (stack, seq);
    CREATE TABLE stackmate_locks (
        stack TEXT PRIMARY KEY,
        pid BIGINT NOT NULL,
        host TEXT NOT NULL,
        token TEXT NOT NULL,
        since_ms BIGINT NOT NULL,
        expires_ms BIGINT NOT NULL,
        fence BIGINT NOT NULL
    );
    CREATE TABLE stackmate_wait_handles (
        stack TEXT NOT NULL,
        logical TEXT NOT NULL,
        token_sha256 TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        PRIMARY KEY (stack, logical)
    );
    CREATE TABLE stackmate_signals (
        seq BIGSERIAL PRIMARY KEY,
        stack TEXT NOT NULL,
        handle TEXT NOT NULL,
        unique_id TEXT NOT NULL,
        success BOOLEAN NOT NULL,
        reason TEXT NOT NULL,
        data TEXT NOT NULL,
        received_ms BIGINT NOT NULL,
        UNIQUE (stack, handle, unique_id)
    );
    CREATE TABLE stackmate_change_sets (
        stack TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        PRIMARY KEY (stack, name)
    );
    CREATE TABLE stackmate_api_specs (
        sha256 TEXT PRIMARY KEY,
        facts TEXT NOT NULL,
        saved_ms BIGINT NOT NULL
    );
    CREATE TABLE stackmate_endpoint_specs (
        endpoint TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        fetched_ms BIGINT NOT NULL
    );",
];
