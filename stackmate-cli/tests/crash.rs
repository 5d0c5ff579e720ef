//! The crash harness: `stackmate create`, `update` and `delete` run as child processes against the simulator
//! (which lives in this test process, so it survives), are killed with SIGKILL at seeded random
//! points, and are resumed until they finish. After each stack: it completed (or rolled back, for the
//! failing template), nothing was created twice, and after delete no resource of it is left. Every
//! other stack without waits is updated between its create and its delete (half of the updates fail
//! midway): each ends updated or rolled back to exactly what it had, nothing made twice. Every fifth
//! stack is the nested example (three levels of nested stacks), held to the same criteria.
//! Every fourth stack waits for two signals from its VM's guest (played by a task of this test):
//! one sent as soon as the VM's user data names the handle, one after the first kill that lands
//! while it waits; both must be in the condition's data.
//!
//! `CRASH_KILLS` (default 50) is how many kills land on a running process before the harness stops.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{
    assigned, signal, sim, stackmate, template, user_data, wait_template, write, CLOUD_RESOURCES, WAIT_CLOUD_RESOURCES,
};

/// The guest of a wait stack's VM: reads its handle from the user data, sends `g1`, then `g2` once
/// `killed` is set (or after 3 s), each retried until taken, as cfn-signal retries.
fn guest(url: String, vm: String, killed: Arc<AtomicBool>, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let handle = loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            if let Some(script) = user_data(&url, &vm).await {
                break assigned(&script, "HANDLE");
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        };
        let started = Instant::now();
        for id in ["g1", "g2"] {
            if id == "g2" {
                while !killed.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(3) {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                }
            }
            while signal(&handle, id, &format!("data-{id}")).await != Some(200) {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    })
}

/// The stack's output `name`.
fn output_of(url: &str, state: &std::path::Path, stack: &str, name: &str) -> String {
    let out = stackmate(url, state)
        .args(["outputs", stack, "-o", "json"])
        .output()
        .expect("outputs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["outputs"][name].as_str().unwrap_or_default().to_string()
}

/// A small seeded generator (xorshift), so a failing run can be replayed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Runs `cmd` and kills it after `delay` if it is still running. Returns whether the kill landed,
/// and the exit code otherwise.
fn run_or_kill(mut child: Child, delay: Duration) -> (bool, Option<i32>) {
    let deadline = Instant::now() + delay;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return (false, status.code());
        }
        if Instant::now() >= deadline {
            let _ = child.kill(); // SIGKILL on Unix
            let status = child.wait().expect("wait");
            return (status.code().is_none(), status.code());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Where the runs of stack `name` write their error output (appended), so a failure can say why.
fn log_of(dir: &std::path::Path, name: &str) -> Stdio {
    let _ = std::fs::create_dir_all(dir);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{name}.log")))
        .map_or_else(|_| Stdio::null(), Stdio::from)
}

fn status_of(url: &str, state: &std::path::Path, name: &str) -> String {
    let out = stackmate(url, state)
        .args(["describe", name, "-o", "json"])
        .output()
        .expect("describe");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["status"].as_str().unwrap_or("?").to_string()
}

/// CloudStack resources the nested example makes (a group, an address, a VM and a network).
const NESTED_CLOUD_RESOURCES: usize = 4;

/// `template` changed for an update: the VM renamed (in place, with a restart) and a firewall
/// rule's port changed (a replacement).
fn updated(template: &str) -> String {
    let out = template.replace(r#""name": "vm""#, r#""name": "vm2""#).replace(
        r#""startport": 443, "endport": 443"#,
        r#""startport": 444, "endport": 444"#,
    );
    assert_ne!(out, template);
    out
}

/// The ids of the simulator's resources (made through the API), sorted.
fn live_ids(sim: &cloudstack_sim::RunningSim) -> Vec<String> {
    let mut ids: Vec<String> = sim.handle.created_resources().into_iter().map(|r| r.id).collect();
    ids.sort();
    ids
}

/// Updates stack `name` to `target`, killed at random points and resumed until it finishes, and
/// checks the outcome: updated (only the replaced rule is new) or rolled back (exactly the
/// resources it had), each resource made once.
#[allow(clippy::too_many_arguments)]
fn update_until_done(
    url: &str,
    state: &std::path::Path,
    dir: &std::path::Path,
    name: &str,
    target: &std::path::Path,
    rng: &mut Rng,
    kills: &mut u64,
    sim: &cloudstack_sim::RunningSim,
) {
    let before = live_ids(sim);
    let mut first = true;
    let mut tries = 0;
    loop {
        tries += 1;
        assert!(tries < 40, "{name}: update never finished");
        let mut cmd = stackmate(url, state);
        cmd.args(["--lock-lease", "1"]);
        if first {
            cmd.args(["update", name]).arg(target);
        } else {
            cmd.args(["resume", name]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(log_of(dir, name))
            .spawn()
            .expect("spawn");
        let delay = Duration::from_millis(5 + rng.below(if tries > 4 { 4000 } else { 600 }));
        let (killed, code) = run_or_kill(child, delay);
        if killed {
            *kills += 1;
            // Killed before the update was recorded: it starts over; after, resume takes it on.
            first = status_of(url, state, name) == "CREATE_COMPLETE";
            continue;
        }
        assert!(
            matches!(code, Some(0 | 1)),
            "{name}: update: {code:?}\n{}",
            std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default()
        );
        break;
    }
    let status = status_of(url, state, name);
    let after = live_ids(sim);
    let log = || {
        let events = stackmate(url, state).args(["events", name]).output().expect("events");
        let written = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
        format!("{written}\nevents:\n{}", String::from_utf8_lossy(&events.stdout))
    };
    assert_eq!(
        after.len(),
        CLOUD_RESOURCES,
        "{name} ({status}): each resource once: {after:?}\n{}",
        log()
    );
    match status.as_str() {
        "UPDATE_ROLLBACK_COMPLETE" => assert_eq!(after, before, "{name}: rolled back to exactly what it had"),
        "UPDATE_COMPLETE" => {
            let gone: Vec<&String> = before.iter().filter(|id| !after.contains(id)).collect();
            assert_eq!(
                gone.len(),
                1,
                "{name}: only the replaced rule is new: {before:?} -> {after:?}"
            );
        }
        other => panic!("{name}: update ended {other}\n{}", log()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_runs_resume_without_leaks_or_duplicates() {
    let target: u64 = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_cafe);
    let sim = sim(30).await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join("state");
    let good = write(dir.path(), "good.json", &template(false));
    let bad = write(dir.path(), "bad.json", &template(true));
    let waits = write(dir.path(), "waits.json", &wait_template(2, 120));
    // The nested example (three levels, four resources), copied beside the others.
    let nested_dir = dir.path().join("nested");
    std::fs::create_dir_all(&nested_dir).expect("dir");
    for f in ["root.json", "app.json", "network.json"] {
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../stack-core/examples/nested")
            .join(f);
        write(&nested_dir, f, &std::fs::read_to_string(from).expect("nested example"));
    }
    let nested = nested_dir.join("root.json");
    let upd_good = write(dir.path(), "upd-good.json", &updated(&template(false)));
    let upd_bad = write(dir.path(), "upd-bad.json", &updated(&template(true)));
    let mut rng = Rng(seed);
    let (mut kills, mut stacks, mut survived) = (0u64, 0u64, 0u64);
    let url = sim.url.clone();
    while kills < target {
        let name = format!("crash{stacks}");
        let waiting = stacks % 4 == 3;
        let nesting = !waiting && stacks % 5 == 4;
        let failing = !waiting && !nesting && stacks % 3 == 2;
        let t = match (waiting, nesting, failing) {
            (true, _, _) => &waits,
            (_, true, _) => &nested,
            (_, _, true) => &bad,
            _ => &good,
        };
        stacks += 1;
        let (killed_once, stop) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let guest = waiting.then(|| guest(url.clone(), format!("{name}-vm"), killed_once.clone(), stop.clone()));
        // Create, killed at random points, then resumed (and killed again) until it finishes.
        let mut first = true;
        let mut tries = 0;
        let create_code = loop {
            tries += 1;
            assert!(tries < 40, "{name}: create never finished");
            // A killed run's lock is taken over once its lease runs out: a short lease keeps the
            // harness quick (nothing decides by pid).
            let mut cmd = stackmate(&url, &state);
            cmd.args(["--lock-lease", "1"]);
            if first {
                cmd.args(["create", &name]).arg(t);
            } else {
                cmd.args(["resume", &name]);
            }
            let child = cmd
                .stdout(Stdio::null())
                .stderr(log_of(dir.path(), &name))
                .spawn()
                .expect("spawn");
            // Early kills land before the first record, late ones while jobs are in flight.
            let delay = Duration::from_millis(5 + rng.below(if tries > 4 { 2000 } else { 450 }));
            let (killed, code) = run_or_kill(child, delay);
            if killed {
                kills += 1;
                killed_once.store(true, Ordering::Relaxed);
                let known = status_of(&url, &state, &name);
                if known == "?" {
                    // Killed before the stack was recorded: start over.
                    continue;
                }
                first = false;
                continue;
            }
            if first && code == Some(2) {
                panic!("{name}: create refused its input");
            }
            break code;
        };
        stop.store(true, Ordering::Relaxed);
        if let Some(g) = guest {
            let _ = g.await;
        }
        let status = status_of(&url, &state, &name);
        let live = sim.handle.created_resources();
        if failing {
            // 1 when the create itself rolled back; 0 when a resume finished an interrupted rollback.
            assert!(matches!(create_code, Some(0 | 1)), "{name}: {create_code:?}");
            assert_eq!(status, "ROLLBACK_COMPLETE", "{name}");
            assert!(live.is_empty(), "{name}: rollback left {live:?}");
        } else {
            assert_eq!(
                create_code,
                Some(0),
                "{name}: what its runs wrote:\n{}",
                std::fs::read_to_string(dir.path().join(format!("{name}.log"))).unwrap_or_default()
            );
            let why = stackmate(&url, &state)
                .args(["describe", &name])
                .output()
                .expect("describe");
            assert_eq!(
                status,
                "CREATE_COMPLETE",
                "{name}: {}",
                String::from_utf8_lossy(&why.stdout)
            );
            let expected = match (waiting, nesting) {
                (true, _) => WAIT_CLOUD_RESOURCES,
                (_, true) => NESTED_CLOUD_RESOURCES,
                _ => CLOUD_RESOURCES,
            };
            assert_eq!(live.len(), expected, "{name}: created exactly once each: {live:?}");
            if waiting {
                let data = output_of(&url, &state, &name, "Data");
                assert!(
                    data.contains("data-g1") && data.contains("data-g2"),
                    "{name}: both signals count: {data}"
                );
            }
            // Every other stack without waits is updated (every second update fails midway), killed
            // at random points and resumed until the update is done or rolled back.
            if !waiting && !nesting && stacks % 2 == 1 {
                let fails = stacks % 4 == 1;
                update_until_done(
                    &url,
                    &state,
                    dir.path(),
                    &name,
                    if fails { &upd_bad } else { &upd_good },
                    &mut rng,
                    &mut kills,
                    &sim,
                );
            }
            // Delete, killed at random points, resumed until done.
            let mut first = true;
            let mut tries = 0;
            loop {
                tries += 1;
                assert!(tries < 40, "{name}: delete never finished");
                let mut cmd = stackmate(&url, &state);
                cmd.args(["--lock-lease", "1"]);
                cmd.args([if first { "delete" } else { "resume" }, &name]);
                let child = cmd
                    .stdout(Stdio::null())
                    .stderr(log_of(dir.path(), &name))
                    .spawn()
                    .expect("spawn");
                let delay = Duration::from_millis(5 + rng.below(if tries > 4 { 2000 } else { 350 }));
                let (killed, code) = run_or_kill(child, delay);
                if killed {
                    kills += 1;
                    if status_of(&url, &state, &name) == "DELETE_IN_PROGRESS" {
                        first = false;
                    }
                    continue;
                }
                assert_eq!(code, Some(0), "{name}: delete");
                break;
            }
            assert_eq!(status_of(&url, &state, &name), "DELETE_COMPLETE", "{name}");
            let left = sim.handle.created_resources();
            assert!(left.is_empty(), "{name}: delete left {left:?}");
        }
        survived += 1;
    }
    println!("crash harness: {kills} kill points (SIGKILL) over {stacks} stacks, {survived} stacks ended clean, seed {seed:#x}");
}
