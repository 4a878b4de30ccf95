//! Mastodon (and servers speaking its API): mentions and direct messages in,
//! replies out, live over the streaming API.
//!
//! Status ids are only unique on one server, so an item's `remote_id` is
//! `"{status_id}@{host[:port]}"` of the account's server. Items never carry a
//! root id: Mastodon has no thread id, and the core threads items by their
//! parent chains. The access token travels only in the `Authorization`
//! header; it is in no URL, error or `Debug` output.
//!
//! Feeds:
//! - `notifications`: mention notifications. The cursor is the newest
//!   notification id stored. Later syncs page forward from it with `min_id`
//!   (each page is the one just newer than the last, so the cursor can be
//!   saved after every page); the first sync pages back from the newest with
//!   `max_id` until `backfill_since`, and only its last page carries a cursor.
//! - `conversations`: direct-message conversations, each read as its last
//!   status. Mastodon pages conversations by their last status's id, so that
//!   id is the cursor, paged the same way. A conversation that gets a new
//!   message moves past the cursor and is read again, which ingest ignores.

mod attachments;
pub(crate) mod compose;
mod model;
mod oauth;
mod stream;

use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use earshot_core::accounts::SignedInAccount;
use earshot_core::connector::{
    AccountRef, ComposeLimits, Connector, ConnectorError, CredentialStore, FeedPage, FeedRequest,
    FetchedMedia, LengthUnit, OutgoingReply, RateBudget, SentReply, StreamEvent, StreamSink,
};
use earshot_core::item::NewItem;
use earshot_core::vault::Secret;
use reqwest::header::LINK;
use reqwest::RequestBuilder;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{read_capped, Failure, Http, MAX_BODY_BYTES};
use model::{cmp_ids, link_param, newer, Entry, InstanceInfo, KindRule, Mapper, NETWORK};

/// Entries asked for per page (Mastodon's maximum for these endpoints).
const PAGE_LIMIT: usize = 40;

/// A Mastodon account.
pub struct Mastodon {
    account: AccountRef,
    http: Http,
    token: Secret,
    mapper: Mapper,
    instance: tokio::sync::OnceCell<InstanceInfo>,
    /// The newest notification id seen, for [`Connector::mark_read`].
    newest_notification: Mutex<Option<String>>,
    skipped: AtomicU64,
}

impl std::fmt::Debug for Mastodon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mastodon")
            .field("server", &self.http.base())
            .field("handle", &self.account.handle)
            .finish_non_exhaustive()
    }
}

/// The credentials document kept in the vault, as written. The client id and
/// secret are kept for a future token revocation; a pasted token has none.
#[derive(Serialize)]
struct Credentials<'a> {
    access_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
}

/// The credentials document, as read: only the token is needed.
#[derive(Deserialize)]
struct StoredCredentials {
    access_token: String,
}

fn credentials_secret(credentials: &Credentials<'_>) -> Result<Secret, ConnectorError> {
    serde_json::to_string(credentials)
        .map(Secret::new)
        .map_err(|e| ConnectorError::Refused {
            server: "this computer".into(),
            message: format!("cannot write the credentials: {e}"),
        })
}

/// The server's base URL as Earshot keeps it: `https://host[:port]`, no path.
/// A bare host name gets `https://`; plain `http://` is allowed on loopback
/// only (test servers), as the shared client insists.
pub fn normalise_server(server: &str) -> Result<String, ConnectorError> {
    let text = server.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let refused = |message: String| ConnectorError::Refused {
        server: text.to_owned(),
        message,
    };
    let url = url::Url::parse(&with_scheme)
        .map_err(|e| refused(format!("not a server address ({e})")))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| refused("not a server address (no host)".into()))?;
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(refused(
                "Earshot talks to Mastodon servers over HTTPS only: use https://".into(),
            ))
        }
        other => return Err(refused(format!("not a web address (scheme {other})"))),
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!("{}://{host}{port}", url.scheme()))
}

/// `host[:port]` of a base URL: what qualifies ids and local handles.
fn host_of(base: &str) -> Result<String, ConnectorError> {
    let url = url::Url::parse(base).map_err(|e| ConnectorError::Refused {
        server: base.to_owned(),
        message: format!("not a server address ({e})"),
    })?;
    let host = url.host_str().ok_or_else(|| ConnectorError::Refused {
        server: base.to_owned(),
        message: "not a server address (no host)".into(),
    })?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[derive(Deserialize)]
struct VerifiedAccount {
    id: String,
    acct: String,
    #[serde(default)]
    display_name: Option<String>,
}

async fn verify_credentials(
    http: &Http,
    base: &str,
    host: &str,
    token: &Secret,
) -> Result<SignedInAccount, ConnectorError> {
    let me: VerifiedAccount = http
        .json(
            http.get("/api/v1/accounts/verify_credentials")
                .bearer_auth(token.expose()),
            "checking the sign-in",
        )
        .await
        .map_err(|f| f.classify(NETWORK, host))?;
    // verify_credentials gives the local `acct` (`alice`): qualify it.
    let user = me.acct.split('@').next().unwrap_or_default();
    Ok(SignedInAccount {
        network: NETWORK.to_owned(),
        server: base.to_owned(),
        handle: format!("{user}@{host}"),
        display_name: me.display_name.filter(|n| !n.trim().is_empty()),
        remote_user_id: Some(me.id),
    })
}

/// Signs in with an access token the manager pasted (from the server's
/// Preferences → Development): checks it with `verify_credentials` and returns
/// the account and the credentials document to keep in the vault.
pub async fn sign_in_with_token(
    server: &str,
    token: &Secret,
) -> Result<(SignedInAccount, Secret), ConnectorError> {
    let base = normalise_server(server)?;
    let host = host_of(&base)?;
    let http = Http::new(&base)?;
    let token_text = token.expose().trim();
    if token_text.is_empty() {
        return Err(ConnectorError::Auth {
            network: NETWORK.into(),
            handle: host,
            message: "the access token is empty".into(),
        });
    }
    let token = Secret::new(token_text);
    let account = verify_credentials(&http, &base, &host, &token).await?;
    let secret = credentials_secret(&Credentials {
        access_token: token.expose(),
        client_id: None,
        client_secret: None,
    })?;
    Ok((account, secret))
}

/// Signs in through the browser: registers Earshot with the server, calls
/// `open` with the server's authorize page, waits up to `timeout` for the
/// browser to come back to a loopback address, and exchanges the code (OAuth 2
/// with PKCE). Returns the account and the credentials document to keep.
pub async fn sign_in_with_browser(
    server: &str,
    open: impl FnOnce(&str) -> Result<(), String>,
    timeout: Duration,
) -> Result<(SignedInAccount, Secret), ConnectorError> {
    oauth::sign_in(server, open, timeout).await
}

/// Where a feed pages from, carried between the pages of one sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "dir", rename_all = "snake_case")]
enum PageState {
    /// First sync: paging back from the newest; `newest` becomes the cursor.
    Back {
        max_id: String,
        newest: Option<String>,
    },
    /// Later syncs: paging forward from the cursor.
    Forward { min_id: String },
}

/// The endpoints and entry readers of the feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feed {
    Notifications,
    Conversations,
}

impl Feed {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "notifications" => Some(Self::Notifications),
            "conversations" => Some(Self::Conversations),
            _ => None,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Notifications => "/api/v1/notifications",
            Self::Conversations => "/api/v1/conversations",
        }
    }

    fn query(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Notifications => &[("types[]", "mention")],
            Self::Conversations => &[],
        }
    }

    fn entry(self, mapper: &Mapper, value: Value) -> Entry {
        match self {
            Self::Notifications => mapper.notification(value),
            Self::Conversations => mapper.conversation(value),
        }
    }
}

/// One page of a feed, read.
#[derive(Debug, Default)]
struct ReadPage {
    entries: Vec<Entry>,
    /// How many entries the server sent (a full page means more may follow).
    len: usize,
    link: Option<String>,
}

impl ReadPage {
    fn newest(&self) -> Option<String> {
        self.entries
            .iter()
            .fold(None, |acc, e| newer(acc, e.page_id.as_deref()))
    }

    fn oldest(&self) -> Option<&str> {
        self.entries
            .iter()
            .filter_map(|e| e.page_id.as_deref())
            .min_by(|a, b| cmp_ids(a, b))
    }

    fn full(&self) -> bool {
        self.len >= PAGE_LIMIT
    }
}

/// Plans the page that follows a first-sync (backwards) page, or `None` when
/// the backfill is complete.
fn next_back_page(page: &ReadPage, max_id: Option<&str>, backfill_since: i64) -> Option<String> {
    if page.len == 0 || !page.full() {
        return None;
    }
    let oldest_time = page.entries.iter().filter_map(|e| e.created_at).min();
    if oldest_time.is_some_and(|t| t < backfill_since) {
        return None;
    }
    let next = link_param(page.link.as_deref(), "next", "max_id")
        .or_else(|| page.oldest().map(str::to_owned))?;
    // A server that sends the same page again must not keep us here.
    match max_id {
        Some(current) if cmp_ids(&next, current) != Ordering::Less => None,
        _ => Some(next),
    }
}

impl Mastodon {
    /// A connector for `account`, with its credentials from `credentials`.
    pub fn new(
        account: AccountRef,
        credentials: Arc<dyn CredentialStore>,
    ) -> Result<Self, ConnectorError> {
        let base = normalise_server(&account.server)?;
        let host = host_of(&base)?;
        let http = Http::new(&base)?;
        let stored = credentials.load()?;
        let unreadable = || ConnectorError::Auth {
            network: NETWORK.into(),
            handle: account.handle.clone(),
            // Never the serde message: it may quote the stored value.
            message: "the stored credentials are unreadable".into(),
        };
        let parsed: StoredCredentials =
            serde_json::from_str(stored.expose()).map_err(|_| unreadable())?;
        let token = Secret::new(parsed.access_token.trim());
        if token.expose().is_empty() {
            return Err(unreadable());
        }
        let mapper = Mapper {
            host,
            account_id: account.id,
            me: account.remote_user_id.clone(),
        };
        Ok(Self {
            account,
            http,
            token,
            mapper,
            instance: tokio::sync::OnceCell::new(),
            newest_notification: Mutex::new(None),
            skipped: AtomicU64::new(0),
        })
    }

    /// How many entries were skipped so far for lacking a required field.
    pub fn skipped_entries(&self) -> u64 {
        self.skipped.load(AtomicOrdering::Relaxed)
    }

    fn classify(&self, failure: Failure) -> ConnectorError {
        failure.classify(NETWORK, &self.account.handle)
    }

    fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(path).bearer_auth(self.token.expose())
    }

    fn post(&self, path: &str) -> RequestBuilder {
        self.http.post(path).bearer_auth(self.token.expose())
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<T, ConnectorError> {
        self.http
            .json(request, what)
            .await
            .map_err(|f| self.classify(f))
    }

    fn malformed(&self, what: &str, message: String) -> ConnectorError {
        ConnectorError::Malformed {
            server: self.http.base().to_owned(),
            what: what.to_owned(),
            message,
        }
    }

    /// A JSON array page and its `Link` header.
    async fn array(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<(Vec<Value>, Option<String>), ConnectorError> {
        let response = self
            .http
            .send(request, what)
            .await
            .map_err(|f| self.classify(f))?;
        let link = response
            .headers()
            .get(LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_capped(response, MAX_BODY_BYTES)
            .await
            .map_err(|m| self.malformed(what, m))?;
        let entries = model::parse_array(&body).map_err(|m| self.malformed(what, m))?;
        Ok((entries, link))
    }

    /// The status id inside one of our remote ids (`"{id}@{host}"`).
    fn status_id<'a>(&self, remote_id: &'a str) -> Result<&'a str, ConnectorError> {
        match remote_id.rsplit_once('@') {
            Some((id, host)) if !id.is_empty() && host == self.mapper.host => Ok(id),
            _ => Err(ConnectorError::Refused {
                server: self.http.base().to_owned(),
                message: format!(
                    "{remote_id} is not a status of {} (ids look like 123@{})",
                    self.mapper.host, self.mapper.host
                ),
            }),
        }
    }

    fn learn_notification(&self, id: Option<&str>) {
        if let Ok(mut newest) = self.newest_notification.lock() {
            *newest = newer(newest.take(), id);
        }
    }

    fn count_skipped(&self, entries: &[Entry]) {
        let n = entries.iter().filter(|e| e.malformed).count() as u64;
        self.skipped.fetch_add(n, AtomicOrdering::Relaxed);
    }

    async fn read_feed_page(
        &self,
        feed: Feed,
        anchor: Option<(&str, &str)>,
    ) -> Result<ReadPage, ConnectorError> {
        let limit = PAGE_LIMIT.to_string();
        let mut request = self
            .get(feed.path())
            .query(feed.query())
            .query(&[("limit", limit.as_str())]);
        if let Some(anchor) = anchor {
            request = request.query(&[anchor]);
        }
        let what = match feed {
            Feed::Notifications => "notifications",
            Feed::Conversations => "conversations",
        };
        let (values, link) = self.array(request, what).await?;
        let len = values.len();
        let entries: Vec<Entry> = values
            .into_iter()
            .map(|v| feed.entry(&self.mapper, v))
            .collect();
        self.count_skipped(&entries);
        let page = ReadPage { entries, len, link };
        if feed == Feed::Notifications {
            self.learn_notification(page.newest().as_deref());
        }
        Ok(page)
    }

    async fn instance(&self) -> Result<&InstanceInfo, ConnectorError> {
        self.instance
            .get_or_try_init(|| async {
                let request = self.http.get("/api/v2/instance");
                match self
                    .http
                    .json::<model::Instance>(request, "server settings")
                    .await
                {
                    Ok(instance) => Ok(InstanceInfo::from(instance)),
                    // Servers before Mastodon 4.0 have no v2 instance: their
                    // limits were the defaults.
                    Err(Failure::Status { status, .. }) if status.as_u16() == 404 => {
                        Ok(InstanceInfo::default())
                    }
                    Err(f) => Err(self.classify(f)),
                }
            })
            .await
    }

    async fn fetch_status(&self, id: &str, what: &str) -> Result<Value, ConnectorError> {
        let path = format!("/api/v1/statuses/{}", path_segment(id));
        let value: Value = self.json(self.get(&path), what).await?;
        if !value.is_object() {
            return Err(self.malformed(
                what,
                format!("expected a status, got {}", model::json_kind(&value)),
            ));
        }
        Ok(value)
    }

    /// Maps statuses read outside the feeds, counting the unreadable ones.
    fn map_statuses(&self, values: Vec<Value>, rule: KindRule) -> Vec<NewItem> {
        let mut items = Vec::with_capacity(values.len());
        for value in values {
            match self.mapper.status_value(value, rule) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => {}
                Err(model::Skipped) => {
                    self.skipped.fetch_add(1, AtomicOrdering::Relaxed);
                }
            }
        }
        items
    }

    async fn search_tag(&self, tag: &str, page: Option<&str>) -> Result<FeedPage, ConnectorError> {
        let path = format!("/api/v1/timelines/tag/{}", path_segment(tag));
        let limit = PAGE_LIMIT.to_string();
        let mut request = self.get(&path).query(&[("limit", limit.as_str())]);
        if let Some(max_id) = page {
            request = request.query(&[("max_id", max_id)]);
        }
        let (values, link) = self.array(request, "hashtag timeline").await?;
        let full = values.len() >= PAGE_LIMIT;
        let oldest = values
            .iter()
            .filter_map(|v| v.get("id").and_then(Value::as_str))
            .min_by(|a, b| cmp_ids(a, b))
            .map(str::to_owned);
        let items = self.map_statuses(values, KindRule::Search);
        let next = link_param(link.as_deref(), "next", "max_id").or(oldest);
        let next_page = next.filter(|next| {
            full && page.is_none_or(|current| cmp_ids(next, current) == Ordering::Less)
        });
        Ok(FeedPage {
            items,
            next_page,
            cursor: None,
            total: None,
        })
    }

    async fn search_text(
        &self,
        query: &str,
        page: Option<&str>,
    ) -> Result<FeedPage, ConnectorError> {
        let offset: usize = match page {
            Some(p) => p
                .parse()
                .map_err(|_| self.malformed("search page", "not an offset".into()))?,
            None => 0,
        };
        let (limit, offset_text) = (PAGE_LIMIT.to_string(), offset.to_string());
        let request = self.get("/api/v2/search").query(&[
            ("q", query),
            ("type", "statuses"),
            ("resolve", "false"),
            ("limit", limit.as_str()),
            ("offset", offset_text.as_str()),
        ]);
        let mut body: Value = self.json(request, "search").await?;
        let statuses = match body.get_mut("statuses").map(Value::take) {
            Some(Value::Array(statuses)) => statuses,
            _ => {
                return Err(self.malformed("search", "the results hold no list of statuses".into()))
            }
        };
        let len = statuses.len();
        let items = self.map_statuses(statuses, KindRule::Search);
        Ok(FeedPage {
            items,
            next_page: (len >= PAGE_LIMIT).then(|| (offset + len).to_string()),
            cursor: None,
            total: None,
        })
    }

    async fn open_stream(&self) -> Result<(reqwest::Response, String), ConnectorError> {
        let info = self.instance().await?;
        let base = info
            .streaming
            .clone()
            .unwrap_or_else(|| self.http.base().to_owned());
        let http = if base == self.http.base() {
            self.http.clone()
        } else {
            Http::new(&base)?
        };
        let open = |path: &str| http.stream_get(path).bearer_auth(self.token.expose());
        let response = match http
            .send(
                open("/api/v1/streaming/user/notification"),
                "opening the stream",
            )
            .await
        {
            Ok(response) => response,
            // Older servers only have the whole user stream.
            Err(Failure::Status { status, .. }) if status.as_u16() == 404 => http
                .send(open("/api/v1/streaming/user"), "opening the stream")
                .await
                .map_err(|f| self.classify(f))?,
            Err(f) => return Err(self.classify(f)),
        };
        Ok((response, base))
    }
}

/// An id or tag as one URL path segment.
fn path_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `#tag` alone (letters, digits, `_`) is a hashtag query.
fn hashtag(query: &str) -> Option<&str> {
    let tag = query.trim().strip_prefix('#')?;
    (!tag.is_empty() && tag.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(tag)
}

/// The visibility of a reply to a status of `parent` visibility: the same.
/// Anything unknown (a fork's extra levels) or missing becomes followers-only,
/// since a reply must never reach a wider audience than its parent.
fn reply_visibility(parent: Option<&str>) -> &'static str {
    match parent {
        Some("public") => "public",
        Some("unlisted") => "unlisted",
        Some("direct") => "direct",
        _ => "private",
    }
}

#[async_trait::async_trait]
impl Connector for Mastodon {
    fn account(&self) -> &AccountRef {
        &self.account
    }

    fn feeds(&self) -> Vec<String> {
        vec!["notifications".into(), "conversations".into()]
    }

    async fn fetch(&self, request: &FeedRequest) -> Result<FeedPage, ConnectorError> {
        let feed = Feed::parse(&request.feed).ok_or(ConnectorError::Unsupported {
            network: NETWORK.into(),
            what: "this feed",
        })?;
        let state = match request.page.as_deref() {
            Some(page) => Some(
                serde_json::from_str::<PageState>(page)
                    .map_err(|_| self.malformed("page token", "not one Earshot wrote".into()))?,
            ),
            None => request
                .cursor
                .clone()
                .map(|min_id| PageState::Forward { min_id }),
        };
        match state {
            Some(PageState::Forward { min_id }) => {
                let page = self
                    .read_feed_page(feed, Some(("min_id", min_id.as_str())))
                    .await?;
                let newest = page.newest();
                let moved = newest
                    .as_deref()
                    .is_some_and(|n| cmp_ids(n, &min_id) == Ordering::Greater);
                let next_page = match &newest {
                    Some(newest) if moved && page.full() => Some(PageState::Forward {
                        min_id: newest.clone(),
                    }),
                    _ => None,
                };
                Ok(FeedPage {
                    items: page.entries.into_iter().filter_map(|e| e.item).collect(),
                    next_page: next_page.map(|s| encode_state(&s)).transpose()?,
                    cursor: newer(Some(min_id), newest.as_deref()),
                    total: None,
                })
            }
            back => {
                let (max_id, newest) = match back {
                    Some(PageState::Back { max_id, newest }) => (Some(max_id), newest),
                    _ => (None, None),
                };
                let anchor = max_id.as_deref().map(|id| ("max_id", id));
                let page = self.read_feed_page(feed, anchor).await?;
                // The first page holds the newest entries of all.
                let newest = newest.or_else(|| page.newest());
                let next = next_back_page(&page, max_id.as_deref(), request.backfill_since);
                let items = page
                    .entries
                    .into_iter()
                    .filter_map(|e| {
                        let item = e.item?;
                        let at = e.created_at.unwrap_or(item.created_at);
                        (at >= request.backfill_since).then_some(item)
                    })
                    .collect();
                Ok(match next {
                    Some(max_id) => FeedPage {
                        items,
                        next_page: Some(encode_state(&PageState::Back { max_id, newest })?),
                        cursor: None,
                        total: None,
                    },
                    None => FeedPage {
                        items,
                        next_page: None,
                        cursor: newest,
                        total: None,
                    },
                })
            }
        }
    }

    async fn thread(&self, remote_id: &str) -> Result<Vec<NewItem>, ConnectorError> {
        let id = self.status_id(remote_id)?;
        let context_path = format!("/api/v1/statuses/{}/context", path_segment(id));
        let (status, context) = tokio::join!(
            self.fetch_status(id, "status"),
            self.json::<Value>(self.get(&context_path), "thread"),
        );
        let (status, mut context) = (status?, context?);
        let mut list = |name: &str| match context.get_mut(name).map(Value::take) {
            Some(Value::Array(values)) => Ok(values),
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(other) => Err(self.malformed(
                "thread",
                format!("{name} is {}, not a list", model::json_kind(&other)),
            )),
        };
        let (ancestors, descendants) = (list("ancestors")?, list("descendants")?);
        let mut items = self.map_statuses(ancestors, KindRule::Infer);
        match self.mapper.status_value(status, KindRule::Infer) {
            Ok(Some(item)) => items.push(item),
            Ok(None) => {}
            Err(model::Skipped) => {
                return Err(self.malformed("status", "it lacks its id, author or date".into()))
            }
        }
        items.extend(self.map_statuses(descendants, KindRule::Infer));
        Ok(items)
    }

    async fn search(&self, query: &str, page: Option<&str>) -> Result<FeedPage, ConnectorError> {
        match hashtag(query) {
            Some(tag) => self.search_tag(tag, page).await,
            None => self.search_text(query.trim(), page).await,
        }
    }

    async fn reply(&self, reply: &OutgoingReply) -> Result<SentReply, ConnectorError> {
        let parent_id = self.status_id(&reply.parent_remote_id)?;
        let parent: model::Status = serde_json::from_value(
            self.fetch_status(parent_id, "the status replied to")
                .await?,
        )
        .map_err(|_| {
            self.malformed(
                "the status replied to",
                "it lacks its id, author or date".into(),
            )
        })?;
        let own = parent.account.id.is_some() && parent.account.id == self.account.remote_user_id;
        let text = if own {
            reply.text.clone()
        } else {
            compose::with_mention(&reply.text, &parent.account.acct)
        };
        let limits = self.instance().await?;
        let length = compose::status_length(&text, limits.characters_reserved_per_url as usize);
        if length > limits.max_characters as usize {
            return Err(ConnectorError::Refused {
                server: self.http.base().to_owned(),
                message: format!(
                    "the reply is {length} characters long (with the mention and links as \
                     Mastodon counts them); this server allows {}",
                    limits.max_characters
                ),
            });
        }
        let visibility = reply_visibility(parent.visibility.as_deref());
        let request = self
            .post("/api/v1/statuses")
            .header("Idempotency-Key", &reply.idempotency_key)
            .form(&[
                ("status", text.as_str()),
                ("in_reply_to_id", parent_id),
                ("visibility", visibility),
            ]);
        let sent: Value = self.json(request, "sending the reply").await?;
        let sent: model::Status = serde_json::from_value(sent).map_err(|_| {
            self.malformed("the sent reply", "it lacks its id, author or date".into())
        })?;
        let remote_id = self.mapper.remote_id(&sent.id);
        let url = sent.url.clone().or_else(|| sent.uri.clone());
        Ok(SentReply {
            remote_id,
            url,
            item: self.mapper.status(sent, KindRule::Infer),
        })
    }

    /// Mastodon keeps one read position per timeline, not per status: this
    /// moves the notifications marker to the newest notification this
    /// connector has seen, whatever `remote_id` is.
    async fn mark_read(&self, _remote_id: &str) -> Result<(), ConnectorError> {
        let newest = self.newest_notification.lock().ok().and_then(|n| n.clone());
        let Some(newest) = newest else {
            return Ok(());
        };
        let request = self
            .post("/api/v1/markers")
            .form(&[("notifications[last_read_id]", newest.as_str())]);
        self.http
            .send(request, "marking notifications read")
            .await
            .map_err(|f| self.classify(f))?;
        Ok(())
    }

    async fn limits(&self) -> Result<ComposeLimits, ConnectorError> {
        let info = self.instance().await?;
        Ok(ComposeLimits {
            max_length: info.max_characters,
            unit: LengthUnit::Characters,
            link_length: Some(info.characters_reserved_per_url),
        })
    }

    fn can_stream(&self) -> bool {
        true
    }

    async fn stream(&self, sink: StreamSink) -> Result<(), ConnectorError> {
        let (response, base) = self.open_stream().await?;
        if sink.send(StreamEvent::Connected).await.is_err() {
            return Ok(());
        }
        stream::pump(
            response.bytes_stream(),
            &sink,
            stream::IDLE_TIMEOUT,
            &base,
            |event| {
                let (meaning, notification_id) = stream::interpret(&self.mapper, event);
                self.learn_notification(notification_id.as_deref());
                match meaning {
                    stream::Meaning::Item(item) => Some(StreamEvent::Item(item)),
                    stream::Meaning::Poke => Some(StreamEvent::Poke),
                    stream::Meaning::Ignore => None,
                }
            },
        )
        .await
    }

    async fn fetch_media(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<FetchedMedia, ConnectorError> {
        self.http.media(url, max_bytes).await
    }

    fn rate_budget(&self) -> Option<RateBudget> {
        self.http.budget()
    }
}

fn encode_state(state: &PageState) -> Result<String, ConnectorError> {
    serde_json::to_string(state).map_err(|e| ConnectorError::Refused {
        server: "this computer".into(),
        message: format!("cannot write a page token: {e}"),
    })
}

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod tests;
