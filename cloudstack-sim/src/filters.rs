//! How each parameter of a list API filters its objects, derived from the spec.
//!
//! A list parameter filters on the response field of the same name (`zoneid`, `state`, `type`, ...).
//! What that rule cannot derive lives in one table (`TABLE`, in this module): aliases
//! (`securitygroupname` -> `name`), membership in a list field (a VM's networks are its
//! `nic[].networkid`), substring matches; and `NOT_FILTERS` names the parameters that are not filters
//! at all. A parameter that is none of these is reported once (API and parameter) and not applied,
//! so a filter is never skipped silently.

use cloudstack_codegen::spec::Api;
use serde_json::Value;

/// How one list parameter selects objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// The object's field equals the value (ignoring ASCII case, as MySQL's collation does).
    Field(String),
    /// The object's field contains the value (SQL `LIKE %value%`).
    Like(String),
    /// Some item of the object's list field has `key` equal to the value.
    Member {
        /// The list field (`nic`).
        list: String,
        /// The field of each item (`networkid`).
        key: String,
    },
    /// The object's list field (of ids) contains the value.
    Contains(String),
    /// The object's comma-separated field has the value as one of its items.
    ListedIn(String),
    /// A display flag: a missing field counts as `true`, as the column's default.
    Display(String),
    /// Not a filter on the objects' fields: paging, scope (account, domain, project, listall), tags,
    /// keyword, id lists and presentation flags, handled by the list itself.
    NotAFilter,
    /// Not modelled: reported once and not applied.
    Unapplied,
}

/// Parameters that are never field filters.
const NOT_FILTERS: &[&str] = &[
    "page",
    "pagesize",
    "keyword",
    "listall",
    "isrecursive",
    "tags",
    "templatefilter",
    "isofilter",
    "networkfilter",
    "details",
    "showicon",
    "showremoved",
    "available",
    "domainid",
    "account",
    "projectid",
    "id",
    "ids",
    "accumulate",
    "allocatedonly",
    "showcapacities",
    "showunique",
];

/// What the spec alone cannot say: (API, parameter, rule, field, list item key).
const TABLE: &[(&str, &str, Rule, &str, &str)] = &[
    ("listSecurityGroups", "securitygroupname", Rule::Field, "name", ""),
    (
        "listSecurityGroups",
        "virtualmachineid",
        Rule::Contains,
        "virtualmachineids",
        "",
    ),
    ("listVirtualMachines", "name", Rule::Like, "name", ""),
    ("listVirtualMachines", "networkid", Rule::Member, "nic", "networkid"),
    (
        "listVirtualMachines",
        "securitygroupid",
        Rule::Member,
        "securitygroup",
        "id",
    ),
    (
        "listVirtualMachines",
        "affinitygroupid",
        Rule::Member,
        "affinitygroup",
        "id",
    ),
    ("listVirtualMachines", "keypair", Rule::ListedIn, "keypairs", ""),
    ("listNics", "nicid", Rule::Field, "id", ""),
];

/// Defaults a list applies when the parameter is absent: (API, parameter, value).
pub const DEFAULTS: &[(&str, &str, &str)] = &[("listNetworks", "issystem", "false")];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Field,
    Like,
    Member,
    Contains,
    ListedIn,
}

/// The filter of every parameter of the list API `api`, by lowercase parameter name.
pub fn derive(api: &Api) -> Vec<(String, Filter)> {
    let declared = |f: &str| api.response.iter().any(|r| r.name == f);
    api.params
        .iter()
        .map(|p| {
            let name = p.name.to_ascii_lowercase();
            let listed = TABLE
                .iter()
                .find(|(a, param, _, field, _)| *a == api.name && *param == name && declared(field));
            let filter = match listed {
                Some((_, _, rule, field, key)) => match rule {
                    Rule::Field => Filter::Field((*field).to_string()),
                    Rule::Like => Filter::Like((*field).to_string()),
                    Rule::Member => Filter::Member {
                        list: (*field).to_string(),
                        key: (*key).to_string(),
                    },
                    Rule::Contains => Filter::Contains((*field).to_string()),
                    Rule::ListedIn => Filter::ListedIn((*field).to_string()),
                },
                None if NOT_FILTERS.contains(&name.as_str()) => Filter::NotAFilter,
                None if declared(&name) && (name.starts_with("display") || name == "fordisplay") => {
                    Filter::Display(name.clone())
                }
                None if declared(&name) => Filter::Field(name.clone()),
                None => Filter::Unapplied,
            };
            (name, filter)
        })
        .collect()
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

impl Filter {
    /// Whether `obj` passes this filter for the value `wanted`; `None` when the filter is not applied.
    pub fn accepts(&self, obj: &serde_json::Map<String, Value>, wanted: &str) -> Option<bool> {
        let field = |f: &str| obj.get(f).map(text);
        Some(match self {
            Self::Field(f) => field(f).is_some_and(|t| t.eq_ignore_ascii_case(wanted)),
            Self::Like(f) => field(f).is_some_and(|t| t.to_ascii_lowercase().contains(&wanted.to_ascii_lowercase())),
            Self::Member { list, key } => obj
                .get(list)
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(|i| i.get(key).map(text).as_deref() == Some(wanted))),
            Self::Contains(f) => obj
                .get(f)
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(wanted))),
            Self::ListedIn(f) => field(f).is_some_and(|t| t.split(',').any(|item| item.trim() == wanted)),
            Self::Display(f) => field(f).unwrap_or_else(|| "true".to_string()).eq_ignore_ascii_case(
                if wanted.eq_ignore_ascii_case("true") {
                    "true"
                } else {
                    "false"
                },
            ),
            Self::NotAFilter | Self::Unapplied => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudstack_codegen::spec::load_slice;

    fn list_api(name: &str, params: &[&str], fields: &[&str]) -> Api {
        let params: Vec<Value> = params
            .iter()
            .map(|p| serde_json::json!({"name": p, "type": "string", "required": false}))
            .collect();
        let response: Vec<Value> = fields
            .iter()
            .map(|f| serde_json::json!({"name": f, "type": "string"}))
            .collect();
        let dump =
            serde_json::json!({"api": [{"name": name, "isasync": false, "params": params, "response": response}]});
        let spec = load_slice(dump.to_string().as_bytes(), "test").expect("spec loads");
        spec.apis.into_iter().next().expect("one api")
    }

    #[test]
    fn same_name_fields_aliases_and_unmodelled_parameters() {
        let api = list_api(
            "listSecurityGroups",
            &[
                "securitygroupname",
                "virtualmachineid",
                "page",
                "account",
                "frobnicate",
                "description",
            ],
            &["name", "virtualmachineids", "description"],
        );
        let rules: std::collections::HashMap<String, Filter> = derive(&api).into_iter().collect();
        assert_eq!(rules["securitygroupname"], Filter::Field("name".into()));
        assert_eq!(rules["virtualmachineid"], Filter::Contains("virtualmachineids".into()));
        assert_eq!(rules["page"], Filter::NotAFilter);
        assert_eq!(rules["account"], Filter::NotAFilter);
        assert_eq!(rules["frobnicate"], Filter::Unapplied);
        assert_eq!(rules["description"], Filter::Field("description".into()));
    }

    #[test]
    fn an_alias_whose_field_the_release_lacks_is_not_applied() {
        // 4.15 and 4.16 answer `keypair`, 4.17 `keypairs`.
        let old = list_api("listVirtualMachines", &["keypair"], &["keypair"]);
        assert_eq!(derive(&old)[0].1, Filter::Field("keypair".into()));
        let new = list_api("listVirtualMachines", &["keypair"], &["keypairs"]);
        assert_eq!(derive(&new)[0].1, Filter::ListedIn("keypairs".into()));
    }

    #[test]
    fn filters_accept_what_cloudstack_selects() {
        let obj = serde_json::json!({"name": "web-1", "state": "Running", "keypairs": "a,b",
            "nic": [{"networkid": "n1"}], "virtualmachineids": ["v1"]});
        let obj = obj.as_object().expect("object");
        assert_eq!(Filter::Field("state".into()).accepts(obj, "running"), Some(true));
        assert_eq!(Filter::Field("zoneid".into()).accepts(obj, "z"), Some(false));
        assert_eq!(Filter::Like("name".into()).accepts(obj, "WEB"), Some(true));
        let member = Filter::Member {
            list: "nic".into(),
            key: "networkid".into(),
        };
        assert_eq!(member.accepts(obj, "n1"), Some(true));
        assert_eq!(member.accepts(obj, "n2"), Some(false));
        assert_eq!(
            Filter::Contains("virtualmachineids".into()).accepts(obj, "v1"),
            Some(true)
        );
        assert_eq!(Filter::ListedIn("keypairs".into()).accepts(obj, "b"), Some(true));
        assert_eq!(Filter::Display("displayvm".into()).accepts(obj, "true"), Some(true));
        assert_eq!(Filter::Display("displayvm".into()).accepts(obj, "false"), Some(false));
        assert_eq!(Filter::Unapplied.accepts(obj, "x"), None);
    }
}
