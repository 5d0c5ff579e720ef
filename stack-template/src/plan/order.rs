//! Ordering and cycles: the creation order of a plan's resources, and the cycles of resources or of
//! conditions, each reported as one problem naming every member in order.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graphmap::DiGraphMap;
use serde_json::Value;

use super::PlannedResource;
use crate::problem::{segment, Problem};
use crate::template::Template;

/// Conditions that refer to each other in a cycle: each cycle is one problem at its first member,
/// naming every member in order. Returns the members of all cycles (they are not evaluated).
pub(crate) fn condition_cycles(template: &Template, problems: &mut Vec<Problem>) -> BTreeSet<String> {
    fn uses(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let (1, Some(Value::String(name))) = (o.len(), o.get("Condition")) {
                    out.push(name.clone());
                }
                if let Some(Value::Array(args)) = o.get("Fn::If") {
                    if let Some(Value::String(name)) = args.first() {
                        out.push(name.clone());
                    }
                }
                o.values().for_each(|x| uses(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| uses(x, out)),
            _ => {}
        }
    }
    let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
    for (name, expr) in &template.conditions {
        g.add_node(name.as_str());
        let mut used = Vec::new();
        uses(expr, &mut used);
        for u in used {
            if let Some((k, _)) = template.conditions.get_key_value(&u) {
                g.add_edge(name.as_str(), k.as_str(), ());
            }
        }
    }
    let mut members = BTreeSet::new();
    for scc in petgraph::algo::tarjan_scc(&g) {
        let is_cycle = scc.len() > 1 || scc.first().is_some_and(|n| g.contains_edge(n, n));
        if !is_cycle {
            continue;
        }
        // Walk the cycle from its alphabetically first member, following edges inside the component.
        let inside: BTreeSet<&str> = scc.iter().copied().collect();
        let first = *inside.iter().next().unwrap_or(&scc[0]);
        let mut path = vec![first];
        let mut cur = first;
        while let Some(next) = g
            .neighbors(cur)
            .filter(|n| inside.contains(n))
            .find(|n| !path.contains(n) || *n == first)
        {
            if next == first {
                break;
            }
            path.push(next);
            cur = next;
        }
        let mut names: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        names.push(first.to_string());
        problems.push(
            Problem::new(
                format!("/Conditions/{}", segment(first)),
                format!("conditions form a cycle: {}", names.join(" -> ")),
            )
            .hint("a condition cannot depend on itself, directly or through others"),
        );
        members.extend(inside.iter().map(|s| s.to_string()));
    }
    members
}

/// A creation order, or the resources of a dependency cycle in cycle order.
pub fn topological_order(resources: &BTreeMap<String, PlannedResource>) -> Result<Vec<String>, Vec<String>> {
    let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
    for (name, r) in resources {
        g.add_node(name.as_str());
        for d in &r.depends_on {
            if resources.contains_key(d) {
                g.add_edge(d.as_str(), name.as_str(), ());
            }
        }
    }
    match petgraph::algo::toposort(&g, None) {
        Ok(order) => Ok(order.into_iter().map(str::to_string).collect()),
        Err(cycle) => {
            // Walk dependencies from the node in the cycle until a node repeats.
            let start = cycle.node_id();
            let mut path = vec![start];
            let mut cur = start;
            loop {
                let next = resources[cur]
                    .depends_on
                    .iter()
                    .map(String::as_str)
                    .find(|d| petgraph::algo::has_path_connecting(&g, start, d, None));
                let Some(n) = next else { break };
                if let Some(pos) = path.iter().position(|p| *p == n) {
                    // Report the cycle from its alphabetically first member, so it reads the same each run.
                    let mut c: Vec<String> = path[pos..].iter().map(|s| s.to_string()).collect();
                    let first = c.iter().enumerate().min_by(|a, b| a.1.cmp(b.1)).map_or(0, |(i, _)| i);
                    c.rotate_left(first);
                    c.push(c[0].clone());
                    return Err(c);
                }
                path.push(n);
                cur = n;
            }
            Err(vec![start.to_string(), start.to_string()])
        }
    }
}
