//! Which part of `listAsyncJobs` a batch poll reads.
//!
//! CloudStack lists an account's jobs with `created >= startdate` in ascending job id order (its query
//! service sorts the job view by `id`, ascending). For a fixed `startdate` that list therefore only grows
//! at its end: a job that is finished stays where it is, and new jobs are appended. A watcher that
//! remembers the index of the first unfinished job (its [`ListingCursor`]) can start its next poll there
//! instead of reading every finished job again, so a poll reads about as many rows as there are jobs in
//! flight, however many finished before them.
//!
//! Nothing here relies on that order for correctness: a pending job that a poll does not see is queried
//! on its own, and a cursor that misses a job that is still running goes back to the start of the list
//! (and after [`MAX_MISSES`] such misses stops skipping for good).
//!
//! ```
//! use cloudstack_client::job_listing::{plan_pages, ListingCursor};
//!
//! // Nothing known yet: read from the start in full pages.
//! assert_eq!(plan_pages(0, 40).first_index(), 0);
//! // 1,000 finished jobs, then 30 in flight: one page that starts exactly at row 1,000.
//! let plan = plan_pages(1_000, 30);
//! assert_eq!((plan.first_index(), plan.pagesize), (1_000, 500));
//!
//! let mut cursor = ListingCursor::new(1_700_000_000);
//! cursor.observe(1_000, Some(1_030));
//! assert_eq!(cursor.plan(30).first_index(), 1_000);
//! ```

/// The largest `pagesize` CloudStack accepts by default (`default.page.size`).
pub const MAX_PAGE_SIZE: u32 = 500;

/// What one extra request costs, in rows read: the request overhead (signing, HTTP, envelope) is
/// worth about this many job rows of JSON on both ends.
pub const REQUEST_COST_ROWS: u64 = 25;

/// After this many polls that missed a running job the cursor stops skipping rows.
pub const MAX_MISSES: u32 = 3;

/// The pages one poll reads: `page`, `page + 1`, ... of size `pagesize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PagePlan {
    /// The first page to read (1-based, as CloudStack counts).
    pub page: u32,
    /// Rows per page.
    pub pagesize: u32,
}

impl PagePlan {
    /// The 0-based index of the first row of the first page.
    pub fn first_index(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.pagesize)
    }
}

/// Picks the page size and first page that read the rows from index `skip` on (about `want` of them)
/// at the least cost: rows read before `skip` (a page must start at a multiple of its size) plus
/// [`REQUEST_COST_ROWS`] per request.
pub fn plan_pages(skip: u64, want: u64) -> PagePlan {
    let want = want.max(1);
    let mut best = PagePlan {
        page: 1,
        pagesize: MAX_PAGE_SIZE,
    };
    let mut best_cost = u64::MAX;
    for size in (1..=MAX_PAGE_SIZE).rev() {
        let z = u64::from(size);
        let waste = skip % z;
        let Ok(page) = u32::try_from(skip / z + 1) else {
            continue;
        };
        let requests = (waste + want).div_ceil(z);
        let cost = waste + REQUEST_COST_ROWS * requests;
        if cost < best_cost {
            best_cost = cost;
            best = PagePlan { page, pagesize: size };
        }
    }
    best
}

/// Where the first unfinished job sat in the last poll of one `startdate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingCursor {
    startdate: u64,
    skip: u64,
    total: u64,
    misses: u32,
}

impl ListingCursor {
    /// A cursor for the list of jobs created at or after `startdate` (seconds since the epoch).
    pub fn new(startdate: u64) -> Self {
        Self {
            startdate,
            skip: 0,
            total: 0,
            misses: 0,
        }
    }

    /// The `startdate` this cursor belongs to (seconds since the epoch).
    pub fn startdate(&self) -> u64 {
        self.startdate
    }

    /// Rows before this index are finished jobs.
    pub fn skip(&self) -> u64 {
        if self.misses >= MAX_MISSES {
            0
        } else {
            self.skip
        }
    }

    /// The pages to read next, with `pending` jobs waited for.
    pub fn plan(&self, pending: usize) -> PagePlan {
        let skip = self.skip();
        let known = self.total.saturating_sub(skip);
        plan_pages(skip, known.max(pending as u64))
    }

    /// Records a poll: `first_open` is the index of the first row that was not finished (or the index
    /// after the last row read if all were), `count` the server's total.
    pub fn observe(&mut self, first_open: u64, count: Option<u64>) {
        let total = count.unwrap_or(0);
        // A list that shrank (expired jobs) shifts every index: start over.
        self.skip = if total < self.total || first_open > total {
            0
        } else {
            first_open
        };
        self.total = total;
    }

    /// Records a poll that did not see a job the server still runs: start over from the first row.
    pub fn missed(&mut self) {
        self.skip = 0;
        self.misses += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_skip_reads_full_pages() {
        assert_eq!(plan_pages(0, 1), PagePlan { page: 1, pagesize: 500 });
        assert_eq!(plan_pages(0, 1200), PagePlan { page: 1, pagesize: 500 });
    }

    #[test]
    fn skip_starts_on_a_page_boundary_with_little_waste() {
        for (skip, want) in [(1_000, 30), (731, 200), (12, 300), (4_999, 10), (77, 1)] {
            let plan = plan_pages(skip, want);
            let first = plan.first_index();
            assert!(first <= skip, "{skip}/{want}: {plan:?}");
            let waste = skip - first;
            let requests = (waste + want).div_ceil(u64::from(plan.pagesize));
            // Never worse than reading from the start in full pages.
            let from_start = skip + REQUEST_COST_ROWS * (skip + want).div_ceil(500);
            assert!(
                waste + REQUEST_COST_ROWS * requests <= from_start,
                "{skip}/{want}: {plan:?}"
            );
        }
        // 731 = 17 * 43, but five pages of 43 cost more than reading one row too many in a page of 365.
        let plan = plan_pages(731, 200);
        assert_eq!((plan.first_index(), plan.pagesize), (730, 365));
    }

    #[test]
    fn cursor_follows_the_first_open_job_and_starts_over_when_the_list_shrinks() {
        let mut c = ListingCursor::new(100);
        assert_eq!(c.skip(), 0);
        c.observe(40, Some(60));
        assert_eq!(c.skip(), 40);
        assert_eq!(c.plan(5).first_index(), 40);
        c.observe(55, Some(80));
        assert_eq!(c.skip(), 55);
        // Jobs expired: the count went down.
        c.observe(70, Some(30));
        assert_eq!(c.skip(), 0);
    }

    #[test]
    fn repeated_misses_stop_skipping() {
        let mut c = ListingCursor::new(100);
        for _ in 0..MAX_MISSES {
            c.observe(10, Some(20));
            assert_eq!(c.skip(), 10);
            c.missed();
        }
        c.observe(10, Some(20));
        assert_eq!(c.skip(), 0);
    }
}
