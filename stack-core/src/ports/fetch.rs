//! The [`TemplateFetcher`] a program that reads its own templates uses: files, and `http(s)` URLs
//! with a 30 s timeout. A service that reads nothing for its callers gives its own fetcher instead.

use stack_template::nesting::{FetchError, Location, TemplateFetcher};
use stack_template::BoxFuture;

/// Reads files, and `http(s)` URLs with a 30 s timeout.
#[derive(Debug, Clone, Default)]
pub struct Fetcher;

impl TemplateFetcher for Fetcher {
    fn fetch<'a>(&'a self, at: &'a Location, limit: usize) -> BoxFuture<Result<Vec<u8>, FetchError>> {
        let at = at.clone();
        Box::pin(async move {
            let bytes = match &at {
                Location::File(p) => tokio::fs::read(p).await.map_err(|source| FetchError::Read {
                    path: p.clone(),
                    source,
                })?,
                Location::Url(u) => {
                    let failed = |e: reqwest::Error| FetchError::Fetch {
                        url: u.clone(),
                        source: Box::new(e),
                    };
                    let client = reqwest::Client::builder()
                        .timeout(std::time::Duration::from_secs(30))
                        .build()
                        .map_err(failed)?;
                    let answer = client.get(u).send().await.map_err(failed)?;
                    if !answer.status().is_success() {
                        return Err(FetchError::Status {
                            url: u.clone(),
                            status: answer.status().as_u16(),
                        });
                    }
                    answer.bytes().await.map_err(failed)?.to_vec()
                }
                Location::Inline => return Err(FetchError::NoPlace),
            };
            if bytes.len() > limit {
                return Err(FetchError::TooLarge {
                    size: bytes.len(),
                    limit,
                });
            }
            Ok(bytes)
        })
    }

    /// A file by its canonical path (two spellings of one file are one template).
    fn key(&self, at: &Location) -> String {
        match at {
            Location::File(p) => std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string(),
            other => other.lexical_key(),
        }
    }
}
