//! Mastodon's JSON entities as Earshot reads them, and how a status becomes a
//! [`NewItem`].
//!
//! Pages are parsed in two steps: the body must be a complete JSON array (else
//! the whole page is [`ConnectorError::Malformed`]), then each entry is read on
//! its own, so one entry missing a required field (`id`, `account`,
//! `created_at`) is skipped and counted instead of failing the page. Unknown
//! fields are ignored and optional ones may be missing or `null`.

use std::cmp::Ordering;

use earshot_core::ingest::analyse::escape_into;
use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

pub(super) const NETWORK: &str = "mastodon";

#[derive(Debug, Deserialize)]
pub(super) struct Status {
    pub id: String,
    pub account: Account,
    pub created_at: String,
    #[serde(default)]
    pub in_reply_to_id: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub spoiler_text: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// Only whether it is there matters: a boost is not a conversation.
    #[serde(default)]
    pub reblog: Option<IgnoredAny>,
    #[serde(default)]
    pub mentions: Option<Vec<Mention>>,
    /// Read entry by entry ([`super::attachments`]): a malformed one never
    /// costs the status.
    #[serde(default)]
    pub media_attachments: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Account {
    #[serde(default)]
    pub id: Option<String>,
    pub acct: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub avatar_static: Option<String>,
    #[serde(default)]
    pub followers_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Mention {
    #[serde(default)]
    pub id: Option<String>,
}

/// `GET /api/v2/instance`, the parts Earshot uses.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Instance {
    #[serde(default)]
    pub configuration: Option<Configuration>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Configuration {
    #[serde(default)]
    pub statuses: Option<StatusLimits>,
    #[serde(default)]
    pub urls: Option<Urls>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct StatusLimits {
    #[serde(default)]
    pub max_characters: Option<u32>,
    #[serde(default)]
    pub characters_reserved_per_url: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Urls {
    #[serde(default)]
    pub streaming: Option<String>,
}

/// What the server's `/api/v2/instance` says, with Mastodon's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InstanceInfo {
    pub max_characters: u32,
    pub characters_reserved_per_url: u32,
    /// Where the streaming API lives, as an `http(s)` base URL, when it is not
    /// the server itself.
    pub streaming: Option<String>,
}

impl Default for InstanceInfo {
    fn default() -> Self {
        Self {
            max_characters: 500,
            characters_reserved_per_url: 23,
            streaming: None,
        }
    }
}

impl From<Instance> for InstanceInfo {
    fn from(instance: Instance) -> Self {
        let defaults = Self::default();
        let config = instance.configuration.unwrap_or_default();
        let statuses = config.statuses.unwrap_or_default();
        Self {
            max_characters: statuses
                .max_characters
                .filter(|n| *n > 0)
                .unwrap_or(defaults.max_characters),
            characters_reserved_per_url: statuses
                .characters_reserved_per_url
                .unwrap_or(defaults.characters_reserved_per_url),
            streaming: config
                .urls
                .and_then(|u| u.streaming)
                .and_then(|s| streaming_http_base(&s)),
        }
    }
}

/// Mastodon advertises its streaming server as `wss://…` (for WebSocket); the
/// same host serves SSE over `https://`.
fn streaming_http_base(url: &str) -> Option<String> {
    let mut parsed = url::Url::parse(url.trim()).ok()?;
    let scheme = match parsed.scheme() {
        "wss" | "https" => "https",
        "ws" | "http" => "http",
        _ => return None,
    };
    parsed.set_scheme(scheme).ok()?;
    parsed.set_query(None);
    parsed.set_fragment(None);
    Some(parsed.as_str().trim_end_matches('/').to_owned())
}

/// How a status's kind is decided, by where it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KindRule {
    /// From a mention notification or the stream: it is addressed to us.
    Notification,
    /// From a thread or a conversation: inferred from the status itself.
    Infer,
    /// From a search or a hashtag timeline.
    Search,
}

/// Turns statuses of one server into items of one account.
#[derive(Debug, Clone)]
pub(super) struct Mapper {
    /// `host[:port]` of the account's server: qualifies ids and local handles.
    pub host: String,
    pub account_id: i64,
    /// The account's own id, to tell statuses that mention it.
    pub me: Option<String>,
}

impl Mapper {
    /// `"{id}@{host}"`: Mastodon ids are only unique on one server.
    pub fn remote_id(&self, status_id: &str) -> String {
        format!("{status_id}@{}", self.host)
    }

    /// A local `acct` (`bob`) qualified with the server's host; remote ones
    /// (`bob@example.social`) are already qualified.
    pub fn handle(&self, acct: &str) -> String {
        if acct.contains('@') {
            acct.to_owned()
        } else {
            format!("{acct}@{}", self.host)
        }
    }

    /// Maps a status; `None` for a boost, which is not a conversation.
    pub fn status(&self, status: Status, rule: KindRule) -> Option<NewItem> {
        if status.reblog.is_some() {
            return None;
        }
        let created_at = parse_time(&status.created_at)?;
        let kind = self.kind(&status, rule);
        let mut html = String::new();
        if let Some(cw) = status
            .spoiler_text
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            // The spoiler is plain text; the content is HTML.
            html.push_str("<p>CW: ");
            escape_into(&mut html, cw);
            html.push_str("</p>");
        }
        html.push_str(status.content.as_deref().unwrap_or_default());
        let attachments = status
            .media_attachments
            .as_ref()
            .and_then(Value::as_array)
            .map_or_else(Vec::new, |list| super::attachments::parse(list));
        let account = status.account;
        Some(NewItem {
            network: NETWORK.to_owned(),
            remote_id: self.remote_id(&status.id),
            account_id: Some(self.account_id),
            kind,
            author: NewAuthor {
                handle: self.handle(&account.acct),
                display_name: account.display_name.filter(|n| !n.trim().is_empty()),
                url: account.url,
                avatar_url: account.avatar_static.or(account.avatar),
                followers: account.followers_count,
            },
            content: Content::Html(html),
            created_at,
            parent_remote_id: status
                .in_reply_to_id
                .as_deref()
                .map(|id| self.remote_id(id)),
            // Never set: the core threads Mastodon items by their parent chains.
            root_remote_id: None,
            url: status.url.or(status.uri),
            lang: status.language.filter(|l| !l.is_empty()),
            attachments,
        })
    }

    fn kind(&self, status: &Status, rule: KindRule) -> ItemKind {
        // A direct status stays a DM wherever it was read: it is private.
        if status.visibility.as_deref() == Some("direct") {
            return ItemKind::Dm;
        }
        match rule {
            KindRule::Search => ItemKind::Post,
            _ if status.in_reply_to_id.is_some() => ItemKind::Reply,
            KindRule::Notification => ItemKind::Mention,
            KindRule::Infer if self.mentions_me(status) => ItemKind::Mention,
            KindRule::Infer => ItemKind::Post,
        }
    }

    fn mentions_me(&self, status: &Status) -> bool {
        let Some(me) = self.me.as_deref() else {
            return false;
        };
        status
            .mentions
            .iter()
            .flatten()
            .any(|m| m.id.as_deref() == Some(me))
    }

    /// Reads one status from JSON: `Err` when it lacks a required field,
    /// `Ok(None)` for a boost.
    pub fn status_value(&self, value: Value, rule: KindRule) -> Result<Option<NewItem>, Skipped> {
        let status: Status = serde_json::from_value(value).map_err(|_| Skipped)?;
        if status.reblog.is_some() {
            return Ok(None);
        }
        self.status(status, rule).map(Some).ok_or(Skipped)
    }

    /// One entry of `/api/v1/notifications` (or a `notification` stream event).
    pub fn notification(&self, value: Value) -> Entry {
        let page_id = str_field(&value, "id");
        let created_at = str_field(&value, "created_at").and_then(|t| parse_time(&t));
        let Value::Object(mut fields) = value else {
            return Entry::malformed(None, None);
        };
        if page_id.is_none() {
            return Entry::malformed(None, created_at);
        }
        // Only mentions are conversations; other types (follows, boosts,
        // favourites) are expected when a server ignores `types[]`.
        if fields.get("type").and_then(Value::as_str) != Some("mention") {
            return Entry::ignored(page_id, created_at);
        }
        match fields.remove("status") {
            Some(status @ Value::Object(_)) => {
                match self.status_value(status, KindRule::Notification) {
                    Ok(item) => Entry {
                        page_id,
                        created_at,
                        item,
                        malformed: false,
                    },
                    Err(Skipped) => Entry::malformed(page_id, created_at),
                }
            }
            // The status was deleted since (mastodon-mock keeps such
            // notifications; Mastodon removes them): nothing to read.
            Some(Value::Null) => Entry::ignored(page_id, created_at),
            _ => Entry::malformed(page_id, created_at),
        }
    }

    /// One entry of `/api/v1/conversations` (or a `conversation` stream
    /// event): its last status, as a DM. Pages by that status's id, as
    /// Mastodon pages conversations by `last_status_id`.
    pub fn conversation(&self, value: Value) -> Entry {
        let Value::Object(mut fields) = value else {
            return Entry::malformed(None, None);
        };
        let Some(status) = fields.remove("last_status").filter(Value::is_object) else {
            // A conversation whose statuses were all deleted: nothing to read.
            return Entry::ignored(None, None);
        };
        let page_id = str_field(&status, "id");
        let created_at = str_field(&status, "created_at").and_then(|t| parse_time(&t));
        match self.status_value(status, KindRule::Infer) {
            Ok(Some(mut item)) => {
                // Conversations hold direct statuses only; a server that says
                // otherwise still put it in the DM list.
                item.kind = ItemKind::Dm;
                Entry {
                    page_id,
                    created_at,
                    item: Some(item),
                    malformed: false,
                }
            }
            Ok(None) => Entry::ignored(page_id, created_at),
            Err(Skipped) => Entry::malformed(page_id, created_at),
        }
    }
}

/// An entry that lacked a required field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Skipped;

/// One entry of a feed page, read on its own.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    /// The id the feed pages by (the notification's, or the conversation's
    /// last status's).
    pub page_id: Option<String>,
    pub created_at: Option<i64>,
    pub item: Option<NewItem>,
    /// It lacked a required field and was skipped.
    pub malformed: bool,
}

impl Entry {
    fn malformed(page_id: Option<String>, created_at: Option<i64>) -> Self {
        Self {
            page_id,
            created_at,
            item: None,
            malformed: true,
        }
    }

    fn ignored(page_id: Option<String>, created_at: Option<i64>) -> Self {
        Self {
            page_id,
            created_at,
            item: None,
            malformed: false,
        }
    }
}

fn str_field(value: &Value, name: &str) -> Option<String> {
    value.get(name)?.as_str().map(str::to_owned)
}

/// A page body that must be a JSON array.
pub(super) fn parse_array(body: &[u8]) -> Result<Vec<Value>, String> {
    match crate::http::parse_json::<Value>(body)? {
        Value::Array(entries) => Ok(entries),
        other => Err(format!("expected a list, got {}", json_kind(&other))),
    }
}

pub(super) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// RFC 3339 → Unix ms.
pub(super) fn parse_time(text: &str) -> Option<i64> {
    let t =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Orders Mastodon ids: numeric strings (snowflakes) by value, others (some
/// compatible servers use fixed-width sortable strings) by text.
pub(super) fn cmp_ids(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if numeric(a) && numeric(b) {
        let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

/// The greater of two optional ids.
pub(super) fn newer(a: Option<String>, b: Option<&str>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) if cmp_ids(b, &a) == Ordering::Greater => Some(b.to_owned()),
        (Some(a), _) => Some(a),
        (None, b) => b.map(str::to_owned),
    }
}

/// The links of an HTTP `Link` header (RFC 8288): `(url, rel values)`.
pub(super) fn parse_link_header(header: &str) -> Vec<(String, Vec<String>)> {
    let mut links = Vec::new();
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            break;
        };
        let target = after[..end].trim().to_owned();
        let params_text = &after[end + 1..];
        // Parameters run until the next link (a `,` followed by `<`).
        let next = params_text.find('<').unwrap_or(params_text.len());
        let params = &params_text[..next];
        let mut rels = Vec::new();
        for param in params.split([';', ',']) {
            let Some((name, value)) = param.split_once('=') else {
                continue;
            };
            if name.trim().eq_ignore_ascii_case("rel") {
                let value = value.trim().trim_matches('"');
                rels.extend(value.split_whitespace().map(str::to_ascii_lowercase));
            }
        }
        links.push((target, rels));
        rest = &params_text[next..];
    }
    links
}

/// A query parameter of the `Link` header's link with relation `rel`
/// (e.g. `max_id` of `next`). Only the parameter is used, never the URL
/// itself, so a server cannot send us elsewhere.
pub(super) fn link_param(header: Option<&str>, rel: &str, param: &str) -> Option<String> {
    let (target, _) = parse_link_header(header?)
        .into_iter()
        .find(|(_, rels)| rels.iter().any(|r| r == rel))?;
    let url = url::Url::parse(&target).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == param)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}
