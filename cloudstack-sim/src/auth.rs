//! Request authentication as `ApiServer.verifyRequest` does it: the signed string is every parameter but
//! `signature`, sorted by raw name (Java `String.compareTo`, i.e. UTF-16 code units), each value encoded
//! like `URLEncoder` with `+` as `%20`, joined by `&`, lowercased, HMAC-SHA1 with the secret, base64.
//! Signature version 3 needs an `expires` that parses and is not in the past.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::Account;

/// Why a request was refused (all are a 401 to the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No apiKey or no signature.
    Missing,
    /// The key belongs to no account.
    UnknownKey,
    /// The signature does not match.
    BadSignature,
    /// Version 3 without a parsable `expires`.
    BadExpires,
    /// Version 3 with `expires` in the past.
    Expired,
}

fn urlencode_java(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(char::from(byte)),
            b' ' => out.push_str("%20"),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The string the server signs, from the parameters as received (first value of each name).
pub fn unsigned_string(params: &[(String, String)]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (k, _) in params {
        if !names.contains(&k.as_str()) {
            names.push(k);
        }
    }
    names.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    let mut parts = Vec::with_capacity(names.len());
    for name in names {
        if name.eq_ignore_ascii_case("signature") {
            continue;
        }
        let value = params.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
        parts.push(format!("{name}={}", urlencode_java(value)));
    }
    parts.join("&").to_lowercase()
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Checks a request and returns the account it acts as.
pub fn verify<'a>(
    params: &[(String, String)],
    accounts: &'a [Account],
    now: SystemTime,
) -> Result<&'a Account, AuthFailure> {
    let (Some(api_key), Some(signature)) = (get(params, "apiKey"), get(params, "signature")) else {
        return Err(AuthFailure::Missing);
    };
    let account = accounts
        .iter()
        .find(|a| a.apikey == api_key)
        .ok_or(AuthFailure::UnknownKey)?;
    if get(params, "signatureVersion") == Some("3") {
        let expires = get(params, "expires").ok_or(AuthFailure::BadExpires)?;
        let at = parse_tz_date(expires).ok_or(AuthFailure::BadExpires)?;
        let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        if at < now_secs {
            return Err(AuthFailure::Expired);
        }
    }
    let expected = cloudstack_client::signing::sign_canonical(&unsigned_string(params), &account.secretkey);
    // Compare without an early exit, as the server's ConstantTimeComparator does.
    let same = expected.len() == signature.len()
        && expected
            .bytes()
            .zip(signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(account)
    } else {
        Err(AuthFailure::BadSignature)
    }
}

/// Parses the `expires` forms `DateUtil.parseTZDateString` accepts: `2030-01-01T00:00:00Z`,
/// `...+00:00`, `...+0000`, optional fractional seconds, and the legacy `...Z+0000`. Returns seconds
/// since the epoch.
pub fn parse_tz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let rest = rest
        .strip_prefix('Z')
        .map_or(rest, |r| if r.is_empty() { "" } else { r });
    let offset = match rest {
        "" => 0,
        r => {
            let sign = match r.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = r[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let hh: i64 = digits[..2].parse().ok()?;
            let mm: i64 = digits[2..].parse().ok()?;
            sign * (hh * 3600 + mm * 60)
        }
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// (year, month, day) to days since 1970-01-01 (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_vector_verifies() {
        let accounts = vec![Account {
            name: "a".into(),
            apikey: "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg".into(),
            secretkey: "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ".into(),
        }];
        let params: Vec<(String, String)> = [
            ("apikey", accounts[0].apikey.as_str()),
            ("command", "listUsers"),
            ("response", "json"),
            ("signature", "TTpdDq/7j/J58XCRHomKoQXEQds="),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert!(verify(&params, &accounts, SystemTime::now()).is_ok());
    }

    #[test]
    fn expires_forms() {
        let base = parse_tz_date("2030-01-01T00:00:00Z").expect("Z");
        assert_eq!(base, 1_893_456_000);
        assert_eq!(parse_tz_date("2030-01-01T00:00:00+0000"), Some(base));
        assert_eq!(parse_tz_date("2030-01-01T00:00:00+00:00"), Some(base));
        assert_eq!(parse_tz_date("2030-01-01T01:00:00+01:00"), Some(base));
        assert_eq!(parse_tz_date("2030-01-01T00:00:00.123Z"), Some(base));
        assert_eq!(parse_tz_date("2030-01-01T00:00:00Z+0000"), Some(base));
        assert_eq!(parse_tz_date("2030-01-01 00:00:00"), None);
        assert_eq!(parse_tz_date("tomorrow"), None);
    }
}
