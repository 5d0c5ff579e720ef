//! A few PostgreSQL connections shared by tasks: a task takes a free one, else waits for the next
//! in turn. Used by the store and by others that keep their tables in the same database (the
//! stacktician service).

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_postgres::{Client, NoTls};

/// A fixed set of connections.
pub struct Pool {
    clients: Vec<tokio::sync::Mutex<Client>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("connections", &self.clients.len())
            .finish()
    }
}

/// `config` with any `password=...` (or a URL's password) left out, for messages.
pub fn without_password(config: &str) -> String {
    if let Some((scheme, rest)) = config.split_once("://") {
        if let Some((auth, host)) = rest.split_once('@') {
            let user = auth.split(':').next().unwrap_or_default();
            return format!("{scheme}://{user}@{host}");
        }
        return config.to_string();
    }
    config
        .split_whitespace()
        .filter(|kv| !kv.starts_with("password="))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Pool {
    /// Opens `n` (at least one) connections to the database `config` names (libpq's `key=value`
    /// form or a `postgresql://` URL).
    pub async fn connect(config: &str, n: usize) -> Result<Self, tokio_postgres::Error> {
        let mut clients = Vec::with_capacity(n.max(1));
        for _ in 0..n.max(1) {
            let (client, connection) = tokio_postgres::connect(config, NoTls).await?;
            // The connection's task: an error ends it, and the next query on it reports that.
            tokio::spawn(async move {
                let _ = connection.await;
            });
            clients.push(tokio::sync::Mutex::new(client));
        }
        Ok(Self {
            clients,
            next: AtomicUsize::new(0),
        })
    }

    /// A connection: the next free one, else the next in turn.
    pub async fn get(&self) -> tokio::sync::MutexGuard<'_, Client> {
        for c in &self.clients {
            if let Ok(guard) = c.try_lock() {
                return guard;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len();
        self.clients[i].lock().await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_left_out_of_what_is_shown() {
        assert_eq!(
            super::without_password("host=db user=u password=hunter2 dbname=x"),
            "host=db user=u dbname=x"
        );
        assert_eq!(
            super::without_password("postgresql://u:hunter2@db:5432/x"),
            "postgresql://u@db:5432/x"
        );
    }
}
