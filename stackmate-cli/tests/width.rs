//! Width costs no threads: a create of 1,000 independent security groups on the simulator (fast
//! jobs) runs under a 1 GiB address-space limit (`ulimit -v 1048576`, as batch systems set), and
//! the process never holds more than 16 OS threads (sampled from /proc while it runs). Before the
//! store had its one writer thread, each waiting write took a thread of tokio's blocking pool (515
//! threads for this stack), and a debug build under this limit aborted mid-create.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{sim, stackmate, write};

/// The most threads the process may hold at once.
const MOST_THREADS: usize = 16;

/// How many security groups the stack has.
const WIDTH: usize = 1000;

fn threads_of(pid: u32) -> Option<usize> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_wide_stack_runs_in_few_threads_under_a_1_gib_address_space() {
    let sim = sim(5).await;
    let dir = tempfile::tempdir().expect("tmp");
    let resources: Vec<String> = (0..WIDTH)
        .map(|i| format!(r#""G{i}": {{"Type": "CloudStack::SecurityGroup", "Properties": {{"name": "g{i}"}}}}"#))
        .collect();
    let t = write(
        dir.path(),
        "wide.json",
        &format!(r#"{{"Resources": {{{}}}}}"#, resources.join(",")),
    );
    let state = dir.path().join("state");
    let probe = stackmate(&sim.url, &state);
    // The same command, run by a shell that limits its address space first.
    let mut line = format!("ulimit -v 1048576 && exec '{}'", probe.get_program().to_string_lossy());
    for arg in probe.get_args() {
        line.push_str(&format!(" '{}'", arg.to_string_lossy()));
    }
    line.push_str(&format!(" create wide '{}'", t.display()));
    let mut cmd = std::process::Command::new("sh");
    cmd.args(["-c", &line]);
    for (k, v) in probe.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("stackmate starts");
    let pid = child.id();
    let (mut most, mut samples) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if let Some(n) = threads_of(pid) {
            most = most.max(n);
            samples += 1;
        }
        assert!(Instant::now() < deadline, "the create did not end in 300 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read as _;
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "the create failed ({status}): {err}");
    assert_eq!(sim.handle.created_resources().len(), WIDTH, "every group made");
    assert!(samples > 10, "the process was looked at {samples} times only");
    assert!(
        most <= MOST_THREADS,
        "the process held {most} threads at once (at most {MOST_THREADS}), in {samples} samples"
    );
    eprintln!("{WIDTH} resources: at most {most} threads in {samples} samples, under ulimit -v 1048576");
}
