//! Bluesky (AT Protocol): mentions, replies and quotes of the account, whole
//! threads, post search, and replies that never post twice.
//!
//! Everything goes through the account's PDS (`account.server`), which answers
//! `com.atproto.*` itself and forwards `app.bsky.*` to its AppView. Sign in with
//! [`sign_in`] and an app password; [`session`] keeps the session alive.
//!
//! - Feed `notifications`: `app.bsky.notification.listNotifications` for the
//!   reasons `mention`, `reply` and `quote` (a quote is a mention). How a sync
//!   pages and what cursor it saves is in [`paging`].
//! - Direct messages (`chat.bsky.*`) are not read: they are a separate service
//!   that the local test network does not run, so they could not be tested.
//! - No live stream: the engine polls. (The firehose carries every post on the
//!   network; the notification list is the account-sized view of it.)
//! - Items: `remote_id` is the post's at-uri, `root_remote_id` the thread's
//!   root for every reply (the core threads by it), `content` the post's plain
//!   text (the core links URLs itself).
//! - Replies carry mention and link facets ([`facets`]) and a record key derived
//!   from the outbox entry ([`tid::for_reply`]): a retry finds the post it
//!   already made instead of making another.

mod embeds;
pub(crate) mod facets;
#[cfg(test)]
mod fake_pds;
mod model;
mod paging;
mod session;
mod tid;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use earshot_core::accounts::SignedInAccount;
use earshot_core::connector::{
    AccountRef, ComposeLimits, Connector, ConnectorError, CredentialStore, FeedPage, FeedRequest,
    FetchedMedia, LengthUnit, OutgoingReply, RateBudget, SentReply,
};
use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use earshot_core::vault::Secret;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::{now_ms, Http};
use facets::{SpanKind, MAX_GRAPHEMES};
use model::{Profile, StrongRef};
use paging::{PageSeen, PageState};
use session::{Call, Credentials, Xrpc};

/// The network's name in accounts and items.
pub const NETWORK: &str = "bluesky";
/// The one feed this connector reads.
pub const NOTIFICATIONS: &str = "notifications";

const PAGE_SIZE: &str = "50";
/// `app.bsky.feed.getPosts` takes at most this many URIs.
const GET_POSTS_MAX: usize = 25;
const POST_COLLECTION: &str = "app.bsky.feed.post";

/// Signs in with an identifier (handle, DID or e-mail) and an app password.
/// Returns the account to store and the credentials to keep in the vault.
pub async fn sign_in(
    pds: &str,
    identifier: &str,
    app_password: &Secret,
) -> Result<(SignedInAccount, Secret), ConnectorError> {
    let server = normalise_pds(pds)?;
    let http = Http::new(&server)?;
    let identifier = identifier.trim().trim_start_matches('@');
    let tokens = session::create_session(&http, identifier, app_password, identifier).await?;
    let credentials = Credentials::new(tokens, Some(app_password.clone()));
    let display_name = own_profile(&http, &credentials)
        .await
        .and_then(|p| p.display_name)
        .filter(|n| !n.trim().is_empty());
    let account = SignedInAccount {
        network: NETWORK.to_owned(),
        server,
        handle: credentials.handle.clone(),
        display_name,
        remote_user_id: Some(credentials.did.clone()),
    };
    Ok((account, credentials.to_secret()))
}

/// The signed-in account's profile, for its display name; `None` when the
/// AppView cannot say (the account works without it).
async fn own_profile(http: &Http, credentials: &Credentials) -> Option<Profile> {
    const WHAT: &str = "app.bsky.actor.getProfile";
    let request = http
        .get(&format!("/xrpc/{WHAT}"))
        .query(&[("actor", credentials.did.as_str())]);
    let request = credentials.authorize(request);
    let response = session::exchange(http, request, WHAT, &credentials.handle)
        .await
        .ok()?;
    session::read(http, response, WHAT, &credentials.handle)
        .await
        .ok()
}

/// `bsky.social`, `https://bsky.social/` → `https://bsky.social`.
fn normalise_pds(pds: &str) -> Result<String, ConnectorError> {
    let text = pds.trim();
    let refused = |message: &str| ConnectorError::Refused {
        server: text.to_owned(),
        message: message.to_owned(),
    };
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("https://{text}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| refused("not a server address"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(refused("a PDS address is https://host"));
    }
    Ok(url.origin().ascii_serialization())
}

/// One Bluesky account.
pub struct Bluesky {
    account: AccountRef,
    xrpc: Xrpc,
    /// Notifications and posts skipped because they could not be read.
    skipped: AtomicU64,
}

impl std::fmt::Debug for Bluesky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bluesky")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Bluesky {
    pub fn new(
        account: AccountRef,
        credentials: Arc<dyn CredentialStore>,
    ) -> Result<Self, ConnectorError> {
        let http = Http::new(&account.server)?;
        Ok(Self {
            xrpc: Xrpc::new(http, account.handle.clone(), credentials),
            account,
            skipped: AtomicU64::new(0),
        })
    }

    /// How many notifications or posts were skipped as unreadable so far.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    fn count_skipped(&self, n: usize) {
        self.skipped.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn refused(&self, message: String) -> ConnectorError {
        ConnectorError::Refused {
            server: self.xrpc.http().base().to_owned(),
            message,
        }
    }

    async fn notifications(&self, request: &FeedRequest) -> Result<FeedPage, ConnectorError> {
        let state = PageState::of(request);
        let mut params = vec![
            ("limit", PAGE_SIZE),
            ("reasons", "mention"),
            ("reasons", "reply"),
            ("reasons", "quote"),
        ];
        if let Some(cursor) = state.cursor.as_deref() {
            params.push(("cursor", cursor));
        }
        let page: model::NotificationPage = self
            .xrpc
            .json(
                "app.bsky.notification.listNotifications",
                Call::Query(&params),
            )
            .await?;
        let floor = paging::floor(request);
        let mut items = Vec::new();
        let mut newest: Option<(i64, String)> = None;
        let mut reached_floor = false;
        let mut skipped = 0;
        let mut with_media = Vec::new();
        for value in &page.notifications {
            let entry = match model::notification(value, self.account.id) {
                Ok(entry) => entry,
                Err(_) => {
                    skipped += 1;
                    continue;
                }
            };
            if entry.indexed_at_ms < floor {
                reached_floor = true;
                continue;
            }
            if newest
                .as_ref()
                .is_none_or(|(t, _)| entry.indexed_at_ms > *t)
            {
                newest = Some((entry.indexed_at_ms, entry.indexed_at));
            }
            if entry.has_media {
                with_media.extend(entry.item.as_ref().map(|i| i.remote_id.clone()));
            }
            items.extend(entry.item);
        }
        self.count_skipped(skipped);
        self.add_media(&mut items, &with_media).await?;
        let step = paging::step(
            request,
            &state,
            &PageSeen {
                newest: newest.as_ref().map(|(_, text)| text.as_str()),
                reached_floor,
                next: page.cursor.as_deref(),
            },
        );
        Ok(FeedPage {
            items,
            next_page: step.next_page,
            cursor: step.cursor,
            total: None,
        })
    }

    /// Fills in the attachments of the notified posts that embed media: a
    /// record names its images by blob, so their URLs come from the posts'
    /// views (`getPosts`, 25 at a time). A server that cannot say leaves them
    /// without; one out of reach fails the page, to be read again.
    async fn add_media(
        &self,
        items: &mut [NewItem],
        uris: &[String],
    ) -> Result<(), ConnectorError> {
        for chunk in uris.chunks(GET_POSTS_MAX) {
            let params: Vec<(&str, &str)> = chunk.iter().map(|u| ("uris", u.as_str())).collect();
            let posts: model::Posts = match self
                .xrpc
                .json("app.bsky.feed.getPosts", Call::Query(&params))
                .await
            {
                Ok(posts) => posts,
                Err(e) if e.is_transient() => return Err(e),
                Err(_) => continue,
            };
            for (view, with) in posts
                .posts
                .iter()
                .filter_map(|p| model::post_view(p, self.account.id).ok())
            {
                if let Some(item) = items.iter_mut().find(|i| i.remote_id == view.uri) {
                    item.attachments = with.attachments;
                }
            }
        }
        Ok(())
    }

    /// The post behind an at-uri, as `getPosts` shows it.
    async fn post(&self, uri: &str) -> Result<Option<(model::PostView, NewItem)>, ConnectorError> {
        let posts: model::Posts = self
            .xrpc
            .json("app.bsky.feed.getPosts", Call::Query(&[("uris", uri)]))
            .await?;
        Ok(posts
            .posts
            .iter()
            .find_map(|p| model::post_view(p, self.account.id).ok()))
    }

    /// The DIDs of the handles mentioned, in order; unresolvable ones are left
    /// out (their text stays, unlinked, as on bsky.app).
    async fn resolve_handles(
        &self,
        handles: &[&str],
    ) -> Result<Vec<Option<String>>, ConnectorError> {
        #[derive(Deserialize)]
        struct Resolved {
            did: String,
        }
        let mut known: Vec<(&str, Option<String>)> = Vec::new();
        let mut out = Vec::with_capacity(handles.len());
        for &handle in handles {
            if let Some((_, did)) = known.iter().find(|(h, _)| *h == handle) {
                out.push(did.clone());
                continue;
            }
            let did = match self
                .xrpc
                .json::<Resolved>(
                    "com.atproto.identity.resolveHandle",
                    Call::Query(&[("handle", handle)]),
                )
                .await
            {
                Ok(r) if r.did.starts_with("did:") => Some(r.did),
                Ok(_) | Err(ConnectorError::Refused { .. }) => None,
                Err(e) => return Err(e),
            };
            known.push((handle, did.clone()));
            out.push(did);
        }
        Ok(out)
    }

    /// The facets of a reply's text (lexicon `app.bsky.richtext.facet`).
    async fn facets(&self, text: &str) -> Result<Vec<Value>, ConnectorError> {
        let spans = facets::detect(text);
        let handles: Vec<&str> = spans
            .iter()
            .filter_map(|s| match &s.kind {
                SpanKind::Mention(h) => Some(h.as_str()),
                SpanKind::Link(_) => None,
            })
            .collect();
        let mut dids = self.resolve_handles(&handles).await?.into_iter();
        let mut out = Vec::new();
        for span in &spans {
            let feature = match &span.kind {
                SpanKind::Mention(_) => match dids.next().flatten() {
                    Some(did) => json!({"$type": "app.bsky.richtext.facet#mention", "did": did}),
                    None => continue,
                },
                SpanKind::Link(uri) => json!({"$type": "app.bsky.richtext.facet#link", "uri": uri}),
            };
            out.push(json!({
                "index": {"byteStart": span.start, "byteEnd": span.end},
                "features": [feature],
            }));
        }
        Ok(out)
    }

    /// The reply already posted under `rkey`, if there is one (a retry).
    async fn already_sent(
        &self,
        did: &str,
        rkey: &str,
        reply: &OutgoingReply,
    ) -> Result<Option<SentReply>, ConnectorError> {
        #[derive(Deserialize)]
        struct Record {
            uri: String,
            value: Value,
        }
        let params = [
            ("repo", did),
            ("collection", POST_COLLECTION),
            ("rkey", rkey),
        ];
        let response = match self
            .xrpc
            .call("com.atproto.repo.getRecord", Call::Query(&params))
            .await
        {
            Ok(response) => response,
            Err((_, Some(name))) if name == "RecordNotFound" => return Ok(None),
            Err((e, _)) => return Err(e),
        };
        let record: Record = session::read(
            self.xrpc.http(),
            response,
            "com.atproto.repo.getRecord",
            self.xrpc.handle(),
        )
        .await?;
        let post = model::PostRecord::deserialize(&record.value).map_err(|e| {
            ConnectorError::Malformed {
                server: self.xrpc.http().base().to_owned(),
                what: "com.atproto.repo.getRecord".into(),
                message: e.to_string(),
            }
        })?;
        if post.text != reply.text {
            // Two outbox entries whose keys collide in 20 bits of hash, queued
            // in the same millisecond: never pass one off as the other.
            return Err(self.refused(format!(
                "another post already uses the record key {rkey}; queue the reply again"
            )));
        }
        let created_at = post
            .created_at
            .as_deref()
            .and_then(model::parse_time)
            .unwrap_or_else(now_ms);
        let (parent, root) = post
            .reply
            .map(|r| (r.parent.uri, r.root.uri))
            .unwrap_or_else(|| {
                (
                    reply.parent_remote_id.clone(),
                    reply.parent_remote_id.clone(),
                )
            });
        Ok(Some(
            self.sent(&record.uri, post.text, created_at, parent, root)
                .await?,
        ))
    }

    /// A reply Earshot just posted, as the network now shows it.
    async fn sent(
        &self,
        uri: &str,
        text: String,
        created_at: i64,
        parent: String,
        root: String,
    ) -> Result<SentReply, ConnectorError> {
        let (did, handle) = self.xrpc.identity().await?;
        let me = Profile {
            did,
            handle,
            display_name: None,
            avatar: None,
            followers_count: None,
        };
        let url = model::post_url(uri, &me);
        let item = NewItem {
            network: NETWORK.to_owned(),
            remote_id: uri.to_owned(),
            account_id: Some(self.account.id),
            kind: ItemKind::Reply,
            author: NewAuthor {
                display_name: None,
                ..model::new_author(&me)
            },
            content: Content::Text(text),
            created_at,
            parent_remote_id: Some(parent),
            root_remote_id: Some(root),
            url: url.clone(),
            lang: None,
            attachments: Vec::new(),
        };
        Ok(SentReply {
            remote_id: uri.to_owned(),
            url,
            item: Some(item),
        })
    }
}

#[async_trait]
impl Connector for Bluesky {
    fn account(&self) -> &AccountRef {
        &self.account
    }

    fn feeds(&self) -> Vec<String> {
        vec![NOTIFICATIONS.to_owned()]
    }

    async fn fetch(&self, request: &FeedRequest) -> Result<FeedPage, ConnectorError> {
        if request.feed != NOTIFICATIONS {
            return Err(ConnectorError::Unsupported {
                network: NETWORK.to_owned(),
                what: "feeds other than notifications",
            });
        }
        self.notifications(request).await
    }

    async fn thread(&self, remote_id: &str) -> Result<Vec<NewItem>, ConnectorError> {
        let response: model::ThreadResponse = self
            .xrpc
            .json(
                "app.bsky.feed.getPostThread",
                Call::Query(&[("uri", remote_id), ("depth", "50"), ("parentHeight", "80")]),
            )
            .await?;
        let parsed = model::flatten_thread(&response.thread, self.account.id);
        self.count_skipped(parsed.skipped);
        Ok(parsed.items)
    }

    async fn search(&self, query: &str, page: Option<&str>) -> Result<FeedPage, ConnectorError> {
        let mut params = vec![("q", query), ("limit", PAGE_SIZE)];
        if let Some(cursor) = page {
            params.push(("cursor", cursor));
        }
        let result: model::SearchPage = self
            .xrpc
            .json("app.bsky.feed.searchPosts", Call::Query(&params))
            .await?;
        let parsed = model::post_views(&result.posts, self.account.id);
        self.count_skipped(parsed.skipped);
        // An empty page ends the search even if a cursor came with it.
        let next_page = result.cursor.filter(|_| !result.posts.is_empty());
        Ok(FeedPage {
            items: parsed.items,
            next_page,
            cursor: None,
            total: result.hits_total,
        })
    }

    async fn reply(&self, reply: &OutgoingReply) -> Result<SentReply, ConnectorError> {
        let length = facets::grapheme_count(&reply.text);
        if length > MAX_GRAPHEMES {
            return Err(self.refused(format!(
                "the reply is {length} characters long (graphemes); Bluesky allows {MAX_GRAPHEMES}"
            )));
        }
        if reply.text.trim().is_empty() {
            return Err(self.refused("the reply is empty".to_owned()));
        }
        let (did, _) = self.xrpc.identity().await?;
        let rkey = tid::for_reply(reply.queued_at, &reply.idempotency_key);
        if let Some(sent) = self.already_sent(&did, &rkey, reply).await? {
            return Ok(sent);
        }

        let Some((parent_view, _)) = self.post(&reply.parent_remote_id).await? else {
            return Err(self.refused(
                "the post replied to is gone (deleted, or hidden from this account)".to_owned(),
            ));
        };
        let parent = StrongRef {
            uri: parent_view.uri.clone(),
            cid: parent_view.cid.clone(),
        };
        let root = model::PostRecord::deserialize(&parent_view.record)
            .ok()
            .and_then(|r| r.reply)
            .map(|r| r.root)
            .unwrap_or_else(|| parent.clone());

        let created_at = now_ms();
        let mut record = json!({
            "$type": POST_COLLECTION,
            "text": reply.text,
            "createdAt": model::format_time(created_at),
            "reply": {"root": root, "parent": parent},
        });
        let facets = self.facets(&reply.text).await?;
        if !facets.is_empty() {
            record["facets"] = Value::Array(facets);
        }
        let body = json!({
            "repo": did,
            "collection": POST_COLLECTION,
            "rkey": rkey,
            "record": record,
        });
        #[derive(Deserialize)]
        struct Created {
            uri: String,
        }
        match self
            .xrpc
            .json::<Created>("com.atproto.repo.createRecord", Call::Procedure(&body))
            .await
        {
            Ok(created) => {
                self.sent(
                    &created.uri,
                    reply.text.clone(),
                    created_at,
                    parent.uri,
                    root.uri,
                )
                .await
            }
            // The record may exist after all: an earlier attempt whose answer
            // was lost, or this one timing out after the PDS wrote it. Older
            // PDSes answer a taken key with a 500, newer ones with an error of
            // their own: look rather than guess from the status.
            Err(e) => match self.already_sent(&did, &rkey, reply).await {
                Ok(Some(sent)) => Ok(sent),
                _ => Err(e),
            },
        }
    }

    async fn mark_read(&self, _remote_id: &str) -> Result<(), ConnectorError> {
        // Bluesky has one "seen up to" time per account, not per item.
        let body = json!({"seenAt": model::format_time(now_ms())});
        self.xrpc
            .call("app.bsky.notification.updateSeen", Call::Procedure(&body))
            .await
            .map(drop)
            .map_err(|(e, _)| e)
    }

    async fn limits(&self) -> Result<ComposeLimits, ConnectorError> {
        Ok(ComposeLimits {
            max_length: MAX_GRAPHEMES as u32,
            unit: LengthUnit::Graphemes,
            link_length: None,
        })
    }

    async fn fetch_media(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<FetchedMedia, ConnectorError> {
        self.xrpc.http().media(url, max_bytes).await
    }

    fn rate_budget(&self) -> Option<RateBudget> {
        self.xrpc.http().budget()
    }
}

#[cfg(test)]
mod tests;
