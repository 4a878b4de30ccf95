//! RSS and Atom feeds as listening sources: a conditional GET (`If-None-Match`,
//! `If-Modified-Since`; a 304 is "nothing new") and a parser for RSS 2.0,
//! RSS 1.0 (RDF) and Atom 1.0 that turns entries into items of network `rss`.
//!
//! Feeds are hostile input: the body is capped ([`MAX_FEED_BYTES`]), so are
//! entries, fields and nesting; no DTD or external entity is ever read; an
//! unreadable feed is a clear [`ConnectorError::Malformed`], never a panic.

use std::borrow::Cow;

use earshot_core::connector::ConnectorError;
use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use earshot_core::listening::sources::{Fetched, Source};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;

use crate::http::{read_capped, Http};

/// The network of items from feeds.
pub const NETWORK: &str = "rss";
/// Largest feed read.
pub const MAX_FEED_BYTES: usize = 4 * 1024 * 1024;
/// Most entries taken from one feed (the newest come first in almost every feed).
pub const MAX_ENTRIES: usize = 500;
/// Longest text kept of one field (a title, a body).
const MAX_FIELD_BYTES: usize = 256 * 1024;
/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 64;

/// A feed's URL split into the server (named in errors) and the rest.
fn split_url(feed_url: &str) -> Result<(String, String), ConnectorError> {
    let url = url::Url::parse(feed_url).map_err(|e| ConnectorError::Refused {
        server: feed_url.chars().take(80).collect(),
        message: format!("not a feed address: {e}"),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConnectorError::Refused {
            server: url.origin().ascii_serialization(),
            message: "a feed address starts with https://".into(),
        });
    }
    let origin = url.origin().ascii_serialization();
    let rest = &url.as_str()[origin.len()..];
    Ok((origin, rest.to_owned()))
}

/// Fetches a feed, sending back the validators of the last fetch.
pub async fn fetch(source: &Source, now_ms: i64) -> Result<Fetched, ConnectorError> {
    let (origin, path) = split_url(&source.target)?;
    let http = Http::new(&origin)?;
    let mut request = http.get(&path);
    if let Some(etag) = &source.etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    if let Some(modified) = &source.last_modified {
        request = request.header(IF_MODIFIED_SINCE, modified);
    }
    let response = http
        .send_any(request)
        .await
        .map_err(|f| f.classify(NETWORK, &origin))?;
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
    if response.status() == StatusCode::NOT_MODIFIED {
        return Ok(Fetched {
            not_modified: true,
            ..Default::default()
        });
    }
    if !response.status().is_success() {
        return Err(http
            .failure(response, "feed")
            .await
            .0
            .classify(NETWORK, &origin));
    }
    let body = read_capped(response, MAX_FEED_BYTES)
        .await
        .map_err(|message| ConnectorError::Malformed {
            server: origin.clone(),
            what: "feed".into(),
            message,
        })?;
    let items =
        parse(&body, &source.target, now_ms).map_err(|message| ConnectorError::Malformed {
            server: origin.clone(),
            what: "feed".into(),
            message,
        })?;
    Ok(Fetched {
        items,
        not_modified: false,
        etag,
        last_modified,
        cursor: None,
    })
}

/// One entry as read.
#[derive(Default)]
struct Entry {
    id: Option<String>,
    title: Option<String>,
    link: Option<String>,
    summary: Option<String>,
    content: Option<String>,
    author: Option<String>,
    published: Option<String>,
    updated: Option<String>,
}

/// Which field text is gathered into.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Title,
    Link,
    Id,
    Summary,
    Content,
    Author,
    Published,
    Updated,
    FeedTitle,
    FeedLang,
}

fn field_of(name: &str, in_entry: bool, in_author: bool) -> Option<Field> {
    if in_author {
        return matches!(name, "name").then_some(Field::Author);
    }
    if !in_entry {
        return match name {
            "title" => Some(Field::FeedTitle),
            "language" => Some(Field::FeedLang),
            _ => None,
        };
    }
    Some(match name {
        "title" => Field::Title,
        "link" => Field::Link,
        "guid" | "id" => Field::Id,
        "description" | "summary" => Field::Summary,
        "encoded" | "content" => Field::Content,
        "creator" | "author" => Field::Author,
        "pubdate" | "published" | "issued" | "date" => Field::Published,
        "updated" | "modified" => Field::Updated,
        _ => return None,
    })
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_ascii_lowercase()
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        a.key
            .local_name()
            .as_ref()
            .eq_ignore_ascii_case(name)
            .then(|| a.normalized_value(XmlVersion::Implicit1_0).ok())
            .flatten()
            .map(Cow::into_owned)
    })
}

fn push_capped(buf: &mut String, text: &str) {
    if buf.len() + text.len() <= MAX_FIELD_BYTES {
        buf.push_str(text);
    } else {
        let mut end = MAX_FIELD_BYTES.saturating_sub(buf.len()).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        buf.push_str(&text[..end]);
    }
}

/// Parses an RSS or Atom document into items (newest entries first, at most
/// [`MAX_ENTRIES`]). `fetched_at` dates entries that carry no date.
pub fn parse(body: &[u8], feed_url: &str, fetched_at: i64) -> Result<Vec<NewItem>, String> {
    let text = String::from_utf8_lossy(body);
    // Not trim_text: it would also trim around entities ("a &amp; b" → "a&b").
    let mut reader = Reader::from_str(&text);
    let mut stack: Vec<String> = Vec::new();
    let mut root: Option<String> = None;
    let mut entries: Vec<Entry> = Vec::new();
    let mut entry: Option<Entry> = None;
    let mut entry_depth = 0;
    let mut author_depth: Option<usize> = None;
    // The field being gathered, the depth it started at, and its text.
    let mut gathering: Option<(Field, usize, String)> = None;
    let mut feed_title: Option<String> = None;
    let mut feed_lang: Option<String> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML near byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(e) => {
                let name = local(&e);
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("elements nest more than {MAX_DEPTH} deep"));
                }
                if root.is_none() {
                    if !matches!(name.as_str(), "rss" | "feed" | "rdf") {
                        return Err(format!(
                            "not an RSS or Atom feed (the document is <{}>)",
                            name.chars().take(40).collect::<String>()
                        ));
                    }
                    feed_lang = attr(&e, "lang");
                    root = Some(name.clone());
                }
                stack.push(name.clone());
                let depth = stack.len();
                if let Some((Field::Author, _, _)) = &gathering {
                    // Atom's <author><name>…</name><uri>…</uri></author>: the name only.
                    if name == "name" {
                        gathering = Some((Field::Author, depth, String::new()));
                    }
                    continue;
                }
                if gathering.is_some() {
                    continue;
                }
                if (name == "item" || name == "entry") && entry.is_none() {
                    if entries.len() >= MAX_ENTRIES {
                        break;
                    }
                    entry = Some(Entry::default());
                    entry_depth = depth;
                    continue;
                }
                if entry.is_some() && name == "author" && author_depth.is_none() {
                    // Atom's <author><name>; RSS's <author> holds text itself.
                    author_depth = Some(depth);
                }
                if name == "link" {
                    if let (Some(en), Some(href)) = (entry.as_mut(), attr(&e, "href")) {
                        take_link(en, &e, href);
                        continue;
                    }
                }
                let in_author = author_depth.is_some_and(|d| depth > d);
                if let Some(field) = field_of(&name, entry.is_some(), in_author) {
                    // Only the feed's own title, not an image's or a source's.
                    let top_level = depth <= 3 || entry.is_some();
                    if top_level {
                        gathering = Some((field, depth, String::new()));
                    }
                }
            }
            Event::Empty(e) => {
                let name = local(&e);
                if root.is_none() {
                    return Err(format!(
                        "not an RSS or Atom feed (the document is <{name}/>)"
                    ));
                }
                if name == "link" {
                    if let (Some(en), Some(href)) = (entry.as_mut(), attr(&e, "href")) {
                        take_link(en, &e, href);
                    }
                }
            }
            Event::Text(t) => {
                if let Some((_, _, buf)) = gathering.as_mut() {
                    push_capped(buf, &t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some((_, _, buf)) = gathering.as_mut() {
                    push_capped(buf, &t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, _, buf)) = gathering.as_mut() {
                    let name = r.xml10_content();
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => match name.as_ref() {
                            "amp" => "&".into(),
                            "lt" => "<".into(),
                            "gt" => ">".into(),
                            "quot" => "\"".into(),
                            "apos" => "'".into(),
                            // An HTML entity (&nbsp;) in a feed without a DTD: left for
                            // the HTML sanitiser, which knows them.
                            other => format!("&{other};"),
                        },
                    };
                    push_capped(buf, &resolved);
                }
            }
            Event::End(_) => {
                let depth = stack.len();
                stack.pop();
                if author_depth == Some(depth) {
                    author_depth = None;
                }
                if let Some((field, start, buf)) = gathering.take() {
                    if depth != start {
                        gathering = Some((field, start, buf));
                        continue;
                    }
                    let value = Some(buf.trim().to_owned()).filter(|v| !v.is_empty());
                    match (field, entry.as_mut()) {
                        (Field::FeedTitle, None) => feed_title = feed_title.or(value),
                        (Field::FeedLang, None) => feed_lang = feed_lang.or(value),
                        (f, Some(en)) => {
                            let slot = match f {
                                Field::Title => &mut en.title,
                                Field::Link => &mut en.link,
                                Field::Id => &mut en.id,
                                Field::Summary => &mut en.summary,
                                Field::Content => &mut en.content,
                                Field::Author => &mut en.author,
                                Field::Published => &mut en.published,
                                Field::Updated => &mut en.updated,
                                _ => continue,
                            };
                            if slot.is_none() {
                                *slot = value;
                            }
                        }
                        _ => {}
                    }
                    continue;
                }
                if entry.is_some() && depth == entry_depth {
                    entries.extend(entry.take());
                }
            }
            Event::DocType(_) => {
                // Never read: a DTD could declare entities (and external ones).
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if root.is_none() {
        return Err("not a feed: it is empty or holds no XML element".into());
    }
    let host = url::Url::parse(feed_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "feed".into());
    Ok(entries
        .into_iter()
        .filter_map(|e| {
            item_of(
                e,
                feed_url,
                &host,
                feed_title.as_deref(),
                feed_lang.as_deref(),
                fetched_at,
            )
        })
        .collect())
}

/// Atom's links: the `alternate` one (or one without `rel`) is the entry's page.
fn take_link(entry: &mut Entry, e: &BytesStart<'_>, href: String) {
    let rel = attr(e, "rel");
    if entry.link.is_none() && rel.as_deref().is_none_or(|r| r == "alternate") {
        entry.link = Some(href);
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// RFC 3339 (Atom, Dublin Core) or RFC 2822 (RSS) to Unix ms.
fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    earshot_core::clock::parse_rfc3339_ms(text).or_else(|| {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc2822)
            .ok()
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
    })
}

fn item_of(
    e: Entry,
    feed_url: &str,
    host: &str,
    feed_title: Option<&str>,
    lang: Option<&str>,
    fetched_at: i64,
) -> Option<NewItem> {
    let link = e.link.as_deref().and_then(|l| {
        url::Url::parse(feed_url)
            .and_then(|base| base.join(l.trim()))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(String::from)
    });
    let key =
        e.id.clone()
            .or_else(|| link.clone())
            .or_else(|| e.title.clone())?;
    let body = e.content.or(e.summary).unwrap_or_default();
    let html = match &e.title {
        Some(t) => format!("<p><strong>{}</strong></p>{body}", escape(t)),
        None => body,
    };
    // RSS's <author> is often "mail@example.com (Name)": keep the name.
    let author = e.author.map(|a| match (a.find('('), a.rfind(')')) {
        (Some(open), Some(close)) if close > open + 1 => a[open + 1..close].trim().to_owned(),
        _ => a,
    });
    let created_at = e
        .published
        .as_deref()
        .or(e.updated.as_deref())
        .and_then(parse_date)
        .unwrap_or(fetched_at);
    Some(NewItem {
        network: NETWORK.into(),
        remote_id: format!("{feed_url} {}", key.trim()),
        account_id: None,
        kind: ItemKind::Post,
        author: NewAuthor {
            handle: author.clone().unwrap_or_else(|| host.to_owned()),
            display_name: author.or_else(|| feed_title.map(str::to_owned)),
            url: None,
            avatar_url: None,
            followers: None,
        },
        content: Content::Html(html),
        created_at,
        parent_remote_id: None,
        root_remote_id: None,
        url: link,
        lang: lang.map(str::to_owned),
        attachments: Vec::new(),
    })
}

#[cfg(test)]
mod tests;
