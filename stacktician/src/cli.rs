//! The `stacktician` command: `serve` (the API, with workers), `worker` (workers only), `owner` and
//! `token` (accounts, straight in the database), `key` (a new service key).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::sealing::SealKey;
use crate::service::{Database, ServiceConfig};

/// The stacktician service.
#[derive(Debug, Parser)]
#[command(
    name = "stacktician",
    version,
    about = "A CloudStack stack service: REST API, accounts, many workers"
)]
pub struct Cli {
    /// Where everything is kept and how it is sealed.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The database and the key.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// A PostgreSQL database (`host=... dbname=...` or `postgresql://...`), shared by every worker;
    /// without it, SQLite files in --data-dir.
    #[arg(long, global = true, env = "STACKTICIAN_DATABASE")]
    pub database: Option<String>,
    /// The embedded database's directory.
    #[arg(
        long,
        global = true,
        env = "STACKTICIAN_DATA_DIR",
        default_value = "stacktician-data"
    )]
    pub data_dir: PathBuf,
    /// The service key file (32 bytes in base64). Default: `STACKTICIAN_KEY`, else (embedded only)
    /// `<data dir>/service.key`, made on first start.
    #[arg(long, global = true, env = "STACKTICIAN_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

/// What the service runs with.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The URL clients and guests reach the API at (default: `http://` and the listen address).
    #[arg(long, env = "STACKTICIAN_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Where this process's workers serve guests (they reach it through the API).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub guest_listen: SocketAddr,
    /// Operations one worker carries out at once.
    #[arg(long, default_value_t = 16)]
    pub max_operations: usize,
    /// Resources of one stack created or deleted at once (0: no cap).
    #[arg(long, default_value_t = 0)]
    pub concurrency: usize,
    /// Requests per second each CloudStack account may make in all, shared by the live workers
    /// (CloudStack's api.throttling.max per api.throttling.interval); 0 for no limit.
    #[arg(long, default_value_t = 25.0)]
    pub account_rate: f64,
    /// An operation's lease in seconds (a dead worker's operations are taken over after it).
    #[arg(long, default_value_t = 15.0)]
    pub lease: f64,
    /// Seconds a stopping worker waits for its operations before handing them back.
    #[arg(long, default_value_t = 30.0)]
    pub shutdown_grace: f64,
    /// Job poll interval in milliseconds.
    #[arg(long, default_value_t = 500)]
    pub poll_ms: u64,
    /// This process's worker id (default: host, pid and time); unique among the database's workers.
    #[arg(long)]
    pub worker_id: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serves the API, with workers.
    Serve {
        /// Where the API listens.
        #[arg(long, default_value = "127.0.0.1:8750", env = "STACKTICIAN_LISTEN")]
        listen: SocketAddr,
        /// Workers in this process (0 with PostgreSQL and separate `stacktician worker`s).
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Starts the CloudStack simulator in this process, with an admin owner `demo` on it, and
        /// prints its token.
        #[cfg(feature = "demo")]
        #[arg(long)]
        demo: bool,
        /// Settings.
        #[command(flatten)]
        run: RunArgs,
    },
    /// Runs workers only (with a PostgreSQL --database shared with the API).
    Worker {
        /// Workers in this process.
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Settings.
        #[command(flatten)]
        run: RunArgs,
    },
    /// Owners.
    Owner {
        /// What to do.
        #[command(subcommand)]
        action: OwnerAction,
    },
    /// API tokens.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Prints a new service key (keep it in a file and give it with --key-file).
    Key,
}

/// Owner commands.
#[derive(Debug, Subcommand)]
pub enum OwnerAction {
    /// Adds an owner with its CloudStack account (the secret key from CLOUDSTACK_SECRET) and prints
    /// its first API token.
    Add {
        /// The owner's name.
        name: String,
        /// The CloudStack API endpoint.
        #[arg(long, env = "CLOUDSTACK_ENDPOINT")]
        endpoint: String,
        /// The CloudStack API key.
        #[arg(long, env = "CLOUDSTACK_KEY")]
        api_key: String,
        /// Its tokens see every owner's stacks.
        #[arg(long)]
        admin: bool,
        /// Plan against this shipped release instead of the cloud's own listApis.
        #[arg(long)]
        api_version: Option<String>,
    },
    /// Lists owners.
    List,
}

/// Token commands.
#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Makes a token for an owner and prints it (once).
    Add {
        /// The owner.
        owner: String,
        /// A label.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revokes a token by its id.
    Revoke {
        /// The token's id.
        id: String,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad settings.
    #[error("{0}")]
    Settings(String),
    /// The service could not start.
    #[error(transparent)]
    Start(#[from] crate::service::StartError),
    /// A key problem.
    #[error(transparent)]
    Seal(#[from] crate::sealing::SealError),
    /// An account command was refused.
    #[error("{0}")]
    Refused(#[from] crate::api::ApiError),
}

impl StoreArgs {
    /// The database.
    pub fn database(&self) -> Database {
        match &self.database {
            Some(d) => Database::Postgres(d.clone()),
            None => Database::Embedded(self.data_dir.clone()),
        }
    }

    /// The service key.
    pub fn key(&self) -> Result<SealKey, CliError> {
        if let Some(f) = &self.key_file {
            return Ok(SealKey::from_file(f, false)?);
        }
        if let Ok(k) = std::env::var("STACKTICIAN_KEY") {
            return Ok(SealKey::from_base64(&k, "STACKTICIAN_KEY")?);
        }
        if self.database.is_some() {
            return Err(CliError::Settings(
                "with --database every process needs the same service key: give --key-file or STACKTICIAN_KEY \
                 (`stacktician key` makes one)"
                    .into(),
            ));
        }
        Ok(SealKey::from_file(&self.data_dir.join("service.key"), true)?)
    }
}

fn secs(s: f64, what: &str) -> Result<Duration, CliError> {
    if s.is_finite() && s > 0.0 {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(CliError::Settings(format!(
            "{what} {s}: give a positive number of seconds"
        )))
    }
}

/// The service settings of a `serve` or `worker` command.
pub fn config(
    store: &StoreArgs,
    run: &RunArgs,
    listen: Option<SocketAddr>,
    workers: usize,
) -> Result<ServiceConfig, CliError> {
    let lease = secs(run.lease, "--lease")?;
    let id = run.worker_id.clone().unwrap_or_else(crate::worker::new_worker_id);
    let mut worker = crate::worker::WorkerSettings::new(id);
    worker.lease = lease;
    worker.max_operations = run.max_operations.max(1);
    worker.shutdown_grace = secs(run.shutdown_grace, "--shutdown-grace")?;
    let engine = crate::engines::EngineSettings {
        concurrency: run.concurrency,
        account_rate: (run.account_rate > 0.0).then_some(run.account_rate),
        lock_lease: lease,
        poll_interval: Duration::from_millis(run.poll_ms.max(10)),
        ..crate::engines::EngineSettings::default()
    };
    Ok(ServiceConfig {
        database: store.database(),
        key: store.key()?,
        listen,
        public_url: run.public_url.clone(),
        guest_listen: run.guest_listen,
        workers,
        engine,
        worker,
        limits: stack_core::limits::Limits::default(),
    })
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
