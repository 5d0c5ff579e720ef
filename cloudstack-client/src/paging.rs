//! Paging through list APIs: one page at a time, or a stream over every item.

use std::collections::VecDeque;

use futures_util::Stream;
use serde_json::Value;

use crate::client::Client;
use crate::decode::{split_list, FromObject, List, Object};
use crate::error::{BuildError, Error};
use crate::meta::ApiMeta;
use crate::params::ParamValue;
use crate::request::Request;

/// The page size used when streaming: the server's default maximum.
pub const PAGE_SIZE: u32 = 500;

fn set_page<R: Request>(req: &mut R, page: u32, pagesize: u32) -> Result<(), Error> {
    let meta = req.meta();
    let index = |name: &'static str| {
        meta.param_index(name)
            .and_then(|i| u16::try_from(i).ok())
            .ok_or(BuildError::UnknownParameter {
                api: meta.name,
                param: name.to_string(),
                hint: " (this API does not page)".to_string(),
            })
    };
    let (p, s) = (index("page")?, index("pagesize")?);
    req.params_mut().set(p, ParamValue::Int(i64::from(page)));
    req.params_mut().set(s, ParamValue::Int(i64::from(pagesize)));
    Ok(())
}

impl Client {
    /// One page (1-based) of a list API.
    pub async fn list_page<R, T>(&self, mut req: R, page: u32, pagesize: u32) -> Result<List<T>, Error>
    where
        R: Request<Response = List<T>>,
        T: FromObject,
    {
        set_page(&mut req, page, pagesize)?;
        self.execute(&req).await
    }

    /// Every item of a list API, fetched `PAGE_SIZE` at a time. Stops at an empty page (`{}` or a
    /// count-only page) or once `count` items have arrived.
    pub fn list_all<R, T>(&self, req: R) -> impl Stream<Item = Result<T, Error>> + '_
    where
        R: Request<Response = List<T>> + 'static,
        T: FromObject + 'static,
    {
        let meta = req.meta();
        let prepared = (|| {
            let mut r = req;
            set_page(&mut r, 1, PAGE_SIZE)?;
            Ok::<_, Error>(r.wire_params()?)
        })();
        futures_util::stream::unfold(Pager::new(meta, prepared), move |mut pager| async move {
            pager.next(self).await.map(|item| (item.map(T::from_object), pager))
        })
    }

    /// [`Client::list_all`] for a dynamic request: every item as a JSON object.
    pub fn list_all_raw(
        &self,
        meta: &'static ApiMeta,
        wire: Vec<(String, String)>,
    ) -> impl Stream<Item = Result<Object, Error>> + '_ {
        futures_util::stream::unfold(Pager::new(meta, Ok(wire)), move |mut pager| async move {
            pager.next(self).await.map(|item| (item, pager))
        })
    }
}

struct Pager {
    meta: &'static ApiMeta,
    wire: Result<Vec<(String, String)>, Option<Error>>,
    page: u32,
    fetched: u64,
    buffer: VecDeque<Object>,
    done: bool,
}

impl Pager {
    fn new(meta: &'static ApiMeta, wire: Result<Vec<(String, String)>, Error>) -> Self {
        Self {
            meta,
            wire: wire.map_err(Some),
            page: 1,
            fetched: 0,
            buffer: VecDeque::new(),
            done: false,
        }
    }

    async fn next(&mut self, client: &Client) -> Option<Result<Object, Error>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let wire = match &mut self.wire {
                Ok(w) => w,
                Err(e) => {
                    self.done = true;
                    return e.take().map(Err);
                }
            };
            for (k, v) in wire.iter_mut() {
                match k.as_str() {
                    "page" => *v = self.page.to_string(),
                    "pagesize" => *v = PAGE_SIZE.to_string(),
                    _ => {}
                }
            }
            if !wire.iter().any(|(k, _)| k == "page") {
                wire.push(("page".into(), self.page.to_string()));
                wire.push(("pagesize".into(), PAGE_SIZE.to_string()));
            }
            let inner: Value = match client.call(self.meta.name, self.meta.method, wire.clone()).await {
                Ok(v) => v,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let (count, items) = match split_list(self.meta.name, inner) {
                Ok(x) => x,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.into()));
                }
            };
            self.fetched += items.len() as u64;
            self.page += 1;
            if items.is_empty() || count.is_none_or(|c| self.fetched >= c) {
                self.done = true;
            }
            self.buffer.extend(items);
        }
    }
}
