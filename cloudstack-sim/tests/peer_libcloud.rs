//! Apache libcloud's CloudStack driver, unmodified, works against the simulator: it deploys a VM in
//! a security group, lists it by id, tags it, destroys it with expunge and sees its id list empty.
//! `cargo xtask test` installs `apache-libcloud` in the peer venv; see `peer::python`.

mod peer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn libcloud_driver_drives_the_simulator() {
    peer::drive(
        "libcloud",
        "libcloud_peer.py",
        &[
            "deployVirtualMachine",
            "listPublicIpAddresses",
            "listPortForwardingRules",
            "createTags",
            "destroyVirtualMachine",
        ],
    )
    .await;
}
