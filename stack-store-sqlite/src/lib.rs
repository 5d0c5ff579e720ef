//! stack-core's state in SQLite: one file per state directory (`stackmate.db`, mode 0600 in a
//! 0700 directory), in WAL mode, written by one thread whatever a run's width. It keeps the
//! [`stack_core::state::StateStore`] contract, checked by the same conformance suite as every store.
//!
//! ```
//! # async fn demo() -> Result<(), stack_core::state::StateError> {
//! let dir = std::env::temp_dir().join(format!("stack-store-sqlite-doc-{}", std::process::id()));
//! let store = stack_store_sqlite::SqliteStore::open_dir(&dir)?;
//! // An engine keeps its stacks there: Engine::new(client, config).with_store(Arc::new(store)).
//! # drop(store); let _ = std::fs::remove_dir_all(&dir);
//! # Ok(()) }
//! # tokio::runtime::Runtime::new().expect("runtime").block_on(demo()).expect("opens");
//! ```

mod contract;
pub mod private_files;
mod rows;
mod schema;
mod store;
mod writer;

pub use store::{SqliteStore, MIGRATIONS, SCHEMA_VERSION, STATE_FILE};
