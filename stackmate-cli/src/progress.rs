//! The live view of a running stack: one line per resource with its status and the time since it
//! started, ticking while it runs and frozen when it ends (indicatif) on a terminal; plain event
//! lines otherwise (pipes, CI logs, `--output json`).

use crate::printing::{errln, outln};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use stack_core::{Event, Status};

/// One bar per resource.
type Bars = Mutex<BTreeMap<String, ProgressBar>>;

/// A resource's line: spinner, logical id, seconds since it started (redrawn on every tick), status.
fn style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix:<28} {secs:>7} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key(
            "secs",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1}s", state.elapsed().as_secs_f64());
            },
        )
}

/// Shows events as they come.
pub struct Progress {
    bars: Option<(MultiProgress, Bars)>,
    json: bool,
}

impl Progress {
    /// Bars when stdout is a terminal and the output is text; plain lines otherwise.
    pub fn new(json: bool) -> Arc<Self> {
        let bars = (!json && std::io::stdout().is_terminal()).then(|| {
            (
                MultiProgress::with_draw_target(ProgressDrawTarget::stdout()),
                Mutex::new(BTreeMap::new()),
            )
        });
        Arc::new(Self { bars, json })
    }

    /// Subscribes to an engine's events.
    pub fn attach(self: &Arc<Self>, engine: &stack_core::Engine) {
        let me = Arc::clone(self);
        engine.events().subscribe(Arc::new(move |e| me.show(e)));
    }

    fn show(&self, e: &Event) {
        if self.json {
            // Scripts read the final JSON document; events go to stderr as JSON lines.
            errln!("{}", crate::output::event_json(0, e));
            return;
        }
        let Some((multi, bars)) = &self.bars else {
            outln!("{}", crate::output::event_line(e));
            return;
        };
        let mut bars = bars.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bar = bars.entry(e.logical_id.clone()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(style());
            bar.set_prefix(e.logical_id.clone());
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        let reason = e.reason.as_deref().map(|r| format!(" - {r}")).unwrap_or_default();
        bar.set_message(format!("{:<20} {}{reason}", e.status.as_str(), e.resource_type));
        if matches!(
            e.status,
            Status::CreateComplete
                | Status::CreateFailed
                | Status::DeleteComplete
                | Status::DeleteFailed
                | Status::DeleteSkipped
                | Status::RollbackComplete
                | Status::RollbackFailed
                | Status::UpdateComplete
                | Status::UpdateFailed
                | Status::UpdateRollbackComplete
                | Status::UpdateRollbackFailed
        ) {
            bar.finish();
        }
    }
}
