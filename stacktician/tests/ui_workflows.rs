//! The web console's workflows in a real browser (Chromium through ChromeDriver, see
//! `ui_support`), against a service with the simulator behind it, as a CloudFormation user walks
//! them: sign in; launch a stored template with a bad value first, options and a review; watch its
//! events arrive live and filter them; read its overview, outputs, parameters (in the template's
//! order) and template (as written, JSON, YAML); watch a second stack's graph turn complete and
//! follow a node to its resource; update through a change set reviewed property by property; check
//! drift after an out-of-band change; delete, and find the deleted stack and its events; compare two
//! versions of a template and launch from one. Every page is shot at 1280 and 390 px
//! (`target/ui-screenshots/`) and audited for accessibility, and the whole walk is made twice: in a
//! desktop window (1280 px) and in a phone's (390 px); the test fails on any console error,
//! any request to another origin, an action the keyboard cannot reach, and a NoEcho value in any
//! page, the browser's storage or an answer the UI got.

mod common;
mod ui_support;

use serde_json::json;
use ui_support::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_walks_every_workflow_on_a_desktop() {
    walk(ui_support::WIDTHS[0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_walks_every_workflow_on_a_phone() {
    walk(ui_support::WIDTHS[1]).await;
}

async fn walk(size: (u32, u32)) {
    if !ui_support::wanted() {
        return;
    }
    let narrow = size.0 < 600;
    let w = common::world(300).await;
    let a = &w.alice;
    // Set up through the API: alice's stored template (a second version, which opens the rule on
    // port 8080, is stored before the update), bob's stack.
    let store = |port: u16| {
        let a = a.clone();
        async move {
            let (s, v) = a
                .post(
                    "/v1/templates",
                    &json!({"name": "console", "template": common::console_template(port)}),
                )
                .await;
            assert_eq!(s, 201, "{v}");
        }
    };
    store(80).await;
    let (s, v) = w
        .bob
        .post("/v1/stacks", &json!({"name": "bobs-secret-stack", "template": common::lamp(), "parameters": {"DbPassword": common::PASSWORD}}))
        .await;
    assert_eq!(s, 202, "{v}");
    let mut b = Browser::start_at(&a.base, size).await;

    // Sign in: before it the navigation is hidden; a wrong token says so and stays there.
    b.c.goto(&format!("{}/", b.base)).await.expect("goto");
    b.wait_for("the sign-in form", "return !!document.getElementById('token')")
        .await;
    b.eval("performance.setResourceTimingBufferSize(100000)").await;
    b.shoot("signin").await;
    let nav = b
        .eval("return getComputedStyle(document.getElementById('nav')).display")
        .await;
    assert_eq!(nav, json!("none"), "the navigation is hidden before signing in");
    b.sign_in("stk_wrong.token").await;
    b.wait_for(
        "the wrong token's message",
        "return document.getElementById('signin-error').textContent.length > 0",
    )
    .await;
    // The one failed load this walk means to cause: the refused token.
    b.read_console("sign-in with a wrong token").await;
    let refused = std::mem::take(&mut b.console);
    assert!(
        refused.len() == 1 && refused[0].contains("/v1/whoami") && refused[0].contains("401"),
        "{refused:?}"
    );
    b.sign_in(&a.token).await;
    b.wait_for(
        "the stacks page",
        "return !!document.querySelector('#no-stacks, #stacks')",
    )
    .await;
    assert!(b.text("#who").await.contains("alice"));
    b.checks_catch_a_bad_page().await;
    b.shoot("stacks-empty").await;

    // Launch: the stored template, its parameters in the template's order, a bad value shown at
    // its field, options, then the review, then the launch.
    b.go("#/launch").await;
    b.choose("#template-source", "console").await;
    b.wait_for(
        "the parameters form",
        "return !!document.getElementById('param-DbPassword')",
    )
    .await;
    let order = b
        .eval("return [...document.querySelectorAll('#parameters [data-param]')].map(e => e.dataset.param)")
        .await;
    assert_eq!(order, json!(["Size", "DbPassword", "Admin"]), "the template's order");
    let kind = b
        .eval(
            "return [document.getElementById('param-DbPassword').type, document.getElementById('param-Size').tagName]",
        )
        .await;
    assert_eq!(
        kind,
        json!(["password", "SELECT"]),
        "NoEcho is a password field, AllowedValues a select"
    );
    b.type_into("#stack-name", "web").await;
    b.type_into("#param-DbPassword", "short").await;
    b.click_text("Next: review").await;
    b.wait_for(
        "the field's error",
        "return document.getElementById('err-DbPassword').textContent.includes('8')",
    )
    .await;
    let alerts = b.role_texts("alert").await;
    assert!(
        alerts.iter().any(|t| t.contains("at least 8 characters")),
        "the error is announced: {alerts:?}"
    );
    b.shoot("launch-error").await;
    b.type_into("#param-DbPassword", common::PASSWORD).await;
    b.type_into("#tag-key-1", "team").await;
    b.type_into("#tag-value-1", "web").await;
    b.type_into("#timeout", "30").await;
    b.click_text("Next: review").await;
    b.wait_for("the review", "return !document.getElementById('review').hidden")
        .await;
    let headings = b.role_texts("heading").await;
    assert!(
        headings.iter().any(|h| h == "Review") && headings.iter().any(|h| h == "Resources to create"),
        "{headings:?}"
    );
    let review = b.text("#review").await;
    for said in [
        "Review",
        "web",
        "team=web",
        "30 minutes",
        "****",
        "Vm",
        "CloudStack::VirtualMachine",
    ] {
        assert!(review.contains(said), "the review shows {said}: {review}");
    }
    assert!(!review.contains(common::PASSWORD), "the review hides the NoEcho value");
    b.shoot("launch-review").await;
    b.click("#launch-submit").await;
    b.wait_for(
        "the new stack's events",
        "return location.hash.startsWith('#/stacks/web?tab=events')",
    )
    .await;

    // Watch: events arrive live, newest first, until CREATE_COMPLETE; then filter them.
    b.rendered("#/stacks/web?tab=events").await;
    b.wait_for(
        "CREATE_COMPLETE of the stack",
        "return !!document.querySelector('#events tr[data-logical=\"web\"][data-status=\"CREATE_COMPLETE\"]')",
    )
    .await;
    assert!(b.text("#new-events").await.contains("new event"), "events came in live");
    b.wait_for(
        "the header's status",
        "return document.querySelector('#header-status').textContent === 'CREATE_COMPLETE'",
    )
    .await;
    let first = b
        .eval("return document.querySelector('#events tbody tr').dataset.status")
        .await;
    assert_eq!(first, json!("CREATE_COMPLETE"), "newest first");
    b.choose("#event-resource", "Vm").await;
    let shown = b.eval("return [...document.querySelectorAll('#events tbody tr')].filter(r => !r.hidden).map(r => r.dataset.logical)").await;
    let shown: Vec<&str> = shown
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        !shown.is_empty() && shown.iter().all(|l| *l == "Vm"),
        "only Vm's events: {shown:?}"
    );
    b.click("#utc").await;
    assert!(
        b.text("#events tbody tr:not([hidden]) time").await.ends_with("UTC"),
        "times in UTC"
    );
    b.shoot("stack-events").await;
    b.click("#utc").await;

    // The overview: status, options and tags; only the actions that apply.
    b.go("#/stacks/web").await;
    let overview = b.text("dl.overview").await;
    for said in ["CREATE_COMPLETE", "team=web", "30 minutes", "A web server"] {
        assert!(overview.contains(said), "the overview shows {said}: {overview}");
    }
    for action in ["#resume", "#continue-rollback"] {
        assert!(
            b.c.find(fantoccini::Locator::Css(action)).await.is_err(),
            "{action} offered on a healthy stack"
        );
    }
    b.shoot("stack-overview").await;
    // Outputs with descriptions and export names; parameters in the template's order.
    b.go("#/stacks/web?tab=outputs").await;
    let outputs = b.text("#outputs").await;
    assert!(
        outputs.contains("Where the site answers") && outputs.contains("web-url"),
        "{outputs}"
    );
    assert!(b.text("[data-output=Address]").await.contains('.'));
    b.shoot("stack-outputs").await;
    b.go("#/stacks/web?tab=parameters").await;
    let rows = b
        .eval("return [...document.querySelectorAll('#parameters tbody th')].map(e => e.textContent)")
        .await;
    assert_eq!(rows, json!(["Size", "DbPassword", "Admin"]));
    assert!(b.text("#parameters").await.contains("****"));
    b.shoot("stack-parameters").await;
    // The template as written, as JSON and as YAML.
    b.go("#/stacks/web?tab=template").await;
    b.click_text("YAML").await;
    let yaml = b.text("#template").await;
    assert!(yaml.contains("Resources:") && yaml.contains("Fn::Join:"), "{yaml}");
    b.click_text("JSON").await;
    assert!(b.text("#template").await.contains("\"Resources\": {"));
    b.shoot("stack-template").await;
    b.go("#/stacks/web?tab=resources").await;
    b.shoot("stack-resources").await;

    // The graph of a second stack, watched from its start: every box names its type, the boxes
    // turn complete, a box leads to its resource, and at phone width it is a list.
    let (s, _) = a
        .post("/v1/stacks", &json!({"name": "web2", "template_name": "console", "template_version": 1, "parameters": {"DbPassword": common::PASSWORD}}))
        .await;
    assert_eq!(s, 202);
    b.go("#/stacks/web2?tab=graph").await;
    b.wait_for(
        "every box complete",
        "const n = document.querySelectorAll('#graph a.node'); return n.length === 4 && [...n].every(n => n.dataset.status === 'CREATE_COMPLETE')",
    )
    .await;
    if narrow {
        // At phone width the graph is a list, each resource a link.
        let list = b
            .eval("return getComputedStyle(document.getElementById('graph-list')).display")
            .await;
        assert_eq!(list, json!("block"), "a list at phone width");
        assert!(b.text("#graph-list").await.contains("CloudStack::VirtualMachine"));
        b.shoot("stack-graph").await;
        b.click("#graph-list li[data-id=Vm] a").await;
    } else {
        let boxes = b.text("#graph").await;
        assert!(boxes.contains("CloudStack::VirtualMachine"), "types in boxes: {boxes}");
        // No edge passes behind a box: each piece of an edge lies between two columns.
        let crossing = b
            .eval(
                "const boxes = [...document.querySelectorAll('#graph a.node rect')].map(r => r.getBBox());
                 const bad = [];
                 for (const p of document.querySelectorAll('#graph .edges path')) {
                   const len = p.getTotalLength();
                   for (let t = 2; t < len - 2; t += 4) {
                     const q = p.getPointAtLength(t);
                     if (boxes.some(b => q.x > b.x + 1 && q.x < b.x + b.width - 1 && q.y > b.y + 1 && q.y < b.y + b.height - 1)) { bad.push(p.dataset.from + '->' + p.dataset.to); break; }
                   }
                 }
                 return bad;",
            )
            .await;
        assert_eq!(crossing, json!([]), "edges drawn behind boxes");
        b.click("#zoom-in").await;
        b.click("#zoom-fit").await;
        b.shoot("stack-graph").await;
        b.c.set_window_size(390, 844).await.expect("size");
        let list = b
            .eval("return getComputedStyle(document.getElementById('graph-list')).display")
            .await;
        assert_eq!(list, json!("block"), "a list at phone width");
        b.c.set_window_size(size.0, size.1).await.expect("size");
        b.click("#graph a.node[data-id=Vm]").await;
    }
    b.wait_for(
        "the resource",
        "return location.hash.includes('tab=resources') && !!document.querySelector('#resource-Vm.chosen')",
    )
    .await;

    // Update through a change set: version 2 of the template, reviewed property by property,
    // then executed.
    store(8080).await;
    b.go("#/stacks/web").await;
    b.click_text("Update").await;
    b.wait_for("the change set form", "return !!document.getElementById('cs-template')")
        .await;
    b.choose("#cs-template", "stored:console").await;
    b.wait_for("its parameters", "return !!document.getElementById('param-DbPassword')")
        .await;
    b.type_into("#param-DbPassword", common::PASSWORD).await;
    b.shoot("change-set-form").await;
    b.click_text("Create change set for review").await;
    b.wait_for(
        "the change set for review",
        "return !!document.querySelector('article.change-set tr[data-change=Http]')",
    )
    .await;
    let change = b.text("article.change-set").await;
    assert!(change.contains("Modify") && change.contains("Http"), "{change}");
    let ports = b
        .eval("return [...document.querySelectorAll('article.change-set table.property-changes tr')].map(r => r.textContent).filter(t => t.startsWith('endport'))")
        .await;
    assert!(
        ports.to_string().contains("80") && ports.to_string().contains("8080"),
        "endport before and after: {ports}"
    );
    b.shoot("change-set-review").await;
    let name = b
        .eval("return document.querySelector('article.change-set').dataset.changeSet")
        .await;
    let name = name.as_str().expect("name").to_string();
    b.type_into(&format!("#cs-secret-{name}-DbPassword"), common::PASSWORD)
        .await;
    b.click(&format!("#execute-{name}")).await;
    b.wait_for("the confirmation", "return document.getElementById('confirm').open")
        .await;
    b.click("#confirm-ok").await;
    b.wait_for("the update's events", "return location.hash.includes('tab=events')")
        .await;
    b.wait_for(
        "UPDATE_COMPLETE",
        "return !!document.querySelector('#events tr[data-logical=\"web\"][data-status=\"UPDATE_COMPLETE\"]')",
    )
    .await;
    let reasons = b
        .eval("return [...document.querySelectorAll('#events td.reason')].map(e => e.textContent).join('|')")
        .await;
    assert!(
        reasons.as_str().is_some_and(|r| r.contains("new physical resource")),
        "the reason column: {reasons}"
    );

    // Drift: never checked; an out-of-band change; detected, with when, expected and actual.
    b.go("#/stacks/web?tab=drift").await;
    assert!(b.text("#drift").await.contains("Never checked"));
    let vm = a.get("/v1/stacks/web/resources").await.1["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["logical_id"] == "Vm"))
        .and_then(|x| x["physical_id"].as_str())
        .expect("the VM's id")
        .to_string();
    let cloud = cloudstack_client::Client::builder(&w.sim.url)
        .credentials("alice-key", common::ALICE_SECRET)
        .build()
        .expect("client");
    cloud
        .call(
            "updateVirtualMachine",
            cloudstack_client::HttpMethod::Get,
            vec![("id".into(), vm), ("displayname".into(), "by hand".into())],
        )
        .await
        .expect("changed out of band");
    b.click_text("Detect drift").await;
    b.wait_for("the report", "return !!document.getElementById('drift-status')")
        .await;
    let drift = b.text("#drift").await;
    assert!(
        drift.contains("DRIFTED") && drift.contains("web server") && drift.contains("by hand"),
        "{drift}"
    );
    b.go("#/stacks/web?tab=drift").await;
    assert!(
        b.text("#drift-status").await.contains("checked"),
        "the last check is kept"
    );
    b.shoot("stack-drift").await;

    // Keyboard: every action of these pages can be reached with Tab.
    for page in [
        "#/stacks",
        "#/launch",
        "#/stacks/web",
        "#/stacks/web?tab=changes",
        "#/templates/console",
    ] {
        b.go(page).await;
        let missed = b.unreachable_by_keyboard().await;
        assert!(missed.is_empty(), "{page}: not reachable by keyboard: {missed:?}");
    }

    // Delete, confirmed; gone from the list, there among deleted stacks with its events.
    b.go("#/stacks/web").await;
    b.click_text("Delete").await;
    b.wait_for("the confirmation", "return document.getElementById('confirm').open")
        .await;
    b.shoot("confirm-delete").await;
    b.click("#confirm-ok").await;
    b.wait_for(
        "the delete queued",
        "return document.getElementById('action-result').textContent.includes('queued')",
    )
    .await;
    let said = b.role_texts("status").await;
    assert!(
        said.iter().any(|t| t.starts_with("Delete: queued")),
        "the outcome is announced: {said:?}"
    );
    b.wait_for(
        "the header's DELETE_COMPLETE",
        "return document.querySelector('#header-status').textContent === 'DELETE_COMPLETE'",
    )
    .await;
    let look = b
        .eval("return document.querySelector('#header-status .status').className")
        .await;
    assert_eq!(look, json!("status idle"), "a deleted stack does not look failed");
    b.go("#/stacks").await;
    assert!(
        b.c.find(fantoccini::Locator::Css("tr[data-stack=web]")).await.is_err(),
        "web is gone from the list"
    );
    b.click("#show-deleted").await;
    b.wait_for(
        "deleted stacks",
        "return !!document.querySelector('tr[data-stack=web]')",
    )
    .await;
    b.shoot("stacks-deleted").await;
    b.click("tr[data-stack=web] a").await;
    b.wait_for(
        "the deleted stack",
        "return location.hash.includes('deleted=1') && !!document.getElementById('overview-status')",
    )
    .await;
    assert!(b.text("#overview-status").await.contains("DELETE_COMPLETE"));
    b.click("#tab-events").await;
    b.wait_for(
        "its events",
        "return !!document.querySelector('#events tr[data-logical=\"web\"][data-status=\"DELETE_COMPLETE\"]')",
    )
    .await;
    b.shoot("deleted-stack-events").await;

    // Templates: two versions compared, and a stack launched from one.
    b.go("#/templates").await;
    b.shoot("templates").await;
    b.go("#/templates/console").await;
    b.choose("#diff-from", "1").await;
    b.choose("#diff-to", "2").await;
    b.click_text("Compare").await;
    b.wait_for("the diff", "return !!document.querySelector('#diff pre')")
        .await;
    let diff = b.text("#diff").await;
    assert!(
        diff.contains("- ") && diff.contains("+ ") && diff.contains("8080"),
        "{diff}"
    );
    b.shoot("template-diff").await;
    b.click_text("Launch a stack from this version").await;
    b.wait_for(
        "the launch form, filled",
        "return location.hash.startsWith('#/launch') && !!document.getElementById('param-DbPassword')",
    )
    .await;
    b.shoot("launch-from-template").await;

    // What the whole walk must not have done.
    b.read_console("the end").await;
    assert!(b.console.is_empty(), "console errors:\n{}", b.console.join("\n"));
    let foreign = b.foreign_requests().await;
    assert!(foreign.is_empty(), "requests to other origins: {foreign:?}");
    assert!(b.a11y.is_empty(), "accessibility:\n{}", b.a11y.join("\n"));
    let storage = b
        .eval("return JSON.stringify(Object.assign({}, sessionStorage)) + JSON.stringify(Object.assign({}, localStorage))")
        .await;
    assert!(!storage.to_string().contains(common::PASSWORD), "the browser's storage");
    for page in &b.pages {
        assert!(!page.contains(common::PASSWORD), "a page's HTML holds the NoEcho value");
        assert!(!page.contains("bobs-secret-stack"), "bob's stack is shown to alice");
    }
    let fetched = b
        .eval("return performance.getEntriesByType('resource').map(e => e.name)")
        .await;
    let mut answers = String::new();
    for url in fetched.as_array().into_iter().flatten().filter_map(|u| u.as_str()) {
        if let Some(path) = url
            .strip_prefix(&a.base)
            .filter(|p| p.starts_with("/v1/") && !p.contains("/stream"))
        {
            answers.push_str(&a.get(path).await.1.to_string());
        }
    }
    assert!(answers.contains("DELETE_COMPLETE"), "the UI's requests were replayed");
    assert!(
        !answers.contains(common::PASSWORD),
        "an API answer to the UI holds the NoEcho value"
    );
    b.c.close().await.expect("close");
}
