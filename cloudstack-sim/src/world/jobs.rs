//! The simulated cloud's async jobs: queued with the configured latency, completed when due (each
//! runs its action on the world then), listed and paged as `queryAsyncJobResult` and
//! `listAsyncJobs` show them.

use std::cmp::Reverse;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::{now_string, Obj, World};
use crate::config::Latency;
use crate::error::ApiErr;

/// What an async job does when it completes.
pub type JobAction = Box<dyn FnOnce(&mut World) -> Result<Value, ApiErr> + Send>;

/// An async job.
pub struct Job {
    /// Job uuid.
    pub id: String,
    /// The command that started it.
    pub cmd: String,
    /// Account.
    pub owner: String,
    /// Whether a root admin started it (the `cmd` class depends on it).
    pub admin: bool,
    /// 0 pending, 1 succeeded, 2 failed.
    pub status: u8,
    /// 0, or the error code.
    pub resultcode: u16,
    /// `jobresult` once done.
    pub result: Option<Value>,
    /// When it completes.
    pub ready_at: Instant,
    /// When it was submitted.
    pub submitted: Instant,
    action: Option<JobAction>,
    /// `jobinstancetype`/`jobinstanceid`.
    pub instance: Option<(String, String)>,
    /// Creation timestamp.
    pub created: String,
    /// Creation time in seconds since the epoch (for `startdate` filters).
    pub created_secs: u64,
    /// Completion timestamp.
    pub completed: Option<String>,
}

impl World {
    fn job_delay(&mut self) -> Duration {
        match self.latency {
            Latency::Fixed(d) => d,
            Latency::Range(a, b) => {
                let span = b.saturating_sub(a).as_micros() as u64;
                a + Duration::from_micros(if span == 0 { 0 } else { self.rng.u64(0..=span) })
            }
        }
    }

    /// Queues a job that runs `action` after the configured latency; returns the job id.
    pub fn submit_job(
        &mut self,
        cmd: &str,
        owner: &str,
        admin: bool,
        instance: Option<(String, String)>,
        action: JobAction,
    ) -> String {
        let id = self.new_id();
        let submitted = Instant::now();
        let ready_at = submitted + self.job_delay();
        self.seq += 1;
        self.due.push(Reverse((ready_at, self.seq, id.clone())));
        self.job_order.push(id.clone());
        self.owner_jobs.entry(owner.to_string()).or_default().push(id.clone());
        let created_secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        self.jobs.insert(
            id.clone(),
            Job {
                id: id.clone(),
                cmd: cmd.to_string(),
                owner: owner.to_string(),
                admin,
                status: 0,
                resultcode: 0,
                result: None,
                ready_at,
                submitted,
                action: Some(action),
                instance,
                created: cloudstack_client::signing::format_utc(created_secs, "+0000"),
                created_secs,
                completed: None,
            },
        );
        id
    }

    /// Puts `count` finished jobs of `owner` into its history, made `age` ago (a long-lived account's
    /// past: `listAsyncJobs` lists them as CloudStack would). They go before every job so far, so
    /// `age` must reach back before all of those (the history stays in creation order).
    pub fn seed_finished_jobs(&mut self, owner: &str, count: usize, age: Duration) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let created_secs = now.saturating_sub(age.as_secs());
        let created = cloudstack_client::signing::format_utc(created_secs, "+0000");
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            let id = self.new_id();
            let at = Instant::now();
            self.jobs.insert(
                id.clone(),
                Job {
                    id: id.clone(),
                    cmd: "org.apache.cloudstack.api.command.user.securitygroup.CreateSecurityGroupCmd".into(),
                    owner: owner.to_string(),
                    admin: false,
                    status: 1,
                    resultcode: 0,
                    result: Some(json!({})),
                    ready_at: at,
                    submitted: at,
                    action: None,
                    instance: None,
                    created: created.clone(),
                    created_secs,
                    completed: Some(created.clone()),
                },
            );
            ids.push(id);
        }
        let owner_jobs = self.owner_jobs.entry(owner.to_string()).or_default();
        owner_jobs.splice(0..0, ids.iter().cloned());
        self.job_order.splice(0..0, ids);
    }

    /// Every job so far, in submission order: its API, the entity it works on, how long it runs.
    pub fn job_runs(&self) -> Vec<crate::JobRun> {
        self.job_order
            .iter()
            .filter_map(|id| self.jobs.get(id))
            .map(|j| crate::JobRun {
                cmd: j.cmd.clone(),
                instance_id: j.instance.as_ref().map(|(_, id)| id.clone()),
                duration: j.ready_at.saturating_duration_since(j.submitted),
                submitted: j.submitted,
            })
            .collect()
    }

    /// Runs every job whose time has come.
    pub fn complete_due(&mut self, now: Instant) {
        while let Some(Reverse((at, _, _))) = self.due.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((_, _, id))) = self.due.pop() else {
                break;
            };
            let action = self.jobs.get_mut(&id).and_then(|j| j.action.take());
            let outcome = match action {
                Some(a) => a(self),
                None => continue,
            };
            if let Some(job) = self.jobs.get_mut(&id) {
                job.completed = Some(now_string());
                match outcome {
                    Ok(v) => {
                        job.status = 1;
                        job.result = Some(v);
                    }
                    Err(e) => {
                        job.status = 2;
                        job.resultcode = e.code;
                        job.result = Some(e.job_result());
                    }
                }
            }
        }
    }

    /// A job by id.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.get(id)
    }

    /// One page (`size` from `start`) of the jobs of `owner` (or all) created at or after `since`
    /// (seconds since the epoch), oldest first, and how many there are in all. Jobs are kept in
    /// submission order, per owner too, and `created_secs` never decreases along it, so the jobs
    /// before `since` are skipped by a binary search and a page costs its own size.
    pub fn jobs_page(&self, owner: Option<&str>, since: u64, start: usize, size: usize) -> (usize, Vec<&Job>) {
        let order: &[String] = match owner {
            None => &self.job_order,
            Some(o) => self.owner_jobs.get(o).map_or(&[], Vec::as_slice),
        };
        let first = order.partition_point(|id| self.jobs.get(id).is_some_and(|j| j.created_secs < since));
        let matching = &order[first..];
        let page = matching
            .iter()
            .skip(start)
            .take(size)
            .filter_map(|id| self.jobs.get(id))
            .collect();
        (matching.len(), page)
    }

    /// Pending jobs.
    pub fn pending_jobs(&self) -> usize {
        self.jobs.values().filter(|j| j.status == 0).count()
    }
}

impl Job {
    /// The job as `queryAsyncJobResult`/`listAsyncJobs` describe it.
    pub fn to_json(&self) -> Value {
        let mut o = Obj::new();
        o.insert("accountid".into(), json!(crate::fixtures::ADMIN_ACCOUNT_ID));
        o.insert("account".into(), json!(self.owner));
        o.insert("domainid".into(), json!(crate::fixtures::ROOT_DOMAIN_ID));
        o.insert("userid".into(), json!(crate::fixtures::ADMIN_USER_ID));
        o.insert(
            "cmd".into(),
            json!(crate::command_classes::class_of(&self.cmd, self.admin)),
        );
        o.insert("jobstatus".into(), json!(self.status));
        o.insert("jobprocstatus".into(), json!(0));
        o.insert("jobresultcode".into(), json!(self.resultcode));
        if let Some(r) = &self.result {
            o.insert("jobresulttype".into(), json!("object"));
            o.insert("jobresult".into(), r.clone());
        }
        if let Some((t, id)) = &self.instance {
            o.insert("jobinstancetype".into(), json!(t));
            o.insert("jobinstanceid".into(), json!(id));
        }
        o.insert("created".into(), json!(self.created));
        if let Some(c) = &self.completed {
            o.insert("completed".into(), json!(c));
        }
        o.insert("jobid".into(), json!(self.id));
        Value::Object(o)
    }
}
