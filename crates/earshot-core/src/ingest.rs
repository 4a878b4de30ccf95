//! Ingest: the one path every item takes into the store, whatever its source.
//!
//! Normalise → sanitise, detect language, score sentiment ([`analyse`]) →
//! thread into a conversation → store and index. Idempotent: an item already
//! stored (same network and remote id) is skipped. Writes are batched, one
//! transaction per batch (up to three in bulk, see [`BULK_AFTER`]), and
//! analysis of the next batch runs on another thread while the writer stores
//! the current one; a third adds each stored batch to the search index
//! (`Workspace`'s ingest, see [`crate::store::search`]).

pub mod analyse;
mod sentiment;

// The writer's maps are keyed by what networks send (handles, ids): foldhash is
// seeded per process, as the standard SipHash is, so keys cannot be chosen to
// collide, and costs less: SipHash was ~0.4 µs of the writer's CPU per item
// (157 of 7,361 `perf` samples at 400k items).
use foldhash::{HashMap, HashMapExt};
use std::sync::mpsc;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::item::NewItem;
use analyse::Analysed;

/// Items analysed and handed to the writer at a time.
pub const BATCH: usize = 10_000;
/// Transactions of one batch each that an ingest call writes before the rest
/// of it counts as bulk: a sync's few items never get there; an import, a
/// large backfill and the benchmark do.
pub const BULK_AFTER: usize = 2;
/// Batches written per transaction in bulk. Each commit writes every page its
/// batches touched, and consecutive batches touch many of the same pages (the
/// tables' last pages, the authors' and conversations' indexes), so fewer
/// commits write fewer pages, each encrypted: three batches a transaction took
/// the writer 7% less CPU per item at 1M items (18.7 µs against 20.2, eleven
/// runs alternating, eight of them of a build that also had a 256 MiB writer
/// cache; BENCHMARKS.md, tenth round). That cache made no difference on its
/// own (four runs each), so it was not kept. Holding the writer for three
/// batches costs no one waiting: the writer commits early when someone wants
/// it ([`crate::store::Store::writer_wanted`]).
pub const BULK_BATCHES_PER_TRANSACTION: usize = 3;
/// Batches that may wait between two threads of ingest (analysis and the
/// writer; the writer and the search index's). On two cores three threads take
/// turns, and each is now and then held up (a checkpoint's sync, a large FTS5
/// merge); with room for a few batches the others go on meanwhile. Bulk ingest
/// holds a few tens of MiB more for it; live sync's batches are small.
pub(crate) const QUEUED_BATCHES: usize = 4;

/// What an ingest did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct IngestReport {
    pub received: usize,
    pub inserted: usize,
    pub duplicates: usize,
    pub conversations_created: usize,
}

impl IngestReport {
    pub(crate) fn add(&mut self, other: IngestReport) {
        self.received += other.received;
        self.inserted += other.inserted;
        self.duplicates += other.duplicates;
        self.conversations_created += other.conversations_created;
    }
}

/// Time-ordered item id: creation time in ms in the high bits, 20 bits of a
/// hash of the remote id below, so rowid order is time order.
pub fn item_id(created_at_ms: i64, network: &str, remote_id: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in network.bytes().chain([0]).chain(remote_id.bytes()) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    first_item_id_at(created_at_ms) | (hash & 0xF_FFFF) as i64
}

/// The smallest item id created at or after `ms`: time ranges over items are
/// ranges of ids.
pub fn first_item_id_at(ms: i64) -> i64 {
    const MAX_MS: i64 = (1 << 43) - 1;
    ms.clamp(0, MAX_MS) << 20
}

/// The creation time encoded in an item id.
pub fn item_id_time(id: i64) -> i64 {
    id >> 20
}

/// A batch of analysed items on its way through the writer. Dropped, it goes
/// back to the analysis thread, which frees it: its memory was allocated
/// there, and freeing it on another thread (the writer's, or the search
/// index's) takes glibc's slow path: ~4% of the writer's time at 200k items.
pub(crate) struct Batch {
    items: Vec<Analysed>,
    back: mpsc::Sender<Vec<Analysed>>,
}

impl std::ops::Deref for Batch {
    type Target = [Analysed];

    fn deref(&self) -> &[Analysed] {
        &self.items
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // With the analysis thread gone, the batch is freed here instead.
        let _ = self.back.send(std::mem::take(&mut self.items));
    }
}

/// How much lower than the writer's the priority of ingest's helper threads
/// (analysis, the search index) is, in nice steps.
///
/// The cache's writer does the most work per item, and two cores run three
/// busy threads: at equal priority the helpers took a core while the writer
/// waited for one (~20% of its time), and at other moments a core sat idle
/// while the helpers, ahead, waited for the writer. Yielding to it, they fill
/// the gaps. 1M items, six runs each alternating with equal priority: 42,523
/// items/s on average against 39,808, the same CPU per item (BENCHMARKS.md,
/// ninth round). It also leaves more of the machine to whatever the manager
/// is doing while a sync or an import runs.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) const HELPER_NICE: i32 = 10;

/// Lowers the calling thread's priority by [`HELPER_NICE`] (Linux, where nice
/// values are per thread; elsewhere it does nothing). Only for threads made
/// for one ingest: an unprivileged thread cannot raise it back. A failure
/// leaves the thread as it was, which only costs speed.
pub(crate) fn yield_to_writer() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let me = Some(rustix::thread::gettid());
        if let Ok(nice) = getpriority_process(me) {
            let _ = setpriority_process(me, (nice + HELPER_NICE).min(19));
        }
    }
}

/// Runs analysis on a helper thread and writes batches as they come. `write`
/// is called once per transaction, in order, as the batches arrive: with one
/// batch for the first [`BULK_AFTER`] transactions, then with up to
/// [`BULK_BATCHES_PER_TRANSACTION`], of which it may take fewer (the rest go
/// to the next call); `progress` is called after each transaction.
pub(crate) fn pipeline<I>(
    items: I,
    rules: &crate::rules::RuleSet,
    listening: &crate::listening::QuerySet,
    mut write: impl FnMut(&mut dyn Iterator<Item = Batch>) -> Result<IngestReport>,
    mut progress: impl FnMut(&IngestReport),
) -> Result<IngestReport>
where
    I: IntoIterator<Item = NewItem>,
    I::IntoIter: Send,
{
    let items = items.into_iter();
    let mut total = IngestReport::default();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Vec<Analysed>>(QUEUED_BATCHES);
        let (back, written) = mpsc::channel::<Vec<Analysed>>();
        scope.spawn(move || {
            yield_to_writer();
            let mut items = items;
            loop {
                // Free what the writer is done with, before making more.
                written.try_iter().for_each(drop);
                let batch: Vec<Analysed> = items
                    .by_ref()
                    .take(BATCH)
                    .map(|item| {
                        let mut a = analyse::analyse(item);
                        if !rules.is_empty() || !listening.is_empty() {
                            // Split the words once for rules and listening alike.
                            let doc = crate::rules::doc(&a, crate::query::Words::split(&a.text));
                            let firings = rules.evaluate_doc(&a, &doc);
                            let hits = listening.matches(&doc);
                            drop(doc);
                            a.firings = firings;
                            a.hits = hits;
                        }
                        a
                    })
                    .collect();
                if batch.is_empty() || tx.send(batch).is_err() {
                    break;
                }
            }
            // No more batches: the writer's loop ends, and with it the senders
            // of the last batches, which are freed here as they come back.
            drop(tx);
            written.into_iter().for_each(drop);
        });
        // Dropping the receiver on error stops the analyser at its next send.
        let mut batches = rx
            .into_iter()
            .map(|items| Batch {
                items,
                back: back.clone(),
            })
            .peekable();
        for transaction in 0.. {
            if batches.peek().is_none() {
                break;
            }
            let size = if transaction >= BULK_AFTER {
                BULK_BATCHES_PER_TRANSACTION
            } else {
                1
            };
            let report = write(&mut batches.by_ref().take(size))?;
            total.add(report);
            progress(&total);
        }
        Ok(total)
    })
}

/// Entries kept in each of the writer's memory maps before they are cleared.
const MEMORY_MAX: usize = 200_000;

/// What the writer remembers between batches of one ingest call, so most
/// threading needs no database lookup. Cleared when it grows past
/// [`MEMORY_MAX`] and whenever two conversations merge.
#[derive(Default)]
pub(crate) struct WriterState {
    authors: HashMap<(String, String), AuthorSeen>,
    /// (network, lowercase handle) of our own accounts.
    our_handles: Option<HashMap<(String, String), i64>>,
    /// (network, remote id) → conversation, for items written in this call.
    item_conversations: HashMap<(String, String), i64>,
    /// (network, root key) → conversation, for conversations seen in this call.
    conversations: HashMap<(String, String), i64>,
    /// Items rules marked urgent in this call, for the notifier.
    pub(crate) urgent: Vec<crate::events::UrgentItem>,
    /// Listening hits written in this call (spike checks follow when there are any).
    pub(crate) hits: usize,
    /// The listening source the items of this call came from, if any.
    pub(crate) source: Option<i64>,
    /// The ids of the rules' reasons stored or looked up in this call.
    reasons: crate::rules::ReasonIds,
}

impl WriterState {
    fn trim(&mut self) {
        if self.authors.len() > MEMORY_MAX {
            self.authors.clear();
        }
        if self.item_conversations.len() > MEMORY_MAX || self.conversations.len() > MEMORY_MAX {
            self.forget_threads();
        }
    }

    fn forget_threads(&mut self) {
        self.item_conversations.clear();
        self.conversations.clear();
    }
}

struct AuthorSeen {
    id: i64,
    display_name: Option<String>,
    followers: Option<i64>,
}

#[derive(Default)]
struct ConversationDelta {
    items: i64,
    unread: i64,
    last_activity: i64,
    last_item_id: i64,
    last_incoming_item_id: Option<i64>,
    first_incoming: Option<i64>,
    latest_incoming: Option<i64>,
    our_replies: Vec<i64>,
    account_id: Option<i64>,
}

/// A conversation first seen in this batch. Its row is written once, with its
/// counters, when the batch's conversations are flushed: an insert followed by
/// an update would write its index entries twice.
struct FreshConversation {
    network: String,
    root_key: String,
    provisional: bool,
    account_id: Option<i64>,
    /// The creation time of the item that started it.
    first_activity: i64,
}

/// The batch's conversation changes, kept in memory until [`flush_deltas`].
struct Pending {
    deltas: HashMap<i64, ConversationDelta>,
    fresh: HashMap<i64, FreshConversation>,
    /// The id the next new conversation gets (the writer is the only one).
    next_id: i64,
    /// Conversations written in this batch, net of those merged away.
    conversations_added: i64,
    /// Authors first seen in this batch.
    authors_added: i64,
    /// Conversations merged away in this batch, and where into.
    merged: HashMap<i64, i64>,
}

impl Pending {
    /// Where a conversation seen earlier in the batch lives now.
    fn merged_into(&self, mut id: i64) -> i64 {
        while let Some(&into) = self.merged.get(&id) {
            id = into;
        }
        id
    }
}

/// New incoming activity (latest at `?4`) reopens done conversations and those
/// snoozed until the next reply, unless it predates the manager's decision: a
/// backfill of old items must not undo triage. SET expressions see the old row.
const REOPEN: &str = "(?4 IS NOT NULL AND ?4 > coalesce(state_changed_at, -1)
    AND (state = 'done' OR (state = 'snoozed' AND snooze_until_reply = 1)))";

/// The writer's statements, prepared once per batch.
struct Statements<'t> {
    find_author: rusqlite::CachedStatement<'t>,
    new_author: rusqlite::CachedStatement<'t>,
    update_author: rusqlite::CachedStatement<'t>,
    item_conversation: rusqlite::CachedStatement<'t>,
    conversation_by_key: rusqlite::CachedStatement<'t>,
    provisional_by_key: rusqlite::CachedStatement<'t>,
    insert_conversation: rusqlite::CachedStatement<'t>,
    settle_conversation: rusqlite::CachedStatement<'t>,
    insert_item: rusqlite::CachedStatement<'t>,
    update_counts: rusqlite::CachedStatement<'t>,
    update_firsts: rusqlite::CachedStatement<'t>,
}

impl<'t> Statements<'t> {
    fn prepare(tx: &'t Transaction<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            find_author: tx.prepare_cached(
                "SELECT id, display_name, url, avatar_url, followers FROM authors
                 WHERE network = ?1 AND handle = ?2",
            )?,
            new_author: tx.prepare_cached(
                "INSERT OR FAIL INTO authors
                    (network, handle, display_name, url, avatar_url, followers, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            update_author: tx.prepare_cached(
                "UPDATE OR FAIL authors SET
                    display_name = coalesce(?3, display_name),
                    url = coalesce(?4, url),
                    avatar_url = coalesce(?5, avatar_url),
                    followers = coalesce(?6, followers),
                    updated_at = ?7
                 WHERE network = ?1 AND handle = ?2",
            )?,
            item_conversation: tx.prepare_cached(
                "SELECT conversation_id FROM items WHERE network = ?1 AND remote_id = ?2",
            )?,
            conversation_by_key: tx.prepare_cached(
                "SELECT id FROM conversations WHERE network = ?1 AND root_key = ?2",
            )?,
            provisional_by_key: tx.prepare_cached(
                "SELECT id FROM conversations
                 WHERE provisional = 1 AND network = ?1 AND root_key = ?2",
            )?,
            insert_conversation: tx.prepare_cached(
                "INSERT OR FAIL INTO conversations
                    (id, network, root_key, provisional, account_id, last_activity_at, created_at,
                     item_count, unread_count, last_item_id, last_incoming_item_id,
                     first_incoming_at, listening_only, first_response_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?,
            settle_conversation: tx.prepare_cached(
                "UPDATE OR FAIL conversations SET provisional = 0 WHERE id = ?1 AND provisional = 1",
            )?,
            insert_item: tx.prepare_cached(
                "INSERT INTO items (id, network, remote_id, account_id, conversation_id, parent_remote_id,
                    author_id, kind, text, html, url, lang, sentiment, has_link, from_us, created_at, ingested_at,
                    source_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
                 ON CONFLICT (network, remote_id) DO NOTHING",
            )?,
            // Only what every new item changes. The columns the report's index
            // (`conversations_report`) holds are written by `update_firsts`, and only
            // where they change: SQLite rewrites an index entry whenever one of its
            // columns is in the SET list, changed or not.
            update_counts: tx.prepare_cached(
                "UPDATE OR FAIL conversations SET
                    item_count = item_count + ?2,
                    unread_count = unread_count + ?3,
                    last_item_id = CASE WHEN ?4 >= last_activity_at
                                        THEN max(coalesce(last_item_id, 0), ?5) ELSE last_item_id END,
                    last_activity_at = max(last_activity_at, ?4),
                    last_incoming_item_id = CASE WHEN ?6 IS NULL THEN last_incoming_item_id
                                                 ELSE max(coalesce(last_incoming_item_id, 0), ?6) END,
                    listening_only = CASE WHEN ?7 THEN listening_only ELSE 0 END
                 WHERE id = ?1",
            )?,
            // The first incoming item (?2), the account (?3) and a reopening by new
            // incoming activity (latest at ?4), for the rows where one of them changes.
            update_firsts: tx.prepare_cached(&format!(
                "UPDATE OR FAIL conversations SET
                    first_incoming_at = CASE WHEN ?2 IS NULL THEN first_incoming_at
                                             WHEN first_incoming_at IS NULL THEN ?2
                                             ELSE min(first_incoming_at, ?2) END,
                    account_id = coalesce(account_id, ?3),
                    state = CASE WHEN {REOPEN} THEN 'open' ELSE state END,
                    snooze_until = CASE WHEN {REOPEN} THEN NULL ELSE snooze_until END,
                    snooze_until_reply = CASE WHEN {REOPEN} THEN 0 ELSE snooze_until_reply END
                 WHERE id = ?1
                   AND ((?2 IS NOT NULL AND (first_incoming_at IS NULL OR ?2 < first_incoming_at))
                        OR (account_id IS NULL AND ?3 IS NOT NULL)
                        OR {REOPEN})"
            ))?,
        })
    }
}

/// Writes a batch into the cache. Returns what it did, and the items stored,
/// as (item id, position in `batch`), for the search index (see
/// [`crate::store::search`]).
pub(crate) fn write_batch(
    tx: &Transaction<'_>,
    batch: &[Analysed],
    now: i64,
    state: &mut WriterState,
) -> Result<(IngestReport, Vec<(i64, usize)>)> {
    let mut report = IngestReport {
        received: batch.len(),
        ..Default::default()
    };
    if state.our_handles.is_none() {
        let mut stmt = tx.prepare_cached("SELECT id, network, handle FROM accounts")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?.to_lowercase(),
                ),
                r.get(0)?,
            ))
        })?;
        state.our_handles = Some(rows.collect::<Result<_, _>>()?);
    }
    state.trim();
    let mut st = Statements::prepare(tx)?;
    let mut pending = Pending {
        deltas: HashMap::new(),
        fresh: HashMap::new(),
        next_id: tx.query_row(
            "SELECT coalesce(max(id), 0) + 1 FROM conversations",
            [],
            |r| r.get(0),
        )?,
        conversations_added: 0,
        authors_added: 0,
        merged: HashMap::new(),
    };
    let mut to_index: Vec<(i64, usize)> = Vec::with_capacity(batch.len());
    let mut fired: Vec<(i64, i64, &Analysed)> = Vec::new();
    let mut heard: Vec<(i64, i64, &Analysed)> = Vec::new();
    for (position, a) in batch.iter().enumerate() {
        let item = &a.item;
        let author_id = upsert_author(tx, &mut st, state, item, now, &mut pending)?;
        let our_account = state
            .our_handles
            .as_ref()
            .and_then(|h| h.get(&(item.network.clone(), item.author.handle.to_lowercase())))
            .copied();
        let from_us = our_account.is_some();
        let account_id = item.account_id.or(our_account);
        let (conversation_id, created) =
            resolve_conversation(tx, &mut st, state, item, account_id, now, &mut pending)?;
        let Some(id) = insert_item(
            &mut st,
            a,
            conversation_id,
            author_id,
            Provenance {
                account_id,
                from_us,
                source_id: state.source,
            },
            now,
        )?
        else {
            report.duplicates += 1;
            if created {
                // Only this (already stored) item pointed here: leave no empty conversation.
                pending.fresh.remove(&conversation_id);
                state.forget_threads();
            }
            continue;
        };
        report.inserted += 1;
        crate::attachments::store(tx, id, &item.attachments)?;
        to_index.push((id, position));
        if !from_us && !a.firings.is_empty() {
            fired.push((id, conversation_id, a));
        }
        if !from_us && !a.hits.is_empty() {
            heard.push((id, author_id, a));
        }
        if created {
            report.conversations_created += 1;
        }
        state.item_conversations.insert(
            (item.network.clone(), item.remote_id.clone()),
            conversation_id,
        );

        let d = pending.deltas.entry(conversation_id).or_default();
        d.items += 1;
        d.last_activity = d.last_activity.max(item.created_at);
        d.last_item_id = d.last_item_id.max(id);
        d.account_id = d.account_id.or(account_id);
        if from_us {
            d.our_replies.push(item.created_at);
        } else {
            d.unread += 1;
            d.last_incoming_item_id = Some(d.last_incoming_item_id.map_or(id, |x| x.max(id)));
            d.first_incoming = Some(
                d.first_incoming
                    .map_or(item.created_at, |t| t.min(item.created_at)),
            );
            d.latest_incoming = Some(
                d.latest_incoming
                    .map_or(item.created_at, |t| t.max(item.created_at)),
            );
        }
    }
    flush_deltas(tx, &mut st, &mut pending, state.source.is_some(), now)?;
    // Rules act after the thread's own changes (a reply reopening it), so what
    // they set is what stays.
    let mut effects = crate::rules::Effects::default();
    for &(id, conversation_id, a) in &fired {
        // The item's thread may have been merged into another since it was written.
        let conversation_id = pending.merged_into(conversation_id);
        effects.add(id, conversation_id, &a.firings);
        let urgent: Vec<&str> = a
            .firings
            .iter()
            .filter(|f| f.actions.urgent && !f.actions.mute)
            .map(|f| f.reason.as_str())
            .collect();
        let muted = a.firings.iter().any(|f| f.actions.mute);
        if !urgent.is_empty() && !muted {
            state.urgent.push(crate::events::UrgentItem {
                conversation_id,
                item_id: id.to_string(),
                network: a.item.network.clone(),
                author: a
                    .item
                    .author
                    .display_name
                    .clone()
                    .unwrap_or_else(|| a.item.author.handle.clone()),
                text: a.text.chars().take(280).collect(),
                reason: urgent.join("; "),
                created_at: a.item.created_at,
            });
        }
    }
    effects.write(tx, now, &mut state.reasons)?;
    let hits: Vec<crate::listening::HitRow<'_>> = heard
        .iter()
        .flat_map(|&(item_id, author_id, a)| {
            a.hits
                .iter()
                .map(move |&query_id| crate::listening::HitRow {
                    query_id,
                    item_id,
                    author_id,
                    network: &a.item.network,
                    lang: a.lang.as_deref(),
                    sentiment: a.sentiment,
                })
        })
        .collect();
    crate::listening::store_hits(tx, &hits)?;
    state.hits += hits.len();
    crate::store::counts::add(
        tx,
        &[
            ("items", report.inserted as i64),
            ("conversations", pending.conversations_added),
            ("authors", pending.authors_added),
        ],
    )?;
    Ok((report, to_index))
}

fn upsert_author(
    tx: &Transaction<'_>,
    st: &mut Statements<'_>,
    state: &mut WriterState,
    item: &NewItem,
    now: i64,
    pending: &mut Pending,
) -> Result<i64> {
    let a = &item.author;
    let handle = if a.handle.trim().is_empty() {
        "unknown"
    } else {
        a.handle.trim()
    };
    let key = (item.network.clone(), handle.to_owned());
    if let Some(seen) = state.authors.get(&key) {
        let unchanged = (a.display_name.is_none() || a.display_name == seen.display_name)
            && (a.followers.is_none() || a.followers == seen.followers);
        if unchanged {
            return Ok(seen.id);
        }
    }
    // Look up, then insert or update only what changed: an upsert with
    // `RETURNING` runs as a trigger, which costs a statement journal per call.
    type Stored = (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let stored: Option<Stored> = st
        .find_author
        .query_row(params![item.network, handle], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let values = params![
        item.network,
        handle,
        a.display_name,
        a.url,
        a.avatar_url,
        a.followers,
        now
    ];
    let id = match stored {
        None => {
            st.new_author.execute(values)?;
            pending.authors_added += 1;
            tx.last_insert_rowid()
        }
        Some((id, display_name, url, avatar_url, followers)) => {
            let changed = |new: &Option<String>, old: &Option<String>| new.is_some() && new != old;
            if changed(&a.display_name, &display_name)
                || changed(&a.url, &url)
                || changed(&a.avatar_url, &avatar_url)
                || (a.followers.is_some() && a.followers != followers)
            {
                st.update_author.execute(values)?;
            }
            id
        }
    };
    state.authors.insert(
        key,
        AuthorSeen {
            id,
            display_name: a.display_name.clone(),
            followers: a.followers,
        },
    );
    Ok(id)
}

/// Finds or creates the conversation an item belongs to, merging a provisional
/// conversation that was waiting for this very item.
fn resolve_conversation(
    tx: &Transaction<'_>,
    st: &mut Statements<'_>,
    state: &mut WriterState,
    item: &NewItem,
    account_id: Option<i64>,
    now: i64,
    pending: &mut Pending,
) -> Result<(i64, bool)> {
    let net = &item.network;
    let mut found: Option<i64> = None;
    let mut provisional = false;
    let key = if let Some(root) = &item.root_remote_id {
        root.clone()
    } else if let Some(parent) = &item.parent_remote_id {
        found = match state.item_conversations.get(&(net.clone(), parent.clone())) {
            Some(&id) => Some(id),
            None => st
                .item_conversation
                .query_row(params![net, parent], |r| r.get(0))
                .optional()?,
        };
        // Until the parent arrives, the thread is filed under the parent's id.
        provisional = true;
        parent.clone()
    } else {
        item.remote_id.clone()
    };
    let mut created = false;
    let conversation_id = match found {
        Some(id) => id,
        None => {
            let cache_key = (net.clone(), key.clone());
            let existing = match state.conversations.get(&cache_key) {
                Some(&id) => Some(id),
                None => st
                    .conversation_by_key
                    .query_row(params![net, key], |r| r.get(0))
                    .optional()?,
            };
            let id = match existing {
                Some(id) => id,
                None => {
                    created = true;
                    let id = pending.next_id;
                    pending.next_id += 1;
                    pending.fresh.insert(
                        id,
                        FreshConversation {
                            network: net.clone(),
                            root_key: key.clone(),
                            provisional,
                            account_id,
                            first_activity: item.created_at,
                        },
                    );
                    id
                }
            };
            state.conversations.insert(cache_key, id);
            id
        }
    };
    if key == item.remote_id {
        // The root itself has arrived: the key is final. A conversation new in
        // this batch (this item's own, or one its replies started) is settled
        // in memory; a stored one in its row.
        if let Some(fresh) = pending.fresh.get_mut(&conversation_id) {
            fresh.provisional = false;
        } else {
            st.settle_conversation.execute([conversation_id])?;
        }
    } else if item.root_remote_id.is_none() {
        // Replies that arrived before this item were filed under its id: in
        // this batch, or already stored.
        let fresh = state
            .conversations
            .get(&(net.clone(), item.remote_id.clone()))
            .filter(|id| pending.fresh.get(id).is_some_and(|f| f.provisional))
            .copied();
        let waiting: Option<i64> = match fresh {
            Some(id) => Some(id),
            None => st
                .provisional_by_key
                .query_row(params![net, item.remote_id], |r| r.get(0))
                .optional()?,
        };
        if let Some(orphan) = waiting.filter(|&o| o != conversation_id) {
            flush_deltas(tx, st, pending, state.source.is_some(), now)?;
            merge_conversations(tx, orphan, conversation_id)?;
            pending.merged.insert(orphan, conversation_id);
            pending.conversations_added -= 1;
            state.forget_threads();
        }
    }
    Ok((conversation_id, created))
}

/// Moves everything of conversation `from` into `into` and deletes `from`,
/// with its children (ingest runs without cascades).
fn merge_conversations(tx: &Transaction<'_>, from: i64, into: i64) -> Result<()> {
    tx.execute_batch(&format!(
        "UPDATE items SET conversation_id = {into} WHERE conversation_id = {from};
         INSERT OR IGNORE INTO conversation_tags (tag, conversation_id)
            SELECT tag, {into} FROM conversation_tags WHERE conversation_id = {from};
         UPDATE outbox SET conversation_id = {into} WHERE conversation_id = {from};
         INSERT OR IGNORE INTO drafts (conversation_id, account_id, body, updated_at)
            SELECT {into}, account_id, body, updated_at FROM drafts WHERE conversation_id = {from};
         -- A saved thread that grew is fetched whole again.
         INSERT OR IGNORE INTO saved_fetches (conversation_id, requested_at)
            SELECT {into}, requested_at FROM saved_fetches WHERE conversation_id = {from};
         -- Ingest writes with foreign keys off (Store::write_unchecked): no cascades.
         DELETE FROM conversation_tags WHERE conversation_id = {from};
         DELETE FROM drafts WHERE conversation_id = {from};
         DELETE FROM saved_fetches WHERE conversation_id = {from};
         UPDATE conversations AS c SET
            item_count = c.item_count + o.item_count,
            unread_count = c.unread_count + o.unread_count,
            last_item_id = CASE WHEN o.last_activity_at > c.last_activity_at
                                THEN o.last_item_id ELSE c.last_item_id END,
            last_activity_at = max(c.last_activity_at, o.last_activity_at),
            last_incoming_item_id = nullif(max(coalesce(c.last_incoming_item_id, 0),
                                               coalesce(o.last_incoming_item_id, 0)), 0),
            first_incoming_at = CASE WHEN c.first_incoming_at IS NULL THEN o.first_incoming_at
                                     WHEN o.first_incoming_at IS NULL THEN c.first_incoming_at
                                     ELSE min(c.first_incoming_at, o.first_incoming_at) END,
            first_response_at = coalesce(c.first_response_at, o.first_response_at),
            saved = max(c.saved, o.saved),
            urgent = max(c.urgent, o.urgent),
            priority = max(c.priority, o.priority),
            account_id = coalesce(c.account_id, o.account_id)
          FROM (SELECT * FROM conversations WHERE id = {from}) AS o
          WHERE c.id = {into};
         DELETE FROM conversations WHERE id = {from};"
    ))?;
    Ok(())
}

/// Where an item came from: the account it arrived through (or that wrote it),
/// and the listening source that brought it.
struct Provenance {
    account_id: Option<i64>,
    from_us: bool,
    source_id: Option<i64>,
}

/// Inserts the item; `None` if it was already stored.
fn insert_item(
    st: &mut Statements<'_>,
    a: &Analysed,
    conversation_id: i64,
    author_id: i64,
    from: Provenance,
    now: i64,
) -> Result<Option<i64>> {
    let item = &a.item;
    let mut id = item_id(item.created_at, &item.network, &item.remote_id);
    for _ in 0..256 {
        let result = st.insert_item.execute(params![
            id,
            item.network,
            item.remote_id,
            from.account_id,
            conversation_id,
            item.parent_remote_id,
            author_id,
            item.kind.as_str(),
            a.text,
            a.html,
            item.url,
            a.lang,
            a.sentiment,
            a.has_link,
            from.from_us,
            item.created_at,
            now,
            from.source_id,
        ]);
        match result {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(id)),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                // Two items in the same millisecond with colliding hash bits: next slot.
                id += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Invalid(format!(
        "no free id for item {} at {}",
        item.remote_id, item.created_at
    )))
}

fn flush_deltas(
    tx: &Transaction<'_>,
    st: &mut Statements<'_>,
    pending: &mut Pending,
    from_source: bool,
    now: i64,
) -> Result<()> {
    // New conversations first, each written once with its counters (also those
    // with no item yet: a merge may be about to move items into one).
    for (id, f) in pending.fresh.drain() {
        pending.conversations_added += 1;
        let d = pending.deltas.remove(&id).unwrap_or_default();
        // What note_our_replies would set, written with the row so that its
        // index entries are written once.
        let first_response = d
            .first_incoming
            .and_then(|fi| d.our_replies.iter().copied().filter(|&t| t >= fi).min());
        st.insert_conversation.execute(params![
            id,
            f.network,
            f.root_key,
            f.provisional,
            f.account_id.or(d.account_id),
            f.first_activity.max(d.last_activity),
            now,
            d.items,
            d.unread,
            (d.items > 0).then_some(d.last_item_id),
            d.last_incoming_item_id,
            d.first_incoming,
            from_source,
            first_response
        ])?;
        note_our_replies(tx, id, &d.our_replies)?;
    }
    for (id, d) in pending.deltas.drain() {
        st.update_counts.execute(params![
            id,
            d.items,
            d.unread,
            d.last_activity,
            d.last_item_id,
            d.last_incoming_item_id,
            from_source
        ])?;
        // With no incoming item and no account, none of them can change.
        if d.first_incoming.is_some() || d.account_id.is_some() {
            st.update_firsts.execute(params![
                id,
                d.first_incoming,
                d.account_id,
                d.latest_incoming
            ])?;
        }
        note_our_replies(tx, id, &d.our_replies)?;
    }
    Ok(())
}

/// Our replies in a conversation: the first response is our earliest reply
/// after the first incoming item, and a reply shows we read what came before it.
fn note_our_replies(tx: &Transaction<'_>, id: i64, our_replies: &[i64]) -> Result<()> {
    if our_replies.is_empty() {
        return Ok(());
    }
    let (first_incoming, stored_response): (Option<i64>, Option<i64>) = tx
        .prepare_cached(
            "SELECT first_incoming_at, first_response_at FROM conversations WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let first_response = first_incoming.and_then(|fi| {
        our_replies
            .iter()
            .copied()
            .chain(stored_response)
            .filter(|&t| t >= fi)
            .min()
    });
    let latest_reply = our_replies.iter().copied().max().unwrap_or(i64::MIN);
    // first_response_at only where it changes: it is in the report's index.
    if first_response == stored_response {
        tx.prepare_cached(
            "UPDATE conversations SET unread_count = (SELECT count(*) FROM items
                WHERE conversation_id = ?1 AND from_us = 0 AND created_at > ?2)
             WHERE id = ?1",
        )?
        .execute(params![id, latest_reply])?;
    } else {
        tx.prepare_cached(
            "UPDATE conversations SET first_response_at = ?3, unread_count = (SELECT count(*)
                FROM items WHERE conversation_id = ?1 AND from_us = 0 AND created_at > ?2)
             WHERE id = ?1",
        )?
        .execute(params![id, latest_reply, first_response])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::TriageState;
    use crate::sync::testing::{conversation_of, item, workspace};
    use crate::Workspace;

    /// Conversations written by an `UPDATE` naming a column of the report's index
    /// in its SET list (a trigger `OF` those columns fires whether they changed or not).
    fn index_writes(ws: &Workspace) -> Vec<i64> {
        ws.store()
            .write(|tx| -> Result<Vec<i64>> {
                let ids = tx
                    .prepare("SELECT id FROM index_writes ORDER BY rowid")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                tx.execute("DELETE FROM index_writes", [])?;
                Ok(ids)
            })
            .unwrap()
    }

    #[test]
    fn ingest_writes_the_report_index_columns_only_where_they_change() {
        let (_dir, ws, _) = workspace();
        ws.store()
            .write(|tx| {
                tx.execute_batch(
                    "CREATE TABLE index_writes (id INTEGER);
                     CREATE TRIGGER index_writes AFTER UPDATE OF
                        first_incoming_at, network, account_id, first_response_at, state,
                        state_changed_at ON conversations
                     BEGIN INSERT INTO index_writes VALUES (new.id); END;",
                )
            })
            .unwrap();
        let ours = |id: &str, parent: &str, at: i64| {
            let mut i = item(id, Some(parent), at);
            i.author.handle = "alice@example.test".into();
            i
        };
        let hour = 3_600_000;
        let t0 = ws.now() - 10 * hour;
        ws.ingest(vec![item("r", None, t0)]).unwrap();
        let c = conversation_of(&ws, "r");
        assert!(
            index_writes(&ws).is_empty(),
            "a new conversation is inserted once"
        );

        ws.ingest(vec![item("a", Some("r"), t0 + hour)]).unwrap();
        assert!(
            index_writes(&ws).is_empty(),
            "a later incoming reply changes no first incoming item, account or state"
        );
        ws.ingest(vec![ours("o1", "r", t0 + 2 * hour)]).unwrap();
        assert_eq!(
            index_writes(&ws),
            vec![c],
            "our first reply is the first response"
        );
        ws.ingest(vec![ours("o2", "r", t0 + 3 * hour)]).unwrap();
        assert!(
            index_writes(&ws).is_empty(),
            "a second reply is not the first response"
        );

        ws.set_state(c, TriageState::Done, None).unwrap();
        index_writes(&ws);
        ws.ingest(vec![item("old", Some("r"), t0 - hour)]).unwrap();
        assert_eq!(
            index_writes(&ws),
            vec![c],
            "an older item is the first incoming one"
        );
        let state = |ws: &Workspace| -> String {
            ws.store()
                .read(|conn| -> Result<String> {
                    Ok(conn.query_row(
                        "SELECT state FROM conversations WHERE id = ?1",
                        [c],
                        |r| r.get(0),
                    )?)
                })
                .unwrap()
        };
        assert_eq!(
            state(&ws),
            "done",
            "a backfill of old items does not undo triage"
        );
        ws.ingest(vec![item("new", Some("r"), ws.now() + hour)])
            .unwrap();
        assert_eq!(
            index_writes(&ws),
            vec![c],
            "new incoming activity reopens it"
        );

        let row: (i64, Option<i64>, String) = ws
            .store()
            .read(|conn| -> Result<_> {
                Ok(conn.query_row(
                    "SELECT first_incoming_at, first_response_at, state FROM conversations
                     WHERE id = ?1",
                    [c],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .unwrap();
        assert_eq!(
            row,
            (t0 - hour, Some(t0 + 2 * hour), "open".to_string()),
            "the new reply reopened it"
        );
    }

    /// The pipeline ends, with every batch written in order, whether the writer
    /// takes all of them or stops with an error after the first (the analysis
    /// thread, waiting to free the written batches, must not keep it waiting).
    /// Its first transactions have one batch each, then bulk ones have up to
    /// three, and a writer that takes fewer leaves the rest to the next one.
    #[test]
    fn the_pipeline_ends_after_the_last_batch_and_after_an_error() {
        assert_eq!((BULK_AFTER, BULK_BATCHES_PER_TRANSACTION), (2, 3));
        let items = || (0..BATCH * 8 + 5).map(|i| item(&i.to_string(), None, i as i64));
        let rules = crate::rules::RuleSet::default();
        let listening = crate::listening::QuerySet::default();
        let mut transactions = Vec::new();
        let mut first = Vec::new();
        let report = pipeline(
            items(),
            &rules,
            &listening,
            |batches| {
                let mut report = IngestReport::default();
                let mut sizes = Vec::new();
                for batch in &mut *batches {
                    sizes.push(batch.len());
                    first.push(batch[0].item.remote_id.clone());
                    report.received += batch.len();
                    if transactions.len() == 3 {
                        // Someone wants the writer: this one commits early,
                        // though offered up to three (two more after this).
                        assert_eq!(batches.size_hint().1, Some(2));
                        break;
                    }
                }
                transactions.push(sizes);
                Ok(report)
            },
            |_| {},
        )
        .unwrap();
        let b = BATCH;
        assert_eq!(
            transactions,
            vec![vec![b], vec![b], vec![b, b, b], vec![b], vec![b, b, 5]]
        );
        let expected: Vec<String> = (0..9).map(|i| (i * BATCH).to_string()).collect();
        assert_eq!(first, expected, "every batch, in order");
        assert_eq!(report.received, BATCH * 8 + 5);

        let mut calls = 0;
        let err = pipeline(
            items(),
            &rules,
            &listening,
            |batches| {
                calls += 1;
                assert_eq!(batches.next().map(|b| b.len()), Some(BATCH));
                Err(crate::Error::Invalid("the disk is full".into()))
            },
            |_| {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("the disk is full"), "{err}");
        assert_eq!(calls, 1);
    }

    /// A large ingest writes in bulk, but never keeps a write waiting for more
    /// than the batch under way: each transaction after someone asks for the
    /// writer holds one batch.
    #[test]
    fn a_bulk_ingest_lets_a_waiting_write_in_after_each_batch() {
        let (_dir, ws, _) = workspace();
        let items = (0..BATCH * 5).map(|i| item(&format!("b{i}"), None, i as i64));
        let done = std::sync::atomic::AtomicBool::new(false);
        let mut steps = Vec::new();
        let triaged = std::thread::scope(|scope| {
            let mut triage = None;
            let report = ws
                .ingest_with_progress(items, |report| {
                    steps.push(report.inserted);
                    if steps.len() == BULK_AFTER {
                        // From the first bulk transaction on, a triage keeps asking.
                        triage = Some(scope.spawn(|| {
                            let mut writes = 0;
                            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                                ws.store()
                                    .write(|tx| tx.execute_batch("PRAGMA user_version"))
                                    .unwrap();
                                writes += 1;
                                std::thread::sleep(std::time::Duration::from_millis(5));
                            }
                            writes
                        }));
                    }
                })
                .unwrap();
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            assert_eq!(report.inserted, BATCH * 5);
            triage.unwrap().join().unwrap()
        });
        assert!(triaged >= 3, "the triage got in {triaged} times");
        let expected: Vec<usize> = (1..=5).map(|n| n * BATCH).collect();
        assert_eq!(
            steps, expected,
            "one batch per transaction while someone waits"
        );
    }

    /// The nice value of the calling thread, as the kernel reports it.
    #[cfg(target_os = "linux")]
    fn own_nice() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // After the name in parentheses (which may hold spaces): state is the
        // third field, nice the nineteenth.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        fields[16].parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_analysis_thread_yields_to_the_writer() {
        let writer = own_nice();
        let analysis = std::sync::Mutex::new(None);
        let mut written = None;
        pipeline(
            (0..3)
                .map(|i| item(&format!("n{i}"), None, 1_000 + i))
                .inspect(|_| {
                    analysis.lock().unwrap().get_or_insert_with(own_nice);
                }),
            &crate::rules::RuleSet::default(),
            &crate::listening::QuerySet::default(),
            |batches| {
                written = Some(own_nice());
                Ok(IngestReport {
                    received: batches.map(|b| b.len()).sum(),
                    ..Default::default()
                })
            },
            |_| {},
        )
        .unwrap();
        assert_eq!(
            *analysis.lock().unwrap(),
            Some((writer + HELPER_NICE).min(19))
        );
        assert_eq!(written, Some(writer), "the writer keeps its priority");
        assert_eq!(own_nice(), writer);
    }

    #[test]
    fn item_ids_sort_by_time() {
        let a = item_id(1_700_000_000_000, "mastodon", "1");
        let b = item_id(1_700_000_000_001, "mastodon", "0");
        assert!(a < b);
        assert_eq!(item_id_time(a), 1_700_000_000_000);
        assert!(
            item_id(-5, "n", "x") >= 0,
            "times before 1970 clamp to zero"
        );
    }
}
