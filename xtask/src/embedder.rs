//! The embedder check of `cargo xtask test`: `examples/embedder` (a crate outside the workspace
//! that depends on stack-core and cloudstack-api only) is built, its dependency tree is checked for
//! what an embedder must not pay for (a web server, SQLite), and it is run against the simulator
//! while its sockets are watched: it must create, delete, report a refused resource's typed failure,
//! and never listen.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Crates an embedder's tree must not hold.
pub const FORBIDDEN: &[&str] = &["axum", "rusqlite", "libsqlite3-sys", "tokio-postgres"];

/// What the embedder may depend on itself.
const DIRECT: &[&str] = &["stack-core", "cloudstack-api", "tokio"];

const KEY: &str = "embedder-api-key";
const SECRET: &str = "embedder-secret-key";

/// Builds, checks and runs the embedder; prints its crate count.
pub fn run(root: &Path, target: &Path) -> Result<(), String> {
    let manifest = root.join("examples/embedder/Cargo.toml");
    let cargo = || {
        let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        c.current_dir(root).env("CARGO_TARGET_DIR", target);
        c
    };
    let status = cargo()
        .args(["build", "--quiet", "-p", "cloudstack-sim"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building the simulator failed".into());
    }
    let status = cargo()
        .args(["build", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building examples/embedder failed".into());
    }

    // Its own dependencies: the core and the release's facts, and the runtime its main needs.
    let direct = cargo()
        .args([
            "tree",
            "-e",
            "normal",
            "--depth",
            "1",
            "--prefix",
            "none",
            "--manifest-path",
        ])
        .arg(&manifest)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    let own: BTreeSet<String> = String::from_utf8_lossy(&direct.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let extra: Vec<&String> = own.iter().filter(|d| !DIRECT.contains(&d.as_str())).collect();
    if !extra.is_empty() {
        return Err(format!(
            "examples/embedder depends on {extra:?} besides {DIRECT:?}: the core must be enough"
        ));
    }

    let tree = cargo()
        .args(["tree", "-e", "normal", "--prefix", "none", "--manifest-path"])
        .arg(&manifest)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    let crates: BTreeSet<String> = String::from_utf8_lossy(&tree.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let forbidden: Vec<&&str> = FORBIDDEN.iter().filter(|f| crates.contains(**f)).collect();
    if !forbidden.is_empty() {
        return Err(format!("examples/embedder's dependency tree holds {forbidden:?}"));
    }
    let hyper = cargo()
        .args(["tree", "-e", "features", "-i", "hyper", "--manifest-path"])
        .arg(&manifest)
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if String::from_utf8_lossy(&hyper.stdout).contains("hyper feature \"server\"") {
        return Err("examples/embedder's tree holds hyper's server".into());
    }
    println!(
        "  examples/embedder: {} crates (cargo tree -e normal, unique names), none of {FORBIDDEN:?}, no hyper server",
        crates.len()
    );

    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let mut sim = Command::new(target.join("debug/cloudstack-sim"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--job-latency", "20ms"])
        .args(["--account", &format!("embedder:{KEY}:{SECRET}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let outcome = run_watched(target, port);
    let _ = sim.kill();
    let _ = sim.wait();
    outcome
}

/// Runs the embedder against the simulator on `port`, watching its sockets until it exits.
fn run_watched(target: &Path, port: u16) -> Result<(), String> {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            return Err("the simulator did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out_file = target.join("embedder-output.txt");
    let out = std::fs::File::create(&out_file).map_err(|e| format!("cannot write {}: {e}", out_file.display()))?;
    let mut child = Command::new(target.join("debug/embedder"))
        .env("CLOUDSTACK_ENDPOINT", format!("http://127.0.0.1:{port}/client/api"))
        .env("CLOUDSTACK_KEY", KEY)
        .env("CLOUDSTACK_SECRET", SECRET)
        .stdout(out)
        .spawn()
        .map_err(|e| format!("cannot run the embedder: {e}"))?;
    let mut looks = 0;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if let Some(inode) = listening_socket(child.id()) {
            let _ = child.kill();
            return Err(format!("the embedder listens (socket inode {inode})"));
        }
        looks += 1;
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            return Err("the embedder did not finish in 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let printed = std::fs::read_to_string(&out_file).unwrap_or_default();
    print!("{printed}");
    println!("  its sockets looked at {looks} times while it ran: none listening");
    if !status.success() {
        return Err(format!("the embedder failed ({status})"));
    }
    for wanted in ["web: CREATE_COMPLETE", "web: DELETE_COMPLETE", "refused: Vm"] {
        if !printed.contains(wanted) {
            return Err(format!("the embedder did not print {wanted:?}"));
        }
    }
    Ok(())
}

/// The inode of a listening TCP socket that process `pid` holds, if any (Linux; elsewhere none).
fn listening_socket(pid: u32) -> Option<String> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    let inodes: BTreeSet<String> = fds
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|link| {
            link.to_str()
                .and_then(|l| l.strip_prefix("socket:["))
                .and_then(|l| l.strip_suffix(']'))
                .map(str::to_string)
        })
        .collect();
    if inodes.is_empty() {
        return None;
    }
    for table in ["tcp", "tcp6"] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // st 0A is LISTEN; the inode is the tenth column.
            if cols.get(3) == Some(&"0A") && cols.get(9).is_some_and(|i| inodes.contains(*i)) {
                return cols.get(9).map(|s| s.to_string());
            }
        }
    }
    None
}
