//! The `stackmate` command line: a thin layer over `stack-core` that validates, creates, deletes,
//! resumes and inspects CloudStack stacks from StackMate or CloudFormation JSON templates.
//!
//! It adds no engine logic: plans, execution, rollback, state and recovery are stack-core's. What it
//! does is read flags, files, profiles and the environment, show progress, render text or JSON, and
//! map failures to exit codes ([`exit`]).
//!
//! ```text
//! stackmate demo                                   # the embedded simulator, a LAMP stack, and back
//! stackmate validate web.template -p zoneid=...    # every error, or the plan
//! stackmate create web web.template --parameters params.json
//! stackmate events web --follow
//! stackmate delete web
//! ```
//!
//! What it does not do: keep state of its own (the SQLite file in `--state-dir` is stack-core's), or
//! talk to CloudStack other than through `cloudstack-client`.

pub mod api_spec;
pub mod change_sets;
pub mod cli;
pub mod commands;
pub mod connection;
mod delete;
#[cfg(feature = "demo")]
pub mod demo;
mod discovery;
pub mod exit;
mod failures;
#[cfg(feature = "demo")]
pub mod guest;
pub mod inspect;
pub mod offline;
pub mod output;
pub mod params;
mod printing;
pub mod progress;
pub mod release;
pub mod remote;
pub mod runs;
mod updates;

use crate::printing::errln;
use clap::Parser;

/// Parses `args` and runs the command; returns the documented exit code.
pub fn main_with<I, T>(args: I) -> std::process::ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut cli = match cli::Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return std::process::ExitCode::from(code);
        }
    };
    let level = match cli.global.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STACKMATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    if let Some(notice) = cli.global.resolve_state_dir() {
        errln!("{notice}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli.global, cli.command)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            errln!("error: {e}");
            std::process::ExitCode::from(e.code())
        }
    }
}
