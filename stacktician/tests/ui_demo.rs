//! The service's demo from its web UI: the template `serve --demo` stores (`lamp-demo`, the CLI
//! demo's own, defaulting to the simulator's ids) is launched from the launch page with only its
//! database password typed, and, its guest played as `serve --demo` plays it, reaches
//! CREATE_COMPLETE.

mod common;
mod ui_support;

use serde_json::json;
use ui_support::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_template_launched_from_the_ui_completes() {
    if !ui_support::wanted() {
        return;
    }
    let w = common::world(50).await;
    let a = &w.alice;
    let (s, v) = a
        .post(
            "/v1/templates",
            &json!({"name": "lamp-demo", "template": stacktician::demo_guests::demo_template()}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let guests = cloudstack_client::Client::builder(w.sim.url.clone())
        .credentials(cloudstack_sim::DEMO_API_KEY, cloudstack_sim::DEMO_SECRET_KEY)
        .build()
        .expect("client");
    let player = stacktician::demo_guests::play(w.sim.handle.clone(), guests);

    let mut b = Browser::start(&a.base).await;
    b.c.goto(&format!("{}/", b.base)).await.expect("goto");
    b.wait_for("the sign-in form", "return !!document.getElementById('token')")
        .await;
    b.sign_in(&a.token).await;
    b.wait_for(
        "the stacks page",
        "return !!document.querySelector('#no-stacks, #stacks')",
    )
    .await;
    b.go("#/launch").await;
    b.choose("#template-source", "lamp-demo").await;
    b.wait_for(
        "the parameters form",
        "return !!document.getElementById('param-DBPassword')",
    )
    .await;
    b.type_into("#stack-name", "demo").await;
    b.type_into("#param-DBPassword", "demoPassw0rd").await;
    b.click_text("Next: review").await;
    b.wait_for("the review", "return !document.getElementById('review').hidden")
        .await;
    b.click("#launch-submit").await;
    b.wait_for(
        "the stack's events",
        "return location.hash.startsWith('#/stacks/demo?tab=events')",
    )
    .await;
    b.wait_for(
        "CREATE_COMPLETE of the demo stack",
        "return !!document.querySelector('#events tr[data-logical=\"demo\"][data-status=\"CREATE_COMPLETE\"]')",
    )
    .await;
    b.shoot("demo-complete").await;
    player.abort();
    b.read_console("the demo").await;
    assert!(b.console.is_empty(), "console errors:\n{}", b.console.join("\n"));
    assert!(b.a11y.is_empty(), "accessibility:\n{}", b.a11y.join("\n"));
    b.c.close().await.expect("close");
}
