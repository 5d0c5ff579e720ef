//! Stack policies (CloudFormation's format): which resources an update may modify, replace or
//! delete. Pure: a policy and a change set in, the refused changes out, before any call.
//!
//! A policy is `{"Statement": [...]}`; each statement has `Effect` (`Allow` or `Deny`), `Action` or
//! `NotAction` (`Update:Modify`, `Update:Replace`, `Update:Delete`, `Update:*`), `Principal` (`*`),
//! `Resource` or `NotResource` (`LogicalResourceId/<id>`, `*` matching any run of characters), and
//! optionally `Condition` (`StringEquals` or `StringLike` on `ResourceType`). Once a stack has a
//! policy, what no statement allows is denied, and a `Deny` wins over any `Allow`. Adding
//! resources is never governed.

use serde_json::Value;

use crate::change_set::{Action, Replacement, ResourceChange};
use crate::problem::Problem;

/// What an update does to a resource, as policies name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyAction {
    /// `Update:Modify`: changed in place.
    Modify,
    /// `Update:Replace`: replaced (or maybe replaced, for a conditional replacement).
    Replace,
    /// `Update:Delete`: removed.
    Delete,
}

impl PolicyAction {
    /// `Update:Modify`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Modify => "Update:Modify",
            Self::Replace => "Update:Replace",
            Self::Delete => "Update:Delete",
        }
    }

    /// The action a change is, if a policy governs it.
    pub fn of(change: &ResourceChange) -> Option<Self> {
        match (change.action, change.replacement) {
            (Action::Add, _) => None,
            (Action::Remove, _) => Some(Self::Delete),
            (Action::Modify, Some(Replacement::True | Replacement::Conditional)) => Some(Self::Replace),
            (Action::Modify, _) => Some(Self::Modify),
        }
    }
}

/// One change a policy refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The resource.
    pub logical: String,
    /// What the update would do to it.
    pub action: PolicyAction,
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} on {}", self.action.as_str(), self.logical)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// A statement's list of patterns, or its negation (`NotAction`, `NotResource`).
#[derive(Debug, Clone)]
struct Patterns {
    negated: bool,
    patterns: Vec<String>,
}

impl Patterns {
    fn matches(&self, text: &str) -> bool {
        self.patterns.iter().any(|p| wildcard(p, text)) != self.negated
    }
}

#[derive(Debug, Clone)]
struct Statement {
    effect: Effect,
    actions: Patterns,
    resources: Patterns,
    /// Resource types the statement is limited to (`Condition`), as patterns.
    types: Option<Vec<String>>,
}

/// A parsed stack policy.
#[derive(Debug, Clone)]
pub struct StackPolicy {
    statements: Vec<Statement>,
}

/// `*` matches any run of characters (`?` one), the rest literally.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A string or a list of strings at `ptr`.
fn strings(v: &Value, ptr: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| match x.as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    problems.push(Problem::new(format!("{ptr}/{i}"), "must be a string"));
                    None
                }
            })
            .collect(),
        _ => {
            problems.push(Problem::new(ptr, "must be a string or a list of strings"));
            Vec::new()
        }
    }
}

/// `Action`/`NotAction` (or `Resource`/`NotResource`) of statement `o`: exactly one of them.
fn either(o: &serde_json::Map<String, Value>, name: &str, ptr: &str, problems: &mut Vec<Problem>) -> Patterns {
    let not = format!("Not{name}");
    match (o.get(name), o.get(&not)) {
        (Some(v), None) => Patterns {
            negated: false,
            patterns: strings(v, &format!("{ptr}/{name}"), problems),
        },
        (None, Some(v)) => Patterns {
            negated: true,
            patterns: strings(v, &format!("{ptr}/{not}"), problems),
        },
        _ => {
            problems.push(Problem::new(
                ptr,
                format!("a statement has exactly one of {name} and {not}"),
            ));
            Patterns {
                negated: false,
                patterns: Vec::new(),
            }
        }
    }
}

impl StackPolicy {
    /// Reads a policy; every problem is reported at its JSON pointer.
    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| vec![Problem::new("", format!("the stack policy is not JSON: {e}"))])?;
        let mut problems = Vec::new();
        let Some(list) = v.get("Statement").and_then(Value::as_array) else {
            return Err(vec![Problem::new("/Statement", "a stack policy has a Statement list")
                .hint(r#"e.g. {"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]}"#)]);
        };
        let mut statements = Vec::new();
        for (i, s) in list.iter().enumerate() {
            let ptr = format!("/Statement/{i}");
            let Some(o) = s.as_object() else {
                problems.push(Problem::new(ptr, "a statement is an object"));
                continue;
            };
            for k in o.keys() {
                if ![
                    "Effect",
                    "Action",
                    "NotAction",
                    "Principal",
                    "Resource",
                    "NotResource",
                    "Condition",
                    "Sid",
                ]
                .contains(&k.as_str())
                {
                    problems.push(Problem::new(
                        format!("{ptr}/{k}"),
                        format!("unknown statement member {k:?}"),
                    ));
                }
            }
            let effect = match o.get("Effect").and_then(Value::as_str) {
                Some("Allow") => Effect::Allow,
                Some("Deny") => Effect::Deny,
                _ => {
                    problems.push(Problem::new(format!("{ptr}/Effect"), "Effect is Allow or Deny"));
                    Effect::Deny
                }
            };
            if o.get("Principal").and_then(Value::as_str) != Some("*") {
                problems.push(Problem::new(format!("{ptr}/Principal"), "Principal must be \"*\""));
            }
            let actions = either(o, "Action", &ptr, &mut problems);
            for (j, a) in actions.patterns.iter().enumerate() {
                if !["Update:Modify", "Update:Replace", "Update:Delete"]
                    .iter()
                    .any(|known| wildcard(a, known))
                {
                    problems.push(
                        Problem::new(format!("{ptr}/Action/{j}"), format!("{a:?} names no update action"))
                            .hint("use Update:Modify, Update:Replace, Update:Delete or Update:*"),
                    );
                }
            }
            let resources = either(o, "Resource", &ptr, &mut problems);
            let types = o.get("Condition").map(|c| {
                let found = ["StringEquals", "StringLike"]
                    .iter()
                    .filter_map(|op| c.get(op).and_then(|x| x.get("ResourceType")).map(|t| (op, t)))
                    .next();
                match found {
                    Some((_, t)) => strings(t, &format!("{ptr}/Condition/ResourceType"), &mut problems),
                    None => {
                        problems.push(Problem::new(
                            format!("{ptr}/Condition"),
                            "a condition is StringEquals or StringLike on ResourceType",
                        ));
                        Vec::new()
                    }
                }
            });
            statements.push(Statement {
                effect,
                actions,
                resources,
                types,
            });
        }
        if problems.is_empty() {
            Ok(Self { statements })
        } else {
            Err(problems)
        }
    }

    /// Whether the policy allows `action` on `logical` of type `type_name`.
    pub fn allows(&self, action: PolicyAction, logical: &str, type_name: &str) -> bool {
        let resource = format!("LogicalResourceId/{logical}");
        let applies = |s: &&Statement| {
            s.actions.matches(action.as_str())
                && s.resources.matches(&resource)
                && s.types
                    .as_ref()
                    .is_none_or(|t| t.iter().any(|p| wildcard(p, type_name)))
        };
        let matching: Vec<&Statement> = self.statements.iter().filter(applies).collect();
        !matching.iter().any(|s| s.effect == Effect::Deny) && matching.iter().any(|s| s.effect == Effect::Allow)
    }

    /// The changes of `changes` the policy refuses.
    pub fn denials(&self, changes: &[ResourceChange]) -> Vec<Denial> {
        changes
            .iter()
            .filter_map(|c| {
                let action = PolicyAction::of(c)?;
                (!self.allows(action, &c.logical, &c.type_name)).then(|| Denial {
                    logical: c.logical.clone(),
                    action,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(logical: &str, action: Action, replacement: Option<Replacement>) -> ResourceChange {
        ResourceChange {
            logical: logical.into(),
            type_name: "CloudStack::SecurityGroup".into(),
            action,
            replacement,
            properties: Vec::new(),
        }
    }

    #[test]
    fn deny_wins_and_what_is_not_allowed_is_denied() {
        let policy = StackPolicy::parse(
            r#"{"Statement": [
                {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": ["Update:Replace", "Update:Delete"], "Principal": "*",
                 "Resource": "LogicalResourceId/Db*"}
            ]}"#,
        )
        .expect("parses");
        let changes = [
            change("Web", Action::Modify, Some(Replacement::True)),
            change("DbGroup", Action::Modify, Some(Replacement::False)),
            change("DbGroup2", Action::Modify, Some(Replacement::Conditional)),
            change("DbVolume", Action::Remove, None),
            change("DbNew", Action::Add, None),
        ];
        let denied: Vec<String> = policy.denials(&changes).iter().map(ToString::to_string).collect();
        assert_eq!(denied, ["Update:Replace on DbGroup2", "Update:Delete on DbVolume"]);
        let only_modify = StackPolicy::parse(
            r#"{"Statement": [{"Effect": "Allow", "Action": "Update:Modify", "Principal": "*", "Resource": "*"}]}"#,
        )
        .expect("parses");
        assert!(!only_modify.allows(PolicyAction::Replace, "Web", "CloudStack::SecurityGroup"));
        assert!(only_modify.allows(PolicyAction::Modify, "Web", "CloudStack::SecurityGroup"));
    }

    #[test]
    fn not_resource_and_resource_type_conditions() {
        let policy = StackPolicy::parse(
            r#"{"Statement": [
                {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "NotResource": "LogicalResourceId/Keep"},
                {"Effect": "Deny", "Action": "Update:*", "Principal": "*", "Resource": "*",
                 "Condition": {"StringEquals": {"ResourceType": ["CloudStack::Volume"]}}}
            ]}"#,
        )
        .expect("parses");
        assert!(policy.allows(PolicyAction::Replace, "Web", "CloudStack::SecurityGroup"));
        assert!(!policy.allows(PolicyAction::Modify, "Keep", "CloudStack::SecurityGroup"));
        assert!(!policy.allows(PolicyAction::Modify, "Data", "CloudStack::Volume"));
    }

    #[test]
    fn bad_policies_are_reported_at_their_pointers() {
        let problems = StackPolicy::parse(
            r#"{"Statement": [{"Effect": "Maybe", "Action": "Update:Explode", "Principal": "*", "Resource": "*", "Extra": 1}]}"#,
        )
        .expect_err("refused");
        let at: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
        assert!(at.contains(&"/Statement/0/Effect"), "{at:?}");
        assert!(at.contains(&"/Statement/0/Action/0"), "{at:?}");
        assert!(at.contains(&"/Statement/0/Extra"), "{at:?}");
        assert!(StackPolicy::parse("[]").is_err());
        assert!(wildcard("Db*", "DbVolume") && !wildcard("Db*", "Web") && wildcard("*", ""));
    }
}
