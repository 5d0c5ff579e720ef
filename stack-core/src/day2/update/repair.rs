//! An update that also brings back what drifted ([`super::UpdateOptions::repair_drift`]): the drift
//! report ([`crate::drift`]) turned into changes the update makes like any other.

use std::collections::BTreeMap;

use super::{enabled, UpdateError};
use crate::change_set::{Action, ResourceChange};
use crate::engine::Engine;
use crate::plan::Plan;
use crate::state::ResourceRecord;

impl Engine {
    /// Adds to `changes` what bringing the drift of stack `name` back to `new` takes: each drifted
    /// property as a change to the template's value, each deleted resource as one to add again
    /// (its record forgotten).
    pub(super) async fn add_drift(
        &self,
        name: &str,
        new: &Plan,
        changes: &mut Vec<ResourceChange>,
        records: &mut BTreeMap<String, ResourceRecord>,
    ) -> Result<(), UpdateError> {
        use crate::change_set::{PropertyChange, Replacement};
        use crate::drift::ResourceDrift;
        let report = self.detect_drift(name).await?;
        for r in report.resources {
            if !enabled(new, &r.logical)
                || changes
                    .iter()
                    .any(|c| c.logical == r.logical && c.action != Action::Modify)
            {
                continue;
            }
            match r.status {
                ResourceDrift::Deleted => {
                    records.remove(&r.logical);
                    changes.retain(|c| c.logical != r.logical);
                    changes.push(ResourceChange {
                        logical: r.logical,
                        type_name: r.type_name,
                        action: Action::Add,
                        replacement: None,
                        properties: Vec::new(),
                    });
                }
                ResourceDrift::Modified => {
                    let at = match changes.iter().position(|c| c.logical == r.logical) {
                        Some(i) => i,
                        None => {
                            changes.push(ResourceChange {
                                logical: r.logical.clone(),
                                type_name: r.type_name.clone(),
                                action: Action::Modify,
                                replacement: Some(Replacement::False),
                                properties: Vec::new(),
                            });
                            changes.len() - 1
                        }
                    };
                    let change = &mut changes[at];
                    for d in r.differences {
                        if change
                            .properties
                            .iter()
                            .any(|p| p.name.eq_ignore_ascii_case(&d.property))
                        {
                            continue;
                        }
                        change.properties.push(PropertyChange {
                            name: d.property,
                            before: Some(d.actual),
                            after: Some(d.expected),
                            effect: "drift".into(),
                            dynamic: false,
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
