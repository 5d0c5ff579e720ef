//! Keeping secrets out of everything written: events, records, outputs, answers. A stack's secrets
//! are its NoEcho parameter values, its metadata token and its wait-condition handle tokens
//! ([`secrets_of`]). Each is masked as [`MASK`] wherever it appears: in clear, URL-encoded,
//! JSON-escaped, and inside base64 (a VM's `userdata` is sent base64-encoded, so a secret in it is
//! found by decoding, masked, and encoded again: the stored value still decodes, with `****` where
//! the secret was).

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use serde_json::Value;

use crate::plan::{Plan, ResourceKind};

/// The stack's secrets: the values of its NoEcho parameters, its metadata token, and the token of
/// each of its wait-condition handles. None is ever written anywhere in clear.
pub fn secrets_of(plan: &Plan) -> Vec<String> {
    let token = plan.options.metadata_token.expose();
    let handles = plan
        .resources
        .values()
        .filter(|r| matches!(r.kind, ResourceKind::WaitConditionHandle))
        .map(|r| plan.options.handle_token(&r.logical));
    plan.params
        .values()
        .filter(|p| p.no_echo && !p.text.is_empty())
        .map(|p| p.text.clone())
        .chain((!token.is_empty()).then(|| token.to_string()))
        .chain(handles)
        .collect()
}

/// A plan's [`Masker`], made on first use: every event and record of a run is masked with it, and
/// making it looks at every resource of the plan (for wait-condition handles). A copy of the plan
/// starts without it, so a changed copy gets its own.
#[derive(Default)]
pub(crate) struct MaskerCache(OnceLock<Arc<Masker>>);

impl Clone for MaskerCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for MaskerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets themselves are never shown.
        f.write_str("MaskerCache")
    }
}

impl Plan {
    /// The masker of this plan's secrets ([`secrets_of`]), made once per plan: every event, record,
    /// output and message of a run that can hold a secret goes through it.
    pub fn masker(&self) -> Arc<Masker> {
        Arc::clone(self.masker.0.get_or_init(|| Arc::new(Masker::new(&secrets_of(self)))))
    }
}

/// 20 random bytes as hex, for tokens and keys. Without the operating system's randomness (which
/// should never happen), a SHA-256 of the clock, the process, a counter and an address, which is
/// unique but guessable by someone who knows when the process ran.
pub fn random_token() -> String {
    use sha2::Digest as _;
    static FALLBACKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut bytes = [0u8; 20];
    if getrandom::fill(&mut bytes).is_err() {
        let n = FALLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seed = format!("{nanos} {} {n} {:p}", std::process::id(), &bytes);
        bytes.copy_from_slice(&sha2::Sha256::digest(seed.as_bytes())[..20]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What stands where a secret was, everywhere: events, records, outputs, logs.
pub const MASK: &str = "****";

/// How deep base64 inside base64 is looked into.
const BASE64_DEPTH: usize = 2;

/// The shortest run of base64 characters that is decoded to look for a secret inside.
const BASE64_MIN_RUN: usize = 8;

/// The secrets of a stack in every spelling, made once and used for every value masked with them.
pub struct Masker {
    /// Every spelling, longest first.
    forms: Vec<String>,
    /// The shortest base64 run that can decode to a spelling: shorter runs are not decoded.
    min_run: usize,
}

impl Masker {
    /// Every spelling a secret may have in text: as is, URL-encoded (`+` and `%20` for a space)
    /// and JSON-escaped; longest first, so that a longer spelling is not cut by a shorter one.
    pub fn new(secrets: &[String]) -> Self {
        let mut forms: Vec<String> = Vec::new();
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            let url = cloudstack_client::signing::java_url_encode(s);
            let json = serde_json::to_string(s).unwrap_or_default();
            let json = json
                .get(1..json.len().saturating_sub(1))
                .unwrap_or_default()
                .to_string();
            for f in [s.clone(), url.replace("%20", "+"), url.replace('+', "%20"), url, json] {
                if !f.is_empty() && !forms.contains(&f) {
                    forms.push(f);
                }
            }
        }
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        // n base64 characters decode to at most 3n/4 bytes.
        let shortest = forms.last().map_or(0, String::len);
        let min_run = (shortest * 4).div_ceil(3).max(BASE64_MIN_RUN);
        Self { forms, min_run }
    }

    /// Whether there is nothing to mask (a stack without secrets).
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every secret replaced by [`MASK`], in each spelling.
    pub fn mask(&self, text: &str) -> String {
        self.mask_cow(text).into_owned()
    }

    /// `text` masked, borrowed as it is when it holds no secret (most text: nothing is copied).
    pub fn mask_cow<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.forms.is_empty() {
            return Cow::Borrowed(text);
        }
        self.mask_depth(text, BASE64_DEPTH)
    }

    fn mask_depth<'t>(&self, text: &'t str, depth: usize) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for f in &self.forms {
            if out.contains(f.as_str()) {
                out = Cow::Owned(out.replace(f.as_str(), MASK));
            }
        }
        if depth > 0 {
            if let Some(masked) = self.mask_base64_runs(&out, depth) {
                out = Cow::Owned(masked);
            }
        }
        out
    }

    /// `text` with each run of base64 characters (letters, digits, `+`, `/`, then at most two `=`)
    /// that decodes to something holding a secret decoded, masked and encoded again; `None` when
    /// no run holds one.
    fn mask_base64_runs(&self, text: &str, depth: usize) -> Option<String> {
        let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        // Where the text not yet copied to `out` begins.
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !is_b64(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_b64(bytes[i]) {
                i += 1;
            }
            let padding = bytes[i..].iter().take(2).take_while(|b| **b == b'=').count();
            i += padding;
            // Runs of ASCII characters: `start..i` lies on character boundaries.
            let run = &text[start..i];
            if let Some(masked) = self.mask_base64(run, depth) {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[copied..start]);
                o.push_str(&masked);
                copied = i;
            }
        }
        out.map(|mut o| {
            o.push_str(&text[copied..]);
            o
        })
    }

    /// The base64 `run` with the secrets in what it decodes to masked, or `None` when it holds none.
    fn mask_base64(&self, run: &str, depth: usize) -> Option<String> {
        let engine = &base64::engine::general_purpose::STANDARD;
        if run.len() < self.min_run || run.len() % 4 != 0 {
            return None;
        }
        let decoded = engine.decode(run).ok()?;
        let masked = match std::str::from_utf8(&decoded) {
            Ok(text) => match self.mask_depth(text, depth - 1) {
                Cow::Borrowed(_) => return None,
                Cow::Owned(m) => m.into_bytes(),
            },
            Err(_) => self.forms.iter().fold(decoded.clone(), |acc, f| {
                replace_bytes(&acc, f.as_bytes(), MASK.as_bytes())
            }),
        };
        (masked != decoded).then(|| engine.encode(masked))
    }

    /// `v` with every secret masked, at any depth.
    pub fn mask_value(&self, v: &Value) -> Value {
        let mut out = v.clone();
        self.mask_value_in_place(&mut out);
        out
    }

    /// Masks every secret in `v`, at any depth, in place.
    pub fn mask_value_in_place(&self, v: &mut Value) {
        match v {
            Value::String(s) => self.mask_string_in_place(s),
            Value::Array(a) => a.iter_mut().for_each(|x| self.mask_value_in_place(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.mask_value_in_place(x)),
            _ => {}
        }
    }

    /// Masks every secret in `s`, in place (`s` is left alone when it holds none).
    pub fn mask_string_in_place(&self, s: &mut String) {
        if let Cow::Owned(masked) = self.mask_cow(s) {
            *s = masked;
        }
    }
}

/// `hay` with every `needle` replaced by `with`.
fn replace_bytes(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(text: &str, secrets: &[String]) -> String {
        Masker::new(secrets).mask(text)
    }

    fn secrets() -> Vec<String> {
        vec!["s3cret pass&word".to_string(), "tok\"en".to_string()]
    }

    #[test]
    fn masks_every_spelling() {
        let s = secrets();
        assert_eq!(mask("a s3cret pass&word b", &s), "a **** b");
        assert_eq!(mask("q=s3cret+pass%26word", &s), "q=****");
        assert_eq!(mask("q=s3cret%20pass%26word", &s), "q=****");
        assert_eq!(mask(r#"{"p":"tok\"en"}"#, &s), r#"{"p":"****"}"#);
        assert_eq!(mask("nothing here", &s), "nothing here");
    }

    #[test]
    fn masks_inside_base64_and_keeps_it_decodable() {
        let engine = &base64::engine::general_purpose::STANDARD;
        let userdata = engine.encode("#!/bin/sh\nDB_PASS='s3cret pass&word'\ncurl -d 'tok\"en'\n");
        let masked = mask(&userdata, &secrets());
        let back = String::from_utf8(engine.decode(&masked).expect("still base64")).expect("utf-8");
        assert_eq!(back, "#!/bin/sh\nDB_PASS='****'\ncurl -d '****'\n");
        // base64 inside other text, and inside base64
        let twice = engine.encode(format!("x={userdata}"));
        let masked = mask(&format!("userdata={twice}&x=1"), &secrets());
        assert!(masked.starts_with("userdata=") && masked.ends_with("&x=1"));
        let inner = String::from_utf8(engine.decode(&masked[9..masked.len() - 4]).expect("b64")).expect("utf-8");
        let inner = String::from_utf8(engine.decode(&inner[2..]).expect("b64")).expect("utf-8");
        assert!(inner.contains("DB_PASS='****'"), "{inner}");
        // base64 without a secret is left as it is
        let plain = engine.encode("hello world, no secret");
        assert_eq!(mask(&plain, &secrets()), plain);
    }
}
