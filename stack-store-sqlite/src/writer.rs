//! The store's one writer thread: it owns the SQLite connection and runs each call's transaction in
//! the order the calls came, answering each through a channel. However many resources a run works
//! on at once, the store costs one thread (tokio's blocking pool would take one per waiting call).

use std::path::Path;
use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

/// One call's work on the connection.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A handle on the writer thread. Cheap to clone; the thread ends (and closes the connection)
/// when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the thread that owns `conn` (the file at `path`, for the thread's name).
    pub(crate) fn start(mut conn: Connection, path: &Path) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let name = path
            .file_name()
            .map_or_else(|| "sqlite".to_string(), |n| format!("sqlite {}", n.to_string_lossy()));
        std::thread::Builder::new().name(name).spawn(move || {
            while let Ok(job) = queue.recv() {
                job(&mut conn);
            }
        })?;
        Ok(Self { jobs })
    }

    /// Runs `f` on the thread; its answer, or `None` when the thread has stopped (it never does
    /// while a handle lives, unless `f` of an earlier call panicked).
    pub(crate) fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> T + Send + 'static,
    ) -> impl std::future::Future<Output = Option<T>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        let sent = self.jobs.send(job).is_ok();
        async move {
            if !sent {
                return None;
            }
            rx.await.ok()
        }
    }
}
