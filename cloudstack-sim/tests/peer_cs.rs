//! A real third-party client, the Python `cs` package, works against the simulator unchanged.
//! `cargo xtask test` installs it in a venv and names its Python in `STACKMATE_PEER_PYTHON`; without
//! it this test fails and says what to run, unless `SKIP_PEER_TESTS=1` is set.

mod peer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cs_client_drives_the_simulator() {
    peer::drive(
        "cs",
        "cs_peer.py",
        &[
            "deployVirtualMachine",
            "queryAsyncJobResult",
            "createTags",
            "listInstanceGroups",
        ],
    )
    .await;
}
