//! The SQLite store's schema: its version and the migrations that reach it. A file of an older
//! version is migrated on open; a newer one is refused.

/// The schema version this build writes. Older files are migrated on open; newer ones are refused.
pub const SCHEMA_VERSION: i64 = 6;

/// The statements that take a file from version `i` to `i + 1` (index 0 creates version 1).
pub const MIGRATIONS: &[&str] = &[
    // Version 1: stacks, resources, events, locks.
    "CREATE TABLE stacks (
        name TEXT PRIMARY KEY,
        stack_id TEXT NOT NULL,
        template TEXT NOT NULL,
        params TEXT NOT NULL,
        no_echo TEXT NOT NULL,
        options TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
    );
    CREATE TABLE resources (
        stack TEXT NOT NULL,
        logical TEXT NOT NULL,
        type_name TEXT NOT NULL,
        status TEXT NOT NULL,
        physical_id TEXT,
        attributes TEXT NOT NULL,
        create_wire TEXT NOT NULL,
        intent TEXT,
        intent_api TEXT,
        intent_ms INTEGER,
        job_id TEXT,
        reason TEXT,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (stack, logical)
    );
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stack TEXT NOT NULL,
        timestamp_ms INTEGER NOT NULL,
        logical_id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        physical_id TEXT,
        status TEXT NOT NULL,
        reason TEXT
    );
    CREATE TABLE locks (
        stack TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        token TEXT NOT NULL,
        since_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL
    );",
    // Version 2: an index for `events --follow`, and whether the stack tags were confirmed.
    "CREATE INDEX events_by_stack ON events (stack, seq);
    ALTER TABLE resources ADD COLUMN tagged INTEGER NOT NULL DEFAULT 0;",
    // Version 3: the API specs stacks were planned against (facts, by content hash), and which spec a
    // cloud endpoint answered listApis with.
    "CREATE TABLE api_specs (
        sha256 TEXT PRIMARY KEY,
        facts TEXT NOT NULL,
        saved_ms INTEGER NOT NULL
    );
    CREATE TABLE endpoint_specs (
        endpoint TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        fetched_ms INTEGER NOT NULL
    );",
    // Version 4: locks are leases with a fencing counter; a released lock keeps its row (and counter).
    "ALTER TABLE locks ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;",
    // Version 5: wait-condition handles (token hashes) and the signals guests sent, so that a wait
    // outlives the process that began it.
    "CREATE TABLE wait_handles (
        stack TEXT NOT NULL,
        logical TEXT NOT NULL,
        token_sha256 TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (stack, logical)
    );
    CREATE TABLE signals (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stack TEXT NOT NULL,
        handle TEXT NOT NULL,
        unique_id TEXT NOT NULL,
        success INTEGER NOT NULL,
        reason TEXT NOT NULL,
        data TEXT NOT NULL,
        received_ms INTEGER NOT NULL,
        UNIQUE (stack, handle, unique_id)
    );",
    // Version 6: updates. A stack keeps the version it had before an update runs (what a rollback
    // returns to); a resource keeps the one it replaces until the clean-up; change sets are kept.
    "ALTER TABLE stacks ADD COLUMN previous TEXT;
    ALTER TABLE resources ADD COLUMN replaced TEXT;
    CREATE TABLE change_sets (
        stack TEXT NOT NULL,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (stack, name)
    );",
];
