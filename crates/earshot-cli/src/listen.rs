//! `earshot-cli listen …`: listening queries, their retroactive runs, the
//! dashboard and CSV export of its panels.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use earshot_core::listening::csv::{export, PanelKind};
use earshot_core::listening::{
    self, spikes, Bucket, Dashboard, DashboardRequest, QueryInput, RunReport,
};
use earshot_core::{Error, Workspace};

use crate::output;

#[derive(Subcommand)]
pub enum ListenCommand {
    /// Save a query and match it over everything in the cache at once
    Add {
        name: String,
        /// e.g. `lumen OR "lumen notes" -job lang:en`
        query: String,
        /// Save it without matching new items
        #[arg(long)]
        disabled: bool,
    },
    /// Every query, with its hits
    List,
    /// Change a query's name, text or state; a new text is matched over the cache again
    Edit {
        /// Id or name
        query: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "query", value_name = "TEXT")]
        text: Option<String>,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
    },
    /// Delete a query and its hits
    Remove {
        /// Id or name
        query: String,
    },
    /// Match a query over everything in the cache again
    Run {
        /// Id or name
        query: String,
    },
    /// Check a query's syntax: where it is wrong and what was expected
    Check { query: String },
    /// Volume, sentiment, share of voice, top authors and terms, networks,
    /// languages, latest hits, spikes
    Dashboard {
        #[command(flatten)]
        range: RangeArgs,
    },
    /// One dashboard panel as CSV: volume, sentiment, sentiment-trend,
    /// share-of-voice, authors, authors-by-reach, terms, hashtags, networks,
    /// languages, latest
    Export {
        #[arg(value_parser = parse_panel)]
        panel: PanelKind,
        #[command(flatten)]
        range: RangeArgs,
        /// The panel of this one query (id or name) [default: all the chosen queries together]
        #[arg(long = "of", value_name = "QUERY")]
        of: Option<String>,
        /// Write to this file instead of standard output
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Whether spikes also become desktop notifications (shown by `sync --notify`
    /// and the app): `on`, `off`, or nothing to see the setting
    Notify {
        #[arg(value_parser = ["on", "off"])]
        state: Option<String>,
    },
}

#[derive(Args, Debug, Clone)]
pub struct RangeArgs {
    /// Queries (ids or names) [default: every enabled query]
    queries: Vec<String>,
    /// The last N days up to now
    #[arg(long, default_value_t = 30, conflicts_with_all = ["from", "to"])]
    days: i64,
    /// From this day (YYYY-MM-DD, UTC) or time (RFC 3339)
    #[arg(long, value_parser = parse_time)]
    from: Option<i64>,
    /// Until this day (exclusive) or time [default: now]
    #[arg(long, value_parser = parse_time)]
    to: Option<i64>,
    /// hour, day or week
    #[arg(long, default_value = "day", value_parser = parse_bucket)]
    bucket: Bucket,
    /// Rows in each top list
    #[arg(long, default_value_t = 10)]
    top: usize,
}

fn parse_panel(text: &str) -> Result<PanelKind, String> {
    PanelKind::parse(text).ok_or_else(|| {
        let names: Vec<&str> = PanelKind::ALL.iter().map(|k| k.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

fn parse_bucket(text: &str) -> Result<Bucket, String> {
    Bucket::parse(text).ok_or_else(|| "expected hour, day or week".into())
}

fn parse_time(text: &str) -> Result<i64, String> {
    earshot_core::clock::parse_rfc3339_ms(text)
        .or_else(|| earshot_core::clock::parse_rfc3339_ms(&format!("{text}T00:00:00Z")))
        .ok_or_else(|| "expected a day (2026-11-01) or a time (2026-11-01T09:00:00Z)".into())
}

fn progress(json: bool) -> impl FnMut(listening::RunProgress) {
    let mut last = std::time::Instant::now();
    move |p| {
        if !json && last.elapsed().as_millis() > 500 {
            eprintln!("  {} of {} items looked at", p.done, p.total);
            last = std::time::Instant::now();
        }
    }
}

fn print_run(r: &RunReport, json: bool) -> Result<(), Error> {
    if json {
        return output::json(r);
    }
    println!(
        "matched {} items ({} looked at{}) in {} ms",
        r.hits,
        r.scanned,
        if r.used_index {
            " through the search index"
        } else {
            ", every item"
        },
        r.elapsed_ms
    );
    Ok(())
}

fn print_queries(list: &[listening::ListeningQuery], json: bool) -> Result<(), Error> {
    if json {
        return output::json(&list);
    }
    if list.is_empty() {
        println!("No listening queries. Add one: earshot-cli listen add NAME QUERY");
    }
    for q in list {
        println!(
            "{:>4}  {:<24} {:>8} hits  {}{}",
            q.id,
            q.name,
            q.hits,
            q.query,
            if q.enabled { "" } else { "  (disabled)" }
        );
    }
    Ok(())
}

fn dashboard_of(ws: &Workspace, range: &RangeArgs) -> Result<Dashboard, Error> {
    let query_ids = range
        .queries
        .iter()
        .map(|q| listening::find(ws, q).map(|q| q.id))
        .collect::<Result<_, _>>()?;
    let to = range.to.unwrap_or_else(|| ws.now());
    let from = range.from.unwrap_or(to - range.days * 86_400_000);
    listening::dashboard(
        ws,
        &DashboardRequest {
            query_ids,
            from,
            to,
            bucket: range.bucket,
            top: range.top,
            ..Default::default()
        },
    )
}

pub fn run(ws: &Workspace, cmd: ListenCommand, json: bool) -> Result<(), Error> {
    match cmd {
        ListenCommand::Add {
            name,
            query,
            disabled,
        } => {
            let input = QueryInput {
                name,
                query,
                enabled: !disabled,
            };
            let (q, report) = listening::create(ws, &input, progress(json))?;
            if json {
                return output::json(&serde_json::json!({ "query": q, "run": report }));
            }
            println!("Added query {} \"{}\".", q.id, q.name);
            print_run(&report, false)
        }
        ListenCommand::List => print_queries(&listening::list(ws)?, json),
        ListenCommand::Edit {
            query,
            name,
            text,
            enable,
            disable,
        } => {
            let q = listening::find(ws, &query)?;
            let input = QueryInput {
                name: name.unwrap_or(q.name),
                query: text.unwrap_or(q.query),
                enabled: if enable {
                    true
                } else if disable {
                    false
                } else {
                    q.enabled
                },
            };
            let (q, report) = listening::update(ws, q.id, &input, progress(json))?;
            if json {
                return output::json(&serde_json::json!({ "query": q, "run": report }));
            }
            println!("Saved query {} \"{}\".", q.id, q.name);
            match report {
                Some(r) => print_run(&r, false),
                None => Ok(()),
            }
        }
        ListenCommand::Remove { query } => {
            let q = listening::find(ws, &query)?;
            listening::delete(ws, q.id)?;
            output::message(
                &format!("Removed query {} \"{}\".", q.id, q.name),
                json,
                None,
            )
        }
        ListenCommand::Run { query } => {
            let q = listening::find(ws, &query)?;
            print_run(&listening::run(ws, q.id, progress(json))?, json)
        }
        ListenCommand::Check { query } => match listening::check(&query) {
            Ok(()) => output::message("The query is fine.", json, None),
            Err(e) => {
                if json {
                    output::json(&serde_json::json!({ "ok": false, "error": e }))?;
                } else {
                    let caret: String = " ".repeat(e.position);
                    eprintln!("{query}\n{caret}{}", "^".repeat(e.length.max(1)));
                }
                Err(Error::Invalid(e.to_string()))
            }
        },
        ListenCommand::Dashboard { range } => {
            let d = dashboard_of(ws, &range)?;
            if json {
                return output::json(&d);
            }
            print_dashboard(&d);
            Ok(())
        }
        ListenCommand::Export {
            panel,
            range,
            of,
            out,
        } => {
            let d = dashboard_of(ws, &range)?;
            let id = of
                .map(|q| listening::find(ws, &q).map(|q| q.id))
                .transpose()?;
            let csv = export(&d, panel, id)?;
            match out {
                Some(path) => std::fs::write(&path, csv)
                    .map_err(|e| Error::io(format!("cannot write {}", path.display()), e)),
                None => std::io::stdout()
                    .write_all(csv.as_bytes())
                    .map_err(|e| Error::io("cannot write the CSV", e)),
            }
        }
        ListenCommand::Notify { state } => {
            if let Some(state) = state {
                spikes::set_notify(ws, state == "on")?;
            }
            let on = spikes::notify(ws)?;
            if json {
                return output::json(&serde_json::json!({ "notifySpikes": on }));
            }
            println!(
                "Spikes {} desktop notifications.",
                if on { "become" } else { "do not become" }
            );
            Ok(())
        }
    }
}

fn print_dashboard(d: &Dashboard) {
    let day = |ms: i64| earshot_core::clock::format_rfc3339_ms(ms);
    println!("From {} to {}", day(d.from), day(d.to));
    for s in &d.spikes {
        println!("! {}", s.message());
    }
    if d.share_of_voice.len() > 1 {
        println!("\nShare of voice");
        for s in &d.share_of_voice {
            println!(
                "  {:<24} {:>8} hits  {:>5.1} %",
                s.name,
                s.hits,
                s.share * 100.0
            );
        }
    }
    for p in &d.panels {
        let change = if p.previous_total > 0 {
            format!(
                "{:+.0} %",
                (p.total as f64 / p.previous_total as f64 - 1.0) * 100.0
            )
        } else {
            "new".into()
        };
        println!(
            "\n{} — {} hits ({} the period before: {change})",
            p.name, p.total, p.previous_total
        );
        let peak = p.volume.iter().map(|v| v.hits).max().unwrap_or(0).max(1);
        for v in &p.volume {
            let bar = "#".repeat(((v.hits * 40) / peak) as usize);
            println!("  {}  {:>6}  {bar}", day(v.at), v.hits);
        }
        let s = &p.sentiment;
        println!(
            "  sentiment: {} negative, {} neutral, {} positive, {} unscored",
            s.negative, s.neutral, s.positive, s.unknown
        );
        let list = |label: &str, items: Vec<String>| {
            if !items.is_empty() {
                println!("  {label}: {}", items.join(", "));
            }
        };
        list(
            "top authors",
            p.top_authors
                .iter()
                .map(|a| format!("{} ({})", a.handle, a.hits))
                .collect(),
        );
        list(
            "by reach",
            p.top_authors_by_reach
                .iter()
                .map(|a| format!("{} ({} followers)", a.handle, a.followers.unwrap_or(0)))
                .collect(),
        );
        let counts = |c: &[listening::dashboard::KeyCount]| {
            c.iter()
                .map(|c| format!("{} ({})", c.key, c.count))
                .collect()
        };
        list("terms", counts(&p.top_terms));
        list("hashtags", counts(&p.top_hashtags));
        list("networks", counts(&p.networks));
        list("languages", counts(&p.languages));
        for h in p.latest.iter().take(5) {
            let text: String = h.text.chars().take(80).collect();
            println!(
                "  {}  {}  {}: {text}  (conversation {})",
                day(h.created_at),
                h.network,
                h.author_handle,
                h.conversation_id
            );
        }
    }
}
