//! What the CLI prints: aligned tables for people, JSON with `--json`.

use std::io::{IsTerminal, Write};

use earshot_core::clock::{format_rfc3339_ms, Clock, SystemClock};
use earshot_core::inbox::{ConversationDetail, ConversationSummary, InboxPage};
use earshot_core::ingest::IngestReport;
use earshot_core::search::{SearchHit, MARK_END, MARK_START};
use earshot_core::workspace::ImportReport;
use earshot_core::{Error, WorkspaceStatus};
use serde::Serialize;

pub fn json(value: &impl Serialize) -> Result<(), Error> {
    print_json(value)
}

fn print_json(value: &impl Serialize) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Invalid(e.to_string()))?;
    println!("{text}");
    Ok(())
}

pub fn error(e: &Error, json: bool) {
    if json {
        let body = serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } });
        println!("{body}");
    }
    eprintln!("earshot-cli: {e}");
}

pub fn message(text: &str, json: bool, status: Option<&WorkspaceStatus>) -> Result<(), Error> {
    if json {
        return print_json(&serde_json::json!({ "message": text, "status": status }));
    }
    println!("{text}");
    Ok(())
}

pub fn progress(p: &IngestReport, json: bool) {
    if !json {
        eprint!("\r  ingested {} of {} read…", p.inserted, p.received);
        let _ = std::io::stderr().flush();
    }
}

/// Shows a build of the search index as the workspace opens (on stderr, in
/// the same way as ingest's progress; nothing with `--json`).
pub struct Opening {
    pub json: bool,
}

impl earshot_core::events::EventSink for Opening {
    fn emit(&self, event: earshot_core::events::CoreEvent) {
        if let earshot_core::events::CoreEvent::SearchIndex { done, total } = event {
            if !self.json {
                search_index(done, total);
            }
        }
    }
}

/// One step of a build or catch-up of the search index (see `CoreEvent::SearchIndex`).
pub fn search_index(done: u64, total: Option<u64>) {
    match total {
        None => eprint!("\r  checking the search index for items a stopped sync left out…"),
        Some(0) => {}
        Some(total) if done < total => {
            eprint!("\r  building the search index: {done} of {total} items…")
        }
        Some(total) => {
            // Clears what is left of the longer line before it, on a terminal.
            let clear = if std::io::stderr().is_terminal() {
                "\x1b[K"
            } else {
                ""
            };
            eprintln!("\r  search index built: {total} items{clear}")
        }
    }
    let _ = std::io::stderr().flush();
}

pub fn status(s: &WorkspaceStatus, json: bool) -> Result<(), Error> {
    if json {
        return print_json(s);
    }
    println!("workspace     {}", s.path);
    println!(
        "encryption    {}",
        if s.encrypted {
            "on (SQLCipher, key in the OS keyring)"
        } else {
            "OFF"
        }
    );
    if s.demo {
        println!("kind          demo workspace");
    }
    println!("accounts      {}", s.accounts);
    println!("conversations {}", s.conversations);
    println!("items         {}", s.items);
    println!("authors       {}", s.authors);
    Ok(())
}

pub fn import(r: &ImportReport, json: bool) -> Result<(), Error> {
    if json {
        let errors: Vec<_> = r
            .errors
            .iter()
            .map(|e| serde_json::json!({ "line": e.line, "message": e.message }))
            .collect();
        print_json(&serde_json::json!({ "ingest": r.ingest, "errors": errors }))?;
    } else {
        eprintln!();
        println!(
            "{} items read: {} new, {} already stored, {} new conversations",
            r.ingest.received,
            r.ingest.inserted,
            r.ingest.duplicates,
            r.ingest.conversations_created
        );
        for e in r.errors.iter().take(20) {
            println!("  skipped {e}");
        }
        if r.errors.len() > 20 {
            println!("  … and {} more lines skipped", r.errors.len() - 20);
        }
    }
    if r.errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{} lines could not be imported",
            r.errors.len()
        )))
    }
}

fn ago(ms: i64) -> String {
    let secs = (SystemClock.now_ms() - ms).max(0) / 1000;
    match secs {
        s if s < 60 => "now".into(),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn clip(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text:width$}")
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn flags(c: &ConversationSummary) -> String {
    let mut f = String::new();
    f.push(if c.unread_count > 0 { '●' } else { ' ' });
    f.push(if c.urgent { '!' } else { ' ' });
    f.push(if c.saved { '★' } else { ' ' });
    f
}

pub fn inbox(page: &InboxPage, json: bool) -> Result<(), Error> {
    if json {
        return print_json(page);
    }
    if page.conversations.is_empty() {
        println!("No conversations here.");
        return Ok(());
    }
    println!(
        "{:>6}  {:3} {:9} {:8} {:>4} {:22} LATEST",
        "ID", "", "NETWORK", "STATE", "AGE", "AUTHOR"
    );
    for c in &page.conversations {
        let who = c
            .author
            .name
            .clone()
            .unwrap_or_else(|| c.author.handle.clone());
        let tags = if c.tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", c.tags.join(", "))
        };
        println!(
            "{:>6}  {} {:9} {:8} {:>4} {} {}{}",
            c.id,
            flags(c),
            clip(&c.network, 9),
            c.state.as_str(),
            ago(c.last_activity_at),
            clip(&who, 22),
            clip(&c.snippet, 70),
            tags
        );
    }
    if let Some(cursor) = &page.next_cursor {
        println!("more: --cursor {cursor}");
    }
    Ok(())
}

pub fn summary(c: &ConversationSummary, json: bool) -> Result<(), Error> {
    if json {
        return print_json(c);
    }
    println!(
        "conversation {} · {} · {}{}{} · priority {} · {} unread{}",
        c.id,
        c.network,
        c.state.as_str(),
        c.snooze_until
            .map(|t| format!(" until {}", format_rfc3339_ms(t)))
            .unwrap_or_default(),
        if c.saved { " · saved" } else { "" },
        c.priority,
        c.unread_count,
        if c.tags.is_empty() {
            String::new()
        } else {
            format!(" · tags: {}", c.tags.join(", "))
        },
    );
    Ok(())
}

pub fn thread(d: &ConversationDetail, json: bool) -> Result<(), Error> {
    if json {
        return print_json(d);
    }
    summary(&d.conversation, false)?;
    println!();
    for item in &d.items {
        let indent = "  ".repeat(item.depth.min(8) as usize);
        let who = match &item.author.name {
            Some(n) => format!("{n} (@{})", item.author.handle),
            None => format!("@{}", item.author.handle),
        };
        println!(
            "{indent}{} · {} · {}{}",
            who,
            item.kind.as_str(),
            format_rfc3339_ms(item.created_at),
            if item.from_us { " · us" } else { "" }
        );
        for line in item.text.lines() {
            println!("{indent}  {line}");
        }
        if let Some(url) = &item.url {
            println!("{indent}  <{url}>");
        }
        println!();
    }
    Ok(())
}

pub fn search(hits: &[SearchHit], json: bool) -> Result<(), Error> {
    if json {
        return print_json(&hits);
    }
    if hits.is_empty() {
        println!("Nothing found.");
        return Ok(());
    }
    // Bold matches on a terminal, [brackets] when piped.
    let (open, close) = if std::io::stdout().is_terminal() {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    for h in hits {
        let snippet: String = h
            .snippet
            .replace(MARK_START, open)
            .replace(MARK_END, close)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        println!(
            "{:>6}  {:9} {:>4}  @{}: {}",
            h.conversation_id,
            h.item.network,
            ago(h.item.created_at),
            h.item.author.handle,
            snippet
        );
    }
    Ok(())
}

pub fn accounts(list: &[earshot_core::accounts::Account], json: bool) -> Result<(), Error> {
    if json {
        return print_json(&list);
    }
    if list.is_empty() {
        println!("No accounts yet. Add one with `earshot-cli account add mastodon|bluesky …`.");
        return Ok(());
    }
    println!(
        "{:>4}  {:<9} {:<32} {:<10} server",
        "id", "network", "handle", "status"
    );
    for a in list {
        let status = match a.origin {
            earshot_core::accounts::AccountOrigin::SignedIn if a.needs_sign_in => "sign in again",
            earshot_core::accounts::AccountOrigin::SignedIn => "signed in",
            earshot_core::accounts::AccountOrigin::Import => "imported",
            earshot_core::accounts::AccountOrigin::Demo => "demo",
        };
        println!(
            "{:>4}  {:<9} {:<32} {:<10} {}",
            a.id, a.network, a.handle, status, a.server
        );
    }
    Ok(())
}

pub fn sync_reports(
    reports: &[(i64, Result<earshot_core::sync::SyncReport, String>)],
    json: bool,
) -> Result<(), Error> {
    if json {
        let rows: Vec<_> = reports
            .iter()
            .map(|(id, r)| match r {
                Ok(r) => serde_json::json!({ "accountId": id, "report": r }),
                Err(e) => serde_json::json!({ "accountId": id, "error": e }),
            })
            .collect();
        return print_json(&rows);
    }
    for (id, r) in reports {
        match r {
            Ok(r) => println!(
                "account {id}: {} new, {} already stored, {} pages, {} threads fetched",
                r.inserted, r.duplicates, r.pages, r.threads
            ),
            Err(e) => println!("account {id}: failed: {e}"),
        }
    }
    Ok(())
}

pub fn outbox_entry(e: &earshot_core::outbox::OutboxEntry, json: bool) -> Result<(), Error> {
    use earshot_core::outbox::OutboxState;
    if json {
        return print_json(e);
    }
    match e.state {
        OutboxState::Sent => println!(
            "Sent{}",
            e.remote_url
                .as_deref()
                .map(|u| format!(": {u}"))
                .unwrap_or_default()
        ),
        OutboxState::Refused => println!(
            "Not sent: {}",
            e.last_error.as_deref().unwrap_or("the network refused it")
        ),
        _ => println!(
            "Queued (outbox entry {}); it will be sent by the next `earshot-cli sync`{}",
            e.id,
            e.last_error
                .as_deref()
                .map(|m| format!(". Last attempt: {m}"))
                .unwrap_or_default()
        ),
    }
    Ok(())
}

pub fn saved_replies(list: &[earshot_core::compose::SavedReply], json: bool) -> Result<(), Error> {
    if json {
        return print_json(&list);
    }
    for r in list {
        let asks = if r.prompts.is_empty() {
            String::new()
        } else {
            format!("  (asks: {})", r.prompts.join(", "))
        };
        println!("{}{asks}\n  {}", r.name, r.body.replace('\n', "\n  "));
    }
    Ok(())
}

pub fn draft(d: Option<&earshot_core::compose::Draft>, json: bool) -> Result<(), Error> {
    if json {
        return print_json(&d);
    }
    match d {
        Some(d) => println!("{}", d.body),
        None => println!("No draft."),
    }
    Ok(())
}
