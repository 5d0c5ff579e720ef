//! CloudStack's server-side signature rules, written independently of `cloudstack-client::signing`
//! (char by char, Java's UTF-16 sort), so tests can compare the two.

/// `URLEncoder.encode(v, "UTF-8").replaceAll("\\+", "%20")`: letters, digits and `.-*_` literal, space
/// to `+` (then `%20`), every other code point's UTF-8 bytes as `%XX`.
pub fn java_urlencoder(value: &str) -> String {
    let mut encoded = String::new();
    for ch in value.chars() {
        if ch.is_ascii_alphanumeric() || ".-*_".contains(ch) {
            encoded.push(ch);
        } else if ch == ' ' {
            encoded.push('+');
        } else {
            let mut buf = [0u8; 4];
            for byte in ch.encode_utf8(&mut buf).bytes() {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    encoded.replace('+', "%20")
}

/// `ApiServer.verifyRequest`'s string: first value of each name, `Collections.sort` on names (UTF-16
/// code unit order), `signature` skipped, `name=encode(value)` joined by `&`, `toLowerCase()`.
pub fn java_canonical(params: &[(String, String)]) -> String {
    let mut first: Vec<(String, String)> = Vec::new();
    for (k, v) in params {
        if !first.iter().any(|(n, _)| n == k) {
            first.push((k.clone(), v.clone()));
        }
    }
    first.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    first
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("signature"))
        .map(|(name, value)| format!("{name}={}", java_urlencoder(value)))
        .collect::<Vec<_>>()
        .join("&")
        .to_lowercase()
}
