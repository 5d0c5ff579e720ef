//! The web UI in a real browser: Debian's Chromium through ChromeDriver (installed by `.ci/run`;
//! `STACKTICIAN_CHROMEDRIVER` names another driver, `SKIP_BROWSER_TESTS=1` skips this test where no
//! browser can be had). Against a service with the simulator behind it, it signs in, launches the
//! LAMP-like template through the form (with its NoEcho field, after a bad value shown at its field),
//! watches the events arrive live until CREATE_COMPLETE, sees the graph's nodes turn complete, reads
//! the outputs, deletes the stack and sees it gone, and checks that another owner's stack is never
//! shown. Screenshots of every page at 1280 and 390 px go to `target/ui-screenshots/`. No NoEcho value
//! may appear in any page's HTML, in the browser's storage, or in an API answer the UI received.

mod common;

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::json;

fn chromedriver() -> Option<String> {
    if let Ok(p) = std::env::var("STACKTICIAN_CHROMEDRIVER") {
        return Some(p);
    }
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_string)
}

struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn shots_dir() -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/ui-screenshots");
    std::fs::create_dir_all(&d).expect("screenshots dir");
    d
}

struct Browser {
    c: Client,
    base: String,
    pages: Vec<String>,
}

impl Browser {
    async fn go(&mut self, hash: &str) {
        let _ = self
            .c
            .execute("document.body.removeAttribute('data-rendered')", vec![])
            .await;
        let here = self.c.execute("return location.hash", vec![]).await.expect("hash");
        if here.as_str() == Some(hash) {
            // The same address: no hashchange, so the route is drawn again by hand.
            self.c.execute("route()", vec![]).await.expect("route");
        } else {
            self.c.goto(&format!("{}/{hash}", self.base)).await.expect("goto");
        }
        self.wait_for(
            &format!("{hash} to render"),
            "return document.body.dataset.rendered === (location.hash || '#/stacks')",
        )
        .await;
    }

    async fn wait_for(&self, what: &str, script: &str) {
        let started = Instant::now();
        loop {
            let v = self.c.execute(script, vec![]).await.expect("script");
            if v == json!(true) {
                return;
            }
            if started.elapsed() > Duration::from_secs(30) {
                if let Ok(png) = self.c.screenshot().await {
                    let _ = std::fs::write(shots_dir().join("failure.png"), png);
                }
                let html = self.c.source().await.unwrap_or_default();
                panic!("waited too long for {what}; the page:\n{html}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self, css: &str) -> String {
        self.c
            .find(Locator::Css(css))
            .await
            .expect(css)
            .text()
            .await
            .expect("text")
    }

    /// Types `token` into the sign-in form (replacing what is there) and sends it.
    async fn sign_in(&self, token: &str) {
        let field = self.c.find(Locator::Css("#token")).await.expect("token field");
        field.clear().await.expect("clear");
        field.send_keys(token).await.expect("type");
        self.c
            .find(Locator::Css("#signin"))
            .await
            .expect("button")
            .click()
            .await
            .expect("click");
    }

    /// Screenshots of the page at both widths, and its HTML kept for the secrets scan.
    async fn shoot(&mut self, name: &str) {
        for (w, h) in [(1280u32, 900u32), (390, 844)] {
            self.c.set_window_size(w, h).await.expect("size");
            tokio::time::sleep(Duration::from_millis(200)).await;
            let png = self.c.screenshot().await.expect("screenshot");
            std::fs::write(shots_dir().join(format!("{name}-{w}.png")), png).expect("write");
        }
        self.c.set_window_size(1280, 900).await.expect("size");
        self.pages.push(self.c.source().await.expect("source"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_ui_launches_watches_and_deletes_a_stack() {
    let Some(driver_path) = chromedriver() else {
        if std::env::var("SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
            eprintln!("skipped: no chromedriver (SKIP_BROWSER_TESTS=1)");
            return;
        }
        panic!("no chromedriver: install Debian's chromium and chromium-driver (.ci/run does), or set STACKTICIAN_CHROMEDRIVER");
    };
    let w = common::world(700).await;
    let base = w.alice.base.clone();
    // What the test sets up through the API: alice's stored template, and bob's stack.
    assert_eq!(
        w.alice
            .post("/v1/templates", &json!({"name": "lamp", "template": common::lamp()}))
            .await
            .0,
        201
    );
    let (s, v) = w
        .bob
        .post("/v1/stacks", &json!({"name": "bobs-secret-stack", "template": common::lamp(), "parameters": {"DbPassword": common::PASSWORD}}))
        .await;
    assert_eq!(s, 202, "{v}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let _driver = Driver(
        std::process::Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let mut caps = serde_json::Map::new();
    let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let mut options = json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]});
    if let Some(b) = binary {
        options["binary"] = json!(b);
    }
    caps.insert("goog:chromeOptions".into(), options);
    let started = Instant::now();
    let c = loop {
        // Plain HTTP to the local driver: no TLS.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match fantoccini::ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => break c,
            Err(e) => {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "chromedriver did not start: {e}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let mut b = Browser {
        c,
        base,
        pages: Vec::new(),
    };

    // Sign in: before it, the navigation is not shown; a wrong token says so and stays there (the
    // first page a visitor sees: the service's address, no route).
    b.c.goto(&format!("{}/", b.base)).await.expect("goto");
    b.wait_for("the sign-in form", "return !!document.getElementById('token')")
        .await;
    b.shoot("signin").await;
    let nav_shown =
        b.c.execute(
            "return getComputedStyle(document.getElementById('nav')).display !== 'none'",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(nav_shown, json!(false), "the navigation is hidden before signing in");
    b.sign_in("stk_wrong.token").await;
    b.wait_for(
        "the wrong token's message",
        "return (document.getElementById('signin-error') || {}).textContent.length > 0",
    )
    .await;
    b.sign_in(&w.alice.token).await;
    b.wait_for(
        "the stacks page",
        "return location.hash.startsWith('#/stacks') && !!document.querySelector('#no-stacks, #stacks')",
    )
    .await;
    assert!(b.text("#who").await.contains("alice"));
    b.shoot("stacks-empty").await;
    assert!(
        !b.c.source().await.expect("source").contains("bobs-secret-stack"),
        "bob's stack is not shown to alice"
    );

    // Launch through the form: a bad value first, shown at its field.
    b.go("#/launch").await;
    let source = b.c.find(Locator::Css("#template-source")).await.expect("source select");
    source
        .select_by_value("lamp")
        .await
        .expect("choose the stored template");
    b.wait_for(
        "the parameters form",
        "return !!document.getElementById('param-DbPassword')",
    )
    .await;
    let pw = b.c.find(Locator::Css("#param-DbPassword")).await.expect("field");
    assert_eq!(
        pw.attr("type").await.expect("type").as_deref(),
        Some("password"),
        "NoEcho is a password field"
    );
    let size = b.c.find(Locator::Css("#param-Size")).await.expect("size");
    assert_eq!(
        size.prop("tagName").await.expect("tag").as_deref(),
        Some("SELECT"),
        "AllowedValues is a select"
    );
    b.c.find(Locator::Css("#stack-name"))
        .await
        .expect("name")
        .send_keys("web")
        .await
        .expect("type");
    pw.send_keys("short").await.expect("type");
    b.c.find(Locator::Css("#launch-submit"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    b.wait_for(
        "the field's error",
        "return document.getElementById('err-DbPassword').textContent.length > 0",
    )
    .await;
    assert!(
        b.text("#err-DbPassword").await.contains("8"),
        "{}",
        b.text("#err-DbPassword").await
    );
    b.shoot("launch-error").await;
    pw.clear().await.expect("clear");
    pw.send_keys(common::PASSWORD).await.expect("type");
    b.c.find(Locator::Css("#launch-submit"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    b.wait_for("the stack page", "return location.hash.startsWith('#/stacks/web')")
        .await;

    // Events arrive live, until CREATE_COMPLETE.
    b.go("#/stacks/web?tab=events").await;
    b.wait_for(
        "CREATE_COMPLETE of the stack",
        "return !!document.querySelector('#events tr[data-logical=\"web\"][data-status=\"CREATE_COMPLETE\"]')",
    )
    .await;
    assert!(b.text("#new-events").await.contains("new event"), "events came in live");
    let first = b.c.find(Locator::Css("#events tbody tr")).await.expect("row");
    assert_eq!(
        first.attr("data-status").await.expect("attr").as_deref(),
        Some("CREATE_COMPLETE"),
        "newest first"
    );
    b.shoot("stack-events").await;

    // The graph: a second stack watched from its start, its nodes turning complete.
    let (s, _) = w
        .alice
        .post(
            "/v1/stacks",
            &json!({"name": "web2", "template_name": "lamp", "parameters": {"DbPassword": common::PASSWORD}}),
        )
        .await;
    assert_eq!(s, 202);
    b.go("#/stacks/web2?tab=graph").await;
    b.wait_for(
        "a node not yet complete",
        "return [...document.querySelectorAll('#graph g.node')].some(n => n.dataset.status !== 'CREATE_COMPLETE')",
    )
    .await;
    b.wait_for(
        "every node complete",
        "const n = document.querySelectorAll('#graph g.node'); return n.length === 4 && [...n].every(n => n.dataset.status === 'CREATE_COMPLETE')",
    )
    .await;
    b.shoot("stack-graph").await;

    // Outputs, and every other tab.
    b.go("#/stacks/web?tab=outputs").await;
    assert!(b.text("[data-output=Address]").await.contains('.'));
    b.shoot("stack-outputs").await;
    b.go("#/stacks/web?tab=parameters").await;
    assert!(b.text("#parameters").await.contains("****"));
    for tab in ["overview", "resources", "parameters", "template", "changes", "drift"] {
        b.go(&format!("#/stacks/web?tab={tab}")).await;
        b.shoot(&format!("stack-{tab}")).await;
    }
    b.go("#/stacks/web?tab=resources").await;
    b.c.find(Locator::LinkText("Vm"))
        .await
        .expect("a resource's link")
        .click()
        .await
        .expect("click");
    b.wait_for(
        "the resource's events",
        "return location.hash.includes('resource=Vm') && !!document.querySelector('#events tbody tr')",
    )
    .await;
    b.go("#/templates").await;
    b.shoot("templates").await;
    b.go("#/templates/lamp").await;
    b.shoot("template").await;
    b.go("#/stacks").await;
    b.shoot("stacks").await;
    assert!(
        !b.c.source().await.expect("source").contains("bobs-secret-stack"),
        "bob's stack is not shown to alice"
    );

    // Delete, with its confirmation, and it is gone. A healthy stack offers no recovery actions.
    b.go("#/stacks/web").await;
    for action in ["#resume", "#continue-rollback"] {
        assert!(
            b.c.find(Locator::Css(action)).await.is_err(),
            "{action} is offered on a CREATE_COMPLETE stack"
        );
    }
    b.c.find(Locator::Css("#delete"))
        .await
        .expect("delete")
        .click()
        .await
        .expect("click");
    b.wait_for("the confirmation", "return document.getElementById('confirm').open")
        .await;
    b.shoot("confirm-delete").await;
    b.c.find(Locator::Css("#confirm-ok"))
        .await
        .expect("confirm")
        .click()
        .await
        .expect("click");
    b.wait_for(
        "the delete queued",
        "return document.getElementById('action-result').textContent.includes('queued')",
    )
    .await;
    w.alice.settled("web").await;
    b.go("#/stacks/web").await;
    b.wait_for("the stack gone", "return !!document.getElementById('gone')")
        .await;

    // No NoEcho value in any page, in the browser's storage, or in what the UI was answered.
    let storage = b
        .c
        .execute("return JSON.stringify(Object.assign({}, sessionStorage)) + JSON.stringify(Object.assign({}, localStorage))", vec![])
        .await
        .expect("storage");
    assert!(!storage.to_string().contains(common::PASSWORD), "the browser's storage");
    let fetched =
        b.c.execute(
            "return performance.getEntriesByType('resource').map(e => e.name)",
            vec![],
        )
        .await
        .expect("entries");
    let mut answers = String::new();
    for url in fetched.as_array().into_iter().flatten().filter_map(|u| u.as_str()) {
        if let Some(path) = url
            .strip_prefix(&w.alice.base)
            .filter(|p| p.starts_with("/v1/") && !p.contains("/stream"))
        {
            answers.push_str(&w.alice.get(path).await.1.to_string());
        }
    }
    assert!(
        answers.contains("CREATE_COMPLETE") || answers.contains("web2"),
        "the UI's requests were replayed"
    );
    for page in &b.pages {
        assert!(!page.contains(common::PASSWORD), "a page's HTML holds the NoEcho value");
    }
    assert!(
        !answers.contains(common::PASSWORD),
        "an API answer to the UI holds the NoEcho value"
    );
    b.c.close().await.expect("close");
}
