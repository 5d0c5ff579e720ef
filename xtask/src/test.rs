//! `cargo xtask test`: the whole test suite, with what it needs set up first.
//!
//! 1. The Python peer clients (the `cs` CLI library, Apache libcloud) in a virtual environment under
//!    `target/peer-venv`, made with the machine's `python3` and reused while its requirements are
//!    unchanged. Tests find it through `STACKMATE_PEER_PYTHON`.
//! 2. Chromium and ChromeDriver for the web UI's browser tests: Debian's `chromium` and
//!    `chromium-driver`, installed with apt when they are missing and this runs as root (otherwise
//!    it says how; `SKIP_BROWSER_TESTS=1` skips those tests where no browser can be had).
//! 3. `cargo test --workspace`, then the examples that run against the embedded simulator
//!    (`cargo run -p stack-core --example typed_stack`, `... --example nested_stacks`), which fail
//!    when they leave anything behind.
//! 4. The public-API check ([`crate::api_check`]: no library function returns `Result<_, String>`)
//!    and the embedder check ([`crate::embedder`]: `examples/embedder` built on stack-core alone,
//!    its tree free of servers and SQLite, run against the simulator without listening).
//! 5. Unless `--quick`: the slow checks of a self-contained SDK (`tests/tests/self_contained.rs`):
//!    `cargo package` of the library crates with its verify step, a crate outside the workspace that
//!    depends on them, and the README's demo command in a fresh clone with no `../shared`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The examples that run against the embedded simulator (each fails when it leaves anything behind).
pub const EXAMPLES: &[&str] = &["typed_stack", "nested_stacks"];

/// The peer clients the tests drive the simulator with, pinned.
pub const PEER_REQUIREMENTS: &[&str] = &["cs==5.2.0", "apache-libcloud==3.9.1"];

/// Runs the suite; `extra` goes to `cargo test --workspace` after `--`.
pub fn run(root: &Path, quick: bool, extra: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let target = target_dir(root);
    step("python peer clients");
    let python = peer_python(&target)?;
    println!("  {}", python.display());

    step("chromium and chromedriver for the browser tests");
    browser()?;

    step("cargo test --workspace");
    let mut cmd = cargo(root);
    cmd.args(["test", "--workspace"]);
    if !extra.is_empty() {
        cmd.arg("--").args(extra);
    }
    cmd.env("STACKMATE_PEER_PYTHON", &python);
    run_cmd(&mut cmd)?;

    step("examples against the simulator");
    for example in EXAMPLES {
        let mut cmd = cargo(root);
        cmd.args(["run", "--quiet", "-p", "stack-core", "--example", example]);
        run_cmd(&mut cmd)?;
    }

    step("public API: no library function returns Result<_, String>");
    let found = crate::api_check::string_errors(root)?;
    if !found.is_empty() {
        return Err(format!(
            "public functions of the library crates return Result<_, String>; give them an error type:\n  {}",
            found.join("\n  ")
        ));
    }
    println!("  {} crates checked: none", crate::api_check::LIBRARY_CRATES.len());

    step("an embedder: examples/embedder on stack-core alone, against the simulator");
    crate::embedder::run(root, &target)?;

    if !quick {
        step("self-contained SDK: cargo package, an outside crate, the demo in a fresh clone");
        let mut cmd = cargo(root);
        cmd.args([
            "test",
            "-p",
            "integration-tests",
            "--test",
            "self_contained",
            "--",
            "--ignored",
            "--test-threads",
            "1",
            "--nocapture",
        ]);
        run_cmd(&mut cmd)?;
    }
    println!("\n== all tests passed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Debian's Chromium and ChromeDriver, installed when missing (as root) unless the browser tests
/// are skipped.
fn browser() -> Result<(), String> {
    let present = |p: &str| Path::new(p).exists();
    if present("/usr/bin/chromium") && present("/usr/bin/chromedriver") {
        println!("  /usr/bin/chromium, /usr/bin/chromedriver");
        return Ok(());
    }
    if std::env::var("SKIP_BROWSER_TESTS").as_deref() == Ok("1")
        || std::env::var_os("STACKTICIAN_CHROMEDRIVER").is_some()
    {
        println!("  not installed here (SKIP_BROWSER_TESTS or STACKTICIAN_CHROMEDRIVER set)");
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    if !root {
        return Err("the browser tests need Debian's chromium and chromium-driver: \
                    `sudo apt-get install chromium chromium-driver`, or SKIP_BROWSER_TESTS=1"
            .into());
    }
    let mut update = Command::new("apt-get");
    update.args(["update", "-qq"]);
    run_cmd(&mut update)?;
    let mut install = Command::new("apt-get");
    install
        .args(["install", "-y", "-qq", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive");
    run_cmd(&mut install)
}

fn step(what: &str) {
    println!("\n== {what}");
}

fn cargo(root: &Path) -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root);
    c
}

fn run_cmd(cmd: &mut Command) -> Result<(), String> {
    let status = cmd.status().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

/// `$CARGO_TARGET_DIR`, or `target/` of the workspace.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// The venv's Python with the peer clients installed, made or updated as needed.
pub fn peer_python(target: &Path) -> Result<PathBuf, String> {
    let venv = target.join("peer-venv");
    let python = venv.join("bin").join("python");
    let stamp = venv.join("stackmate-requirements.txt");
    let wanted = PEER_REQUIREMENTS.join("\n") + "\n";
    if python.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    if !python.is_file() {
        run_cmd(Command::new("python3").args(["-m", "venv"]).arg(&venv)).map_err(|e| {
            format!("{e}: the tests need Python 3 with its venv module (Debian: apt install python3-venv)")
        })?;
    }
    let mut pip = Command::new(&python);
    pip.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .args(PEER_REQUIREMENTS);
    run_cmd(&mut pip).map_err(|e| format!("{e}: installing the peer clients from PyPI failed"))?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python)
}
