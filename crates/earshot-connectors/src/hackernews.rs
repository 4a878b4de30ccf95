//! Hacker News as a listening source, through its public search API (Algolia's
//! `search_by_date`: newest first, stories and comments, no login). The base
//! URL is configurable so tests point it at a local server.
//!
//! Each poll asks only for what is newer than the newest item already seen
//! (the source's cursor, a Unix time in seconds).

use earshot_core::connector::ConnectorError;
use earshot_core::item::{Content, ItemKind, NewAuthor, NewItem};
use earshot_core::listening::sources::{Fetched, Source};
use serde::Deserialize;

use crate::http::Http;

/// The network of items from Hacker News.
pub const NETWORK: &str = "hackernews";
/// Algolia's public Hacker News search.
pub const DEFAULT_BASE: &str = "https://hn.algolia.com";
const PAGE_SIZE: &str = "100";

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    hits: Vec<Hit>,
}

#[derive(Debug, Deserialize)]
struct Hit {
    #[serde(rename = "objectID")]
    object_id: String,
    author: Option<String>,
    title: Option<String>,
    url: Option<String>,
    story_text: Option<String>,
    comment_text: Option<String>,
    created_at_i: Option<i64>,
    parent_id: Option<i64>,
    story_id: Option<i64>,
    #[serde(rename = "_tags", default)]
    tags: Vec<String>,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn item_of(hit: Hit) -> Option<NewItem> {
    let created_at = hit.created_at_i? * 1000;
    let is_comment = hit.tags.iter().any(|t| t == "comment") || hit.comment_text.is_some();
    let id = hit.object_id;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let html = if is_comment {
        hit.comment_text.unwrap_or_default()
    } else {
        let mut html = format!(
            "<p><strong>{}</strong></p>",
            escape(hit.title.as_deref().unwrap_or(""))
        );
        if let Some(u) = hit.url.as_deref().filter(|u| u.starts_with("http")) {
            html.push_str(&format!("<p><a href=\"{0}\">{0}</a></p>", escape(u)));
        }
        html.push_str(hit.story_text.as_deref().unwrap_or(""));
        html
    };
    let root = hit.story_id.map(|s| s.to_string()).filter(|s| *s != id);
    Some(NewItem {
        network: NETWORK.into(),
        remote_id: id.clone(),
        account_id: None,
        kind: if is_comment {
            ItemKind::Comment
        } else {
            ItemKind::Post
        },
        author: NewAuthor {
            handle: hit.author.clone().unwrap_or_else(|| "unknown".into()),
            display_name: None,
            url: hit
                .author
                .map(|a| format!("https://news.ycombinator.com/user?id={a}")),
            avatar_url: None,
            followers: None,
        },
        content: Content::Html(html),
        created_at,
        parent_remote_id: if is_comment {
            hit.parent_id.map(|p| p.to_string())
        } else {
            None
        },
        root_remote_id: if is_comment { root } else { None },
        url: Some(format!("https://news.ycombinator.com/item?id={id}")),
        lang: None,
        attachments: Vec::new(),
    })
}

/// Parses one page of search results.
pub fn parse(body: &[u8]) -> Result<(Vec<NewItem>, Option<i64>), String> {
    let page: Page = crate::http::parse_json(body)?;
    let newest = page.hits.iter().filter_map(|h| h.created_at_i).max();
    Ok((page.hits.into_iter().filter_map(item_of).collect(), newest))
}

/// Searches stories and comments newer than the source's cursor.
pub async fn search(base: &str, source: &Source) -> Result<Fetched, ConnectorError> {
    let http = Http::new(base)?;
    let mut params = vec![
        ("query", source.target.clone()),
        ("tags", "(story,comment)".to_owned()),
        ("hitsPerPage", PAGE_SIZE.to_owned()),
    ];
    if let Some(after) = source.cursor.as_deref().and_then(|c| c.parse::<i64>().ok()) {
        params.push(("numericFilters", format!("created_at_i>{after}")));
    }
    let request = http.get("/api/v1/search_by_date").query(&params);
    let response = http
        .send(request, "Hacker News search")
        .await
        .map_err(|f| f.classify(NETWORK, ""))?;
    let body = crate::http::read_capped(response, crate::http::MAX_BODY_BYTES)
        .await
        .map_err(|message| malformed(base, message))?;
    let (items, newest) = parse(&body).map_err(|message| malformed(base, message))?;
    let cursor = newest
        .max(source.cursor.as_deref().and_then(|c| c.parse().ok()))
        .map(|t| t.to_string());
    Ok(Fetched {
        items,
        not_modified: false,
        etag: None,
        last_modified: None,
        cursor,
    })
}

fn malformed(base: &str, message: String) -> ConnectorError {
    ConnectorError::Malformed {
        server: base.trim_end_matches('/').to_owned(),
        what: "Hacker News search".into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped as Algolia's documentation and live responses show it.
    const PAGE: &str = r#"{"hits":[
      {"objectID":"46000002","author":"pat","comment_text":"I moved to <i>Lumen</i> last year &amp; never looked back","created_at":"2026-11-23T08:01:00Z","created_at_i":1795420860,"parent_id":46000001,"story_id":46000001,"story_title":"Lumen 3.0","_tags":["comment","author_pat","story_46000001"]},
      {"objectID":"46000001","author":"sam","title":"Lumen 3.0 <released>","url":"https://lumen.example/3","story_text":null,"created_at_i":1795420800,"points":120,"num_comments":48,"_tags":["story","author_sam","story_46000001"]},
      {"objectID":"bad id","created_at_i":1},
      {"objectID":"46000003","author":"x"}
    ],"nbHits":2,"page":0,"hitsPerPage":100}"#;

    #[test]
    fn stories_and_comments() {
        let (items, newest) = parse(PAGE.as_bytes()).unwrap();
        assert_eq!(newest, Some(1_795_420_860));
        assert_eq!(items.len(), 2, "hits without an id or a time are skipped");
        let c = &items[0];
        assert_eq!(c.kind, ItemKind::Comment);
        assert_eq!(c.parent_remote_id.as_deref(), Some("46000001"));
        assert_eq!(
            c.root_remote_id.as_deref(),
            Some("46000001"),
            "threads by story"
        );
        assert_eq!(c.created_at, 1_795_420_860_000);
        assert_eq!(
            c.url.as_deref(),
            Some("https://news.ycombinator.com/item?id=46000002")
        );
        let s = &items[1];
        assert_eq!(s.kind, ItemKind::Post);
        assert!(s.parent_remote_id.is_none());
        match &s.content {
            Content::Html(h) => {
                assert!(
                    h.contains("Lumen 3.0 &lt;released&gt;"),
                    "titles are escaped: {h}"
                );
                assert!(h.contains("https://lumen.example/3"));
            }
            Content::Text(_) => panic!("stories are HTML"),
        }
    }

    #[test]
    fn bad_pages_are_clear_errors() {
        assert!(parse(b"{\"hits\":[").unwrap_err().contains("ends early"));
        assert!(parse(b"<html>").is_err());
        assert!(parse(b"{}").unwrap().0.is_empty(), "no hits is no items");
    }
}
