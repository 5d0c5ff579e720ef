//! Owner and stack names, and the one place that says how an owner's stack is named in the shared
//! state store (`<owner>.<stack>`), so that two owners may each have a stack `web`.

/// Why a name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {name:?} is not a valid name: {rule}")]
pub struct BadName {
    /// What was named (`stack name`, `owner name`, `template name`).
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The rule it breaks.
    pub rule: &'static str,
}

const STACK_RULE: &str = "a letter, then letters, digits and hyphens, at most 128 characters (CloudFormation's rule)";
const OWNER_RULE: &str = "a lowercase letter, then lowercase letters, digits and hyphens, at most 63 characters";

fn check(what: &'static str, name: &str, max: usize, lower_only: bool, rule: &'static str) -> Result<(), BadName> {
    let ok_char = |c: char| {
        c == '-'
            || c.is_ascii_digit()
            || if lower_only {
                c.is_ascii_lowercase()
            } else {
                c.is_ascii_alphabetic()
            }
    };
    let first_ok = name.chars().next().is_some_and(|c| {
        if lower_only {
            c.is_ascii_lowercase()
        } else {
            c.is_ascii_alphabetic()
        }
    });
    if first_ok && name.len() <= max && name.chars().all(ok_char) {
        Ok(())
    } else {
        Err(BadName {
            what,
            name: name.chars().take(160).collect(),
            rule,
        })
    }
}

/// Checks a stack name.
pub fn stack_name(name: &str) -> Result<(), BadName> {
    check("stack name", name, 128, false, STACK_RULE)
}

/// Checks a stored template's name (the stack name's rule).
pub fn template_name(name: &str) -> Result<(), BadName> {
    check("template name", name, 128, false, STACK_RULE)
}

/// Checks an owner name.
pub fn owner_name(name: &str) -> Result<(), BadName> {
    check("owner name", name, 63, true, OWNER_RULE)
}

/// The name of `owner`'s stack `stack` in the state store.
pub fn store_name(owner: &str, stack: &str) -> String {
    format!("{owner}.{stack}")
}

/// The owner and stack of a state-store name made by [`store_name`].
pub fn split_store_name(name: &str) -> Option<(&str, &str)> {
    name.split_once('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_their_rules_and_store_names_split_back() {
        assert!(stack_name("web-1").is_ok());
        assert!(stack_name("1web").is_err());
        assert!(stack_name("we.b").is_err(), "a dot would make store names ambiguous");
        assert!(stack_name(&"a".repeat(129)).is_err());
        assert!(owner_name("alice-2").is_ok());
        assert!(owner_name("Alice").is_err());
        assert_eq!(split_store_name(&store_name("alice", "web")), Some(("alice", "web")));
    }
}
