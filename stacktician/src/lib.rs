//! Stacktician: stacks of CloudStack resources as a service, on top of stack-core (no second engine).
//! A REST API ([`api`]) with accounts (API tokens kept as argon2id hashes, [`tokens`]; each owner's
//! CloudStack credentials sealed at rest, [`sealing`]), stored templates with versions, and any
//! number of workers ([`worker`]) on any number of machines sharing one database: PostgreSQL, or
//! SQLite embedded ([`db`]). Stack state is stack-core's, in the same database
//! (`stack-store-postgres`, or stack-core's SQLite store).
//!
//! An operation (create, update, delete, resume, ...) is a row of a queue: the API checks the request
//! (template, parameters, the plan against the owner's cloud) and queues it; a worker claims it,
//! holds it under a lease with a fencing counter, and carries it out on the owner's engine
//! ([`operations`]). A worker that dies is replaced when its lease runs out: another claims the
//! operation and resumes the stack through the same recovery as `stackmate resume`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use stacktician::service::{start, Database, ServiceConfig};
//! let key = stacktician::sealing::SealKey::from_base64(&stacktician::sealing::new_key()?, "example")?;
//! let mut worker = stacktician::worker::WorkerSettings::new("example");
//! worker.max_operations = 8;
//! let service = start(ServiceConfig {
//!     database: Database::Embedded("stacktician-data".into()),
//!     key,
//!     listen: Some("127.0.0.1:8750".parse()?),
//!     public_url: None,
//!     guest_listen: "127.0.0.1:0".parse()?,
//!     workers: 1,
//!     engine: stacktician::engines::EngineSettings::default(),
//!     worker,
//!     limits: stack_core::limits::Limits::default(),
//! })
//! .await?;
//! service.run_until(async { let _ = tokio::signal::ctrl_c().await; }).await;
//! # Ok(()) }
//! ```
//!
//! What it does not do: serve TLS (put it behind a proxy that does), fetch nested templates for a
//! caller (they come inlined), or keep NoEcho values after their operation ends.
//!
//! ## Map
//! - [`api`]: the REST API (routes, auth, bodies, stacks, events, change sets, templates, accounts,
//!   the guests' endpoints).
//! - [`db`]: the service's tables and the operation queue ([`db::postgres`], [`db::sqlite`]).
//! - [`worker`]: claiming, leases, takeover, shutdown; [`operations`]: what each operation does.
//! - [`engines`]: one stack-core engine per owner, under its share of the account's request rate.
//! - [`names`]: owner, stack and template names, and stacks' names in the state store.
//! - [`sealing`], [`tokens`]: secrets at rest, API tokens.
//! - [`service`]: everything assembled; [`cli`], [`commands`]: the `stacktician` command.
pub mod api;
pub mod cli;
pub mod commands;
pub mod db;
#[cfg(feature = "demo")]
pub mod demo_guests;
pub mod engines;
pub mod names;
pub mod operations;
pub mod sealing;
pub mod service;
pub mod tokens;
pub mod worker;

/// Parses the command line and runs it; the exit code is 0, or 1 with the error on stderr (2 for
/// bad arguments).
pub fn main() -> std::process::ExitCode {
    use clap::Parser as _;
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return std::process::ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STACKTICIAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
