//! How long the jobs of one command run, learned from polls, and when to poll a new one.
//!
//! Each poll tells something about each job it reads, counted from when the job was handed to the
//! watcher: still running after `t` (a lower bound of its run time), or finished by `t` (an upper
//! bound). [`RunTime`] keeps the longest "still running" below the shortest "finished" seen. While the
//! two are far apart, the next job is polled halfway between them, which halves the gap whatever the
//! answer; once they are close, it is polled just after the shortest run. Jobs of one command on one
//! cloud take about as long as each other, so after a few jobs a poll arrives about when a job ends,
//! however coarse the regular poll interval is.
//!
//! ```
//! use std::time::Duration;
//! use cloudstack_client::job_timing::RunTime;
//!
//! let ms = Duration::from_millis;
//! let mut t = RunTime::default();
//! assert_eq!(t.poll_after(), None); // nothing known yet: regular polls only
//! t.running(ms(200));
//! t.finished(ms(300));
//! assert_eq!(t.poll_after(), Some(ms(250))); // probe halfway
//! t.finished(ms(250));
//! t.running(ms(225));
//! t.running(ms(240));
//! assert!(t.poll_after().unwrap() >= ms(250)); // close enough: just after the shortest run
//! ```

use std::time::Duration;

/// What polls told about the run time of one command's jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTime {
    /// The longest time a job was still running, below `shortest`.
    longest_running: Duration,
    /// The shortest time by which a job had finished.
    shortest: Option<Duration>,
}

impl RunTime {
    /// A job was still running `t` after it was handed over.
    pub fn running(&mut self, t: Duration) {
        if self.shortest.is_none_or(|s| t < s) {
            self.longest_running = self.longest_running.max(t);
        }
    }

    /// A job had finished by `t` after it was handed over.
    pub fn finished(&mut self, t: Duration) {
        if self.shortest.is_none_or(|s| t < s) {
            self.shortest = Some(t);
            if self.longest_running >= t {
                // Slower jobs than this one were seen: start narrowing again below it.
                self.longest_running = Duration::ZERO;
            }
        }
    }

    /// How long a new job of this command can be left unpolled, once the run time is pinned down (the
    /// "still running" and "finished" marks within a little slack of each other): a little less than
    /// the longest a job was seen still running. `None` while the run time is unknown or spread out, as
    /// in a cloud whose jobs of one command vary: then any job can end at any time.
    pub fn quiet_for(&self) -> Option<Duration> {
        let shortest = self.shortest?;
        let slack = slack(shortest);
        let pinned = self.longest_running > Duration::ZERO && shortest - self.longest_running <= slack * 2;
        pinned.then(|| self.longest_running.saturating_sub(slack))
    }

    /// When to poll a new job of this command (counted from when it was handed over), if anything
    /// is known. A poll after a job is due is cheaper than one before it, so a little slack is added
    /// once the run time is pinned down.
    pub fn poll_after(&self) -> Option<Duration> {
        let shortest = self.shortest?;
        let slack = slack(shortest);
        let gap = shortest.saturating_sub(self.longest_running);
        if self.longest_running > Duration::ZERO && gap > slack * 2 {
            Some(self.longest_running + gap / 2)
        } else {
            Some(shortest + slack)
        }
    }
}

/// A job's clock starts when the server takes the call, a little before the watcher is told about it,
/// and that head start varies from job to job.
fn slack(shortest: Duration) -> Duration {
    (shortest / 50).max(Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn aligned_polls_are_narrowed_by_probing_halfway() {
        // Jobs of 250 ms and a poll grid of 100 ms: the grid alone only says "between 200 and 300".
        let truth = ms(250);
        let mut t = RunTime::default();
        t.running(ms(100));
        t.running(ms(200));
        t.finished(ms(300));
        for _ in 0..10 {
            let probe = t.poll_after().expect("known");
            if probe >= truth {
                t.finished(probe);
            } else {
                t.running(probe);
            }
        }
        let due = t.poll_after().expect("known");
        assert!(due >= truth && due <= truth + ms(15), "{due:?}");
    }

    #[test]
    fn a_slow_outlier_does_not_push_the_polls_late() {
        let mut t = RunTime::default();
        t.running(ms(40));
        t.finished(ms(52));
        t.running(ms(10_000)); // one job far slower than the rest
        assert!(t.poll_after().expect("known") <= ms(55));
    }

    #[test]
    fn a_faster_job_restarts_the_narrowing_below_it() {
        let mut t = RunTime::default();
        t.running(ms(48));
        t.finished(ms(50));
        t.finished(ms(30));
        assert_eq!(t.poll_after(), Some(ms(31)));
    }

    #[test]
    fn jobs_are_left_alone_only_once_the_run_time_is_pinned_down() {
        let mut t = RunTime::default();
        assert_eq!(t.quiet_for(), None);
        t.running(ms(20));
        t.finished(ms(200)); // spread out: any job may end soon
        assert_eq!(t.quiet_for(), None);
        t.running(ms(190));
        t.finished(ms(195));
        assert_eq!(t.quiet_for(), Some(ms(190) - Duration::from_micros(3_900)));
        t.finished(ms(60)); // a faster job: not pinned any more
        assert_eq!(t.quiet_for(), None);
    }
}
