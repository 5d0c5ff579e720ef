//! Delete by tags only on purpose: a state directory that does not hold a stack deletes nothing by
//! itself, even while that stack's create runs elsewhere; `--by-tags` lists what it found, wants a
//! confirmation, and is refused while a run looks live. And the default state directory is one per
//! user, with an earlier release's `.stackmate` still found.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{on_a_terminal, run, sim, stackmate, template, write, CLOUD_RESOURCES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_stack_is_never_deleted_from_another_state_directory() {
    // Slow jobs: the create is still running while the deletes are tried.
    let sim = sim(400).await;
    let dir = tempfile::tempdir().expect("tmp");
    let t = write(dir.path(), "stack.json", &template(false));
    let (here, elsewhere) = (dir.path().join("here"), dir.path().join("elsewhere"));
    let mut create = stackmate(&sim.url, &here)
        .args(["create", "live"])
        .arg(&t)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("create starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    // Until the security group carries the stack's tags (they go on in their own job, after it
    // exists): what the deletes below find by tags.
    let tagged_group = || {
        sim.handle.created_resources().iter().any(|r| {
            r.kind.eq_ignore_ascii_case("securitygroup") && r.tags.iter().any(|t| t == "cloudstack:stack-name=live")
        })
    };
    while !tagged_group() {
        assert!(Instant::now() < deadline, "the create tagged no security group");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Without --by-tags: says the state does not hold it, lists what carries its tags, deletes nothing.
    let (code, _, err) = run(stackmate(&sim.url, &elsewhere).args(["delete", "live"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no stack named live in the state at"), "{err}");
    assert!(err.contains("carry its tags") && err.contains("SecurityGroup"), "{err}");
    assert!(err.contains("stackmate delete live --by-tags"), "{err}");
    // --by-tags while the run is live: refused, with what looked live.
    let (code, _, err) = run(stackmate(&sim.url, &elsewhere).args(["delete", "live", "--by-tags", "--yes"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a run may still be making it"), "{err}");
    assert!(err.contains("still running") || err.contains("created"), "{err}");
    let status = create.wait().expect("create ends");
    assert_eq!(status.code(), Some(0), "the live create finished undisturbed");
    assert_eq!(
        sim.handle.created_resources().len(),
        CLOUD_RESOURCES,
        "nothing was deleted"
    );

    // Not on a terminal and no --yes: nothing is deleted (once nothing looks live).
    std::thread::sleep(Duration::from_millis(1200));
    let (code, _, err) =
        run(stackmate(&sim.url, &elsewhere).args(["--lock-lease", "1", "delete", "live", "--by-tags"]));
    assert!(code == 2 && err.contains("--yes"), "{code}: {err}");
    assert_eq!(sim.handle.created_resources().len(), CLOUD_RESOURCES);
    // With the lease passed and nothing running, --yes deletes what the tags name.
    let (code, out, err) =
        run(stackmate(&sim.url, &elsewhere).args(["--lock-lease", "1", "delete", "live", "--by-tags", "--yes"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("8 resources carry its tags"), "{err}");
    assert!(out.contains("deleted 8 resources found by its tags"), "{out}");
    assert_eq!(sim.handle.created_resources().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_deletes_a_stack_that_looks_live() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let t = write(dir.path(), "stack.json", &template(false));
    let (code, _, err) = run(stackmate(&sim.url, &dir.path().join("a"))
        .args(["create", "fresh"])
        .arg(&t));
    assert_eq!(code, 0, "{err}");
    // Just created: looks live for the default 30 s lease.
    let b = dir.path().join("b");
    let (code, _, err) = run(stackmate(&sim.url, &b).args(["delete", "fresh", "--by-tags", "--yes"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("created") && err.contains("--force"), "{err}");
    assert_eq!(sim.handle.created_resources().len(), CLOUD_RESOURCES);
    // On a terminal it asks; anything but yes deletes nothing.
    let mut asked = stackmate(&sim.url, &b);
    asked.args(["delete", "fresh", "--by-tags", "--force"]);
    let (code, seen) = on_a_terminal(&asked, "[y/N]", "n");
    assert_eq!(code, 2, "{seen}");
    assert!(
        seen.contains("delete these 8 resources?") && seen.contains("not confirmed"),
        "{seen}"
    );
    assert_eq!(sim.handle.created_resources().len(), CLOUD_RESOURCES);
    let (code, seen) = on_a_terminal(&asked, "[y/N]", "y");
    assert_eq!(code, 0, "{seen}");
    assert!(seen.contains("deleted 8 resources found by its tags"), "{seen}");
    assert_eq!(sim.handle.created_resources().len(), 0);
}

/// `stackmate` without --state-dir, in `cwd`, with `home` as HOME.
fn without_state_dir(url: &str, cwd: &std::path::Path, home: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stackmate"));
    c.current_dir(cwd)
        .env("CLOUDSTACK_ENDPOINT", url)
        .env("CLOUDSTACK_KEY", cloudstack_sim::DEMO_API_KEY)
        .env("CLOUDSTACK_SECRET", cloudstack_sim::DEMO_SECRET_KEY)
        .env("HOME", home)
        .env_remove("XDG_STATE_HOME")
        .env_remove("STACKMATE_STATE_DIR")
        .env_remove("STACKMATE_PROFILE");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_state_directory_is_per_user_and_an_old_one_is_still_found() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let (home, work, old) = (dir.path().join("home"), dir.path().join("work"), dir.path().join("old"));
    for d in [&home, &work, &old] {
        std::fs::create_dir_all(d).expect("dir");
    }
    let t = write(
        dir.path(),
        "one.json",
        r#"{"Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}"#,
    );
    let (code, _, err) = run(without_state_dir(&sim.url, &work, &home)
        .args(["create", "mine"])
        .arg(&t));
    assert_eq!(code, 0, "{err}");
    assert!(
        home.join(".local/state/stackmate/stackmate.db").is_file(),
        "the state is the user's, not the working directory's"
    );
    assert!(!work.join(".stackmate").exists());
    // Another directory sees the same stacks.
    let (code, out, _) = run(without_state_dir(&sim.url, &old, &home).args(["list"]));
    assert_eq!(code, 0);
    assert!(out.contains("mine"), "{out}");
    // An earlier release's ./.stackmate is used, with a notice.
    let (code, _, err) = run(stackmate(&sim.url, &old.join(".stackmate"))
        .args(["create", "legacy"])
        .arg(&t));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(without_state_dir(&sim.url, &old, &home).args(["list"]));
    assert_eq!(code, 0);
    assert!(out.contains("legacy") && !out.contains("mine"), "{out}");
    assert!(err.contains("note: using the state in ./.stackmate"), "{err}");
}
