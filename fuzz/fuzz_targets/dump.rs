//! listApis dump text through the loader, the participant derivation, the run-time API facts and the
//! facts writer (whose output must load back and render to the same text).
#![no_main]

use cloudstack_codegen::{api_meta, facts, maps::MapShapes, participants};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = cloudstack_codegen::spec::load_slice(data, "fuzz.json") else {
        return;
    };
    let (Ok(table), Ok(maps)) = (participants::ParticipantTable::builtin(), MapShapes::builtin()) else {
        return;
    };
    let _ = participants::derive(&spec, &table);
    for api in &spec.apis {
        let _ = api_meta::api_facts(api, &maps);
    }
    // The facts writer's output loads back and renders to the same text: canonical, prose-free facts.
    let header = facts::header_for("fuzz", "");
    let rendered = facts::render(&spec, &header);
    let again = cloudstack_codegen::spec::load_slice(rendered.text.as_bytes(), "facts").expect("facts load back");
    assert_eq!(facts::render(&again, &header), rendered, "facts must round-trip");
});
