//! A short, deterministic run of the template fuzz target's body over mutations of the project's own
//! templates, in JSON and YAML: every input ends in a plan or in problems, never a panic. The long,
//! coverage-guided runs are `cargo xtask fuzz template` (cargo fuzz, libFuzzer).

use std::collections::BTreeMap;

use stack_template::limits::Limits;

/// xorshift: a failing input can be replayed from its seed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % (n.max(1) as u64)).unwrap_or(0)
    }
}

fn run_one(data: &[u8]) {
    let limits = Limits::default();
    let Ok(template) = stack_template::template::parse_with(data, &limits) else {
        return;
    };
    let given = BTreeMap::new();
    let _ = stack_template::plan::precheck(&template, &given, &limits);
    let release = cloudstack_api::specs::release("4.17").expect("4.17 ships");
    let options = stack_template::PlanOptions::new("fuzz", "fuzz-1", release).zones(vec!["z1".into()]);
    let _ = stack_template::plan(&template, &given, &options);
}

#[test]
fn mutated_templates_never_panic() {
    let seeds: Vec<Vec<u8>> = vec![
        include_bytes!("../../cloudstack-sim/templates/lamp-demo.json").to_vec(),
        include_bytes!("../../fuzz/seeds/template/web.yaml").to_vec(),
    ];
    let alphabet: &[u8] = b"{}[]\":,- \n!&*|>'#RefFn::GetAtt0123456789truenull\\\xc3\xef";
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut planned = 0;
    for round in 0..1500 {
        let mut bytes = seeds[round % seeds.len()].clone();
        for _ in 0..=rng.below(8) {
            if bytes.is_empty() {
                bytes.push(b'{');
            }
            let i = rng.below(bytes.len());
            match rng.below(5) {
                0 => bytes[i] = alphabet[rng.below(alphabet.len())],
                1 => {
                    bytes.remove(i);
                }
                2 => bytes.insert(i, alphabet[rng.below(alphabet.len())]),
                3 => {
                    // Duplicate a slice: repeated keys, deeper nesting.
                    let end = (i + rng.below(64)).min(bytes.len());
                    let piece = bytes[i..end].to_vec();
                    bytes.splice(i..i, piece);
                }
                _ => bytes.truncate(i.max(1)),
            }
        }
        run_one(&bytes);
        if stack_template::template::parse_with(&bytes, &Limits::default()).is_ok() {
            planned += 1;
        }
    }
    assert!(
        planned > 50,
        "only {planned} mutations still parsed: the mutations are too coarse"
    );
}
