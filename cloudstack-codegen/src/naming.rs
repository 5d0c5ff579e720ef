//! Rust names for CloudStack names: API names to type names, parameter and attribute names to
//! identifiers, and plural nouns to singular ones.

/// Splits a camelCase name into words, keeping acronyms together:
/// `listLBStickinessPolicies` -> `list`, `LB`, `Stickiness`, `Policies`.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|j| chars.get(j)) {
            let next = chars.get(i + 1).copied();
            let boundary = c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase())));
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `deployVirtualMachine` -> `DeployVirtualMachine`; `createVPCOffering` -> `CreateVPCOffering`.
pub fn pascal(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for w in words(name) {
        let mut cs = w.chars();
        if let Some(first) = cs.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'N');
    }
    out
}

/// `deployVirtualMachine` -> `DEPLOY_VIRTUAL_MACHINE`.
pub fn screaming(name: &str) -> String {
    let joined = words(name)
        .iter()
        .map(|w| w.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join("_");
    if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{joined}")
    } else {
        joined
    }
}

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
    "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// An identifier for a parameter or attribute name: snake case, keywords get a trailing `_`
/// (`type` -> `type_`), a leading digit gets an `n` prefix.
pub fn field_ident(name: &str) -> String {
    let mut s = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() {
        s.push_str("field");
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    if KEYWORDS.contains(&s.as_str()) || s == "Self" {
        s.push('_');
    }
    s
}

/// English singular of a plural noun as CloudStack names use them:
/// `Policies` -> `Policy`, `Addresses` -> `Address`, `VirtualMachines` -> `VirtualMachine`.
pub fn singular(noun: &str) -> String {
    if let Some(stem) = noun.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["sses", "shes", "ches", "xes"] {
        if let Some(stem) = noun.strip_suffix(suffix) {
            return format!("{stem}{}", &suffix[..suffix.len() - 2]);
        }
    }
    if noun.ends_with("ss") || noun.ends_with("us") {
        return noun.to_string();
    }
    noun.strip_suffix('s').map_or_else(|| noun.to_string(), str::to_string)
}

/// The leading lowercase verb of an API name and the rest: `deployVirtualMachine` -> (`deploy`, `VirtualMachine`).
pub fn split_verb(api: &str) -> (&str, &str) {
    let idx = api.find(|c: char| c.is_ascii_uppercase()).unwrap_or(api.len());
    api.split_at(idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_acronyms() {
        assert_eq!(
            words("listLBStickinessPolicies"),
            ["list", "LB", "Stickiness", "Policies"]
        );
        assert_eq!(words("createIpv6FirewallRule"), ["create", "Ipv6", "Firewall", "Rule"]);
        assert_eq!(words("createVPCOffering"), ["create", "VPC", "Offering"]);
        assert_eq!(words("domainId"), ["domain", "Id"]);
    }

    #[test]
    fn names() {
        assert_eq!(pascal("deployVirtualMachine"), "DeployVirtualMachine");
        assert_eq!(screaming("createSSHKeyPair"), "CREATE_SSH_KEY_PAIR");
        assert_eq!(field_ident("type"), "type_");
        assert_eq!(field_ident("domainId"), "domain_id");
        assert_eq!(field_ident("ip6address"), "ip6address");
        assert_eq!(field_ident("3par"), "n3par");
        assert_eq!(singular("Policies"), "Policy");
        assert_eq!(singular("IpAddresses"), "IpAddress");
        assert_eq!(singular("VirtualMachines"), "VirtualMachine");
        assert_eq!(singular("Status"), "Status");
        assert_eq!(singular("Apis"), "Api");
        assert_eq!(split_verb("deployVirtualMachine"), ("deploy", "VirtualMachine"));
        assert_eq!(split_verb("login"), ("login", ""));
    }
}
