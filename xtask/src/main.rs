//! Developer tasks, run as `cargo xtask <task>`:
//! - `test [--quick]`: the whole test suite, with the Python peer clients it needs set up first;
//! - `api-check`, `embedder`: two of its checks alone (no `Result<_, String>` in a library's public
//!   API; `examples/embedder` on stack-core alone, against the simulator);
//! - `codegen --spec FILE --out DIR`: write the generated bindings of one dump, formatted, for review;
//! - `spec-import DUMP --version X.Y`: store a release's API facts in `cloudstack-api/specs/`;
//! - `spec-diff A.json B.json`: APIs and parameters added, removed and changed between two dumps;
//! - `fuzz template|dump [--seconds N]`: a coverage-guided run of a `fuzz/` target (cargo fuzz);
//! - `bench codegen|client|sim|engine|service`: the benchmarks of the `bench` crate, built with the release
//!   profile.

mod api_check;
mod embedder;
mod fuzz;
mod spec_import;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Developer tasks of the CloudStack SDK workspace")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Write the generated bindings of a listApis dump to `DIR/<module>.rs`, formatted for reading.
    Codegen {
        /// The listApis dump.
        #[arg(long)]
        spec: PathBuf,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// CloudStack version to record (default: the file name without extension).
        #[arg(long)]
        version: Option<String>,
    },
    /// Turn a listApis dump into the facts spec cloudstack-api ships (no descriptions), record it in
    /// cloudstack-api/specs/manifest.toml and declare its cargo feature.
    SpecImport {
        /// The listApis dump (saved with `stackmate api-spec fetch` or any client).
        dump: PathBuf,
        /// The CloudStack release it describes, e.g. 4.18.
        #[arg(long)]
        version: String,
        /// The cargo feature of its typed bindings (default: v4_18 for 4.18).
        #[arg(long)]
        feature: Option<String>,
    },
    /// Print the APIs and parameters added, removed and changed from dump A to dump B.
    SpecDiff {
        /// The older dump.
        old: PathBuf,
        /// The newer dump.
        new: PathBuf,
    },
    /// Benchmarks (the `bench` crate, built with the release profile).
    Bench {
        /// What to measure: `codegen`, `client`, `sim` or `engine`.
        what: String,
    },
    /// A coverage-guided fuzz run (cargo fuzz, libFuzzer) of a target of `fuzz/`.
    Fuzz {
        /// `template` (parse and plan) or `dump` (the listApis loader).
        target: String,
        /// How long to run.
        #[arg(long, default_value_t = 600)]
        seconds: u64,
    },
    /// The public-API check alone: no library function returns `Result<_, String>`.
    ApiCheck,
    /// The embedder check alone: `examples/embedder` built on stack-core only, run against the simulator.
    Embedder,
    /// The whole test suite: sets up the Python peer clients, runs `cargo test --workspace`, then the
    /// slow self-contained checks (packaging, an outside crate, the demo in a fresh clone).
    Test {
        /// Skip the slow self-contained checks.
        #[arg(long)]
        quick: bool,
        /// Passed to `cargo test --workspace` after `--` (test name filters, --nocapture, ...).
        #[arg(last = true)]
        extra: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Codegen { spec, out, version } => codegen(&spec, &out, version),
        Task::SpecImport { dump, version, feature } => spec_import::run(&workspace_root(), &dump, &version, feature),
        Task::SpecDiff { old, new } => spec_diff(&old, &new),
        Task::Bench { what } => bench(&what),
        Task::Fuzz { target, seconds } => fuzz::run(&workspace_root(), &target, seconds),
        Task::Test { quick, extra } => test::run(&workspace_root(), quick, &extra),
        Task::ApiCheck => api_check::string_errors(&workspace_root()).and_then(|found| {
            if found.is_empty() {
                println!(
                    "no public function of {:?} returns Result<_, String>",
                    api_check::LIBRARY_CRATES
                );
                Ok(())
            } else {
                Err(format!("these return Result<_, String>:\n  {}", found.join("\n  ")))
            }
        }),
        Task::Embedder => embedder::run(&workspace_root(), &test::target_dir(&workspace_root())),
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

fn bench(what: &str) -> Result<(), String> {
    if !["codegen", "client", "sim", "engine", "service"].contains(&what) {
        return Err(format!(
            "unknown benchmark {what:?}; available: codegen, client, sim, engine, service"
        ));
    }
    let status = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(workspace_root())
        .args(["run", "--quiet", "--release", "-p", "bench", "--", what])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("bench {what} failed ({status})"))
    }
}

/// `4.17` -> `v4_17`.
pub fn module_name(version: &str) -> String {
    cloudstack_codegen::manifest::feature_name(version)
}

fn codegen(spec_path: &Path, out: &Path, version: Option<String>) -> Result<(), String> {
    let spec = cloudstack_codegen::spec::load_file(spec_path).map_err(|e| e.to_string())?;
    let version = version.unwrap_or_else(|| {
        spec_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "custom".into())
    });
    let generated = cloudstack_codegen::generate(&spec, &version).map_err(|e| e.to_string())?;
    let source = cloudstack_codegen::format_source(&generated.tokens).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let file = out.join(format!("{}.rs", module_name(&version)));
    let header = format!(
        "// Generated by `cargo xtask codegen` from {} (CloudStack {version}). Do not edit.\n",
        spec_path.display()
    );
    std::fs::write(&file, header + &source).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let s = generated.stats;
    println!(
        "{}: {} APIs, {} parameters, {} response structs ({} fields), {} participants, {} lines",
        file.display(),
        s.apis,
        s.params,
        s.structs,
        s.fields,
        s.participants,
        source.lines().count()
    );
    for skipped in &generated.skipped_participants {
        println!(
            "  not a participant: {} / {}: {}",
            skipped.create, skipped.delete, skipped.reason
        );
    }
    // What an update does to each create property, for review.
    let table = cloudstack_codegen::participants::ParticipantTable::builtin().map_err(|e| e.to_string())?;
    let updates = cloudstack_codegen::updates::UpdateTable::builtin().map_err(|e| e.to_string())?;
    let derived = cloudstack_codegen::participants::derive(&spec, &table);
    println!("\nupdate classification (type, property, effect, API):");
    print!(
        "{}",
        cloudstack_codegen::updates::render(&spec, &derived.participants, &updates)
    );
    Ok(())
}

fn spec_diff(old: &Path, new: &Path) -> Result<(), String> {
    let a = cloudstack_codegen::spec::load_file(old).map_err(|e| e.to_string())?;
    let b = cloudstack_codegen::spec::load_file(new).map_err(|e| e.to_string())?;
    print!("{}", cloudstack_codegen::diff::diff(&a, &b).render());
    Ok(())
}
