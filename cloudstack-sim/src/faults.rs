//! Fault injection: per API (or `*`), a failure rate, "fail the next N calls", failing the async job
//! instead of the call, extra latency and throttling. Decisions use the simulator's seeded generator, so
//! a run with the same seed and the same calls fails the same way.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ApiErr;

fn default_retry_ms() -> u64 {
    1000
}

fn default_code() -> u16 {
    530
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Command name, or `*` for every command.
    pub api: String,
    /// Probability (0..=1) that a call fails.
    #[serde(default)]
    pub rate: f64,
    /// Fail this many of the next calls (counted down).
    #[serde(default)]
    pub fail_next: u32,
    /// For async commands: accept the call, then fail its job.
    #[serde(default)]
    pub in_job: bool,
    /// Extra latency added to every matching call, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// Answer 429 instead of an error code.
    #[serde(default)]
    pub throttle: bool,
    /// How long a 429 answer asks the client to wait, in milliseconds (default 1000: CloudStack's
    /// throttle interval is one second).
    #[serde(default = "default_retry_ms")]
    pub retry_ms: u64,
    /// The error code of an injected failure (default 530).
    #[serde(default = "default_code")]
    pub errorcode: u16,
    /// The error text (default: `Simulated failure of <api>`).
    #[serde(default)]
    pub errortext: Option<String>,
}

impl FaultRule {
    /// A rule that matches `api` and does nothing yet.
    pub fn new(api: impl Into<String>) -> Self {
        Self {
            api: api.into(),
            rate: 0.0,
            fail_next: 0,
            in_job: false,
            latency_ms: 0,
            throttle: false,
            retry_ms: default_retry_ms(),
            errorcode: default_code(),
            errortext: None,
        }
    }

    /// Parses the command-line form `api:key=value,flag,...`, e.g.
    /// `deployVirtualMachine:rate=0.2,in_job,code=533` or `*:throttle,next=3` or `listZones:latency=50ms`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (api, opts) = spec.split_once(':').unwrap_or((spec, ""));
        if api.is_empty() {
            return Err(format!("fault {spec:?}: name the API (or *) before ':'"));
        }
        let mut rule = Self::new(api);
        for opt in opts.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let (k, v) = opt.split_once('=').unwrap_or((opt, ""));
            let bad = || format!("fault {spec:?}: bad value in {opt:?}");
            match k {
                "rate" => rule.rate = v.parse().map_err(|_| bad())?,
                "next" => rule.fail_next = v.parse().map_err(|_| bad())?,
                "in_job" | "job" => rule.in_job = true,
                "throttle" => rule.throttle = true,
                "code" => rule.errorcode = v.parse().map_err(|_| bad())?,
                "text" => rule.errortext = Some(v.to_string()),
                "retry" => {
                    let ms = v.trim_end_matches("ms");
                    rule.retry_ms = ms.parse().map_err(|_| bad())?;
                }
                "latency" => {
                    let ms = v.trim_end_matches("ms");
                    rule.latency_ms = ms.parse().map_err(|_| bad())?;
                }
                other => {
                    return Err(format!(
                        "fault {spec:?}: unknown option {other:?} (use rate=, next=, in_job, throttle, retry=, code=, text=, latency=)"
                    ))
                }
            }
        }
        if !(0.0..=1.0).contains(&rule.rate) {
            return Err(format!("fault {spec:?}: rate must be between 0 and 1"));
        }
        Ok(rule)
    }

    fn matches(&self, api: &str) -> bool {
        self.api == "*" || self.api.eq_ignore_ascii_case(api)
    }

    fn error(&self, api: &str) -> ApiErr {
        ApiErr {
            code: self.errorcode,
            cs: Some(4250),
            text: self
                .errortext
                .clone()
                .unwrap_or_else(|| format!("Simulated failure of {api}")),
        }
    }
}

/// What to do with one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Handle it normally.
    Pass,
    /// Answer with this error.
    FailCall(ApiErr),
    /// Accept it; its job fails with this error (the call fails if it is not async).
    FailJob(ApiErr),
    /// Answer 429, asking to retry after this many milliseconds.
    Throttle(u64),
}

/// The active rules.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    /// Starts with `rules`.
    pub fn new(rules: Vec<FaultRule>) -> Self {
        Self { rules }
    }

    /// Replaces every rule.
    pub fn set(&mut self, rules: Vec<FaultRule>) {
        self.rules = rules;
    }

    /// The rules as they are now (with remaining `fail_next` counts).
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    /// Decides the fate of one call of `api` and the extra latency to add.
    pub fn decide(&mut self, api: &str, rng: &mut fastrand::Rng) -> (Decision, Duration) {
        let mut latency = Duration::ZERO;
        let mut decision = Decision::Pass;
        for rule in self.rules.iter_mut().filter(|r| r.matches(api)) {
            latency += Duration::from_millis(rule.latency_ms);
            if decision != Decision::Pass {
                continue;
            }
            let fire = if rule.fail_next > 0 {
                rule.fail_next -= 1;
                true
            } else {
                rule.rate > 0.0 && rng.f64() < rule.rate
            };
            if fire {
                decision = if rule.throttle {
                    Decision::Throttle(rule.retry_ms)
                } else if rule.in_job {
                    Decision::FailJob(rule.error(api))
                } else {
                    Decision::FailCall(rule.error(api))
                };
            }
        }
        (decision, latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_decide() {
        let r = FaultRule::parse("deployVirtualMachine:next=2,in_job,code=533,latency=5ms").expect("parses");
        assert_eq!((r.fail_next, r.in_job, r.errorcode, r.latency_ms), (2, true, 533, 5));
        assert!(FaultRule::parse("x:rate=2").is_err());
        assert!(FaultRule::parse("x:bogus").is_err());
        let mut f = Faults::new(vec![r, FaultRule::parse("*:latency=1").expect("parses")]);
        let mut rng = fastrand::Rng::with_seed(1);
        let (d, lat) = f.decide("deployVirtualMachine", &mut rng);
        assert!(matches!(d, Decision::FailJob(ApiErr { code: 533, .. })));
        assert_eq!(lat, Duration::from_millis(6));
        assert!(matches!(
            f.decide("deployVirtualMachine", &mut rng).0,
            Decision::FailJob(_)
        ));
        assert_eq!(f.decide("deployVirtualMachine", &mut rng).0, Decision::Pass);
        assert_eq!(
            f.decide("listZones", &mut rng),
            (Decision::Pass, Duration::from_millis(1))
        );
    }

    #[test]
    fn rates_are_reproducible() {
        let run = |seed| {
            let mut f = Faults::new(vec![FaultRule::parse("*:rate=0.3").expect("parses")]);
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..100)
                .map(|_| f.decide("a", &mut rng).0 != Decision::Pass)
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        let fails = run(7).iter().filter(|x| **x).count();
        assert!((15..=45).contains(&fails), "{fails}");
    }
}
