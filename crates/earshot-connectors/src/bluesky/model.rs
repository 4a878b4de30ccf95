//! What the AppView sends, shaped per the lexicons (`app.bsky.feed.defs`,
//! `app.bsky.notification.listNotifications`, `app.bsky.feed.post`), and how it
//! becomes [`NewItem`]s.
//!
//! Pages are read leniently: unknown fields are ignored, and one notification
//! or post that cannot be read is skipped (and counted) instead of failing its
//! page. A page whose outer shape is wrong fails as a whole (the caller turns
//! that into [`earshot_core::connector::ConnectorError::Malformed`]).

use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use serde::Deserialize;
use serde_json::Value;

use super::NETWORK;

/// `app.bsky.actor.defs#profileView` / `#profileViewBasic`: the fields we use.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub did: String,
    pub handle: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
    /// Only in `#profileViewDetailed`.
    #[serde(default)]
    pub followers_count: Option<i64>,
}

/// `com.atproto.repo.strongRef`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct StrongRef {
    pub uri: String,
    pub cid: String,
}

/// `app.bsky.feed.post#replyRef`.
#[derive(Debug, Clone, Deserialize)]
pub struct ReplyRef {
    pub root: StrongRef,
    pub parent: StrongRef,
}

/// An `app.bsky.feed.post` record: the fields we use.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostRecord {
    pub text: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub reply: Option<ReplyRef>,
    #[serde(default)]
    pub langs: Vec<String>,
}

/// `app.bsky.feed.defs#postView`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostView {
    pub uri: String,
    pub cid: String,
    pub author: Profile,
    pub record: Value,
    pub indexed_at: String,
    /// Images, video or a link card, as views with URLs ([`super::embeds`]).
    #[serde(default)]
    pub embed: Option<Value>,
}

/// `app.bsky.notification.listNotifications#notification`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub uri: String,
    pub author: Profile,
    pub reason: String,
    pub record: Value,
    pub indexed_at: String,
}

/// A page of `listNotifications`, each notification still unread.
#[derive(Debug, Deserialize)]
pub struct NotificationPage {
    #[serde(default)]
    pub cursor: Option<String>,
    pub notifications: Vec<Value>,
}

/// `app.bsky.feed.searchPosts`'s output.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub hits_total: Option<u64>,
    pub posts: Vec<Value>,
}

/// `app.bsky.feed.getPosts`'s output.
#[derive(Debug, Deserialize)]
pub struct Posts {
    pub posts: Vec<Value>,
}

/// `app.bsky.feed.getPostThread`'s output.
#[derive(Debug, Deserialize)]
pub struct ThreadResponse {
    pub thread: Value,
}

/// Items made from a page, and how many entries could not be read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<NewItem>,
    pub skipped: usize,
}

/// One notification read from a page: its time (Unix ms, for paging) and, for
/// the reasons Earshot keeps, its item.
#[derive(Debug)]
pub struct NotificationEntry {
    pub indexed_at_ms: i64,
    pub indexed_at: String,
    pub item: Option<NewItem>,
    /// The post embeds media, whose URLs only its view has.
    pub has_media: bool,
}

/// Reads one notification; `Err` says why it is unreadable.
pub fn notification(value: &Value, account_id: i64) -> Result<NotificationEntry, String> {
    let n = Notification::deserialize(value).map_err(|e| e.to_string())?;
    let indexed_at_ms =
        parse_time(&n.indexed_at).ok_or_else(|| "indexedAt is not a date".to_owned())?;
    let kind = match n.reason.as_str() {
        "mention" | "quote" => Some(ItemKind::Mention),
        "reply" => Some(ItemKind::Reply),
        // Likes, reposts, follows and newer reasons are not conversations.
        _ => None,
    };
    let item = match kind {
        Some(kind) => Some(post_item(
            &n.uri,
            &n.author,
            &n.record,
            &n.indexed_at,
            Some(kind),
            account_id,
        )?),
        None => None,
    };
    let has_media = item.is_some() && super::embeds::record_has_media(&n.record);
    Ok(NotificationEntry {
        indexed_at_ms,
        indexed_at: n.indexed_at,
        item,
        has_media,
    })
}

/// Reads a post view (from a thread, a search or `getPosts`).
pub fn post_view(value: &Value, account_id: i64) -> Result<(PostView, NewItem), String> {
    let view = PostView::deserialize(value).map_err(|e| e.to_string())?;
    let mut item = post_item(
        &view.uri,
        &view.author,
        &view.record,
        &view.indexed_at,
        None,
        account_id,
    )?;
    if let Some(embed) = &view.embed {
        item.attachments = super::embeds::from_view(embed);
    }
    Ok((view, item))
}

/// Reads post views, skipping the unreadable.
pub fn post_views<'a>(values: impl IntoIterator<Item = &'a Value>, account_id: i64) -> Parsed {
    let mut parsed = Parsed::default();
    for value in values {
        match post_view(value, account_id) {
            Ok((_, item)) => parsed.items.push(item),
            Err(_) => parsed.skipped += 1,
        }
    }
    parsed
}

/// A post as an item. `kind` is the notification's; without one a post is a
/// reply when its record says so.
pub fn post_item(
    uri: &str,
    author: &Profile,
    record: &Value,
    indexed_at: &str,
    kind: Option<ItemKind>,
    account_id: i64,
) -> Result<NewItem, String> {
    let post = PostRecord::deserialize(record).map_err(|e| format!("post record: {e}"))?;
    let created_at = post
        .created_at
        .as_deref()
        .and_then(parse_time)
        .or_else(|| parse_time(indexed_at))
        .ok_or_else(|| "neither createdAt nor indexedAt is a date".to_owned())?;
    let kind = kind.unwrap_or(if post.reply.is_some() {
        ItemKind::Reply
    } else {
        ItemKind::Post
    });
    Ok(NewItem {
        network: NETWORK.to_owned(),
        remote_id: uri.to_owned(),
        account_id: Some(account_id),
        kind,
        author: new_author(author),
        content: Content::Text(post.text),
        created_at,
        parent_remote_id: post.reply.as_ref().map(|r| r.parent.uri.clone()),
        // The core threads by root: every reply names it.
        root_remote_id: post.reply.as_ref().map(|r| r.root.uri.clone()),
        url: post_url(uri, author),
        lang: post.langs.into_iter().next(),
        attachments: Vec::new(),
    })
}

pub fn new_author(profile: &Profile) -> NewAuthor {
    NewAuthor {
        handle: profile.handle.clone(),
        display_name: profile
            .display_name
            .clone()
            .filter(|n| !n.trim().is_empty()),
        url: Some(format!("https://bsky.app/profile/{}", profile_key(profile))),
        avatar_url: profile.avatar.clone(),
        followers: profile.followers_count,
    }
}

/// bsky.app names a profile by handle, or by DID when the handle no longer
/// verifies (the AppView then reports `handle.invalid`).
fn profile_key(profile: &Profile) -> &str {
    if profile.handle == "handle.invalid" || profile.handle.is_empty() {
        &profile.did
    } else {
        &profile.handle
    }
}

/// `https://bsky.app/profile/{handle}/post/{rkey}` for a post's at-uri.
pub fn post_url(uri: &str, author: &Profile) -> Option<String> {
    let (_, collection, rkey) = split_at_uri(uri)?;
    (collection == "app.bsky.feed.post").then(|| {
        format!(
            "https://bsky.app/profile/{}/post/{rkey}",
            profile_key(author)
        )
    })
}

/// `at://{authority}/{collection}/{rkey}` → its three parts.
pub fn split_at_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let mut parts = uri.strip_prefix("at://")?.splitn(3, '/');
    let authority = parts.next().filter(|s| !s.is_empty())?;
    let collection = parts.next().filter(|s| !s.is_empty())?;
    let rkey = parts.next().filter(|s| !s.is_empty() && !s.contains('/'))?;
    Some((authority, collection, rkey))
}

/// RFC 3339 → Unix ms.
pub fn parse_time(text: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Unix ms → RFC 3339 with milliseconds in UTC, as the lexicons' datetimes are.
pub fn format_time(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

const THREAD_VIEW: &str = "app.bsky.feed.defs#threadViewPost";

/// Whether a thread node is a post we can show (not `#notFoundPost` or
/// `#blockedPost`, nor a type from a newer lexicon).
fn is_thread_post(node: &Value) -> bool {
    match node.get("$type").and_then(Value::as_str) {
        Some(t) => t == THREAD_VIEW,
        None => node.get("post").is_some(),
    }
}

/// Flattens a `getPostThread` tree: parents root first, then the post, then
/// its replies depth-first. Unreadable posts are skipped and counted.
pub fn flatten_thread(thread: &Value, account_id: i64) -> Parsed {
    let mut parents = Vec::new();
    let mut node = thread.get("parent");
    while let Some(parent) = node.filter(|p| is_thread_post(p)) {
        parents.push(parent);
        node = parent.get("parent");
    }
    let mut parsed = Parsed::default();
    let push = |node: &Value, parsed: &mut Parsed| match node
        .get("post")
        .ok_or_else(String::new)
        .and_then(|post| post_view(post, account_id))
    {
        Ok((_, item)) => parsed.items.push(item),
        Err(_) => parsed.skipped += 1,
    };
    for parent in parents.iter().rev() {
        push(parent, &mut parsed);
    }
    if !is_thread_post(thread) {
        return parsed;
    }
    // Depth-first, each node before its replies, in the order the AppView gives.
    let mut stack = vec![thread];
    while let Some(node) = stack.pop() {
        push(node, &mut parsed);
        if let Some(replies) = node.get("replies").and_then(Value::as_array) {
            stack.extend(replies.iter().rev().filter(|r| is_thread_post(r)));
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn author(handle: &str) -> Value {
        json!({
            "$type": "app.bsky.actor.defs#profileView",
            "did": format!("did:plc:{}", handle.replace('.', "")),
            "handle": handle,
            "displayName": handle.split('.').next().unwrap(),
            "avatar": format!("https://cdn.test/{handle}.jpg"),
            "viewer": {"muted": false},
            "labels": [],
            "createdAt": "2025-01-01T00:00:00.000Z",
            "indexedAt": "2025-01-01T00:00:00.000Z"
        })
    }

    pub(crate) fn post_record(text: &str, reply: Option<(&str, &str)>) -> Value {
        let mut record = json!({
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": "2025-11-22T10:00:00.000Z",
            "langs": ["en"],
        });
        if let Some((root, parent)) = reply {
            record["reply"] = json!({
                "root": {"uri": root, "cid": "bafyroot"},
                "parent": {"uri": parent, "cid": "bafyparent"},
            });
        }
        record
    }

    fn notification_json(reason: &str, uri: &str, record: Value, at: &str) -> Value {
        json!({
            "uri": uri,
            "cid": "bafyreib2rxk3rh6kzwq",
            "author": author("bob.test"),
            "reason": reason,
            "reasonSubject": "at://did:plc:alice/app.bsky.feed.post/3kroot",
            "record": record,
            "isRead": false,
            "indexedAt": at,
            "labels": [],
            "someFutureField": {"x": 1}
        })
    }

    #[test]
    fn notifications_become_mentions_and_replies_and_likes_are_skipped() {
        let root = "at://did:plc:bobtest/app.bsky.feed.post/3kroot";
        let page: NotificationPage = serde_json::from_value(json!({
            "cursor": "2025-11-22T10:00:00.000Z",
            "seenAt": "2025-11-22T09:00:00.000Z",
            "priority": false,
            "notifications": [
                notification_json("mention", root, post_record("hi @alice.test", None),
                    "2025-11-22T10:00:03.000Z"),
                notification_json("reply", "at://did:plc:bobtest/app.bsky.feed.post/3kreply",
                    post_record("a reply", Some((root, root))), "2025-11-22T10:00:02.000Z"),
                notification_json("quote", "at://did:plc:bobtest/app.bsky.feed.post/3kquote",
                    post_record("quoting you", None), "2025-11-22T10:00:01.000Z"),
                notification_json("like", "at://did:plc:bobtest/app.bsky.feed.like/3klike",
                    json!({"$type": "app.bsky.feed.like",
                           "subject": {"uri": root, "cid": "x"},
                           "createdAt": "2025-11-22T10:00:00.000Z"}),
                    "2025-11-22T10:00:00.500Z"),
            ]
        }))
        .unwrap();
        let entries: Vec<_> = page
            .notifications
            .iter()
            .map(|n| notification(n, 7).unwrap())
            .collect();
        let kinds: Vec<_> = entries
            .iter()
            .map(|e| e.item.as_ref().map(|i| i.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                Some(ItemKind::Mention),
                Some(ItemKind::Reply),
                Some(ItemKind::Mention),
                None
            ],
            "a quote is a mention; a like is no item"
        );
        assert_eq!(
            entries[3].indexed_at_ms, 1_763_805_600_500,
            "likes still count for paging"
        );

        let mention = entries[0].item.as_ref().unwrap();
        assert_eq!(mention.network, "bluesky");
        assert_eq!(mention.remote_id, root);
        assert_eq!(mention.account_id, Some(7));
        assert_eq!(mention.content, Content::Text("hi @alice.test".into()));
        assert_eq!(
            mention.root_remote_id, None,
            "a post that is not a reply has no root"
        );
        assert_eq!(mention.created_at, 1_763_805_600_000);
        assert_eq!(mention.lang.as_deref(), Some("en"));
        assert_eq!(
            mention.url.as_deref(),
            Some("https://bsky.app/profile/bob.test/post/3kroot")
        );
        assert_eq!(mention.author.handle, "bob.test");
        assert_eq!(mention.author.display_name.as_deref(), Some("bob"));
        assert_eq!(
            mention.author.url.as_deref(),
            Some("https://bsky.app/profile/bob.test")
        );
        assert_eq!(
            mention.author.avatar_url.as_deref(),
            Some("https://cdn.test/bob.test.jpg")
        );
        assert_eq!(
            mention.author.followers, None,
            "a profileView has no follower count"
        );

        let reply = entries[1].item.as_ref().unwrap();
        assert_eq!(reply.parent_remote_id.as_deref(), Some(root));
        assert_eq!(
            reply.root_remote_id.as_deref(),
            Some(root),
            "replies always name the root"
        );
    }

    #[test]
    fn a_malformed_notification_is_refused_alone() {
        let bad = [
            json!({"uri": "at://x/app.bsky.feed.post/1", "reason": "mention"}),
            notification_json(
                "mention",
                "at://x/app.bsky.feed.post/2",
                json!({"text": 5}),
                "2025-11-22T10:00:00Z",
            ),
            notification_json(
                "mention",
                "at://x/app.bsky.feed.post/3",
                post_record("ok", None),
                "yesterday",
            ),
            json!("a string"),
        ];
        for b in &bad {
            assert!(notification(b, 1).is_err(), "{b}");
        }
    }

    #[test]
    fn created_at_falls_back_to_indexed_at() {
        let mut record = post_record("x", None);
        record["createdAt"] = json!("not a date");
        let n = notification_json(
            "mention",
            "at://x/app.bsky.feed.post/1",
            record,
            "2025-11-22T10:00:05+01:00",
        );
        let item = notification(&n, 1).unwrap().item.unwrap();
        assert_eq!(
            item.created_at, 1_763_802_005_000,
            "indexedAt with its offset"
        );
    }

    fn thread_node(
        uri: &str,
        text: &str,
        reply: Option<(&str, &str)>,
        replies: Vec<Value>,
    ) -> Value {
        json!({
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": {
                "uri": uri, "cid": "bafy", "author": author("carol.test"),
                "record": post_record(text, reply),
                "replyCount": replies.len(), "indexedAt": "2025-11-22T10:00:00.000Z",
                "viewer": {}, "labels": []
            },
            "replies": replies,
        })
    }

    #[test]
    fn a_thread_flattens_root_first_then_replies_depth_first() {
        let uri = |k: &str| format!("at://did:plc:x/app.bsky.feed.post/{k}");
        let (root, mid, me) = (uri("root"), uri("mid"), uri("me"));
        let mut focus = thread_node(
            &me,
            "me",
            Some((&root, &mid)),
            vec![
                thread_node(
                    &uri("r1"),
                    "r1",
                    Some((&root, &me)),
                    vec![thread_node(
                        &uri("r1a"),
                        "r1a",
                        Some((&root, &uri("r1"))),
                        vec![],
                    )],
                ),
                json!({"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri("gone"),
                   "notFound": true}),
                json!({"$type": "app.bsky.feed.defs#blockedPost", "uri": uri("blocked"),
                   "blocked": true, "author": {"did": "did:plc:b"}}),
                thread_node(&uri("r2"), "r2", Some((&root, &me)), vec![]),
            ],
        );
        let mut parent = thread_node(&mid, "mid", Some((&root, &root)), vec![]);
        parent["parent"] = thread_node(&root, "root", None, vec![]);
        focus["parent"] = parent;

        let parsed = flatten_thread(&focus, 1);
        let texts: Vec<_> = parsed
            .items
            .iter()
            .map(|i| match &i.content {
                Content::Text(t) => t.as_str(),
                Content::Html(_) => "",
            })
            .collect();
        assert_eq!(texts, vec!["root", "mid", "me", "r1", "r1a", "r2"]);
        assert_eq!(
            parsed.skipped, 0,
            "missing and blocked posts are not errors"
        );
        assert_eq!(parsed.items[0].kind, ItemKind::Post);
        assert!(parsed.items[1..].iter().all(|i| i.kind == ItemKind::Reply));
        assert!(parsed.items[1..]
            .iter()
            .all(|i| i.root_remote_id.as_deref() == Some(root.as_str())));
    }

    #[test]
    fn a_thread_whose_parent_is_gone_starts_at_the_post() {
        let mut focus = thread_node(
            "at://did:plc:x/app.bsky.feed.post/me",
            "me",
            Some(("at://r", "at://p")),
            vec![],
        );
        focus["parent"] = json!({"$type": "app.bsky.feed.defs#notFoundPost",
            "uri": "at://p", "notFound": true});
        let parsed = flatten_thread(&focus, 1);
        assert_eq!(parsed.items.len(), 1);
        let gone = json!({"$type": "app.bsky.feed.defs#notFoundPost", "uri": "at://p",
            "notFound": true});
        assert!(flatten_thread(&gone, 1).items.is_empty());
    }

    #[test]
    fn urls_use_the_did_when_the_handle_is_invalid() {
        let profile = Profile {
            did: "did:plc:abc".into(),
            handle: "handle.invalid".into(),
            display_name: Some("  ".into()),
            avatar: None,
            followers_count: Some(3),
        };
        assert_eq!(
            post_url("at://did:plc:abc/app.bsky.feed.post/3k", &profile).as_deref(),
            Some("https://bsky.app/profile/did:plc:abc/post/3k")
        );
        assert_eq!(
            post_url("at://did:plc:abc/app.bsky.feed.like/3k", &profile),
            None
        );
        assert_eq!(post_url("https://example.com", &profile), None);
        let a = new_author(&profile);
        assert_eq!(a.display_name, None, "a blank display name is no name");
        assert_eq!(a.followers, Some(3));
    }

    #[test]
    fn times_round_trip() {
        assert_eq!(format_time(1_763_805_600_123), "2025-11-22T10:00:00.123Z");
        assert_eq!(
            parse_time("2025-11-22T10:00:00.123Z"),
            Some(1_763_805_600_123)
        );
        assert_eq!(parse_time("2025-11-22"), None);
    }
}
