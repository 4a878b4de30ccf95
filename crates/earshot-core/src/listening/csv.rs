//! CSV export of any dashboard panel: a header row, UTF-8, RFC 4180 quoting
//! (fields holding a comma, a quote or a line break are quoted, quotes doubled,
//! lines end in CRLF).
//!
//! Text from networks is hostile: a text cell starting with `=`, `+`, `-`, `@`,
//! a tab or a carriage return would run as a formula in a spreadsheet, so it
//! gets a leading `'` (OWASP's advice on CSV injection). Numbers are written as
//! they are.

use serde::{Deserialize, Serialize};

use super::dashboard::{Dashboard, ListeningPanel};
use crate::error::{Error, Result};

/// The panels that export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum PanelKind {
    Volume,
    Sentiment,
    SentimentTrend,
    ShareOfVoice,
    TopAuthors,
    TopAuthorsByReach,
    Terms,
    Hashtags,
    Networks,
    Languages,
    Latest,
}

impl PanelKind {
    pub const ALL: [PanelKind; 11] = [
        Self::Volume,
        Self::Sentiment,
        Self::SentimentTrend,
        Self::ShareOfVoice,
        Self::TopAuthors,
        Self::TopAuthorsByReach,
        Self::Terms,
        Self::Hashtags,
        Self::Networks,
        Self::Languages,
        Self::Latest,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Volume => "volume",
            Self::Sentiment => "sentiment",
            Self::SentimentTrend => "sentiment-trend",
            Self::ShareOfVoice => "share-of-voice",
            Self::TopAuthors => "authors",
            Self::TopAuthorsByReach => "authors-by-reach",
            Self::Terms => "terms",
            Self::Hashtags => "hashtags",
            Self::Networks => "networks",
            Self::Languages => "languages",
            Self::Latest => "latest",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == text)
    }
}

enum Cell {
    Text(String),
    Int(i64),
    Num(Option<f64>),
}

fn field(cell: &Cell) -> String {
    let text = match cell {
        Cell::Int(n) => return n.to_string(),
        Cell::Num(Some(x)) => return format!("{x:.4}"),
        Cell::Num(None) => return String::new(),
        Cell::Text(t) => t,
    };
    let defused = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.clone(),
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

fn write(header: &[&str], rows: Vec<Vec<Cell>>) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for row in rows {
        let line: Vec<String> = row.iter().map(field).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn iso(ms: i64) -> Cell {
    Cell::Text(crate::clock::format_rfc3339_ms(ms))
}

fn t(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

/// Saves one panel of the requested dashboard as a CSV file in `dir` (the
/// reports' export folder), named after the panel, the query and the range.
pub fn save(
    ws: &crate::Workspace,
    req: &super::DashboardRequest,
    kind: PanelKind,
    query_id: Option<i64>,
    dir: &std::path::Path,
) -> Result<crate::reports::SavedExport> {
    let dashboard = super::dashboard(ws, req)?;
    let text = export(&dashboard, kind, query_id)?;
    let query = match query_id {
        Some(id) => super::get(ws, id)?.name,
        None => "all queries".into(),
    };
    let day = |ms: i64| {
        crate::clock::format_rfc3339_ms(ms)
            .get(..10)
            .unwrap_or_default()
            .to_owned()
    };
    // A name without the characters file systems refuse.
    let query: String = query
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " -_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!(
        "earshot-listening {} {} {} to {}",
        query.trim(),
        kind.name(),
        day(req.from),
        day(req.to - 1)
    );
    crate::reports::save_file(dir, &name, ".csv", &text)
}

/// One panel of a dashboard as CSV. `query_id` picks the query's panel (`None`:
/// the panel of all queries together, or the only one).
pub fn export(dashboard: &Dashboard, kind: PanelKind, query_id: Option<i64>) -> Result<String> {
    if kind == PanelKind::ShareOfVoice {
        return Ok(write(
            &["query_id", "query", "hits", "share"],
            dashboard
                .share_of_voice
                .iter()
                .map(|s| {
                    vec![
                        Cell::Int(s.query_id),
                        t(&s.name),
                        Cell::Int(s.hits),
                        Cell::Num(Some(s.share)),
                    ]
                })
                .collect(),
        ));
    }
    let panel: &ListeningPanel = match query_id {
        Some(id) => dashboard.panels.iter().find(|p| p.query_id == Some(id)),
        None => dashboard
            .panels
            .iter()
            .find(|p| p.query_id.is_none())
            .or(dashboard
                .panels
                .first()
                .filter(|_| dashboard.panels.len() == 1)),
    }
    .ok_or_else(|| Error::Invalid("the dashboard has no such panel to export".into()))?;
    Ok(match kind {
        PanelKind::Volume => write(
            &["bucket_start", "hits", "previous_period_hits"],
            panel
                .volume
                .iter()
                .map(|v| vec![iso(v.at), Cell::Int(v.hits), Cell::Int(v.previous)])
                .collect(),
        ),
        PanelKind::Sentiment => {
            let s = &panel.sentiment;
            write(
                &["sentiment", "hits"],
                [
                    ("negative", s.negative),
                    ("neutral", s.neutral),
                    ("positive", s.positive),
                    ("unknown", s.unknown),
                ]
                .into_iter()
                .map(|(k, n)| vec![t(k), Cell::Int(n)])
                .collect(),
            )
        }
        PanelKind::SentimentTrend => write(
            &["bucket_start", "negative", "neutral", "positive", "mean"],
            panel
                .sentiment_trend
                .iter()
                .map(|p| {
                    vec![
                        iso(p.at),
                        Cell::Int(p.negative),
                        Cell::Int(p.neutral),
                        Cell::Int(p.positive),
                        Cell::Num(p.mean),
                    ]
                })
                .collect(),
        ),
        PanelKind::TopAuthors | PanelKind::TopAuthorsByReach => write(
            &["network", "handle", "display_name", "followers", "hits"],
            if kind == PanelKind::TopAuthors {
                &panel.top_authors
            } else {
                &panel.top_authors_by_reach
            }
            .iter()
            .map(|a| {
                vec![
                    t(&a.network),
                    t(&a.handle),
                    t(a.display_name.as_deref().unwrap_or_default()),
                    a.followers.map_or(Cell::Num(None), Cell::Int),
                    Cell::Int(a.hits),
                ]
            })
            .collect(),
        ),
        PanelKind::Terms | PanelKind::Hashtags | PanelKind::Networks | PanelKind::Languages => {
            let (head, counts) = match kind {
                PanelKind::Terms => ("term", &panel.top_terms),
                PanelKind::Hashtags => ("hashtag", &panel.top_hashtags),
                PanelKind::Networks => ("network", &panel.networks),
                _ => ("language", &panel.languages),
            };
            write(
                &[head, "count"],
                counts
                    .iter()
                    .map(|c| vec![t(&c.key), Cell::Int(c.count)])
                    .collect(),
            )
        }
        PanelKind::Latest => write(
            &[
                "created_at",
                "network",
                "author",
                "author_name",
                "text",
                "sentiment",
                "url",
                "conversation_id",
                "item_id",
            ],
            panel
                .latest
                .iter()
                .map(|h| {
                    vec![
                        iso(h.created_at),
                        t(&h.network),
                        t(&h.author_handle),
                        t(h.author_name.as_deref().unwrap_or_default()),
                        t(&h.text),
                        Cell::Num(h.sentiment),
                        t(h.url.as_deref().unwrap_or_default()),
                        Cell::Int(h.conversation_id),
                        t(&h.item_id),
                    ]
                })
                .collect(),
        ),
        PanelKind::ShareOfVoice => unreachable!("handled above"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        assert_eq!(field(&t("plain")), "plain");
        assert_eq!(field(&t("a,b")), "\"a,b\"");
        assert_eq!(field(&t("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(field(&t("two\nlines")), "\"two\nlines\"");
        assert_eq!(field(&t("cr\r\nlf")), "\"cr\r\nlf\"");
        assert_eq!(field(&t("café ✓")), "café ✓", "UTF-8 as it is");
        assert_eq!(field(&Cell::Int(-3)), "-3", "numbers are not defused");
        assert_eq!(field(&Cell::Num(None)), "");
    }

    #[test]
    fn formulas_from_networks_are_defused() {
        assert_eq!(field(&t("=HYPERLINK(\"x\")")), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field(&t("+1")), "'+1");
        assert_eq!(field(&t("@cmd")), "'@cmd");
    }

    #[test]
    fn a_table_has_a_header_and_crlf_lines() {
        let csv = write(&["a", "b"], vec![vec![t("x,y"), Cell::Int(1)]]);
        assert_eq!(csv, "a,b\r\n\"x,y\",1\r\n");
    }
}
