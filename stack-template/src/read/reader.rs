//! Reading template text strictly: bytes to a JSON value, with every problem at a position.
//!
//! `serde_json` keeps the last of two equal keys and says nothing; a template that gives a resource or a
//! property twice would then run with whichever came last. This reader sees duplicate keys at any depth
//! and reports the second occurrence at its JSON pointer, with line and column. It also names what
//! `serde_json` reports poorly: a byte order mark, invalid UTF-8 (with its byte offset and line), and
//! nesting deeper than the limit (with the pointer where it happened), and it refuses input over the
//! byte limit before parsing it.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::limits::Limits;
use crate::problem::{segment, Problem};

/// Where a problem of the text is: a byte offset, and the line and column (1-based, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Reads template bytes (UTF-8 JSON) into a value, strictly.
pub fn read_json(bytes: &[u8], limits: &Limits) -> Result<Value, Problem> {
    let text = text_of(bytes, limits, "JSON")?;
    let state = RefCell::new(State::default());
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Node {
        state: &state,
        path: Path::Root,
        depth: 0,
        limits,
    };
    let value = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match value {
        Ok(v) => Ok(v),
        Err(e) => {
            let at = format!("line {}, column {}", e.line(), e.column());
            let found = state.into_inner().found;
            Err(match found {
                Some((pointer, message)) => Problem::new(pointer, format!("{message} (at {at})")),
                None => {
                    let message = e.to_string();
                    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
                    Problem::new("", format!("not valid JSON at {at}: {message}"))
                        .hint("check the quoting, commas and brackets near that position")
                }
            })
        }
    }
}

/// Checks size, BOM and UTF-8, and gives the text.
pub fn text_of<'a>(bytes: &'a [u8], limits: &Limits, syntax: &str) -> Result<&'a str, Problem> {
    if bytes.len() > limits.template_bytes {
        return Err(Problem::new(
            "",
            format!(
                "the template is {} bytes, over the limit of {} bytes",
                bytes.len(),
                limits.template_bytes
            ),
        )
        .hint("split it into nested stacks, or raise the template_bytes limit"));
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(Problem::new(
            "",
            "the template starts with a UTF-8 byte order mark (BOM, bytes EF BB BF at offset 0)",
        )
        .hint(format!(
            "save it as UTF-8 without a BOM; {syntax} text must not start with one"
        )));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(
            Problem::new("", "the template is UTF-16 (it starts with a UTF-16 byte order mark)")
                .hint("save it as UTF-8"),
        );
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let at = position(bytes, offset);
        Problem::new(
            "",
            format!(
                "the template is not valid UTF-8: byte {offset} (0x{:02X}, {at}) does not continue a UTF-8 character",
                bytes.get(offset).copied().unwrap_or(0)
            ),
        )
        .hint("save it as UTF-8")
    })
}

/// Line and column of byte `offset` (the text before it is valid UTF-8).
pub fn position(bytes: &[u8], offset: usize) -> Position {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    Position { line, column }
}

#[derive(Default)]
struct State {
    /// The first problem found, with its pointer (serde's error carries the position).
    found: Option<(String, String)>,
}

/// The pointer to a node, built only when needed.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn pointer(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Key(parent, k) => format!("{}/{}", parent.pointer(), segment(k)),
            Path::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

struct Node<'s, 'p> {
    state: &'s RefCell<State>,
    path: Path<'p>,
    depth: usize,
    limits: &'s Limits,
}

impl Node<'_, '_> {
    fn fail<E: de::Error>(&self, pointer: String, message: String) -> E {
        let mut st = self.state.borrow_mut();
        if st.found.is_none() {
            st.found = Some((pointer, message.clone()));
        }
        E::custom(message)
    }

    fn deeper<E: de::Error>(&self) -> Result<(), E> {
        if self.depth >= self.limits.nesting_depth {
            return Err(self.fail(
                self.path.pointer(),
                format!(
                    "nested deeper than the limit of {} levels of objects and lists",
                    self.limits.nesting_depth
                ),
            ));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.deeper()?;
        let mut out = Vec::new();
        loop {
            let path = Path::Index(&self.path, out.len());
            let child = Node {
                state: self.state,
                path,
                depth: self.depth + 1,
                limits: self.limits,
            };
            match seq.next_element_seed(child)? {
                Some(v) => out.push(v),
                None => break,
            }
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.deeper()?;
        let mut out = Map::new();
        // A top-level section with more members than its limit is refused while it is read, so that a
        // template of 50,000 resources costs no more than its first thousand.
        let section = match self.path {
            Path::Key(Path::Root, name) => self.limits.of_section(name),
            _ => None,
        };
        while let Some(key) = map.next_key::<String>()? {
            if let Some((what, limit, name)) = section {
                if out.len() >= limit {
                    let p = crate::limits::over(&self.path.pointer(), what, limit, name);
                    return Err(self.fail(p.pointer, p.message));
                }
            }
            if out.contains_key(&key) {
                let pointer = Path::Key(&self.path, &key).pointer();
                return Err(self.fail(
                    pointer,
                    format!("{} is given twice: keys of an object must be unique", shown(&key)),
                ));
            }
            let child = Node {
                state: self.state,
                path: Path::Key(&self.path, &key),
                depth: self.depth + 1,
                limits: self.limits,
            };
            let v = map.next_value_seed(child)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// A name as messages show it: quoted, control characters escaped, and cut after 120 characters.
pub fn shown(name: &str) -> String {
    const MAX: usize = 120;
    let n = name.chars().count();
    if n <= MAX {
        return format!("{name:?}");
    }
    let head: String = name.chars().take(MAX).collect();
    format!("{head:?}... ({n} characters)")
}
