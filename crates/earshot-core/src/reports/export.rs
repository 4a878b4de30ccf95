//! A report as files a manager can send on: CSV tables that open in a
//! spreadsheet (UTF-8 with a byte-order mark, a header row, RFC 4180 quoting,
//! CRLF line ends) and one printable HTML page (inline CSS, no scripts, every
//! text escaped).

use std::io::Write;

use rusqlite::params;

use super::{elapsed, Figures, Report, ReportQuery, ScopeFigures};
use crate::error::{Error, Result};
use crate::Workspace;

/// Excel reads a CSV file as UTF-8 only when it starts with the byte-order mark.
const BOM: &str = "\u{feff}";

/// One CSV field: quoted when it holds a comma, a quote, a line break or
/// leading/trailing space, with quotes doubled (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r'])
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace)
    {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// One CSV record, CRLF-terminated.
pub fn csv_record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = String::from(BOM);
    out.push_str(&csv_record(header));
    for row in rows {
        out.push_str(&csv_record(&row));
    }
    out
}

fn opt_i(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn opt_f(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}")).unwrap_or_default()
}

/// Unix ms as `2026-11-02T09:00:00Z` (what spreadsheets parse as a time).
fn iso(ms: i64) -> String {
    crate::clock::format_rfc3339_ms(ms)
}

fn day(ms: i64) -> String {
    iso(ms).chars().take(10).collect()
}

fn figures_row(scope: &ScopeFigures, period: &str, f: &Figures) -> Vec<String> {
    vec![
        format!("{:?}", scope.kind).to_lowercase(),
        scope.label.clone(),
        period.to_owned(),
        f.received.to_string(),
        f.replies_sent.to_string(),
        f.conversations.to_string(),
        f.responded.to_string(),
        opt_f(f.response_rate, 4),
        opt_i(f.first_response_median_ms.map(|v| v / 1000)),
        opt_i(f.first_response_p90_ms.map(|v| v / 1000)),
        f.done.to_string(),
        opt_i(f.time_to_done_median_ms.map(|v| v / 1000)),
        opt_i(f.time_to_done_p90_ms.map(|v| v / 1000)),
        opt_f(f.sentiment_mean, 3),
        f.positive.to_string(),
        f.neutral.to_string(),
        f.negative.to_string(),
    ]
}

/// Every table of the report as `(file name, CSV text)`: `summary.csv`,
/// `sentiment.csv`, `tags.csv`, `advocates.csv`, and `share_of_voice.csv` when
/// there are listening queries. Times are in seconds.
pub fn csv_tables(r: &Report) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rows = Vec::new();
    for s in std::iter::once(&r.overall)
        .chain(&r.by_network)
        .chain(&r.by_account)
    {
        rows.push(figures_row(s, "current", &s.current));
        rows.push(figures_row(s, "previous", &s.previous));
    }
    out.push((
        "summary.csv".to_owned(),
        table(
            &[
                "scope",
                "name",
                "period",
                "received",
                "replies sent",
                "conversations",
                "responded",
                "response rate",
                "first response median (s)",
                "first response p90 (s)",
                "done",
                "time to done median (s)",
                "time to done p90 (s)",
                "sentiment mean",
                "positive",
                "neutral",
                "negative",
            ],
            rows,
        ),
    ));
    out.push((
        "sentiment.csv".to_owned(),
        table(
            &["start", "items", "positive", "neutral", "negative", "mean"],
            r.sentiment_trend
                .iter()
                .map(|p| {
                    vec![
                        iso(p.start),
                        p.items.to_string(),
                        p.positive.to_string(),
                        p.neutral.to_string(),
                        p.negative.to_string(),
                        opt_f(p.mean, 3),
                    ]
                })
                .collect(),
        ),
    ));
    out.push((
        "tags.csv".to_owned(),
        table(
            &["tag", "conversations", "previous period"],
            r.tags
                .iter()
                .map(|t| vec![t.tag.clone(), t.current.to_string(), t.previous.to_string()])
                .collect(),
        ),
    ));
    out.push((
        "advocates.csv".to_owned(),
        table(
            &[
                "rank", "name", "handles", "tags", "praise", "answers", "shares", "score", "why",
            ],
            r.advocates
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    vec![
                        (i + 1).to_string(),
                        a.name.clone(),
                        a.handles.join(" "),
                        a.tags.join(" "),
                        a.praise.to_string(),
                        a.answers.to_string(),
                        a.shares.to_string(),
                        a.score.to_string(),
                        a.reasons.join("; "),
                    ]
                })
                .collect(),
        ),
    ));
    if let Some(sov) = &r.share_of_voice {
        out.push((
            "share_of_voice.csv".to_owned(),
            table(
                &["query", "hits", "share", "previous hits", "previous share"],
                sov.iter()
                    .map(|v| {
                        vec![
                            v.name.clone(),
                            v.hits.to_string(),
                            opt_f(v.share, 4),
                            v.previous_hits.to_string(),
                            opt_f(v.previous_share, 4),
                        ]
                    })
                    .collect(),
            ),
        ));
    }
    out
}

/// Writes every CSV table of the report into `dir`; returns the paths written.
pub fn write_csv_dir(r: &Report, dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let mut written = Vec::new();
    for (name, text) in csv_tables(r) {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        written.push(path);
    }
    Ok(written)
}

/// The period's conversations, one row each, with the first incoming post's
/// text (the table where quoting matters most), streamed to `out`.
pub fn write_conversations_csv(
    ws: &Workspace,
    q: &ReportQuery,
    out: &mut dyn Write,
) -> Result<usize> {
    let hours = if q.around_the_clock {
        None
    } else {
        match &q.business_hours {
            Some(h) => Some(h.clone()),
            None => ws.store().read(super::business_hours)?,
        }
    };
    let io = |e: std::io::Error| Error::io("cannot write the conversations table", e);
    out.write_all(BOM.as_bytes()).map_err(io)?;
    out.write_all(
        csv_record(&[
            "conversation",
            "network",
            "account",
            "author",
            "first message at",
            "first response at",
            "first response (s)",
            "state",
            "tags",
            "first message",
        ])
        .as_bytes(),
    )
    .map_err(io)?;
    ws.store().read(|c| -> Result<usize> {
        let mut stmt = c.prepare(
            "SELECT c.id, c.network, acc.handle, a.handle, c.first_incoming_at, c.first_response_at,
                    c.state,
                    (SELECT group_concat(tag, ' ') FROM conversation_tags t WHERE t.conversation_id = c.id),
                    (SELECT i.text FROM items i WHERE i.conversation_id = c.id AND i.from_us = 0
                     ORDER BY i.created_at LIMIT 1)
             FROM conversations c
             LEFT JOIN accounts acc ON acc.id = c.account_id
             LEFT JOIN items p ON p.id = c.last_incoming_item_id
             LEFT JOIN authors a ON a.id = p.author_id
             WHERE c.first_incoming_at >= ?1 AND c.first_incoming_at < ?2
               AND (?3 IS NULL OR c.account_id = ?3) AND (?4 IS NULL OR c.network = ?4)
             ORDER BY c.first_incoming_at, c.id",
        )?;
        let mut rows = stmt.query(params![q.from, q.to, q.account_id, q.network])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let first_in: i64 = r.get(4)?;
            let response: Option<i64> = r.get(5)?;
            let record = csv_record(&[
                r.get::<_, i64>(0)?.to_string(),
                r.get(1)?,
                r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                iso(first_in),
                response.map(iso).unwrap_or_default(),
                response
                    .map(|t| (elapsed(hours.as_ref(), first_in, t) / 1000).to_string())
                    .unwrap_or_default(),
                r.get(6)?,
                r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            ]);
            out.write_all(record.as_bytes()).map_err(io)?;
            n += 1;
        }
        Ok(n)
    })
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A duration as a person reads it: `45 s`, `12 min`, `3.5 h`, `2.1 d`.
pub fn duration(ms: Option<i64>) -> String {
    let Some(ms) = ms else {
        return "–".into();
    };
    let s = ms as f64 / 1000.0;
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 90.0 * 60.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 48.0 * 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}

fn percent(v: Option<f64>) -> String {
    v.map(|v| format!("{:.0} %", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// "▲ 12 %" / "▼ 3 %" / "=": the change against the previous period.
fn change(now: f64, before: f64) -> String {
    if before == 0.0 {
        return if now == 0.0 { "=".into() } else { "new".into() };
    }
    let d = (now - before) / before * 100.0;
    if d.abs() < 0.5 {
        "=".into()
    } else if d > 0.0 {
        format!("▲ {d:.0} %")
    } else {
        format!("▼ {:.0} %", -d)
    }
}

fn change_opt<T: Into<f64> + Copy>(now: Option<T>, before: Option<T>) -> String {
    match (now, before) {
        (Some(n), Some(b)) => change(n.into(), b.into()),
        _ => String::new(),
    }
}

fn ms_f(v: Option<i64>) -> Option<f64> {
    v.map(|v| v as f64)
}

const STYLE: &str = "
body{font:13px/1.4 system-ui,sans-serif;color:#1d2430;margin:24px auto;max-width:760px}
h1{font-size:20px;margin:0 0 2px}h2{font-size:14px;margin:18px 0 6px;border-bottom:1px solid #ccd;padding-bottom:2px}
.sub{color:#5a6473;margin:0 0 12px}
table{border-collapse:collapse;width:100%}th,td{padding:3px 6px;text-align:right;border-bottom:1px solid #eef}
th:first-child,td:first-child{text-align:left}th{font-weight:600;color:#3a4453}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:8px}
.kpi{border:1px solid #dde;border-radius:6px;padding:8px}.kpi b{display:block;font-size:18px}
.kpi span{color:#5a6473;font-size:11px}
.bar{display:inline-block;height:8px;vertical-align:middle}
.pos{background:#2f9e5b}.neu{background:#b8bec8}.neg{background:#d2473c}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
@media print{body{margin:0;max-width:none;font-size:11px}h2{break-after:avoid}table{break-inside:avoid}}
";

/// The report as one self-contained, printable HTML page: inline CSS, no
/// scripts, no external resources, every piece of text escaped.
pub fn html(r: &Report, title: &str) -> String {
    let e = escape_html;
    let o = &r.overall;
    let (c, p) = (&o.current, &o.previous);
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
    );
    s.push_str(&format!(
        "<title>{}</title><style>{STYLE}</style></head><body>",
        e(title)
    ));
    s.push_str(&format!("<h1>{}</h1>", e(title)));
    let mut scope = Vec::new();
    if let Some(n) = &r.network {
        scope.push(format!("network {n}"));
    }
    if let Some(a) = r.account_id {
        let label = r
            .by_account
            .iter()
            .find(|s| s.account_id == Some(a))
            .map_or_else(|| format!("account {a}"), |s| s.label.clone());
        scope.push(label);
    }
    s.push_str(&format!(
        "<p class=\"sub\">{} to {} ({}), compared with {} to {}. Times in {}.</p>",
        e(&day(r.from)),
        e(&day(r.to - 1)),
        e(&if scope.is_empty() {
            "all accounts".to_owned()
        } else {
            scope.join(", ")
        }),
        e(&day(r.previous_from)),
        e(&day(r.previous_to - 1)),
        e(&r.business_hours.as_ref().map_or_else(
            || "hours around the clock".to_owned(),
            |h| format!("business hours, {}", h.describe())
        )),
    ));
    s.push_str("<div class=\"kpis\">");
    for (label, value, delta) in [
        (
            "received",
            c.received.to_string(),
            change(c.received as f64, p.received as f64),
        ),
        (
            "response rate",
            percent(c.response_rate),
            change_opt(c.response_rate, p.response_rate),
        ),
        (
            "first response, median",
            duration(c.first_response_median_ms),
            change_opt(
                ms_f(c.first_response_median_ms),
                ms_f(p.first_response_median_ms),
            ),
        ),
        (
            "time to done, median",
            duration(c.time_to_done_median_ms),
            change_opt(
                ms_f(c.time_to_done_median_ms),
                ms_f(p.time_to_done_median_ms),
            ),
        ),
    ] {
        s.push_str(&format!(
            "<div class=\"kpi\"><span>{}</span><b>{}</b><span>{} vs previous</span></div>",
            e(label),
            e(&value),
            e(&delta)
        ));
    }
    s.push_str("</div>");

    s.push_str("<h2>By network and account</h2><table><tr><th></th><th>received</th><th>conversations</th><th>response rate</th><th>first response median / p90</th><th>time to done median</th><th>sentiment</th></tr>");
    for sc in std::iter::once(&r.overall)
        .chain(&r.by_network)
        .chain(&r.by_account)
    {
        let f = &sc.current;
        s.push_str(&format!(
            "<tr><td>{}</td><td>{} <small>({})</small></td><td>{}</td><td>{} <small>({})</small></td><td>{} / {}</td><td>{}</td><td>{}</td></tr>",
            e(&sc.label),
            f.received,
            e(&change(f.received as f64, sc.previous.received as f64)),
            f.conversations,
            e(&percent(f.response_rate)),
            e(&percent(sc.previous.response_rate)),
            e(&duration(f.first_response_median_ms)),
            e(&duration(f.first_response_p90_ms)),
            e(&duration(f.time_to_done_median_ms)),
            e(&f.sentiment_mean.map_or_else(|| "–".into(), |m| format!("{m:+.2}"))),
        ));
    }
    s.push_str("</table>");

    s.push_str("<h2>Sentiment of incoming items</h2><table><tr><th>from</th><th>items</th><th>positive / neutral / negative</th><th>mean</th></tr>");
    let widest = r
        .sentiment_trend
        .iter()
        .map(|p| p.items)
        .max()
        .unwrap_or(0)
        .max(1);
    for pt in &r.sentiment_trend {
        let w = |n: i64| n * 240 / widest;
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><span class=\"bar pos\" style=\"width:{}px\"></span><span class=\"bar neu\" style=\"width:{}px\"></span><span class=\"bar neg\" style=\"width:{}px\"></span></td><td>{}</td></tr>",
            e(&day(pt.start)),
            pt.items,
            w(pt.positive),
            w(pt.neutral),
            w(pt.negative),
            e(&pt.mean.map_or_else(|| "–".into(), |m| format!("{m:+.2}"))),
        ));
    }
    s.push_str("</table><div class=\"cols\"><div>");

    s.push_str(
        "<h2>Conversations by tag</h2><table><tr><th>tag</th><th>now</th><th>before</th></tr>",
    );
    for t in r.tags.iter().take(15) {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&t.tag),
            t.current,
            t.previous
        ));
    }
    s.push_str("</table>");
    if let Some(sov) = &r.share_of_voice {
        s.push_str("<h2>Share of voice (listening)</h2><table><tr><th>query</th><th>hits</th><th>share</th><th>before</th></tr>");
        for v in sov {
            s.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&v.name),
                v.hits,
                e(&percent(v.share)),
                e(&percent(v.previous_share))
            ));
        }
        s.push_str("</table>");
    }
    s.push_str("</div><div><h2>Top advocates</h2><table><tr><th>person</th><th>why</th></tr>");
    for a in &r.advocates {
        s.push_str(&format!(
            "<tr><td>{}<br><small>{}</small></td><td>{}</td></tr>",
            e(&a.name),
            e(&a.handles.join(" ")),
            e(&a.reasons.join("; "))
        ));
    }
    s.push_str("</table></div></div>");
    s.push_str(&format!(
        "<p class=\"sub\">Made by Earshot on {} from the local, encrypted cache.</p></body></html>\n",
        e(&iso(r.generated_at))
    ));
    s
}
