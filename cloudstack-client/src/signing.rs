//! Request signing exactly as CloudStack's `ApiServer.verifyRequest` checks it.
//!
//! The server takes every parameter but `signature`, sorts them by their raw names (case-sensitive, byte
//! order), writes `name=value` with the value encoded like Java's `URLEncoder` and `+` turned into `%20`,
//! joins them with `&`, lowercases the whole string, and compares HMAC-SHA1 of it (keyed with the secret,
//! base64-encoded) with the `signature` it received. Signature version 3 adds `signatureVersion=3` and an
//! `expires` timestamp, which the server rejects once it is in the past.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Which signature scheme to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureVersion {
    /// Plain signature, no expiry (the server accepts it unless it enforces timestamps).
    V2,
    /// `signatureVersion=3` with `expires` = now + `lifetime`.
    V3 {
        /// How long a signed request stays valid. Keep a margin for clock skew; the server allows at
        /// most 15 minutes when it enforces timestamps.
        lifetime: Duration,
    },
}

impl Default for SignatureVersion {
    fn default() -> Self {
        Self::V3 {
            lifetime: Duration::from_secs(600),
        }
    }
}

/// Encodes like Java's `URLEncoder.encode(s, "UTF-8")` followed by `replaceAll("\\+", "%20")`: only
/// `A-Z a-z 0-9 . - * _` stay literal; every other UTF-8 byte becomes `%XX` (upper-case hex), so a space
/// is `%20` and `~` is `%7E`.
pub fn java_url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'*' | b'_') {
            out.push(char::from(b));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// The string the server signs: every parameter but `signature` (any case), sorted by raw name in byte
/// order, `name=encoded value` joined with `&`, lowercased. Only the first value of a repeated name counts.
pub fn canonical_string(params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("signature"))
        .collect();
    // Stable sort keeps the first of repeated names first; the server sees only that one.
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    sorted.dedup_by(|b, a| a.0 == b.0);
    let mut out = String::with_capacity(params.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&java_url_encode(v));
    }
    out.to_lowercase()
}

/// HMAC-SHA1 of `canonical` keyed with `secret`, standard base64 with padding.
pub fn sign_canonical(canonical: &str, secret: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(canonical.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// HMAC-SHA1 of `message` keyed with `secret`, lowercase hex.
pub fn hmac_hex(message: &[u8], secret: &str) -> String {
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(message);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature of a full parameter list (which must already hold `apiKey`, `command`, `response` and,
/// for version 3, `signatureVersion` and `expires`).
pub fn signature(params: &[(String, String)], secret: &str) -> String {
    sign_canonical(&canonical_string(params), secret)
}

/// `expires` for a request signed at `now`: UTC, `yyyy-MM-ddTHH:mm:ss+0000`, the form the Python `cs`
/// client sends and every CloudStack release parses.
pub fn expires_at(now: SystemTime, lifetime: Duration) -> String {
    let secs = now
        .checked_add(lifetime)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    format_utc(secs, "+0000")
}

/// Formats seconds since the epoch as `yyyy-MM-ddTHH:mm:ss<suffix>` in UTC.
pub fn format_utc(secs: u64, suffix: &str) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{suffix}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Seconds since the epoch of a CloudStack time, `yyyy-MM-ddTHH:mm:ss+zzzz` (the `created` field of
/// every entity; `Z` and `+zz:zz` are taken too). `None` for anything else.
pub fn parse_utc(text: &str) -> Option<u64> {
    let num = |s: &str| s.parse::<i64>().ok();
    let (date, rest) = text.trim().split_once('T')?;
    let mut ymd = date.splitn(3, '-');
    let (y, m, d) = (num(ymd.next()?)?, num(ymd.next()?)?, num(ymd.next()?)?);
    let (clock, offset) = match rest.find(['+', '-', 'Z']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let mut hms = clock.splitn(3, ':');
    let (h, min, sec) = (num(hms.next()?)?, num(hms.next()?)?, num(hms.next()?.get(..2)?)?);
    let offset_secs = match offset.strip_prefix(['+', '-']) {
        Some(z) => {
            let z = z.replace(':', "");
            let (oh, om) = (num(z.get(..2)?)?, num(z.get(2..4).unwrap_or("00"))?);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        None => 0,
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let secs = days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60 + sec - offset_secs;
    u64::try_from(secs).ok()
}

/// (year, month, day) to days since 1970-01-01, proleptic Gregorian (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, u32::try_from(m).unwrap_or(1), u32::try_from(d).unwrap_or(1))
}

/// Adds `apiKey`, `command`, `response=json` and the signature-version fields to `params`, then the
/// signature. Returns the full list to send.
pub fn signed_params(
    command: &str,
    mut params: Vec<(String, String)>,
    api_key: &str,
    secret: &str,
    version: SignatureVersion,
    now: SystemTime,
) -> Vec<(String, String)> {
    params.push(("command".into(), command.into()));
    params.push(("response".into(), "json".into()));
    params.push(("apiKey".into(), api_key.into()));
    if let SignatureVersion::V3 { lifetime } = version {
        params.push(("signatureVersion".into(), "3".into()));
        params.push(("expires".into(), expires_at(now, lifetime)));
    }
    let sig = signature(&params, secret);
    params.push(("signature".into(), sig));
    params
}

/// `application/x-www-form-urlencoded` / query-string encoding of parameters (names and values encoded,
/// which the server decodes before it verifies).
pub fn encode_query(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&java_url_encode(k));
        out.push('=');
        out.push_str(&java_url_encode(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn cloudstack_times_parse_back() {
        for secs in [0u64, 951_782_400, 1_764_626_720, 4_102_444_799] {
            assert_eq!(parse_utc(&format_utc(secs, "+0000")), Some(secs));
            assert_eq!(parse_utc(&format_utc(secs, "Z")), Some(secs));
        }
        assert_eq!(
            parse_utc("2026-12-01T23:05:20+0100"),
            parse_utc("2026-12-01T22:05:20+0000")
        );
        assert_eq!(
            parse_utc("2026-12-01T21:35:20-00:30"),
            parse_utc("2026-12-01T22:05:20Z")
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00+0000",
            "2026-12-01",
            "2026-12-01T25:00:00Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn documented_test_vector() {
        let params = p(&[
            (
                "apikey",
                "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg",
            ),
            ("command", "listUsers"),
            ("response", "json"),
        ]);
        let secret = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ";
        assert_eq!(signature(&params, secret), "TTpdDq/7j/J58XCRHomKoQXEQds=");
    }

    #[test]
    fn java_encoding_rules() {
        assert_eq!(java_url_encode("a b*é/=&+~._-"), "a%20b*%C3%A9%2F%3D%26%2B%7E._-");
        assert_eq!(java_url_encode("[0].key"), "%5B0%5D.key");
    }

    #[test]
    fn sorted_case_sensitively_signature_excluded_lowercased() {
        let params = p(&[("zeta", "Z"), ("apiKey", "K"), ("apiaccess", "a"), ("Signature", "x")]);
        // 'K' (0x4B) sorts before 'a' (0x61): apiKey before apiaccess.
        assert_eq!(canonical_string(&params), "apikey=k&apiaccess=a&zeta=z");
    }

    #[test]
    fn expires_format() {
        let t = UNIX_EPOCH + Duration::from_secs(1_893_456_000); // 2030-01-01T00:00:00Z
        assert_eq!(expires_at(t, Duration::from_secs(61)), "2030-01-01T00:01:01+0000");
        assert_eq!(format_utc(951_782_400, "Z"), "2000-02-29T00:00:00Z");
    }
}
