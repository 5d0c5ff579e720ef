//! The dependency graph of a plan as text for other tools: DOT (Graphviz) and Mermaid.

use super::Plan;

/// DOT text of the dependency graph (edges point from a dependency to its dependent).
pub fn to_dot(plan: &Plan) -> String {
    let mut s = String::from("digraph stack {\n  rankdir=LR;\n");
    for (name, r) in &plan.resources {
        s.push_str(&format!("  \"{name}\" [label=\"{name}\\n{}\"];\n", r.type_name));
        for d in &r.depends_on {
            s.push_str(&format!("  \"{d}\" -> \"{name}\";\n"));
        }
    }
    s.push_str("}\n");
    s
}

/// Mermaid text of the dependency graph (`flowchart LR`, edges from a dependency to its dependent).
pub fn to_mermaid(plan: &Plan) -> String {
    let mut s = String::from("flowchart LR\n");
    for (name, r) in &plan.resources {
        s.push_str(&format!("  {name}[\"{name}<br/>{}\"]\n", r.type_name));
    }
    for (name, r) in &plan.resources {
        for d in &r.depends_on {
            s.push_str(&format!("  {d} --> {name}\n"));
        }
    }
    s
}
