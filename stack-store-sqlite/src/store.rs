//! [`SqliteStore`]: one file per state directory (`stackmate.db`) in WAL mode. WAL with
//! `synchronous=NORMAL` survives the process being killed at any point (the operating system has the
//! data); a power loss may lose the last transactions. Every call is a transaction on the store's one
//! writer thread ([`crate::writer`]), so SQLite's I/O never holds a runtime thread and a stack of any
//! width costs no more threads.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, Transaction};
use stack_core::state::{StateError, StoreFuture};

use crate::private_files;
pub use crate::schema::{MIGRATIONS, SCHEMA_VERSION};
use crate::writer::Writer;

/// The embedded store: one SQLite file per state directory.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

/// The state file's name inside a state directory.
pub const STATE_FILE: &str = "stackmate.db";

impl SqliteStore {
    /// Opens (creating if needed) `dir/stackmate.db`, migrating an older schema.
    /// The directory is made readable by its owner only (0700), as the file is (0600).
    pub fn open_dir(dir: &Path) -> Result<Self, StateError> {
        let fail = |what: &str, e: std::io::Error| StateError::Storage {
            store: format!("state directory {}", dir.display()),
            message: format!("cannot {what} it: {e}"),
        };
        std::fs::create_dir_all(dir).map_err(|e| fail("create", e))?;
        private_files::owner_only(dir, 0o700).map_err(|e| fail("restrict", e))?;
        Self::open(&dir.join(STATE_FILE))
    }

    /// Opens `dir/stackmate.db` if it exists (for read-only commands, which create nothing).
    pub fn open_existing_dir(dir: &Path) -> Result<Option<Self>, StateError> {
        let path = dir.join(STATE_FILE);
        if path.is_file() {
            Self::open(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Opens (creating if needed) a state file, migrating an older schema. The file is readable by
    /// its owner only (0600); SQLite gives its journal files the same mode.
    pub fn open(path: &Path) -> Result<Self, StateError> {
        let err = |e: rusqlite::Error| StateError::Storage {
            store: format!("state file {}", path.display()),
            message: e.to_string(),
        };
        let io_err = |e: std::io::Error| StateError::Storage {
            store: format!("state file {}", path.display()),
            message: format!("cannot make it private: {e}"),
        };
        if !path.exists() {
            private_files::create_private(path).map_err(io_err)?;
        }
        private_files::owner_only(path, 0o600).map_err(io_err)?;
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StateError::TooNew {
                store: format!("state file {}", path.display()),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(sql).map_err(err)?;
            tracing::info!(path = %path.display(), to = i + 1, "state schema migrated");
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: Writer::start(conn, path).map_err(io_err_thread(path))?,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one transaction on the writer thread. `f` returns the store's own errors
    /// (fencing, damage) inside SQLite's.
    pub(crate) fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<Result<T, StateError>, rusqlite::Error> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        let path = self.path.clone();
        let storage = move |message: String| StateError::Storage {
            store: format!("state file {}", path.display()),
            message,
        };
        let answer = self.writer.run(move |conn: &mut Connection| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            if out.is_ok() {
                tx.commit()?;
            }
            Ok::<_, rusqlite::Error>(out)
        });
        Box::pin(async move {
            match answer.await {
                Some(Ok(out)) => out,
                Some(Err(e)) => Err(storage(e.to_string())),
                None => Err(storage("the store's writer thread has stopped".into())),
            }
        })
    }
}

/// The error of a writer thread that could not be started.
fn io_err_thread(path: &Path) -> impl Fn(std::io::Error) -> StateError + '_ {
    move |e| StateError::Storage {
        store: format!("state file {}", path.display()),
        message: format!("cannot start its writer thread: {e}"),
    }
}
