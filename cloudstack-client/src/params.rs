//! Parameter values of a request and their exact wire form.
//!
//! Generated setters store typed values here by parameter index; [`Params::to_wire`] checks them against
//! the API's [`ApiMeta`] (required, length, id format, list items, map field names) and produces the
//! `(name, value)` pairs the server expects, in parameter order.

use std::fmt;

use crate::error::BuildError;
use crate::meta::{ApiMeta, MapShape, ParamKind, ParamMeta};

/// A value set on a request.
#[derive(Clone, PartialEq)]
pub enum ParamValue {
    /// Text, ids and any type sent verbatim.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// Any integer type.
    Int(i64),
    /// Any float type.
    Float(f64),
    /// A date or timestamp.
    Date(Date),
    /// List items (comma-joined on the wire).
    List(Vec<String>),
    /// Map entries, each a list of (field, value); see [`MapShape`] for how input becomes entries.
    Map(Vec<Vec<(String, String)>>),
}

/// The values set on one request, by parameter index of its [`ApiMeta`].
///
/// `Debug` prints parameter indexes and values but hides every value of a sensitive parameter; use
/// [`Params::debug_with`] to print names.
#[derive(Clone, Default, PartialEq)]
pub struct Params {
    values: Vec<(u16, ParamValue)>,
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Without the API description we cannot tell which values are secret: show only which are set.
        f.debug_set().entries(self.values.iter().map(|(i, _)| *i)).finish()
    }
}

impl Params {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or replaces) the value of parameter `index`.
    pub fn set(&mut self, index: u16, value: ParamValue) {
        match self.values.binary_search_by_key(&index, |(i, _)| *i) {
            Ok(pos) => self.values[pos].1 = value,
            Err(pos) => self.values.insert(pos, (index, value)),
        }
    }

    /// Removes the value of parameter `index`.
    pub fn unset(&mut self, index: u16) {
        self.values.retain(|(i, _)| *i != index);
    }

    /// The value of parameter `index`, when set.
    pub fn get(&self, index: u16) -> Option<&ParamValue> {
        self.values
            .binary_search_by_key(&index, |(i, _)| *i)
            .ok()
            .map(|pos| &self.values[pos].1)
    }

    /// Sets a text value.
    pub fn set_text(&mut self, index: u16, value: String) {
        self.set(index, ParamValue::Text(value));
    }

    /// Sets a boolean.
    pub fn set_bool(&mut self, index: u16, value: bool) {
        self.set(index, ParamValue::Bool(value));
    }

    /// Sets an integer.
    pub fn set_int(&mut self, index: u16, value: i64) {
        self.set(index, ParamValue::Int(value));
    }

    /// Sets a float.
    pub fn set_float(&mut self, index: u16, value: f64) {
        self.set(index, ParamValue::Float(value));
    }

    /// Sets a date.
    pub fn set_date(&mut self, index: u16, value: Date) {
        self.set(index, ParamValue::Date(value));
    }

    /// Sets list items.
    pub fn set_list<I, S>(&mut self, index: u16, items: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.set(index, ParamValue::List(items.into_iter().map(Into::into).collect()));
    }

    /// Sets a map from (key, value) pairs; how they become entries depends on the parameter's [`MapShape`],
    /// so they are stored as one entry per pair and reshaped by [`Params::to_wire`].
    pub fn set_pairs<I, K, V>(&mut self, index: u16, pairs: I)
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let entries = pairs.into_iter().map(|(k, v)| vec![(k.into(), v.into())]).collect();
        self.set(index, ParamValue::Map(entries));
    }

    /// Sets a map from a list of entries, each a set of (field, value).
    pub fn set_entries<I, E, K, V>(&mut self, index: u16, entries: I)
    where
        I: IntoIterator<Item = E>,
        E: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let entries = entries
            .into_iter()
            .map(|e| e.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
            .collect();
        self.set(index, ParamValue::Map(entries));
    }

    /// Iterates over (parameter, value) for the values set, in parameter order.
    pub fn iter<'a>(
        &'a self,
        api: &'static ApiMeta,
    ) -> impl Iterator<Item = (&'static ParamMeta, &'a ParamValue)> + 'a {
        self.values
            .iter()
            .filter_map(move |(i, v)| api.params.get(usize::from(*i)).map(|m| (m, v)))
    }

    /// A `Debug` view with parameter names, sensitive values replaced by `***`.
    pub fn debug_with(&self, api: &'static ApiMeta) -> impl fmt::Debug + '_ {
        DebugParams { params: self, api }
    }

    /// Checks every value against `api` and produces the wire parameters (without `command`, `response`,
    /// `apiKey` or signature), in parameter-name order.
    pub fn to_wire(&self, api: &'static ApiMeta) -> Result<Vec<(String, String)>, BuildError> {
        for (index, meta) in api.params.iter().enumerate() {
            let set = u16::try_from(index).ok().and_then(|i| self.get(i)).is_some();
            if meta.required && !set {
                return Err(BuildError::MissingParameter {
                    api: api.name,
                    param: meta.name,
                });
            }
        }
        let mut out = Vec::with_capacity(self.values.len() + 2);
        for (i, value) in &self.values {
            let meta = api
                .params
                .get(usize::from(*i))
                .ok_or(BuildError::UnknownParameterIndex {
                    api: api.name,
                    index: *i,
                })?;
            encode_value(api, meta, value, &mut out)?;
        }
        Ok(out)
    }
}

/// Checks one value against its parameter (type, range, length, id format, list items, map fields) without
/// looking at the other parameters.
pub fn check_value(api: &'static ApiMeta, meta: &'static ParamMeta, value: &ParamValue) -> Result<(), BuildError> {
    encode_value(api, meta, value, &mut Vec::new())
}

struct DebugParams<'a> {
    params: &'a Params,
    api: &'static ApiMeta,
}

impl fmt::Debug for DebugParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (meta, value) in self.params.iter(self.api) {
            if meta.sensitive {
                m.entry(&meta.name, &"***");
            } else {
                m.entry(&meta.name, &DisplayValue(value));
            }
        }
        m.finish()
    }
}

struct DisplayValue<'a>(&'a ParamValue);

impl fmt::Debug for DisplayValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ParamValue::Text(s) => write!(f, "{s:?}"),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Int(n) => write!(f, "{n}"),
            ParamValue::Float(x) => write!(f, "{x}"),
            ParamValue::Date(d) => write!(f, "{d:?}"),
            ParamValue::List(l) => write!(f, "{l:?}"),
            ParamValue::Map(m) => write!(f, "{m:?}"),
        }
    }
}

fn invalid(api: &'static ApiMeta, meta: &'static ParamMeta, reason: String) -> BuildError {
    BuildError::InvalidValue {
        api: api.name,
        param: meta.name,
        reason,
    }
}

fn encode_value(
    api: &'static ApiMeta,
    meta: &'static ParamMeta,
    value: &ParamValue,
    out: &mut Vec<(String, String)>,
) -> Result<(), BuildError> {
    let name = meta.name;
    let text = match (meta.kind, value) {
        (ParamKind::Map(shape), ParamValue::Map(entries)) => {
            return encode_map(api, meta, shape, entries, out);
        }
        (ParamKind::Map(_), other) => {
            return Err(invalid(
                api,
                meta,
                format!("expected map entries, got {}", kind_name(other)),
            ));
        }
        (ParamKind::List, ParamValue::List(items)) => {
            for item in items {
                if item.is_empty() || item.contains(',') {
                    return Err(invalid(
                        api,
                        meta,
                        format!("list item {item:?} is empty or contains a comma; the server splits lists on ','"),
                    ));
                }
            }
            items.join(",")
        }
        (ParamKind::List, ParamValue::Text(s)) => s.clone(),
        (ParamKind::Boolean, ParamValue::Bool(b)) => b.to_string(),
        (ParamKind::Boolean, ParamValue::Text(s)) => {
            // The server reads anything but "true" as false without an error, so catch typos here.
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") {
                s.to_ascii_lowercase()
            } else {
                return Err(invalid(api, meta, format!("{s:?} is not true or false")));
            }
        }
        (ParamKind::Short | ParamKind::Integer | ParamKind::Long, ParamValue::Int(n)) => {
            check_int_range(api, meta, *n)?;
            n.to_string()
        }
        (ParamKind::Short | ParamKind::Integer | ParamKind::Long, ParamValue::Text(s)) => {
            let n: i64 = s
                .trim()
                .parse()
                .map_err(|_| invalid(api, meta, format!("{s:?} is not an integer")))?;
            check_int_range(api, meta, n)?;
            n.to_string()
        }
        (ParamKind::Float | ParamKind::Double, ParamValue::Float(x)) => {
            if !x.is_finite() {
                return Err(invalid(api, meta, format!("{x} is not a finite number")));
            }
            format_float(*x)
        }
        (ParamKind::Float | ParamKind::Double, ParamValue::Int(n)) => n.to_string(),
        (ParamKind::Float | ParamKind::Double, ParamValue::Text(s)) => {
            let x: f64 = s
                .trim()
                .parse()
                .map_err(|_| invalid(api, meta, format!("{s:?} is not a number")))?;
            if !x.is_finite() {
                return Err(invalid(api, meta, format!("{s:?} is not a finite number")));
            }
            s.trim().to_string()
        }
        (ParamKind::Uuid, ParamValue::Text(s)) => {
            if !is_id(s) {
                return Err(invalid(
                    api,
                    meta,
                    format!(
                        "{s:?} is not a resource id (a UUID such as 1b2c3d4e-0000-4000-8000-000000000001, or a number)"
                    ),
                ));
            }
            s.clone()
        }
        (ParamKind::Uuid, ParamValue::Int(n)) => n.to_string(),
        (ParamKind::Date, ParamValue::Date(d)) => d.to_date_string(),
        (ParamKind::TzDate, ParamValue::Date(d)) => d.to_tz_string(),
        (ParamKind::Date | ParamKind::TzDate, ParamValue::Text(s)) => {
            Date::parse(s).map_err(|e| invalid(api, meta, e.to_string()))?;
            s.clone()
        }
        (ParamKind::String | ParamKind::Other, ParamValue::Text(s)) => {
            let limit = meta.length.unwrap_or(255);
            let len = s.encode_utf16().count();
            if u32::try_from(len).map_or(true, |l| l > limit) {
                return Err(BuildError::TooLong {
                    api: api.name,
                    param: meta.name,
                    length: len,
                    limit,
                });
            }
            s.clone()
        }
        (ParamKind::String | ParamKind::Other, ParamValue::Int(n)) => n.to_string(),
        (ParamKind::String | ParamKind::Other, ParamValue::Bool(b)) => b.to_string(),
        (ParamKind::String | ParamKind::Other, ParamValue::Float(x)) => format_float(*x),
        (_, other) => {
            return Err(invalid(
                api,
                meta,
                format!("expected a {} value, got {}", meta.kind.as_str(), kind_name(other)),
            ))
        }
    };
    out.push((name.to_string(), text));
    Ok(())
}

fn encode_map(
    api: &'static ApiMeta,
    meta: &'static ParamMeta,
    shape: MapShape,
    entries: &[Vec<(String, String)>],
    out: &mut Vec<(String, String)>,
) -> Result<(), BuildError> {
    // Field names end up inside `name[i].field`: brackets or dots there make the server answer 430.
    let check_field = |field: &str| -> Result<(), BuildError> {
        if field.is_empty() || field.contains(['[', ']', '.', '=', '&']) {
            Err(invalid(
                api,
                meta,
                format!("map field name {field:?} is empty or contains one of [ ] . = &"),
            ))
        } else {
            Ok(())
        }
    };
    let name = meta.name;
    match shape {
        MapShape::Pairs { key, value } => {
            for (i, entry) in entries.iter().enumerate() {
                for (k, v) in entry {
                    if k.is_empty() {
                        return Err(invalid(api, meta, "a map key is empty".to_string()));
                    }
                    out.push((format!("{name}[{i}].{key}"), k.clone()));
                    out.push((format!("{name}[{i}].{value}"), v.clone()));
                }
            }
        }
        MapShape::Flat => {
            for (k, v) in entries.iter().flatten() {
                check_field(k)?;
                out.push((format!("{name}[0].{k}"), v.clone()));
            }
        }
        MapShape::Entries => {
            for (i, entry) in entries.iter().enumerate() {
                for (k, v) in entry {
                    check_field(k)?;
                    out.push((format!("{name}[{i}].{k}"), v.clone()));
                }
            }
        }
    }
    Ok(())
}

fn check_int_range(api: &'static ApiMeta, meta: &'static ParamMeta, n: i64) -> Result<(), BuildError> {
    let ok = match meta.kind {
        ParamKind::Short => i16::try_from(n).is_ok(),
        ParamKind::Integer => i32::try_from(n).is_ok(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(
            api,
            meta,
            format!("{n} is out of range for a {}", meta.kind.as_str()),
        ))
    }
}

fn format_float(x: f64) -> String {
    // Rust's `Display` for floats never uses exponents, which is what Java's parsers read.
    x.to_string()
}

fn kind_name(v: &ParamValue) -> &'static str {
    match v {
        ParamValue::Text(_) => "text",
        ParamValue::Bool(_) => "a boolean",
        ParamValue::Int(_) => "an integer",
        ParamValue::Float(_) => "a float",
        ParamValue::Date(_) => "a date",
        ParamValue::List(_) => "a list",
        ParamValue::Map(_) => "a map",
    }
}

/// Whether `s` is something the server accepts as a resource id: a UUID (any case), a decimal internal
/// id, or `-1`.
pub fn is_id(s: &str) -> bool {
    let b = s.as_bytes();
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    let number = !s.is_empty() && (s == "-1" || b.iter().all(u8::is_ascii_digit));
    uuid || number
}

/// A text that is not a date CloudStack takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a date (expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss)")]
pub struct DateError {
    /// The text.
    pub text: String,
}

/// A date or date-time for `date` and `tzdate` parameters.
///
/// `date` parameters are sent as `yyyy-MM-dd` (or `yyyy-MM-dd HH:mm:ss` for a time); `tzdate`
/// parameters as `yyyy-MM-ddTHH:mm:ssZ` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
    time: Option<(u8, u8, u8)>,
}

impl Date {
    /// A calendar day. Returns `None` for an impossible date.
    pub fn ymd(year: u16, month: u8, day: u8) -> Option<Self> {
        let d = Self {
            year,
            month,
            day,
            time: None,
        };
        d.valid().then_some(d)
    }

    /// A day and time of day (UTC for `tzdate`). Returns `None` for an impossible date or time.
    pub fn ymd_hms(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Option<Self> {
        let d = Self {
            year,
            month,
            day,
            time: Some((hour, minute, second)),
        };
        d.valid().then_some(d)
    }

    fn valid(&self) -> bool {
        let leap = (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0;
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        let time_ok = self.time.is_none_or(|(h, m, s)| h < 24 && m < 60 && s < 60);
        self.year >= 1 && self.year <= 9999 && self.day >= 1 && self.day <= days && time_ok
    }

    /// Parses `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-ddTHH:mm:ss` with an optional `Z`/offset.
    pub fn parse(s: &str) -> Result<Self, DateError> {
        let bad = || DateError { text: s.to_string() };
        let num = |part: &str| -> Result<u16, DateError> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<u16>().map_err(|_| bad())
        };
        let small = |part: &str| -> Result<u8, DateError> { u8::try_from(num(part)?).map_err(|_| bad()) };
        let (day_part, time_part) = match s.find([' ', 'T']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let mut ymd = day_part.split('-');
        let (Some(y), Some(m), Some(d), None) = (ymd.next(), ymd.next(), ymd.next(), ymd.next()) else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let time = match time_part {
            None => None,
            Some(t) => {
                let t = t.trim_end_matches('Z');
                let t = t.split(['+']).next().unwrap_or(t);
                let t = if t.len() > 8 { &t[..8] } else { t };
                let mut hms = t.split(':');
                let (Some(h), Some(mi), Some(se)) = (hms.next(), hms.next(), hms.next()) else {
                    return Err(bad());
                };
                Some((small(h)?, small(mi)?, small(se)?))
            }
        };
        let date = Self {
            year: num(y)?,
            month: small(m)?,
            day: small(d)?,
            time,
        };
        if date.valid() {
            Ok(date)
        } else {
            Err(bad())
        }
    }

    pub(crate) fn to_date_string(self) -> String {
        match self.time {
            None => format!("{:04}-{:02}-{:02}", self.year, self.month, self.day),
            Some((h, m, s)) => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                self.year, self.month, self.day, h, m, s
            ),
        }
    }

    fn to_tz_string(self) -> String {
        let (h, m, s) = self.time.unwrap_or((0, 0, 0));
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, h, m, s
        )
    }
}
