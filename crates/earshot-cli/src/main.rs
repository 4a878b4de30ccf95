//! `earshot-cli`: Earshot's core from a terminal.
//!
//! The same workspace the desktop app opens, for scripting, headless use,
//! imports, exports and benchmarks. Every command takes `--data-dir` (or
//! `EARSHOT_DATA_DIR`) and `--json`.

/// mimalloc, for the Rust side (SQLite keeps the C library's `malloc`). Ingest
/// makes many small, short-lived allocations on three threads, and glibc's
/// allocator took ~11% of its CPU, SQLite's allocations included. At 1M items,
/// in runs alternating with the build before: 40,428-40,860 items/s and
/// 39.6-40.3 µs of CPU per item, against 36,803-37,521 and 44.0-45.4
/// (BENCHMARKS.md, eighth round). The desktop app keeps glibc's: with mimalloc
/// its process held 15-19 MiB more when idle, over its memory target, and its
/// ingest is mostly a sync's few items at a time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod bench_inbox;
mod bench_listen;
mod bench_listen_window;
mod bench_mentions;
mod bench_report;
mod bench_window;
mod contacts;
mod listen;
mod network;
mod output;
mod reports;
mod source;
mod views;

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use earshot_core::inbox::{InboxFilter, Snooze, TriageState};
use earshot_core::search::{SearchOptions, SearchOrder};
use earshot_core::vault::KeyringVault;
use earshot_core::{Error, Workspace};

#[derive(Parser)]
#[command(
    name = "earshot-cli",
    version,
    about = "Earshot from a terminal: the same encrypted workspace as the app"
)]
struct Cli {
    /// The workspace's data directory [default: the OS's data directory, e.g. ~/.local/share/earshot]
    #[arg(long, global = true, env = "EARSHOT_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print JSON instead of tables
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Where the workspace is, that it is encrypted, and what it holds
    Status,
    /// Load the demo workspace's sample conversations into this workspace
    Demo,
    /// Import items from a JSON-lines file ("-" for standard input), through the real ingest path
    Import { file: PathBuf },
    /// List conversations, newest activity first
    Inbox {
        #[command(flatten)]
        filter: views::FilterArgs,
        /// Start from a saved view's filters (the flags given narrow it further)
        #[arg(long, value_name = "NAME")]
        view: Option<String>,
        #[arg(long, default_value_t = 30)]
        limit: u32,
        /// Continue from a previous page's cursor
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Saved views: named sets of inbox filters, the same the app lists
    View {
        #[command(subcommand)]
        what: views::ViewCommand,
    },
    /// Show one conversation with its whole thread
    Thread {
        id: i64,
        /// Also mark it read
        #[arg(long)]
        read: bool,
    },
    /// Full-text search, e.g. `refund "charged twice" from:maria network:mastodon after:2026-11-01`
    Search {
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Rank by relevance instead of newest first
        #[arg(long)]
        relevance: bool,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Change a conversation's triage state, tags, saved flag, priority or snooze
    Triage {
        id: i64,
        #[arg(long, value_parser = views::parse_state)]
        state: Option<TriageState>,
        /// Add a tag (repeatable)
        #[arg(long)]
        tag: Vec<String>,
        /// Remove a tag (repeatable)
        #[arg(long)]
        untag: Vec<String>,
        #[arg(long, conflicts_with = "unsave")]
        save: bool,
        #[arg(long)]
        unsave: bool,
        /// Snooze for a while (30m, 4h, 2d), until a time (RFC 3339), or until the next reply ("reply"); "4h+reply" does both
        #[arg(long, value_name = "WHEN")]
        snooze: Option<String>,
        /// 0 low, 1 normal, 2 high, 3 urgent
        #[arg(long, value_parser = clap::value_parser!(u8).range(0..=3))]
        priority: Option<u8>,
        /// Mark read
        #[arg(long)]
        read: bool,
    },
    /// Sign in to networks, list and remove accounts
    Account {
        #[command(subcommand)]
        what: network::AccountCommand,
    },
    /// Bring in new mentions, replies and messages from every signed-in account
    /// and send queued replies; keeps running (streaming where the network can)
    /// until Ctrl-C unless --once
    Sync {
        /// Only this account
        #[arg(long)]
        account: Option<i64>,
        /// Sync once and exit
        #[arg(long)]
        once: bool,
        /// Seconds between polls of accounts that cannot stream
        #[arg(long, default_value_t = 60)]
        interval: u64,
        #[command(flatten)]
        notify: network::NotifyArgs,
    },
    /// Reply to a conversation (its newest incoming message); the text is read from
    /// stdin, or filled from a saved reply
    Reply {
        conversation: i64,
        /// Send as this account (same network) instead of the one it arrived on
        #[arg(long = "as", value_name = "ACCOUNT")]
        account: Option<i64>,
        /// Start from this saved reply instead of reading stdin
        #[arg(long, value_name = "NAME")]
        template: Option<String>,
        /// An answer to one of the saved reply's questions: "Order number=A-1042" (repeatable)
        #[arg(long, value_name = "QUESTION=ANSWER")]
        answer: Vec<String>,
        /// Only queue it; the next `sync` sends it
        #[arg(long)]
        queue_only: bool,
    },
    /// Saved replies: templates with {author.name}, {author.handle}, {my.name},
    /// {my.handle} and asked-for {?Question} placeholders
    SavedReply {
        #[command(subcommand)]
        what: network::SavedReplyCommand,
    },
    /// Show a conversation's draft, or set it from stdin with --set ("" clears it)
    Draft {
        conversation: i64,
        #[arg(long)]
        set: bool,
    },
    /// A conversation's replies in the outbox (waiting, sent, refused with the reason),
    /// or --cancel ID to take back one that has not started sending (it becomes the draft)
    Outbox {
        conversation: Option<i64>,
        #[arg(long, value_name = "ID")]
        cancel: Option<i64>,
    },
    /// People across networks: list, show (with their conversations), link, split, tag, note, suggest
    Contact {
        #[command(subcommand)]
        what: contacts::ContactCommand,
    },
    /// People who often praise, answer others' questions or share the brand, ranked, with why
    Advocates {
        #[command(flatten)]
        period: reports::PeriodArgs,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// What the work is worth over a period, compared with the one before: volume, response
    /// rate, first-response time, time to done, sentiment, tags, advocates, share of voice
    Report {
        #[command(flatten)]
        args: reports::ReportArgs,
    },
    /// Listening queries over everything synced: add, list, edit, remove, run, check,
    /// dashboard, export (CSV)
    Listen {
        #[command(subcommand)]
        what: listen::ListenCommand,
    },
    /// Listening sources (RSS/Atom feeds, Hacker News, Bluesky and Mastodon searches):
    /// add, list, remove, poll
    Source {
        #[command(subcommand)]
        what: source::SourceCommand,
    },
    /// Move an unreadable cache aside (nothing is deleted) and start an empty workspace
    Reset {
        /// Confirm
        #[arg(long)]
        yes: bool,
    },
    /// Benchmarks on generated data
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::error(&e, json);
            ExitCode::FAILURE
        }
    }
}

fn data_dir(cli: &Cli) -> Result<PathBuf, Error> {
    match &cli.data_dir {
        Some(d) => Ok(d.clone()),
        None => earshot_core::default_data_dir(),
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    let json = cli.json;
    if let Command::Bench { what } = &cli.command {
        return bench::run(what, json);
    }
    let dir = data_dir(&cli)?;
    if let Command::Reset { yes } = &cli.command {
        if !yes {
            return Err(Error::Invalid(format!(
                "reset moves the cache in {} aside and starts an empty workspace; run again with --yes to do it",
                dir.display()
            )));
        }
        let moved = Workspace::reset(&dir)?;
        let ws = Workspace::open(&dir, &KeyringVault)?;
        let message = match moved {
            Some(p) => format!(
                "The old cache was moved to {}. A new, empty workspace is ready.",
                p.display()
            ),
            None => "There was no cache to move aside. A new, empty workspace is ready.".into(),
        };
        return output::message(&message, json, Some(&ws.status()?));
    }
    let ws = Workspace::open_with_events(&dir, &KeyringVault, Arc::new(output::Opening { json }))?;
    match cli.command {
        Command::Status => output::status(&ws.status()?, json),
        Command::Demo => {
            let report = ws.load_demo(|p| output::progress(p, json))?;
            output::import(&report, json)
        }
        Command::Import { file } => {
            let report = if file.as_os_str() == "-" {
                ws.import_jsonl(std::io::stdin().lock(), |p| output::progress(p, json))?
            } else {
                let f = std::fs::File::open(&file)
                    .map_err(|e| Error::Invalid(format!("cannot open {}: {e}", file.display())))?;
                ws.import_jsonl(BufReader::new(f), |p| output::progress(p, json))?
            };
            output::import(&report, json)
        }
        Command::Inbox {
            filter,
            view,
            limit,
            cursor,
        } => {
            ws.wake_snoozed()?;
            let base = match view {
                Some(name) => views::find(&ws, &name)?.filter,
                None => InboxFilter::default(),
            };
            let filter = filter.over(InboxFilter {
                cursor,
                limit: Some(limit),
                ..base
            });
            output::inbox(&ws.inbox(&filter)?, json)
        }
        Command::View { what } => views::run(&ws, what, json),
        Command::Thread { id, read } => {
            if read {
                ws.mark_read(id)?;
            }
            output::thread(&ws.conversation(id)?, json)
        }
        Command::Search {
            query,
            relevance,
            limit,
        } => {
            let options = SearchOptions {
                order: if relevance {
                    SearchOrder::Relevance
                } else {
                    SearchOrder::Newest
                },
                limit: Some(limit),
                before_id: None,
            };
            output::search(&ws.search(&query.join(" "), &options)?, json)
        }
        Command::Triage {
            id,
            state,
            tag,
            untag,
            save,
            unsave,
            snooze,
            priority,
            read,
        } => {
            let snooze = snooze.map(|s| parse_snooze(&s, ws.now())).transpose()?;
            let state = match (state, snooze) {
                (None, Some(_)) => Some(TriageState::Snoozed),
                (Some(s), Some(_)) if s != TriageState::Snoozed => {
                    return Err(Error::Invalid(
                        "--snooze goes with --state snoozed (or no --state)".into(),
                    ))
                }
                (s, _) => s,
            };
            if let Some(state) = state {
                ws.set_state(id, state, snooze)?;
            }
            if !tag.is_empty() || !untag.is_empty() {
                ws.tag(id, &tag, &untag)?;
            }
            if save || unsave {
                ws.set_saved(id, save)?;
            }
            if let Some(p) = priority {
                ws.set_priority(id, p)?;
            }
            if read {
                ws.mark_read(id)?;
            }
            output::summary(&ws.conversation_summary(id)?, json)
        }
        Command::Account { what } => network::account(&ws, what, json),
        Command::Sync {
            account,
            once,
            interval,
            notify,
        } => network::run_sync(ws, account, once, interval, &notify, json),
        Command::Reply {
            conversation,
            account,
            template,
            answer,
            queue_only,
        } => network::reply(
            ws,
            network::ReplyOptions {
                conversation,
                account,
                template,
                answers: answer,
                queue_only,
            },
            json,
        ),
        Command::SavedReply { what } => network::saved_reply(&ws, what, json),
        Command::Draft { conversation, set } => network::draft(&ws, conversation, set, json),
        Command::Outbox {
            conversation,
            cancel,
        } => network::outbox_command(&ws, conversation, cancel, json),
        Command::Contact { what } => contacts::run(&ws, what, json),
        Command::Advocates { period, limit } => reports::advocates(&ws, &period, limit, json),
        Command::Report { args } => reports::report(&ws, args, json),
        Command::Listen { what } => listen::run(&ws, what, json),
        Command::Source { what } => source::run(&ws, what, json),
        Command::Reset { .. } | Command::Bench { .. } => Ok(()),
    }
}

/// `30m`, `4h`, `2d`, an RFC 3339 time, `reply`, or `4h+reply`.
fn parse_snooze(text: &str, now: i64) -> Result<Snooze, Error> {
    let mut snooze = Snooze {
        until: None,
        until_reply: false,
    };
    for part in text.split('+').map(str::trim) {
        if part == "reply" {
            snooze.until_reply = true;
            continue;
        }
        if let Some(t) = earshot_core::clock::parse_rfc3339_ms(part) {
            snooze.until = Some(t);
            continue;
        }
        let (num, unit) = part.split_at(
            part.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(part.len()),
        );
        let n: i64 = num.parse().map_err(|_| bad_snooze(text))?;
        let ms = match unit {
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(bad_snooze(text)),
        };
        snooze.until = Some(now + n * ms);
    }
    Ok(snooze)
}

fn bad_snooze(text: &str) -> Error {
    Error::Invalid(format!(
        "'{text}' is not a snooze: use 30m, 4h, 2d, 1w, a time like 2026-11-23T09:00:00Z, 'reply', or '4h+reply'"
    ))
}
