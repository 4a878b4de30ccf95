//! The demo workspace: a realistic sample (three networks, threads several
//! replies deep, people with handles on two networks, complaints, praise and
//! questions) shipped inside the binary and loaded through the real ingest path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::accounts::AccountOrigin;
use crate::clock::parse_rfc3339_ms;
use crate::error::Result;
use crate::ingest::IngestReport;
use crate::vault::Vault;
use crate::workspace::{ImportReport, Workspace};

mod pictures;
pub use pictures::png_rgb;

/// The sample, as import lines (see [`crate::import`]).
pub const DEMO_JSONL: &str = include_str!("../demo/demo.jsonl");
/// Where the app keeps the demo workspace, inside the data directory.
pub const DEMO_DIR: &str = "demo";
/// How long before "now" the newest demo item is dated.
const NEWEST_AGE_MS: i64 = 12 * 60 * 1000;

/// Tags the demo applies by searching its own items, as a manager's rules would.
const DEMO_TAGS: &[(&str, &str)] = &[
    (
        "billing",
        "refund* OR \"charged twice\" OR chargeback OR invoice OR billing OR charged",
    ),
    ("bug", "bug OR broken OR crash* OR \"data loss\" OR error*"),
    ("outage", "outage OR down OR \"status page\""),
    (
        "feature-request",
        "\"feature request\" OR \"would love\" OR \"please add\" OR wish",
    ),
    ("praise", "love OR thank* OR amazing OR brilliant"),
    (
        "press",
        "press OR journalist OR \"for a story\" OR interview",
    ),
];

/// A person the demo has already linked: name, tags, notes and (network, handle)s.
type DemoContact = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// People the demo has already linked into contacts. The other people with
/// two handles are left for the suggestions.
const DEMO_CONTACTS: &[DemoContact] = &[
    (
        "Maria Okafor",
        &["customer", "vip"],
        "Runs a 40-person research team on the Team plan. Prefers Mastodon; renewal in March.",
        &[
            ("mastodon", "maria@fosstodon.example"),
            ("bluesky", "maria.bsky.example"),
        ],
    ),
    (
        "Dana Whitfield",
        &["press"],
        "Tech journalist. Route anything for a story through the press office.",
        &[
            ("mastodon", "dana@journa.example"),
            ("bluesky", "danawhitfield.bsky.example"),
        ],
    ),
];

impl Workspace {
    /// Loads the demo sample into this workspace, dated so that it ends a few
    /// minutes ago, then triages it the way a manager part-way through a week would.
    pub fn load_demo(&self, progress: impl FnMut(&IngestReport)) -> Result<ImportReport> {
        let newest = DEMO_JSONL
            .lines()
            .filter_map(|l| crate::import::parse_line(l).ok())
            .filter_map(|r| parse_rfc3339_ms(&r.created_at))
            .max()
            .unwrap_or(0);
        let shift = self.now() - NEWEST_AGE_MS - newest;
        let report =
            self.import_records(DEMO_JSONL.as_bytes(), shift, AccountOrigin::Demo, progress)?;
        self.triage_demo()?;
        self.link_demo_contacts()?;
        pictures::cache(self)?;
        self.set_setting("demo", &serde_json::Value::Bool(true))?;
        self.store().checkpoint()?;
        Ok(report)
    }

    fn link_demo_contacts(&self) -> Result<()> {
        use crate::contacts::{self, Person};
        for (name, tags, notes, handles) in DEMO_CONTACTS {
            let mut people = Vec::new();
            for (network, handle) in *handles {
                if let Some(id) = self
                    .store()
                    .read(|c| contacts::find_author(c, network, handle))?
                {
                    people.push(Person::Author(id));
                }
            }
            if people.is_empty() {
                continue;
            }
            let contact = Person::Contact(contacts::link(self, &people)?.id);
            contacts::rename(self, contact, name)?;
            let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
            contacts::tag(self, contact, &tags, &[])?;
            contacts::set_notes(self, contact, notes)?;
        }
        Ok(())
    }

    fn triage_demo(&self) -> Result<()> {
        let day = 24 * 60 * 60 * 1000;
        let now = self.now();
        // Found through the search index, which readers attach (the writer does not).
        let mut tagged: Vec<(&str, i64)> = Vec::new();
        self.store().read(|c| {
            let mut matching = c.prepare(
                "SELECT DISTINCT i.conversation_id FROM items_fts
                 JOIN items i ON i.id = items_fts.rowid
                 WHERE items_fts MATCH ?1 AND i.from_us = 0",
            )?;
            for (tag, query) in DEMO_TAGS {
                let fts = crate::search::parse(query)?.fts.unwrap_or_default();
                for id in matching.query_map([fts], |r| r.get(0))? {
                    tagged.push((tag, id?));
                }
            }
            Ok::<_, crate::Error>(())
        })?;
        self.store().write(|tx| {
            for (tag, id) in &tagged {
                tx.execute(
                    "INSERT OR IGNORE INTO conversation_tags (tag, conversation_id) VALUES (?1, ?2)",
                    rusqlite::params![tag, id],
                )?;
            }
            // Answered and quiet for a day: done. Answered more recently: waiting on them.
            tx.execute(
                "UPDATE conversations SET state = 'done', state_changed_at = ?1
                 WHERE last_item_id IN (SELECT id FROM items WHERE from_us = 1)
                   AND last_activity_at < ?2",
                rusqlite::params![now, now - day],
            )?;
            tx.execute(
                "UPDATE conversations SET state = 'pending', state_changed_at = ?1
                 WHERE state = 'open' AND last_item_id IN (SELECT id FROM items WHERE from_us = 1)",
                [now],
            )?;
            // Older unanswered chatter has been read.
            tx.execute(
                "UPDATE conversations SET unread_count = 0 WHERE last_activity_at < ?1",
                [now - 3 * day],
            )?;
            // The two longest threads were kept for later.
            tx.execute(
                "UPDATE conversations SET saved = 1 WHERE id IN
                    (SELECT id FROM conversations ORDER BY item_count DESC, id LIMIT 2)",
                [],
            )?;
            Ok(())
        })
    }
}

/// Opens what the app should show: the workspace in `data_dir`, or, while it
/// has no account and nothing in it, the demo workspace beside it (loaded on
/// first use). Returns the workspace and whether it is the demo. Cheap on a
/// large cache: it never counts rows.
pub fn open_or_demo(data_dir: &Path, vault: &dyn Vault) -> Result<(Workspace, bool)> {
    open_or_demo_with_events(data_dir, vault, Arc::new(crate::events::NoEvents))
}

/// [`open_or_demo`], the workspace's events going to `events` from the start.
pub fn open_or_demo_with_events(
    data_dir: &Path,
    vault: &dyn Vault,
    events: Arc<dyn crate::events::EventSink>,
) -> Result<(Workspace, bool)> {
    // A data directory without a cache has never been used: go straight to the
    // demo, without creating an empty workspace (or a keyring entry) for it.
    if data_dir.join(crate::store::DB_FILE).exists() {
        let main = Workspace::open_with_events(data_dir, vault, Arc::clone(&events))?;
        if main.is_in_use()? {
            return Ok((main, false));
        }
    }
    let demo = Workspace::open_with_events(&demo_dir(data_dir), vault, events)?;
    if !demo.is_in_use()? {
        demo.load_demo(|_| {})?;
        listen_demo(&demo)?;
    }
    Ok((demo, true))
}

/// The app's demo listens for the brand and for billing trouble, so its
/// Listening view has a dashboard to show (the CLI's `demo` starts with none).
fn listen_demo(ws: &Workspace) -> Result<()> {
    for (name, query) in DEMO_QUERIES {
        let input = crate::listening::QueryInput {
            name: (*name).into(),
            query: (*query).into(),
            enabled: true,
        };
        crate::listening::create(ws, &input, |_| {})?;
    }
    Ok(())
}

/// The app demo's listening queries (the UI's in-memory demo has the same).
const DEMO_QUERIES: &[(&str, &str)] = &[
    ("Fernwood", "fernwood OR notebook* OR vault"),
    (
        "Billing and bugs",
        "refund OR \"charged twice\" OR crash* OR stuck OR bug",
    ),
];

pub fn demo_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(DEMO_DIR)
}
