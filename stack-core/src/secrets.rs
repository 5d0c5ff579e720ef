//! Keeping secrets out of everything written: events, records, outputs, answers. A stack's secrets
//! are its NoEcho parameter values, its metadata token and its wait-condition handle tokens
//! ([`secrets_of`]). Each is masked as [`MASK`] wherever it appears: in clear, URL-encoded,
//! JSON-escaped, and inside base64 (a VM's `userdata` is sent base64-encoded, so a secret in it is
//! found by decoding, masked, and encoded again: the stored value still decodes, with `****` where
//! the secret was).

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::plan::{Plan, ResourceKind};
use crate::state::ResourceRecord;

/// The stack's secrets: the values of its NoEcho parameters, its metadata token, and the token of
/// each of its wait-condition handles. None is ever written anywhere in clear.
pub(crate) fn secrets_of(plan: &Plan) -> Vec<String> {
    let token = plan.options.metadata_token.expose();
    let handles = plan
        .resources
        .values()
        .filter(|r| matches!(r.kind, ResourceKind::WaitConditionHandle))
        .map(|r| crate::wait_condition::handle_token(&plan.options, &r.logical));
    plan.params
        .values()
        .filter(|p| p.no_echo && !p.text.is_empty())
        .map(|p| p.text.clone())
        .chain((!token.is_empty()).then(|| token.to_string()))
        .chain(handles)
        .collect()
}

/// What stands where a secret was, everywhere: events, records, outputs, logs.
pub(crate) const MASK: &str = "****";

/// How deep base64 inside base64 is looked into.
const BASE64_DEPTH: usize = 2;

/// The shortest run of base64 characters that is decoded to look for a secret inside.
const BASE64_MIN_RUN: usize = 8;

/// The secrets of a stack in every spelling, made once and used for every value masked with them.
pub(crate) struct Masker {
    /// Every spelling, longest first.
    forms: Vec<String>,
    /// The shortest base64 run that can decode to a spelling: shorter runs are not decoded.
    min_run: usize,
}

impl Masker {
    /// Every spelling a secret may have in text: as is, URL-encoded (`+` and `%20` for a space)
    /// and JSON-escaped; longest first, so that a longer spelling is not cut by a shorter one.
    pub(crate) fn new(secrets: &[String]) -> Self {
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

    /// `text` with every secret replaced by [`MASK`], in each spelling.
    pub(crate) fn mask(&self, text: &str) -> String {
        if self.forms.is_empty() {
            return text.to_string();
        }
        self.mask_depth(text, BASE64_DEPTH)
    }

    fn mask_depth(&self, text: &str, depth: usize) -> String {
        let mut out = self.forms.iter().fold(text.to_string(), |acc, f| {
            if acc.contains(f.as_str()) {
                acc.replace(f.as_str(), MASK)
            } else {
                acc
            }
        });
        if depth > 0 {
            out = self.mask_base64_runs(&out, depth);
        }
        out
    }

    /// `text` with each run of base64 characters (letters, digits, `+`, `/`, then at most two `=`)
    /// that decodes to something holding a secret decoded, masked and encoded again.
    fn mask_base64_runs(&self, text: &str, depth: usize) -> String {
        let is_b64 = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(is_b64) {
            out.push_str(&rest[..start]);
            let body = rest[start..].find(|c: char| !is_b64(c)).unwrap_or(rest.len() - start);
            let padding = rest[start + body..].chars().take(2).take_while(|c| *c == '=').count();
            let run = &rest[start..start + body + padding];
            out.push_str(&self.mask_base64(run, depth).unwrap_or_else(|| run.to_string()));
            rest = &rest[start + run.len()..];
        }
        out.push_str(rest);
        out
    }

    /// The base64 `run` with the secrets in what it decodes to masked, or `None` when it holds none.
    fn mask_base64(&self, run: &str, depth: usize) -> Option<String> {
        let engine = &base64::engine::general_purpose::STANDARD;
        if run.len() < self.min_run || run.len() % 4 != 0 {
            return None;
        }
        let decoded = engine.decode(run).ok()?;
        let masked = match std::str::from_utf8(&decoded) {
            Ok(text) => self.mask_depth(text, depth - 1).into_bytes(),
            Err(_) => self.forms.iter().fold(decoded.clone(), |acc, f| {
                replace_bytes(&acc, f.as_bytes(), MASK.as_bytes())
            }),
        };
        (masked != decoded).then(|| engine.encode(masked))
    }

    /// `v` with every secret masked, at any depth.
    pub(crate) fn mask_value(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.mask(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.mask_value(x)).collect()),
            Value::Object(o) => Value::Object(self.mask_map(o)),
            other => other.clone(),
        }
    }

    /// `m` with every secret masked.
    pub(crate) fn mask_map(&self, m: &Map<String, Value>) -> Map<String, Value> {
        m.iter().map(|(k, v)| (k.clone(), self.mask_value(v))).collect()
    }
}

/// `text` with every secret replaced by [`MASK`], in each form it may take.
pub(crate) fn mask(text: &str, secrets: &[String]) -> String {
    if secrets.is_empty() {
        return text.to_string();
    }
    Masker::new(secrets).mask(text)
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

/// A resource's record as it may be written or handed out: every secret masked in its create
/// parameters, attributes, physical id (a handle's URL holds its token) and reason.
pub(crate) fn mask_record(rec: &ResourceRecord, m: &Masker) -> ResourceRecord {
    let mut out = rec.clone();
    if m.forms.is_empty() {
        return out;
    }
    for (_, v) in &mut out.create_wire {
        *v = m.mask(v);
    }
    out.attributes = m.mask_map(&out.attributes);
    out.reason = out.reason.map(|r| m.mask(&r));
    out.physical_id = out.physical_id.map(|p| m.mask(&p));
    out.replaced = out.replaced.map(|r| Box::new(mask_record(&r, m)));
    out
}

impl crate::run::StackRun {
    /// The run as its caller gets it: every record masked ([`mask_record`]).
    pub(crate) fn masked(mut self) -> Self {
        let masker = Masker::new(&secrets_of(&self.plan));
        for rec in self.resources.values_mut() {
            *rec = mask_record(rec, &masker);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
