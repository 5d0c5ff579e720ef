//! The secrets scan the CLI's and the service's tests share: every spelling a secret can take on
//! its way out (in clear, URL-encoded, form-encoded, lower-case escapes, JSON-escaped once or twice,
//! and base64 at each alignment), also inside base64 runs decoded two levels deep, searched for in any bytes:
//! command output, API answers, logs, database files and their journals.

use std::path::Path;

use base64::Engine as _;

/// Every spelling of `secret` looked for as a substring.
pub fn spellings(secret: &str) -> Vec<String> {
    let b64 = &base64::engine::general_purpose::STANDARD;
    let url: String = secret
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    // JSON-escaped (or quoted with Rust's `{:?}`), and that again: a quoted value in a message
    // that is itself put in JSON.
    let escape = |s: &str| {
        let json = serde_json::to_string(s).unwrap_or_default();
        json.get(1..json.len().saturating_sub(1))
            .unwrap_or_default()
            .to_string()
    };
    let once = escape(secret);
    let mut forms = vec![
        secret.to_string(),
        url.clone(),
        url.replace("%20", "+"),
        url.to_lowercase(),
        escape(&once),
        once,
    ];
    // base64 at each of the three alignments: the characters that depend on the secret alone.
    for shift in 0..3 {
        let encoded = b64.encode([&vec![0u8; shift][..], secret.as_bytes()].concat());
        let skip = if shift == 0 { 0 } else { 4 };
        let keep = encoded.len().saturating_sub(4);
        if keep > skip + 8 {
            forms.push(encoded[skip..keep].to_string());
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Where `secret` appears in `text`, in any spelling, also inside decoded base64 runs (`depth`
/// levels of them).
pub fn findings(text: &str, secret: &str, depth: usize) -> Vec<String> {
    let mut found: Vec<String> = spellings(secret)
        .into_iter()
        .filter(|f| text.contains(f.as_str()))
        .map(|f| format!("as {f:?}"))
        .collect();
    if depth > 0 {
        let b64 = &base64::engine::general_purpose::STANDARD;
        let runs = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='));
        for run in runs.filter(|r| r.len() >= 16) {
            let trimmed = &run[..run.len() - run.len() % 4];
            if let Ok(decoded) = b64.decode(trimmed) {
                let inner = String::from_utf8_lossy(&decoded);
                found.extend(
                    findings(&inner, secret, depth - 1)
                        .into_iter()
                        .map(|f| format!("in base64 {f}")),
                );
            }
        }
    }
    found
}

/// A scan in progress: the secrets looked for, what was found where, and how much was read.
#[derive(Debug, Default)]
pub struct Scan {
    /// (what it is, its value).
    pub secrets: Vec<(String, String)>,
    /// One line per finding: the place, the secret's name and its spelling.
    pub leaks: Vec<String>,
    /// How many texts were scanned.
    pub scanned: usize,
}

impl Scan {
    /// A scan for `secrets` (what each is, its value).
    pub fn new<'a>(secrets: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Scan {
            secrets: secrets
                .into_iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            ..Scan::default()
        }
    }

    /// Looks for every secret in `bytes`, read at `place`.
    pub fn check(&mut self, place: &str, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        self.scanned += 1;
        for (name, secret) in &self.secrets {
            for f in findings(&text, secret, 2) {
                self.leaks.push(format!("{place}: the {name} {f}"));
            }
        }
    }

    /// Scans every file under `dir`, at any depth (databases, their journals, keys); returns how
    /// many it read.
    pub fn files_under(&mut self, dir: &Path, when: &str) -> usize {
        let mut read = 0;
        let Ok(entries) = std::fs::read_dir(dir) else {
            return 0;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                read += self.files_under(&path, when);
            } else if let Ok(bytes) = std::fs::read(&path) {
                self.check(&format!("{when}: {}", path.display()), &bytes);
                read += 1;
            }
        }
        read
    }

    /// Fails with every leak found, if any.
    pub fn assert_clean(&self) {
        assert!(self.leaks.is_empty(), "secrets leaked:\n{}", self.leaks.join("\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &str = "Mk-7s3cr3t pa&ss/\"q";

    #[test]
    fn the_scanner_finds_each_spelling() {
        let b64 = &base64::engine::general_purpose::STANDARD;
        for text in [
            format!("x {MARKER} y"),
            "q=Mk-7s3cr3t+pa%26ss%2F%22q&z".to_string(),
            "q=Mk-7s3cr3t%20pa%26ss%2f%22q".to_lowercase(),
            serde_json::json!({ "p": MARKER }).to_string(),
            serde_json::json!({ "m": format!("value {MARKER:?} refused") }).to_string(),
            b64.encode(format!("ab{MARKER}")),
            b64.encode(format!("a{MARKER}")),
            format!("userdata={}", b64.encode(format!("#!/bin/sh\nPASS='{MARKER}'\n"))),
        ] {
            assert!(!findings(&text, MARKER, 2).is_empty(), "{text}");
        }
        assert!(findings("nothing like it here, ****", MARKER, 2).is_empty());
    }

    #[test]
    fn files_are_read_at_any_depth() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("dirs");
        std::fs::write(dir.path().join("a/b/db-wal"), format!("\0\0{MARKER}\0")).expect("write");
        std::fs::write(dir.path().join("clean"), "nothing").expect("write");
        let mut scan = Scan::new([("marker", MARKER)]);
        assert_eq!(scan.files_under(dir.path(), "now"), 2);
        assert_eq!(scan.leaks.len(), 1, "{:?}", scan.leaks);
    }
}
