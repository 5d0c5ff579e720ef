//! Reading YAML templates, with CloudFormation's short forms, as strictly as JSON ones.
//!
//! The text becomes the same JSON value a JSON template would: `!Ref X` is `{"Ref": "X"}`,
//! `!GetAtt R.A` is `{"Fn::GetAtt": ["R", "A"]}`, `!Sub`, `!Join`, `!If` and the other `!Name` short
//! forms are `{"Fn::Name": ...}`, `!Condition C` is `{"Condition": "C"}`. Plain scalars follow YAML
//! 1.2's core schema (`true`, `80`, `1.5`, `null`); quoted and block scalars are strings.
//!
//! Strictness, as for JSON ([`crate::reader`]): a key given twice is an error at the second one's
//! pointer, and so is nesting deeper than the limit; every error has a JSON pointer and the line and
//! column. Anchors and aliases are refused (CloudFormation has no use for them, and an alias that
//! expands to itself many times over is a memory bomb); so are tags other than the short forms and
//! YAML's own `!!str`, `!!int`, `!!float`, `!!bool` and `!!null`, and more than one document.

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{json, Map, Value};

use crate::limits::Limits;
use crate::problem::{segment, Problem};
use crate::reader::shown;

/// The short forms, by tag suffix, and the function each stands for.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("GetAtt", "Fn::GetAtt"),
    ("Base64", "Fn::Base64"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAZs", "Fn::GetAZs"),
    ("If", "Fn::If"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("Equals", "Fn::Equals"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Not", "Fn::Not"),
    ("Cidr", "Fn::Cidr"),
    ("ImportValue", "Fn::ImportValue"),
];

/// Reads YAML template bytes into a JSON value.
pub fn read_yaml(bytes: &[u8], limits: &Limits) -> Result<Value, Problem> {
    let text = crate::reader::text_of(bytes, limits, "YAML")?;
    let mut r = YamlReader {
        parser: Parser::new_from_str(text),
        limits,
    };
    r.expect_start()?;
    let Some((first, span)) = r.next()? else {
        return Err(Problem::new("", "the YAML text holds no document"));
    };
    let value = match first {
        Event::StreamEnd => return Err(Problem::new("", "the YAML text holds no document")),
        other => r.node(other, span, "", 0)?,
    };
    // After the document: its end, then the end of the stream. A second document is refused.
    loop {
        match r.next()? {
            Some((Event::DocumentEnd, _)) => {}
            Some((Event::StreamEnd, _)) | None => break,
            Some((Event::DocumentStart(_), span)) => {
                return Err(at(
                    "",
                    span,
                    "the YAML text holds more than one document; a template is one document",
                ))
            }
            Some((_, span)) => return Err(at("", span, "unexpected content after the document")),
        }
    }
    Ok(value)
}

struct YamlReader<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    limits: &'a Limits,
}

fn at(pointer: &str, span: Span, message: impl Into<String>) -> Problem {
    Problem::new(
        pointer,
        format!(
            "{} (at line {}, column {})",
            message.into(),
            span.start.line(),
            span.start.col() + 1
        ),
    )
}

impl<'a> YamlReader<'a> {
    fn next(&mut self) -> Result<Option<(Event<'a>, Span)>, Problem> {
        match self.parser.next() {
            None => Ok(None),
            Some(Ok(ev)) => Ok(Some(ev)),
            Some(Err(e)) => Err(Problem::new(
                "",
                format!(
                    "not valid YAML at line {}, column {}: {}",
                    e.marker().line(),
                    e.marker().col() + 1,
                    e.info()
                ),
            )
            .hint("check the indentation and quoting near that position")),
        }
    }

    /// Skips the stream and document starts.
    fn expect_start(&mut self) -> Result<(), Problem> {
        for _ in 0..2 {
            match self.next()? {
                Some((Event::StreamStart | Event::DocumentStart(_), _)) => {}
                Some((_, span)) => return Err(at("", span, "unexpected YAML content before the document")),
                None => return Err(Problem::new("", "the YAML text holds no document")),
            }
        }
        Ok(())
    }

    fn node(&mut self, ev: Event<'a>, span: Span, ptr: &str, depth: usize) -> Result<Value, Problem> {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                no_anchor(anchor, ptr, span)?;
                let value = scalar(&text, style, tag.as_deref(), ptr, span)?;
                Ok(match short_form(tag.as_deref(), ptr, span)? {
                    Some(f) => short_scalar(f, value),
                    None => value,
                })
            }
            Event::SequenceStart(anchor, tag) => {
                no_anchor(anchor, ptr, span)?;
                let f = short_form(tag.as_deref(), ptr, span)?;
                self.deeper(ptr, span, depth)?;
                let mut items = Vec::new();
                loop {
                    let Some((ev, s)) = self.next()? else {
                        return Err(at(ptr, span, "the list is not closed"));
                    };
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    let child = format!("{ptr}/{}", items.len());
                    items.push(self.node(ev, s, &child, depth + 1)?);
                }
                let list = Value::Array(items);
                Ok(match f {
                    Some(f) => json!({ f: list }),
                    None => list,
                })
            }
            Event::MappingStart(anchor, tag) => {
                no_anchor(anchor, ptr, span)?;
                let f = short_form(tag.as_deref(), ptr, span)?;
                self.deeper(ptr, span, depth)?;
                let mut map = Map::new();
                loop {
                    let Some((ev, key_span)) = self.next()? else {
                        return Err(at(ptr, span, "the mapping is not closed"));
                    };
                    let key = match ev {
                        Event::MappingEnd => break,
                        Event::Scalar(text, _, anchor, tag) => {
                            no_anchor(anchor, ptr, key_span)?;
                            if tag.is_some() {
                                return Err(at(ptr, key_span, "a mapping key cannot have a tag"));
                            }
                            text.into_owned()
                        }
                        _ => {
                            return Err(at(
                                ptr,
                                key_span,
                                "a mapping key must be plain text, not a list or a mapping",
                            ))
                        }
                    };
                    let child = format!("{ptr}/{}", segment(&key));
                    if map.contains_key(&key) {
                        return Err(at(
                            &child,
                            key_span,
                            format!("{} is given twice: keys of a mapping must be unique", shown(&key)),
                        ));
                    }
                    let Some((ev, s)) = self.next()? else {
                        return Err(at(&child, key_span, "the key has no value"));
                    };
                    let v = self.node(ev, s, &child, depth + 1)?;
                    map.insert(key, v);
                }
                let obj = Value::Object(map);
                Ok(match f {
                    Some(f) => json!({ f: obj }),
                    None => obj,
                })
            }
            Event::Alias(_) => Err(at(
                ptr,
                span,
                "YAML aliases (*name) are not supported in templates; write the value out",
            )),
            _ => Err(at(ptr, span, "unexpected YAML content")),
        }
    }

    fn deeper(&self, ptr: &str, span: Span, depth: usize) -> Result<(), Problem> {
        if depth >= self.limits.nesting_depth {
            return Err(at(
                ptr,
                span,
                format!(
                    "nested deeper than the limit of {} levels of mappings and lists",
                    self.limits.nesting_depth
                ),
            ));
        }
        Ok(())
    }
}

fn no_anchor(anchor: usize, ptr: &str, span: Span) -> Result<(), Problem> {
    if anchor == 0 {
        Ok(())
    } else {
        Err(at(
            ptr,
            span,
            "YAML anchors (&name) are not supported in templates; write the value out",
        ))
    }
}

/// The function a short-form tag stands for, `None` for no tag or a core-schema tag.
fn short_form(tag: Option<&Tag>, ptr: &str, span: Span) -> Result<Option<&'static str>, Problem> {
    let Some(tag) = tag else { return Ok(None) };
    if tag.handle == "!" {
        if let Some((_, f)) = SHORT_FORMS.iter().find(|(s, _)| *s == tag.suffix) {
            return Ok(Some(f));
        }
        return Err(at(ptr, span, format!("unknown tag !{}", tag.suffix)).hint(format!(
            "the short forms are {}",
            SHORT_FORMS
                .iter()
                .map(|(s, _)| format!("!{s}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if is_core(tag) {
        return Ok(None);
    }
    Err(at(ptr, span, format!("unknown tag {}{}", tag.handle, tag.suffix)))
}

fn is_core(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!"
}

/// `!GetAtt R.A` as a scalar is the list `["R", "A"]`; every other short form takes its value as is.
fn short_scalar(f: &str, value: Value) -> Value {
    if f == "Fn::GetAtt" {
        if let Some((r, a)) = value.as_str().and_then(|s| s.split_once('.')) {
            return json!({ f: [r, a] });
        }
    }
    json!({ f: value })
}

fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>, ptr: &str, span: Span) -> Result<Value, Problem> {
    if let Some(t) = tag.filter(|t| is_core(t)) {
        let bad = |what: &str| at(ptr, span, format!("{} is not {what}", shown(text)));
        return match t.suffix.as_str() {
            "str" => Ok(Value::String(text.to_string())),
            "int" => plain(text).filter(Value::is_i64).ok_or_else(|| bad("an integer")),
            "float" => plain(text).filter(Value::is_number).ok_or_else(|| bad("a number")),
            "bool" => plain(text)
                .filter(Value::is_boolean)
                .ok_or_else(|| bad("true or false")),
            "null" => plain(text).filter(Value::is_null).ok_or_else(|| bad("null")),
            other => Err(at(ptr, span, format!("unsupported tag !!{other}"))),
        };
    }
    if style != ScalarStyle::Plain || tag.is_some() {
        return Ok(Value::String(text.to_string()));
    }
    Ok(plain(text).unwrap_or_else(|| Value::String(text.to_string())))
}

/// A plain scalar by YAML 1.2's core schema; `None` for text.
fn plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(h) = text.strip_prefix("0x") {
        return digits(h, 16)
            .then(|| i64::from_str_radix(h, 16).ok().map(Value::from))
            .flatten();
    }
    if let Some(o) = text.strip_prefix("0o") {
        return digits(o, 8)
            .then(|| i64::from_str_radix(o, 8).ok().map(Value::from))
            .flatten();
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10) {
        return text.trim_start_matches('+').parse::<i64>().ok().map(Value::from);
    }
    let looks_float = unsigned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && unsigned.chars().any(|c| c.is_ascii_digit())
        && unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    if looks_float {
        return text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number);
    }
    None
}
