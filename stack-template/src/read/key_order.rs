//! The order a template declares the entries of a top-level section in (its parameters, say): what
//! a form or a console shows them in. The template model keeps sections as sorted maps, so the
//! order is read from the text. A text that does not read gives no order (an empty list): callers
//! fall back to the sorted one.

use std::fmt;

use saphyr_parser::{Event, Parser};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

/// The keys of top-level section `section` (`Parameters`, `Outputs`...) in the order the text
/// declares them; empty when the text has no such section or does not read.
pub fn declared_order(bytes: &[u8], section: &str) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let text = text.trim_start_matches('\u{feff}');
    match text.trim_start().chars().next() {
        Some('{') => json_order(text, section),
        Some(_) => yaml_order(text, section),
        None => Vec::new(),
    }
}

fn json_order(text: &str, section: &str) -> Vec<String> {
    let mut de = serde_json::Deserializer::from_str(text);
    de::Deserializer::deserialize_map(&mut de, Top { section }).unwrap_or_default()
}

/// The top-level object: finds `section`, skips the rest.
struct Top<'a> {
    section: &'a str,
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a template object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        let mut found = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == self.section {
                found = map.next_value_seed(Keys)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// A section: its keys in order, their values skipped.
struct Keys;

impl<'de> DeserializeSeed<'de> for Keys {
    type Value = Vec<String>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keys {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a section object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        let mut keys = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            keys.push(key);
        }
        Ok(keys)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
}

/// Where a YAML event stands: in the top mapping, in the section's mapping, or elsewhere.
fn yaml_order(text: &str, section: &str) -> Vec<String> {
    let mut keys = Vec::new();
    // The stack of open collections: true for a mapping, with whether its next scalar is a key.
    let mut open: Vec<(bool, bool)> = Vec::new();
    // Whether the value about to start is the section's (a key at depth 1 named `section`).
    let mut section_next = false;
    let mut in_section_at: Option<usize> = None;
    for event in Parser::new_from_str(text) {
        let Ok((event, _)) = event else {
            return Vec::new();
        };
        // A key of the mapping on top of the stack, or a value.
        let at_key = open.last().is_some_and(|&(mapping, key)| mapping && key);
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let mapping = matches!(event, Event::MappingStart(..));
                if section_next && mapping {
                    in_section_at = Some(open.len() + 1);
                }
                section_next = false;
                flip(&mut open);
                open.push((mapping, true));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if in_section_at == Some(open.len()) {
                    return keys;
                }
                open.pop();
            }
            Event::Scalar(value, ..) => {
                if at_key && open.len() == 1 {
                    section_next = value == section;
                } else if at_key && in_section_at == Some(open.len()) {
                    keys.push(value.to_string());
                } else {
                    section_next = false;
                }
                flip(&mut open);
            }
            Event::Alias(_) => flip(&mut open),
            _ => {}
        }
    }
    keys
}

/// In a mapping, a key is followed by a value and a value by a key.
fn flip(open: &mut [(bool, bool)]) {
    if let Some((true, key)) = open.last_mut() {
        *key = !*key;
    }
}

#[cfg(test)]
mod tests {
    use super::declared_order;

    #[test]
    fn json_keeps_the_declared_order() {
        let text = r#"{"Resources": {"R": {"Type": "X", "Parameters": {"No": 1}}},
            "Parameters": {"Zeta": {"Type": "String", "Default": {"Nested": "x"}}, "Alpha": {"Type": "Number"}, "Mid": {}},
            "Outputs": {"B": {"Value": 1}, "A": {"Value": 2}}}"#;
        assert_eq!(declared_order(text.as_bytes(), "Parameters"), ["Zeta", "Alpha", "Mid"]);
        assert_eq!(declared_order(text.as_bytes(), "Outputs"), ["B", "A"]);
        assert!(declared_order(text.as_bytes(), "Mappings").is_empty());
    }

    #[test]
    fn yaml_keeps_the_declared_order() {
        let text = "Description: x\nResources:\n  R:\n    Type: X\n    Properties:\n      Parameters: {No: 1}\n\
                    Parameters:\n  Zeta:\n    Type: String\n    AllowedValues: [a, b]\n    Default: {Nested: x}\n  Alpha: {Type: Number}\n  Mid:\n    Type: String\n\
                    Outputs:\n  B:\n    Value: !Ref Zeta\n";
        assert_eq!(declared_order(text.as_bytes(), "Parameters"), ["Zeta", "Alpha", "Mid"]);
        assert_eq!(declared_order(text.as_bytes(), "Outputs"), ["B"]);
    }

    #[test]
    fn text_that_does_not_read_gives_no_order() {
        assert!(declared_order(b"{\"Parameters\": {\"A\": ", "Parameters").is_empty());
        assert!(declared_order(&[0xff, 0xfe], "Parameters").is_empty());
        assert!(declared_order(b"", "Parameters").is_empty());
    }
}
