//! Keeping secrets out of what a run writes and hands out: every resource record masked with its
//! plan's [`stack_template::secrets::Masker`] (NoEcho values, the metadata token, handle tokens)
//! before it is stored, put in an event or returned.

use crate::secrets::Masker;
use crate::state::ResourceRecord;

/// Masks every secret in `rec`, in place: its create parameters, attributes, physical id (a
/// handle's URL holds its token), reason and the record it replaces.
pub(crate) fn mask_record_in_place(m: &Masker, rec: &mut ResourceRecord) {
    if m.is_empty() {
        return;
    }
    for (_, v) in &mut rec.create_wire {
        m.mask_string_in_place(v);
    }
    rec.attributes.values_mut().for_each(|v| m.mask_value_in_place(v));
    for s in [&mut rec.reason, &mut rec.physical_id].into_iter().flatten() {
        m.mask_string_in_place(s);
    }
    if let Some(old) = rec.replaced.as_deref_mut() {
        mask_record_in_place(m, old);
    }
}

/// A resource's record as it may be written or handed out: every secret masked in its create
/// parameters, attributes, physical id (a handle's URL holds its token) and reason.
pub(crate) fn mask_record(rec: &ResourceRecord, m: &Masker) -> ResourceRecord {
    let mut out = rec.clone();
    mask_record_in_place(m, &mut out);
    out
}

impl crate::run::StackRun {
    /// The run as its caller gets it: every record masked ([`mask_record`]), in place.
    pub(crate) fn masked(mut self) -> Self {
        let masker = self.plan.masker();
        for rec in self.resources.values_mut() {
            mask_record_in_place(&masker, rec);
        }
        self
    }
}
