//! An endpoint that accepts connections and never answers fails after `--request-timeout`, once,
//! with exit 3 and a message that tells it from an endpoint that cannot be reached.

mod common;

use std::time::{Duration, Instant};

#[test]
fn a_silent_endpoint_fails_after_the_request_timeout_with_exit_3() {
    // Accepts every connection and reads nothing back: a management server that hangs.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/client/api", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let state = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let out = common::stackmate(&url, state.path())
        .args(["--request-timeout", "1", "api-spec", "fetch", "--output"])
        .arg(state.path().join("spec.json"))
        .output()
        .expect("runs");
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("sent no answer within 1s"), "{err}");
    assert!(err.contains("--request-timeout"), "says how to allow longer: {err}");
    assert!(took < Duration::from_secs(5), "one timeout, no retries: {took:?}");

    // Nothing listening at all: "cannot connect", also exit 3.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/client/api", closed.local_addr().expect("addr"));
    drop(closed);
    let out = common::stackmate(&url, state.path())
        .args(["--request-timeout", "1", "api-spec", "fetch", "--output"])
        .arg(state.path().join("spec.json"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("cannot connect"), "{err}");
}
