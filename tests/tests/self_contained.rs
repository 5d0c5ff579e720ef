//! The SDK is self-contained: a fresh clone with no `../shared` beside it and no `CLOUDSTACK_API_SPECS`
//! runs the README's demo command, a crate outside the workspace builds against the SDK's crates and
//! plans a stack, `cargo package` of the library crates passes its verify step, and the built
//! `stackmate` runs its demo from any directory.
//!
//! These are slow (each builds the workspace in its own target directory), so they are `#[ignore]`d in
//! `cargo test` and run by `cargo xtask test` (the README's test command, which CI runs). The clone is
//! of the committed `HEAD`: commit first to check local changes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("workspace")
}

/// A command with no environment but `PATH` and `HOME` (and rustup's and cargo's homes when set), so
/// nothing of this test run leaks into the build.
fn clean(program: &str, cwd: &Path, target: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(cwd).env_clear();
    for var in ["PATH", "HOME", "RUSTUP_HOME", "CARGO_HOME", "RUSTUP_TOOLCHAIN"] {
        if let Some(v) = std::env::var_os(var) {
            c.env(var, v);
        }
    }
    c.env("CARGO_TARGET_DIR", target);
    c
}

fn run(what: &str, c: &mut Command) -> Output {
    let started = Instant::now();
    let out = c.output().unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    println!("  {what}: ok in {:.0} s", started.elapsed().as_secs_f64());
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
#[ignore = "slow: builds a fresh clone; run by `cargo xtask test`"]
fn a_fresh_clone_is_self_contained() {
    let ws = workspace();
    // Built artifacts are kept between runs (the clone's own path changes, so its crates rebuild).
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| ws.join("target"), PathBuf::from)
        .join("self-contained");
    let base = tempfile::tempdir().expect("temp dir");
    assert!(!base.path().join("shared").exists());
    let clone = base.path().join("stackmate-rs");
    run(
        "git clone",
        clean("git", base.path(), &target)
            .args(["clone", "--quiet", "--no-hardlinks"])
            .arg(&ws)
            .arg(&clone),
    );
    let head = stdout(&run(
        "git rev-parse",
        clean("git", &clone, &target).args(["rev-parse", "--short", "HEAD"]),
    ));
    println!("  testing commit {}", head.trim());
    assert!(
        !clone.join("../shared").exists(),
        "the clone must have no ../shared beside it"
    );

    // 1. The README's first command.
    let readme = std::fs::read_to_string(clone.join("README.md")).expect("README");
    let demo_command = readme
        .lines()
        .find(|l| l.starts_with("cargo run") && l.contains("demo"))
        .expect("the README opens with the demo command");
    let command_only = demo_command.split('#').next().unwrap_or(demo_command).trim();
    let words: Vec<&str> = command_only.split_whitespace().collect();
    assert_eq!(words[0], "cargo", "{demo_command}");
    let out = run("README demo command", clean("cargo", &clone, &target).args(&words[1..]));
    let text = stdout(&out);
    assert!(
        text.contains("CREATE_COMPLETE") && text.contains("DELETE_COMPLETE"),
        "{text}"
    );
    assert!(text.contains("resources left in the simulator: 0"), "{text}");

    // 2. A crate outside the workspace, depending on the SDK's crates by path.
    let app = base.path().join("outside-app");
    std::fs::create_dir_all(app.join("src")).expect("app dir");
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"outside-app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n\
             cloudstack-api = {{ path = {api:?}, default-features = false }}\nstack-core = {{ path = {core:?} }}\n\n\
             [workspace]\n",
            api = clone.join("cloudstack-api").display().to_string(),
            core = clone.join("stack-core").display().to_string(),
        ),
    )
    .expect("Cargo.toml");
    std::fs::write(
        app.join("src/main.rs"),
        r##"use std::collections::BTreeMap;

fn main() {
    let template = stack_core::template::parse(r#"{
      "Resources": {
        "Web": {"Type": "CloudStack::SecurityGroup", "Properties": {"name": "web"}},
        "Http": {"Type": "CloudStack::SecurityGroupIngress",
                 "Properties": {"securitygroupid": {"Ref": "Web"}, "protocol": "tcp", "startport": 80, "endport": 80}}
      }
    }"#).expect("parses");
    let options = stack_core::PlanOptions::new("outside", "outside-1", cloudstack_api::specs::release("4.16").expect("shipped"));
    let plan = stack_core::plan(&template, &BTreeMap::new(), &options).expect("valid");
    println!("planned {} on CloudStack {}", plan.order.join(" -> "), options.version.version);
}
"##,
    )
    .expect("main.rs");
    let out = run("outside crate", clean("cargo", &app, &target).args(["run", "--quiet"]));
    assert_eq!(stdout(&out).trim(), "planned Web -> Http on CloudStack 4.16");

    // 3. `cargo package` of the library crates, each verified by building it from its package alone.
    let crates = [
        "cloudstack-codegen",
        "cloudstack-client",
        "cloudstack-api",
        "cloudstack-sim",
        "stack-template",
        "stack-core",
        "stack-store-sqlite",
        "stack-signals-http",
        "stack-store-postgres",
        "stacktician-rest",
        "stacktician",
        "stackmate-cli",
    ];
    // Packages of an earlier run carry the same names and versions, and cargo's verify step unpacks
    // the workspace's packages into $CARGO_HOME/registry like downloaded crates, reusing what it finds
    // there: remove what earlier runs left, or the verify builds against stale sources.
    // Cargo does not rebuild a registry crate whose name and version it has built before, so the
    // verify step builds in a target directory of its own, new each run.
    let package_target = target.join("package-verify");
    let _ = std::fs::remove_dir_all(&package_target);
    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        PathBuf::from,
    );
    for kind in ["src", "cache"] {
        let Ok(indexes) = std::fs::read_dir(cargo_home.join("registry").join(kind)) else {
            continue;
        };
        for index in indexes.flatten() {
            for c in crates {
                let dir = index.path().join(format!("{c}-{}", env!("CARGO_PKG_VERSION")));
                let _ = std::fs::remove_dir_all(&dir);
                let _ = std::fs::remove_file(index.path().join(format!("{c}-{}.crate", env!("CARGO_PKG_VERSION"))));
            }
        }
    }
    let mut cmd = clean("cargo", &clone, &package_target);
    cmd.args(["package", "--quiet"]);
    for c in crates {
        cmd.args(["-p", c]);
    }
    run("cargo package (with verify)", &mut cmd);
    let listing = stdout(&run(
        "cargo package --list",
        clean("cargo", &clone, &package_target).args(["package", "--list", "-p", "cloudstack-api"]),
    ));
    assert!(listing.lines().any(|l| l == "specs/4.17.facts.json"), "{listing}");
    assert!(listing.lines().any(|l| l == "specs/manifest.toml"), "{listing}");
    assert!(!listing.contains("api-specs/"), "{listing}");

    // 4. The built binary runs its demo from any directory, as after `cargo install`.
    let anywhere = base.path().join("somewhere-else");
    std::fs::create_dir_all(&anywhere).expect("dir");
    let out = run(
        "stackmate demo from another directory",
        clean(
            &target.join("debug/stackmate").display().to_string(),
            &anywhere,
            &target,
        )
        .args(["demo", "--latency-ms", "20"]),
    );
    assert!(stdout(&out).contains("resources left in the simulator: 0"));
}
