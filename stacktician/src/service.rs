//! A service assembled: the database (PostgreSQL, or SQLite files in a data directory), the state
//! store beside it, the API on a listening socket, and any number of workers in this process.
//! `stacktician serve` and `stacktician worker` are thin front-ends over [`start`]; tests start
//! services the same way.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use stack_core::StateStore;
use stack_signals_http::SignalServer;

use crate::api::{AppState, Shared};
use crate::db::ServiceDb;
use crate::engines::{EngineSettings, Engines};
use crate::sealing::SealKey;
use crate::worker::{Worker, WorkerSettings};

/// Where the service keeps everything.
#[derive(Debug, Clone)]
pub enum Database {
    /// SQLite files in this directory (`service.db`, and the state store's file): one machine.
    Embedded(PathBuf),
    /// A PostgreSQL database (libpq `key=value` or a `postgresql://` URL): any number of machines.
    Postgres(String),
}

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The service database.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// The state store.
    #[error(transparent)]
    State(#[from] stack_core::state::StateError),
    /// A socket.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A service's settings.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Where it keeps everything.
    pub database: Database,
    /// The service key (sealed secrets).
    pub key: SealKey,
    /// Where the API listens (`None`: a worker-only process).
    pub listen: Option<SocketAddr>,
    /// The URL guests and clients reach the API at (default `http://<listen address>`).
    pub public_url: Option<String>,
    /// Where this process's workers serve guests (their requests come through the API).
    pub guest_listen: SocketAddr,
    /// Workers in this process.
    pub workers: usize,
    /// Engine settings.
    pub engine: EngineSettings,
    /// Worker settings (each worker's id gets a suffix).
    pub worker: WorkerSettings,
    /// Template limits.
    pub limits: stack_core::limits::Limits,
}

/// The database and the state store of `database`.
pub async fn open(database: &Database, listen: bool) -> Result<(Arc<dyn ServiceDb>, Arc<dyn StateStore>), StartError> {
    Ok(match database {
        Database::Embedded(dir) => {
            let db: Arc<dyn ServiceDb> = crate::db::sqlite::SqliteServiceDb::open(&dir.join("service.db"))?;
            let store: Arc<dyn StateStore> = Arc::new(stack_store_sqlite::SqliteStore::open_dir(&dir.join("state"))?);
            (db, store)
        }
        Database::Postgres(config) => {
            let db: Arc<dyn ServiceDb> = crate::db::postgres::PgServiceDb::connect(config, listen).await?;
            let store: Arc<dyn StateStore> = Arc::new(stack_store_postgres::PostgresStore::connect(config).await?);
            (db, store)
        }
    })
}

/// A running service.
pub struct RunningService {
    /// Where the API listens, if it does.
    pub addr: Option<SocketAddr>,
    /// The API's URL, if it listens.
    pub url: Option<String>,
    /// The shared state (tests make owners and tokens through it).
    pub state: Shared,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningService")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RunningService {
    /// Stops gracefully: workers finish or hand back their operations, the API stops listening.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }

    /// Runs until `signal` resolves, then stops gracefully.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        self.stop().await;
    }
}

/// Starts the API (if `listen`) and the workers of `config`.
pub async fn start(config: ServiceConfig) -> Result<RunningService, StartError> {
    let (db, store) = open(&config.database, config.workers > 0).await?;
    let listener = match config.listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| StartError::Listen { addr, source })?,
        ),
        None => None,
    };
    let addr = listener.as_ref().and_then(|l| l.local_addr().ok());
    let url = config
        .public_url
        .clone()
        .or_else(|| addr.map(|a| format!("http://{a}")))
        .map(|u| u.trim_end_matches('/').to_string());
    let guest_base = url.as_ref().map(|u| format!("{u}/guest/"));
    let signals = SignalServer::start(config.guest_listen, guest_base)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.guest_listen,
            source,
        })?;
    let engines = Arc::new(Engines::new(
        Arc::clone(&store),
        config.key.clone(),
        Arc::new(signals),
        config.engine.clone(),
    ));
    let state: Shared = Arc::new(AppState {
        db: Arc::clone(&db),
        engines: Arc::clone(&engines),
        key: config.key.clone(),
        verifier: crate::tokens::Verifier::default(),
        limits: config.limits,
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_default(),
        outputs: crate::api::version_cache::VersionCache::default(),
        facts: crate::api::version_cache::VersionCache::default(),
        graphs: crate::api::version_cache::VersionCache::default(),
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    if let Some(listener) = listener {
        let app = crate::api::router(Arc::clone(&state));
        let mut rx = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|s| *s).await;
                })
                .await;
        }));
    }
    for i in 0..config.workers {
        let mut settings = config.worker.clone();
        if config.workers > 1 {
            settings.id = format!("{}-{i}", settings.id);
        }
        settings.limits = config.limits;
        let worker = Worker::new(Arc::clone(&db), Arc::clone(&engines), config.key.clone(), settings);
        let mut rx = stopped.clone();
        tasks.push(tokio::spawn(worker.run(async move {
            let _ = rx.wait_for(|s| *s).await;
        })));
    }
    Ok(RunningService {
        addr,
        url,
        state,
        stop,
        tasks,
    })
}
