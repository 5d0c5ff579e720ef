//! The browser the web UI tests drive: Debian's Chromium through ChromeDriver (installed by
//! `.ci/run`; `STACKTICIAN_CHROMEDRIVER` names another driver, `SKIP_BROWSER_TESTS=1` skips where no
//! browser can be had). Besides driving pages it keeps what a test asserts on at the end: the
//! browser's console (every error, a failed load included), every request's origin, the pages'
//! HTML, and an accessibility audit of every page shot, at 1280 and 390 px.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

/// The driver binary, if there is one.
pub fn chromedriver() -> Option<String> {
    if let Ok(p) = std::env::var("STACKTICIAN_CHROMEDRIVER") {
        return Some(p);
    }
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_string)
}

/// Whether the browser tests run here; panics (as a failure) when they should and cannot.
pub fn wanted() -> bool {
    if chromedriver().is_some() {
        return true;
    }
    if std::env::var("SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
        eprintln!("skipped: no chromedriver (SKIP_BROWSER_TESTS=1)");
        return false;
    }
    panic!("no chromedriver: install Debian's chromium and chromium-driver (.ci/run does), or set STACKTICIAN_CHROMEDRIVER");
}

struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where screenshots go.
pub fn shots_dir() -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/ui-screenshots");
    std::fs::create_dir_all(&d).expect("screenshots dir");
    d
}

/// The page widths every page is looked at in.
pub const WIDTHS: [(u32, u32); 2] = [(1280, 900), (390, 844)];

/// A browser on the service at `base`.
pub struct Browser {
    /// The WebDriver client.
    pub c: Client,
    /// The service's URL.
    pub base: String,
    /// The window size the test walks at.
    pub size: (u32, u32),
    /// What screenshot names start with (a walk at another width shoots its own).
    pub prefix: String,
    /// Every page's HTML, as shot.
    pub pages: Vec<String>,
    /// Accessibility problems found, by page and width.
    pub a11y: Vec<String>,
    /// Console messages at error level, by page.
    pub console: Vec<String>,
    driver_url: String,
    session: String,
    http: reqwest::Client,
    _driver: Driver,
}

/// The accessibility audit run in the page: every form control and every action has a name, every
/// text (HTML and SVG) has a contrast of at least 4.5:1 with what is behind it (3:1 for large
/// text), and no action is taken out of the keyboard's reach (`tabindex=-1`, or inside a hidden
/// ancestor while shown). Returns a list of problems.
const AUDIT: &str = r##"
const problems = [];
const visible = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" && !e.closest("[hidden], dialog:not([open])"); };
const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.textContent ? " \"" + e.textContent.trim().slice(0, 30) + "\"" : "");
const nameOf = (e) => {
  if (e.getAttribute("aria-label")) return e.getAttribute("aria-label");
  if (e.getAttribute("aria-labelledby")) return e.getAttribute("aria-labelledby").split(" ").map((i) => (document.getElementById(i) || {}).textContent || "").join(" ");
  if (e.id) { const l = document.querySelector(`label[for="${CSS.escape(e.id)}"]`); if (l) return l.textContent; }
  if (e.closest("label")) return e.closest("label").textContent;
  if (["BUTTON", "A"].includes(e.tagName) || e.namespaceURI.endsWith("svg")) return e.textContent;
  return e.getAttribute("title") || "";
};
for (const e of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
  if (visible(e) && !nameOf(e).trim()) problems.push("no label: " + describe(e));
}
for (const e of document.querySelectorAll("button, a[href]")) {
  if (visible(e) && !nameOf(e).trim()) problems.push("no name: " + describe(e));
  if (visible(e) && e.getAttribute("tabindex") === "-1") problems.push("out of keyboard reach: " + describe(e));
}
const rgb = (c) => { const m = c.match(/[\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; };
const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const backOf = (e) => {
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    const c = rgb(getComputedStyle(n).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) return c;
  }
  return [255, 255, 255];
};
const seen = new Set();
for (const t of document.querySelectorAll("body *")) {
  const own = [...t.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own || !visible(t) || ["SCRIPT", "STYLE", "TITLE", "OPTION"].includes(t.tagName) || t.closest("title")) continue;
  const s = getComputedStyle(t);
  let fg, bg;
  if (t.namespaceURI.endsWith("svg")) {
    fg = rgb(t.getAttribute("fill") ? getComputedStyle(t).fill : "rgb(27,31,36)");
    const box = t.parentElement && t.parentElement.querySelector("rect");
    bg = box ? rgb(getComputedStyle(box).fill) : [255, 255, 255];
  } else { fg = rgb(s.color); bg = backOf(t); }
  const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  const r = ratio(fg, bg);
  const key = t.tagName + t.className + s.color + bg.join();
  if (r < need && !seen.has(key)) { seen.add(key); problems.push(`contrast ${r.toFixed(2)}:1 < ${need}:1: ${describe(t)}`); }
}
return problems;
"##;

impl Browser {
    /// Starts ChromeDriver and a headless Chromium on `base`, its window 1280 by 900.
    pub async fn start(base: &str) -> Self {
        Self::start_at(base, WIDTHS[0]).await
    }

    /// [`Browser::start`] with the window at `size`.
    pub async fn start_at(base: &str, size: (u32, u32)) -> Self {
        let driver_path = chromedriver().expect("chromedriver");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let driver = Driver(
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
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let started = Instant::now();
        let driver_url = format!("http://127.0.0.1:{port}");
        let c = loop {
            // Plain HTTP to the local driver: no TLS.
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match fantoccini::ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&driver_url)
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
        let session = c.session_id().await.expect("session").expect("a session id");
        c.set_window_size(size.0, size.1).await.expect("size");
        Self {
            c,
            base: base.to_string(),
            size,
            prefix: if size == WIDTHS[0] {
                String::new()
            } else {
                format!("walked-at-{}-", size.0)
            },
            pages: Vec::new(),
            a11y: Vec::new(),
            console: Vec::new(),
            driver_url,
            session,
            http: reqwest::Client::new(),
            _driver: driver,
        }
    }

    /// Goes to route `hash` and waits until the page shows it.
    pub async fn go(&mut self, hash: &str) {
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
        self.rendered(hash).await;
    }

    /// Waits until the page has drawn route `hash`.
    pub async fn rendered(&self, hash: &str) {
        self.wait_for(
            &format!("{hash} to render"),
            &format!("return document.body.dataset.rendered === {}", json!(hash)),
        )
        .await;
    }

    /// Waits (30 s at most) until `script` returns true; on a timeout, a screenshot and a panic
    /// with the page's HTML.
    pub async fn wait_for(&self, what: &str, script: &str) {
        let started = Instant::now();
        loop {
            let v = self.c.execute(script, vec![]).await.expect("script");
            if v == json!(true) {
                return;
            }
            if started.elapsed() > Duration::from_secs(30) {
                if let Ok(png) = self.c.screenshot().await {
                    let _ = std::fs::write(shots_dir().join(format!("{}failure.png", self.prefix)), png);
                }
                let html = self.c.source().await.unwrap_or_default();
                let console = self.console_now().await;
                panic!(
                    "waited too long for {what}; the console:\n{}\nthe page:\n{html}",
                    console.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The value `script` returns.
    pub async fn eval(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.expect("script")
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .expect("text")
    }

    /// The texts of the visible elements with ARIA role `role`, given or implied by their tag
    /// (`button`, `link`, `heading`, `alert`, `status`, ...): what assistive tools announce.
    pub async fn role_texts(&self, role: &str) -> Vec<String> {
        let found = self
            .eval(&format!(
                "const role = {}; const implied = {{button: 'button', link: 'a[href]', heading: 'h1,h2,h3,h4,h5,h6', table: 'table', dialog: 'dialog'}};
                 const sel = '[role=\"' + role + '\"]' + (implied[role] ? ', ' + implied[role] : '');
                 return [...document.querySelectorAll(sel)].filter(e => e.getClientRects().length && !e.closest('[hidden]')).map(e => e.textContent.trim());",
                json!(role)
            ))
            .await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks the button or link whose visible text is `text` (what a person reads, not an id).
    pub async fn click_text(&self, text: &str) {
        let xpath = format!("//*[self::button or self::a][normalize-space(.)={}]", json!(text));
        self.c
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button or link {text:?}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {text:?}: {e}"));
    }

    /// Replaces the value of the field matching `css` with `text`, typed.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self
            .c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// Chooses `value` in the select matching `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }

    /// Types `token` into the sign-in form (replacing what is there) and sends it.
    pub async fn sign_in(&self, token: &str) {
        self.type_into("#token", token).await;
        self.click("#signin").await;
    }

    /// The accessibility audit of the page as it is now.
    pub async fn audit(&self) -> Vec<String> {
        let found = self.eval(AUDIT).await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect()
    }

    /// Proves the checks can fail: a page with a faint text, an unlabelled field, a nameless
    /// button and a button out of the keyboard's reach must be caught by them.
    pub async fn checks_catch_a_bad_page(&self) {
        self.eval(
            "const d = document.createElement('div'); d.id = 'bad-page';
             d.innerHTML = '<p class=\"hint\" id=\"faint\">faint</p><input id=\"unlabelled\"><button id=\"nameless\"></button><button id=\"unreachable\" tabindex=\"-1\">x</button>';
             document.getElementById('main').prepend(d);
             document.getElementById('faint').style.color = '#bbbbbb';",
        )
        .await;
        let found = self.audit().await.join("\n");
        for what in [
            "contrast",
            "no label: input#unlabelled",
            "no name: button#nameless",
            "out of keyboard reach: button#unreachable",
        ] {
            assert!(found.contains(what), "the audit misses {what}: {found}");
        }
        let missed = self.unreachable_by_keyboard().await;
        assert!(
            missed.iter().any(|m| m.contains("unreachable")),
            "the keyboard check misses a button: {missed:?}"
        );
        self.eval("document.getElementById('bad-page').remove()").await;
    }

    /// Screenshots of the page at both widths, an accessibility audit at each, the page's HTML
    /// kept for the secrets scan, and the console read.
    pub async fn shoot(&mut self, name: &str) {
        for (w, h) in WIDTHS {
            self.c.set_window_size(w, h).await.expect("size");
            tokio::time::sleep(Duration::from_millis(150)).await;
            let png = self.c.screenshot().await.expect("screenshot");
            std::fs::write(shots_dir().join(format!("{}{name}-{w}.png", self.prefix)), png).expect("write");
            for p in self.audit().await {
                self.a11y.push(format!("{name} at {w} px: {p}"));
            }
        }
        self.c.set_window_size(self.size.0, self.size.1).await.expect("size");
        self.pages.push(self.c.source().await.expect("source"));
        self.read_console(name).await;
    }

    /// Reads the browser's console since the last read; errors are kept with `place`.
    pub async fn read_console(&mut self, place: &str) {
        for m in self.console_now().await {
            self.console.push(format!("{place}: {m}"));
        }
    }

    /// The browser's console errors since the last read.
    async fn console_now(&self) -> Vec<String> {
        let url = format!("{}/session/{}/se/log", self.driver_url, self.session);
        let sent = self
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(json!({"type": "browser"}).to_string())
            .send()
            .await;
        let answer: Value = match sent {
            Ok(r) => serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or_default(),
            Err(e) => panic!("the browser's console cannot be read: {e}"),
        };
        assert!(
            answer["value"].is_array(),
            "the browser's console cannot be read: {answer}"
        );
        let entries = answer["value"].as_array().cloned().unwrap_or_default();
        entries
            .iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Presses Tab from the top of the page until focus comes round; every visible, enabled
    /// action and field must have had focus. Returns those that never did.
    pub async fn unreachable_by_keyboard(&self) -> Vec<String> {
        let actions = self
            .eval(
                "const all = [...document.querySelectorAll('a[href], button, input, select, textarea, svg[tabindex]')]
                   .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !e.disabled && !e.closest('[hidden], dialog:not([open])'); });
                 all.forEach((e, i) => e.setAttribute('data-kb', i));
                 document.activeElement && document.activeElement.blur();
                 window.scrollTo(0, 0);
                 return all.length;",
            )
            .await
            .as_u64()
            .unwrap_or(0);
        let mut reached = std::collections::BTreeSet::new();
        for _ in 0..(actions * 2 + 10) {
            self.press_tab().await;
            let at = self
                .eval("const e = document.activeElement; return e ? e.getAttribute('data-kb') : null")
                .await;
            if let Some(i) = at.as_str() {
                if !reached.insert(i.to_string()) && reached.len() as u64 >= actions {
                    break;
                }
            }
        }
        let missed = self
            .eval(&format!(
                "const reached = new Set({}); return [...document.querySelectorAll('[data-kb]')].filter((e) => !reached.has(e.getAttribute('data-kb'))).map((e) => e.outerHTML.slice(0, 120));",
                json!(reached.iter().collect::<Vec<_>>())
            ))
            .await;
        missed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    /// Presses Tab, as a person does: to whatever has focus.
    pub async fn press_tab(&self) {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let tab = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: '\u{E004}' })
            .then(KeyAction::Up { value: '\u{E004}' });
        self.c.perform_actions(tab).await.expect("tab");
    }

    /// Every URL the page has loaded that is not on the service's origin.
    pub async fn foreign_requests(&self) -> Vec<String> {
        let urls = self
            .eval("return performance.getEntriesByType('resource').map(e => e.name).concat([location.href])")
            .await;
        urls.as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u.as_str())
            .filter(|u| !u.starts_with(&format!("{}/", self.base)) && *u != self.base)
            .map(str::to_string)
            .collect()
    }
}
