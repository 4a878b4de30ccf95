//! `earshot-cli source …`: what listening reads without an account of its own
//! (RSS/Atom feeds, Hacker News, searches on Bluesky and Mastodon), and polling it.

use std::sync::Arc;

use clap::Subcommand;
use earshot_connectors::listening::PollContext;
use earshot_core::listening::sources::{self, PollReport, Source, SourceInput, SourceKind};
use earshot_core::{Error, Workspace};

use crate::output;

#[derive(Subcommand)]
pub enum SourceCommand {
    /// Add a source: `feed URL`, `hackernews TERMS`, `bluesky-search TERMS`,
    /// `mastodon-search TERMS` (or `#tag`)
    Add {
        #[arg(value_parser = parse_kind)]
        kind: SourceKind,
        target: String,
        #[arg(long)]
        name: Option<String>,
        /// Seconds between polls (at least 60) [default: 900]
        #[arg(long)]
        interval: Option<i64>,
    },
    /// Every source, with its state
    List,
    /// Remove a source (what it brought stays)
    Remove { id: i64 },
    /// Poll the sources that are due (or all, or one) once, and ingest what they bring
    Poll {
        /// Only this source
        id: Option<i64>,
        /// Poll even sources whose interval has not passed
        #[arg(long)]
        all: bool,
        /// Where Hacker News's search API lives
        #[arg(
            long,
            env = "EARSHOT_HACKERNEWS_BASE",
            default_value = earshot_connectors::hackernews::DEFAULT_BASE
        )]
        hackernews_base: String,
    },
}

fn parse_kind(text: &str) -> Result<SourceKind, String> {
    SourceKind::parse(text)
        .ok_or_else(|| "expected feed, hackernews, bluesky-search or mastodon-search".into())
}

fn print_sources(list: &[Source], json: bool) -> Result<(), Error> {
    if json {
        return output::json(&list);
    }
    if list.is_empty() {
        println!("No sources. Add one: earshot-cli source add feed https://example.com/feed.xml");
    }
    for s in list {
        let state = match &s.last_error {
            Some(e) => format!("failing ({}×): {e}", s.failures),
            None if s.last_polled_at.is_some() => "ok".into(),
            None => "not polled yet".into(),
        };
        println!(
            "{:>4}  {:<16} {}  every {} s, {} items, {state}",
            s.id,
            s.kind.as_str(),
            s.name.as_deref().unwrap_or(&s.target),
            s.interval_secs,
            s.items
        );
    }
    Ok(())
}

/// A connector per network for searches: the first signed-in account of each.
fn search_connectors(ws: &Workspace) -> Result<PollContext, Error> {
    let mut ctx = PollContext::default();
    for (account, connector) in crate::network::connectors(ws, None)? {
        ctx.search
            .entry(account.network.clone())
            .or_insert(connector);
    }
    Ok(ctx)
}

pub fn run(ws: &Workspace, cmd: SourceCommand, json: bool) -> Result<(), Error> {
    match cmd {
        SourceCommand::Add {
            kind,
            target,
            name,
            interval,
        } => {
            let s = sources::add(
                ws,
                &SourceInput {
                    kind,
                    target,
                    name,
                    interval_secs: interval,
                },
            )?;
            if json {
                return output::json(&s);
            }
            println!(
                "Added source {} ({} {}); `earshot-cli source poll` reads it.",
                s.id,
                s.kind.as_str(),
                s.target
            );
            Ok(())
        }
        SourceCommand::List => print_sources(&sources::list(ws)?, json),
        SourceCommand::Remove { id } => {
            sources::remove(ws, id)?;
            output::message(&format!("Removed source {id}."), json, None)
        }
        SourceCommand::Poll {
            id,
            all,
            hackernews_base,
        } => {
            let now = ws.now();
            let chosen: Vec<Source> = match id {
                Some(id) => vec![sources::get(ws, id)?],
                None if all => sources::list(ws)?
                    .into_iter()
                    .filter(|s| s.enabled)
                    .collect(),
                None => sources::due(ws, now)?,
            };
            let needs_accounts = chosen.iter().any(|s| {
                matches!(
                    s.kind,
                    SourceKind::BlueskySearch | SourceKind::MastodonSearch
                )
            });
            let mut ctx = if needs_accounts {
                search_connectors(ws)?
            } else {
                PollContext::default()
            };
            ctx.hackernews_base = hackernews_base;
            let ctx = Arc::new(ctx);
            let rt = crate::network::runtime()?;
            let mut reports: Vec<PollReport> = Vec::new();
            for source in &chosen {
                let fetched = rt
                    .block_on(earshot_connectors::listening::fetch(source, &ctx, now))
                    .map_err(|e| e.to_string());
                reports.push(sources::record_poll(ws, source, fetched)?);
            }
            if json {
                return output::json(&reports);
            }
            if reports.is_empty() {
                println!("No source is due.");
            }
            for r in &reports {
                match &r.error {
                    Some(e) => println!("source {}: failed: {e}", r.source_id),
                    None if r.not_modified => println!("source {}: not modified", r.source_id),
                    None => println!(
                        "source {}: {} items, {} new",
                        r.source_id, r.received, r.inserted
                    ),
                }
            }
            Ok(())
        }
    }
}
