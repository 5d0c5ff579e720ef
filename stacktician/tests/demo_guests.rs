//! `serve --demo` plays its stacks' guests: the demo's own template, `lamp-demo.json`, whose VM's
//! user data signals a wait condition, reaches CREATE_COMPLETE in seconds instead of waiting for a
//! guest that nothing plays.

mod common;

use std::time::{Duration, Instant};

use common::world;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_template_completes_with_its_guest_played() {
    let w = world(10).await;
    let client = cloudstack_client::Client::builder(w.sim.url.clone())
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
    let player = stacktician::demo_guests::play(w.sim.handle.clone(), client);
    let template = cloudstack_sim::fixtures::LAMP_DEMO_TEMPLATE;
    let started = Instant::now();
    let (s, v) = w
        .alice
        .post(
            "/v1/stacks",
            &json!({"name": "demo", "template": template, "parameters": {
                "zoneid": cloudstack_sim::fixtures::ZONE_ID,
                "templateid": cloudstack_sim::fixtures::TEMPLATE_ID,
                "serviceofferingid": cloudstack_sim::fixtures::SERVICE_OFFERING_SMALL_ID,
                "DBPassword": "demoPassw0rd"}}),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let done = w.alice.settled("demo").await;
    player.abort();
    assert_eq!(done["status"], "CREATE_COMPLETE", "{done}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "it took {:?}",
        started.elapsed()
    );
}
