//! The CLI as a user drives it in scripts: a closed stdout does not abandon a run, and a create
//! that is refused (the stack exists, or another run holds it) is an input error with the right
//! advice.

mod common;

use std::process::Stdio;

use common::{run, sim, stackmate, template, write, CLOUD_RESOURCES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_neither_panics_nor_abandons_the_create() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "stack.json", &template(false));
    // As `stackmate create ... | head -0`: the reading end is gone before the first line.
    let mut child = stackmate(&sim.url, &state)
        .args(["create", "piped"])
        .arg(&t)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (code, text, _) = run(stackmate(&sim.url, &state).args(["describe", "piped"]));
    assert_eq!(code, 0);
    assert!(text.contains("CREATE_COMPLETE"), "{text}");
    assert_eq!(sim.handle.created_resources().len(), CLOUD_RESOURCES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_an_existing_stack_is_an_input_error_that_does_not_say_delete_it() {
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "stack.json", &template(false));
    assert_eq!(run(stackmate(&sim.url, &state).args(["create", "twice"]).arg(&t)).0, 0);
    let (code, _, err) = run(stackmate(&sim.url, &state).args(["create", "twice"]).arg(&t));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists (CREATE_COMPLETE)"), "{err}");
    assert!(err.contains("pick another name"), "{err}");
    for wrong in ["CREATE_FAILED", "rollback was disabled", "stackmate delete"] {
        assert!(!err.contains(wrong), "says {wrong:?}: {err}");
    }
    assert_eq!(sim.handle.created_resources().len(), CLOUD_RESOURCES, "nothing new");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_locked_stack_is_an_input_error_naming_the_holder() {
    use stack_core::state::StateStore as _;
    let sim = sim(20).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let t = write(dir.path(), "stack.json", &template(false));
    std::fs::create_dir_all(&state).expect("dir");
    let store = stack_store_sqlite::SqliteStore::open_dir(&state).expect("store");
    let holder = stack_core::state::LockHolder::this_process();
    let lease = store
        .acquire_lock("held", &holder, std::time::Duration::from_secs(60))
        .await
        .expect("lock");
    let (code, _, err) = run(stackmate(&sim.url, &state)
        .args(["--lock-lease", "1", "create", "held"])
        .arg(&t));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("locked by pid {}", std::process::id())), "{err}");
    for wrong in ["CREATE_FAILED", "rollback was disabled", "stackmate delete"] {
        assert!(!err.contains(wrong), "says {wrong:?}: {err}");
    }
    assert_eq!(sim.handle.created_resources().len(), 0, "nothing was made");
    store.release_lock(&lease).await.expect("release");
}
