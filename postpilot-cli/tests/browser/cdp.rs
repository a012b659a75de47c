//! Just enough of the Chrome DevTools Protocol to drive Debian's headless
//! Chromium like a person: open pages, fill and submit forms, read text,
//! take screenshots. One WebSocket to the browser (port 0, read back from
//! `DevToolsActivePort`), one page target attached in flat mode.

#![allow(dead_code)] // each test file uses a different part

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use tempfile::TempDir;
use tungstenite::{Message, WebSocket};

/// How long a page may take to do what a step waits for.
const PATIENCE: Duration = Duration::from_secs(30);

/// The Chromium to use: `POSTPILOT_CHROMIUM`, else Debian's `/usr/bin/chromium`.
pub fn executable() -> Option<PathBuf> {
    let path = std::env::var_os("POSTPILOT_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    path.exists().then_some(path)
}

/// [`executable`]; when there is none, says SKIPPED (a test then passes
/// without a browser), except under `CI`, which must have one.
pub fn executable_or_skip() -> Option<PathBuf> {
    let found = executable();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing: CI must install it (see .ci/run)"
        );
        eprintln!("SKIPPED: no chromium at /usr/bin/chromium (apt-get install chromium)");
    }
    found
}

pub struct Browser {
    child: Child,
    _profile: TempDir,
    socket: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
}

impl Browser {
    pub fn launch(executable: &Path) -> Self {
        let profile = tempfile::tempdir().expect("profile dir");
        let child = Command::new(executable)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,900",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium started");
        let (port, path) = devtools_address(profile.path());
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("devtools port");
        stream
            .set_read_timeout(Some(PATIENCE))
            .expect("read timeout");
        let (socket, _) = tungstenite::client(format!("ws://127.0.0.1:{port}{path}"), stream)
            .expect("devtools websocket");
        let mut browser = Self {
            child,
            _profile: profile,
            socket,
            session: String::new(),
            next_id: 0,
        };
        let target = browser
            .call(false, "Target.createTarget", json!({"url": "about:blank"}))
            .expect("page created");
        let attached = browser
            .call(
                false,
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            )
            .expect("page attached");
        browser.session = attached["sessionId"]
            .as_str()
            .expect("session id")
            .to_owned();
        browser
            .call(true, "Page.enable", json!({}))
            .expect("page domain");
        browser
    }

    /// Sends one command (to the page when `to_page`) and waits for its answer.
    fn call(&mut self, to_page: bool, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if to_page {
            message["sessionId"] = json!(self.session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .map_err(|e| format!("{method}: {e}"))?;
        loop {
            let incoming = self.socket.read().map_err(|e| format!("{method}: {e}"))?;
            let Message::Text(text) = incoming else {
                continue;
            };
            let answer: Value = serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
            if answer["id"] == id {
                return match answer.get("error") {
                    Some(error) => Err(format!("{method}: {error}")),
                    None => Ok(answer["result"].clone()),
                };
            }
        }
    }

    /// Evaluates `expression` in the page; `None` when it threw or the page
    /// was between documents.
    pub fn eval(&mut self, expression: &str) -> Option<Value> {
        let result = self
            .call(
                true,
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .ok()?;
        if result.get("exceptionDetails").is_some() {
            return None;
        }
        Some(result["result"]["value"].clone())
    }

    /// Waits until `predicate` (JavaScript) is true in the page.
    pub fn wait_for(&mut self, predicate: &str, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.eval(predicate) == Some(json!(true)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let body = self.text("body");
        panic!("timed out waiting for {what}; the page shows:\n{body}");
    }

    /// Marks the current document, so a new one can be told apart.
    fn mark(&mut self) {
        self.eval("window.__postpilotOld = true");
    }

    fn wait_for_new_document(&mut self, what: &str) {
        self.wait_for(
            "typeof window.__postpilotOld === 'undefined' && document.readyState === 'complete'",
            what,
        );
    }

    /// Opens `url` and waits for the page (after any redirects) to load.
    pub fn open(&mut self, url: &str) {
        self.mark();
        self.call(true, "Page.navigate", json!({"url": url}))
            .expect("navigated");
        self.wait_for_new_document(url);
    }

    /// Sets the value of the form control at `selector`, as typing would.
    pub fn fill(&mut self, selector: &str, value: &str) {
        let script = format!(
            "(() => {{ const e = document.querySelector({sel}); if (!e) return false; \
             e.value = {val}; e.dispatchEvent(new Event('input', {{bubbles: true}})); return true; }})()",
            sel = js(selector),
            val = js(value),
        );
        assert_eq!(self.eval(&script), Some(json!(true)), "no field {selector}");
    }

    /// Clicks the element at `selector` and waits for the page it leads to.
    pub fn click(&mut self, selector: &str) {
        self.mark();
        let script = format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return false; e.click(); return true; }})()",
            js(selector)
        );
        assert_eq!(
            self.eval(&script),
            Some(json!(true)),
            "nothing to click at {selector}"
        );
        self.wait_for_new_document(selector);
    }

    /// The visible text of the first element at `selector` ("" when none).
    pub fn text(&mut self, selector: &str) -> String {
        let script = format!(
            "(() => {{ const e = document.querySelector({}); return e ? e.innerText : ''; }})()",
            js(selector)
        );
        self.eval(&script)
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The browser's cookies for `url` as a `Cookie` header, to ask the
    /// server outside the page (the UI's CSP lets no page script fetch).
    pub fn cookie_header(&mut self, url: &str) -> String {
        let found = self
            .call(true, "Network.getCookies", json!({"urls": [url]}))
            .expect("cookies");
        found["cookies"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{}={}",
                    c["name"].as_str().unwrap_or(""),
                    c["value"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn path(&mut self) -> String {
        self.eval("location.pathname + location.search")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// A PNG of the whole page laid out `width` CSS pixels wide (a phone
    /// when narrow).
    pub fn screenshot(&mut self, path: &Path, width: u32) {
        self.screenshot_probing(path, width, "null");
    }

    /// As [`Self::screenshot`]; `probe` is evaluated first, on the first
    /// screen (844 px high on a phone, 900 on a desktop), and its value
    /// returned (`None` when it threw).
    pub fn screenshot_probing(&mut self, path: &Path, width: u32, probe: &str) -> Option<Value> {
        let metrics = |height: u64| json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600});
        let first_screen = if width < 600 { 844 } else { 900 };
        self.call(
            true,
            "Emulation.setDeviceMetricsOverride",
            metrics(first_screen),
        )
        .expect("viewport");
        let probed = self.eval(probe);
        let height = self
            .eval("document.documentElement.scrollHeight")
            .and_then(|v| v.as_u64())
            .unwrap_or(first_screen)
            .clamp(600, 4000);
        self.call(true, "Emulation.setDeviceMetricsOverride", metrics(height))
            .expect("viewport");
        let shot = self
            .call(true, "Page.captureScreenshot", json!({"format": "png"}))
            .expect("screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("data"))
            .expect("base64");
        std::fs::write(path, png).expect("screenshot written");
        self.call(true, "Emulation.clearDeviceMetricsOverride", json!({}))
            .expect("viewport reset");
        probed
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.call(false, "Browser.close", json!({}));
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A JavaScript string literal of `s`.
fn js(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The port and path Chromium wrote to `DevToolsActivePort` once it listens.
fn devtools_address(profile: &Path) -> (u16, String) {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                if let Ok(port) = port.trim().parse() {
                    return (port, path.trim().to_owned());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromium did not open its DevTools port within {PATIENCE:?}");
}
