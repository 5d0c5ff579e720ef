//! Template text (JSON or YAML) through the reader, the structural checks, `precheck` and a full plan
//! against CloudStack 4.17. Any input must end in a plan or in problems: never a panic, a stack
//! overflow or unbounded memory.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use stack_core::limits::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(template) = stack_core::template::parse_with(data, &limits) else {
        return;
    };
    let given = BTreeMap::new();
    let _ = stack_core::plan::precheck(&template, &given, &limits);
    if let Ok(release) = cloudstack_api::specs::release("4.17") {
        let options = stack_core::PlanOptions::new("fuzz", "fuzz-1", release).zones(vec!["z1".into()]);
        let _ = stack_core::plan(&template, &given, &options);
    }
});
