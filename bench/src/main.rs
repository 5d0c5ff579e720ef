//! The workspace's benchmarks. Run them with `cargo xtask bench <what>`, which builds this binary with
//! the release profile; each prints its figures as a table:
//! - `codegen`: per release, the facts spec's size, the run-time load of a spec with its participants,
//!   the generator's time and output, and clean build times of `cloudstack-api`;
//! - `client`: signatures per second, batch job watcher against per-job polling;
//! - `sim`: simulator throughput with 64 concurrent clients, memory with 100,000 resources;
//! - `engine`: stacks (500 mixed, 5,000 deep, throttled, tiered) against their critical path's lower
//!   bound;
//! - `service`: the stacktician service with 1, 2 and 4 workers on PostgreSQL, 200 stacks of 20
//!   resources under an account's API throttle.

mod client;
mod codegen;
mod engine;
mod engine_run;
mod engine_shapes;
mod service;
mod sim;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let what = std::env::args().nth(1).unwrap_or_default();
    // `RUST_LOG=warn` (say) shows what the engine and the simulator log during the runs.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let result = match what.as_str() {
        "codegen" => codegen::run(&workspace_root()),
        "client" => client::run(),
        "sim" => sim::run(),
        "engine" => engine::run(),
        "service" => service::run(),
        other => Err(format!(
            "unknown benchmark {other:?}; available: codegen, client, sim, engine, service"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map_or(here.clone(), Path::to_path_buf)
}

/// The runtime benchmarks run on: two worker threads, as many as this machine has cores.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}
