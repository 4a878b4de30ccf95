//! Forward-only schema migrations, tracked in `PRAGMA user_version`.
//!
//! Each entry is applied once, in order, inside its own transaction. Never edit
//! a migration that has shipped: add a new one.

use std::path::Path;

use rusqlite::{params, Connection, Transaction};

use super::StoreError;

/// One migration's work: SQL, or code where SQL alone cannot do it.
pub enum Step {
    Sql(&'static str),
    Code(fn(&Transaction<'_>) -> rusqlite::Result<()>),
}

/// The migrations, in order; `MIGRATIONS[n]` brings the schema to version `n + 1`.
pub const MIGRATIONS: &[(&str, Step)] = &[
    (
        "core: accounts, authors, contacts, conversations, items, FTS5",
        Step::Sql(V1_CORE),
    ),
    (
        "listening queries and hits, sources, rules and their effects",
        Step::Sql(V2_LISTENING_RULES),
    ),
    ("drafts, outbox, sync cursors, settings", Step::Sql(V3_ANSWERS_SYNC)),
    (
        "accounts' remote ids and sign-in state, per-feed sync status",
        Step::Sql(V4_ACCOUNT_SYNC),
    ),
    (
        "saved conversations fetched whole, media cached in the database",
        Step::Sql(V5_SAVED_MEDIA),
    ),
    (
        "an index of high-priority conversations for the inbox's priority filter",
        Step::Sql(V6_PRIORITY_INDEX),
    ),
    (
        "listening: sources' poll state, conversations only sources brought, hits the dashboard reads alone",
        Step::Sql(V7_LISTENING),
    ),
    (
        "attachments of items (images, video, audio, link cards)",
        Step::Sql(V8_ATTACHMENTS),
    ),
    (
        "listening: per-(query, hour) totals of hits, by network and language",
        Step::Sql(V9_LISTENING_ROLLUPS),
    ),
    (
        "reports: an index holding every item column the report reads",
        Step::Sql(V10_REPORT_INDEX),
    ),
    (
        "reports: an index of conversations by first incoming item, holding every column the report reads",
        Step::Sql(V11_REPORT_CONVERSATIONS),
    ),
    (
        "listening: per-(query, day, author) counts of hits",
        Step::Sql(V12_LISTENING_AUTHORS),
    ),
    (
        "row counts of items, conversations and authors, kept by ingest",
        Step::Sql(V13_ROW_COUNTS),
    ),
    (
        "an index of the conversations holding unread urgent items, for their count",
        Step::Sql(V14_URGENT_UNREAD),
    ),
    (
        "rules: why they fired, a row per item instead of a row per firing",
        Step::Sql(V15_ITEM_REASONS),
    ),
    (
        "a person's items through an index keyed by time bucket, then author",
        Step::Sql(V16_AUTHOR_BUCKETS),
    ),
    (
        "CHECK constraints on lists of values written as comparisons",
        Step::Code(v17_check_lists),
    ),
    (
        "the search index moves to a file of its own (see store::search)",
        Step::Sql(V18_SEARCH_FILE),
    ),
    (
        "rules: each rule's reason stored once, items listing the ids of theirs",
        Step::Sql(V19_RULE_REASONS),
    ),
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// Applies every migration the database has not seen yet.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    migrate_to(conn, path, latest())
}

/// Applies migrations up to `target` (tests use this to stop part-way).
pub fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > latest() {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: current,
            known: latest(),
        });
    }
    for (index, (_, step)) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version <= current || version > target {
            continue;
        }
        let tx = conn.transaction()?;
        match step {
            Step::Sql(sql) => tx.execute_batch(sql)?,
            Step::Code(run) => run(&tx)?,
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

const V1_CORE: &str = r#"
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    network      TEXT NOT NULL,
    server       TEXT NOT NULL DEFAULT '',
    handle       TEXT NOT NULL,
    display_name TEXT,
    -- 'signed-in' (secrets in the vault), 'import' or 'demo' (no secrets at all)
    origin       TEXT NOT NULL DEFAULT 'signed-in' CHECK (origin IN ('signed-in', 'import', 'demo')),
    created_at   INTEGER NOT NULL,
    UNIQUE (network, server, handle)
);

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    notes      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE contact_tags (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
) WITHOUT ROWID;

CREATE TABLE authors (
    id           INTEGER PRIMARY KEY,
    network      TEXT NOT NULL,
    handle       TEXT NOT NULL,
    display_name TEXT,
    url          TEXT,
    avatar_url   TEXT,
    followers    INTEGER,
    contact_id   INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (network, handle)
);
CREATE INDEX authors_contact ON authors (contact_id) WHERE contact_id IS NOT NULL;

CREATE TABLE conversations (
    id                 INTEGER PRIMARY KEY,
    network            TEXT NOT NULL,
    -- remote id of the thread's root, or of the oldest known ancestor until the root arrives
    root_key           TEXT NOT NULL,
    -- 1 while root_key is only the parent of the first reply seen (the root is not known yet)
    provisional        INTEGER NOT NULL DEFAULT 0,
    account_id         INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    state              TEXT NOT NULL DEFAULT 'open'
                       CHECK (state IN ('open', 'pending', 'snoozed', 'done')),
    snooze_until       INTEGER,
    snooze_until_reply INTEGER NOT NULL DEFAULT 0,
    state_changed_at   INTEGER,
    priority           INTEGER NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 3),
    saved              INTEGER NOT NULL DEFAULT 0,
    urgent             INTEGER NOT NULL DEFAULT 0,
    unread_count       INTEGER NOT NULL DEFAULT 0,
    item_count         INTEGER NOT NULL DEFAULT 0,
    last_activity_at   INTEGER NOT NULL,
    last_item_id       INTEGER,
    -- the newest item not written by us: whose conversation it is, in the inbox row
    last_incoming_item_id INTEGER,
    first_incoming_at  INTEGER,
    first_response_at  INTEGER,
    created_at         INTEGER NOT NULL,
    UNIQUE (network, root_key)
);
CREATE INDEX conversations_by_activity ON conversations (last_activity_at DESC, id DESC);
CREATE INDEX conversations_by_state ON conversations (state, last_activity_at DESC, id DESC);
-- No per-account index: a list of one account's conversations walks the state
-- index (a manager has a handful of accounts), and every index on
-- last_activity_at is rewritten on each new item.
CREATE INDEX conversations_provisional
    ON conversations (network, root_key) WHERE provisional = 1;
CREATE INDEX conversations_saved
    ON conversations (last_activity_at DESC, id DESC) WHERE saved = 1;

CREATE TABLE conversation_tags (
    tag             TEXT NOT NULL,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    PRIMARY KEY (tag, conversation_id)
) WITHOUT ROWID;
CREATE INDEX conversation_tags_by_conversation ON conversation_tags (conversation_id);

-- Item ids are time-ordered: (created_at in ms << 20) | 20 bits of the remote id's hash,
-- so rowid order is newest-first order, for the table and for its FTS5 index alike.
CREATE TABLE items (
    id               INTEGER PRIMARY KEY,
    network          TEXT NOT NULL,
    remote_id        TEXT NOT NULL,
    account_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    parent_remote_id TEXT,
    author_id        INTEGER NOT NULL REFERENCES authors(id),
    kind             TEXT NOT NULL CHECK (kind IN ('mention', 'reply', 'dm', 'comment', 'post')),
    text             TEXT NOT NULL,
    html             TEXT NOT NULL,
    url              TEXT,
    lang             TEXT,
    sentiment        REAL,
    has_link         INTEGER NOT NULL DEFAULT 0,
    from_us          INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    ingested_at      INTEGER NOT NULL,
    UNIQUE (network, remote_id)
);
CREATE INDEX items_by_conversation ON items (conversation_id, created_at);
CREATE INDEX items_by_author ON items (author_id, id);

CREATE VIRTUAL TABLE items_fts USING fts5(
    text,
    content = 'items',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Merge segments less eagerly than FTS5's default (4): bulk ingest spends far
-- less time rewriting the index, searches stay within their targets.
INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16);
-- New items are indexed by the ingest writer in the same transaction, not by an
-- insert trigger: a trigger makes every insert a statement with a savepoint, and
-- FTS5 flushes its pending terms to disk at each savepoint (one tiny segment per
-- item, then merges), which costs ~5x in ingest throughput.
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER items_fts_update AFTER UPDATE OF text ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO items_fts (rowid, text) VALUES (new.id, new.text);
END;
"#;

const V2_LISTENING_RULES: &str = r#"
CREATE TABLE sources (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,          -- 'rss', 'hackernews', 'bluesky-search', 'mastodon-tag', …
    target         TEXT NOT NULL,          -- feed URL, search terms, hashtag
    interval_secs  INTEGER NOT NULL DEFAULT 900,
    etag           TEXT,
    last_modified  TEXT,
    last_polled_at INTEGER,
    created_at     INTEGER NOT NULL,
    UNIQUE (kind, target)
);
ALTER TABLE items ADD COLUMN source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL;

CREATE TABLE listening_queries (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE listening_hits (
    query_id   INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    PRIMARY KEY (query_id, item_id)
) WITHOUT ROWID;

CREATE TABLE rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1,
    conditions TEXT NOT NULL,   -- JSON
    actions    TEXT NOT NULL,   -- JSON
    builtin    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE rule_effects (
    id         INTEGER PRIMARY KEY,
    rule_id    INTEGER REFERENCES rules(id) ON DELETE SET NULL,
    item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,   -- why it fired, in words the inbox shows
    created_at INTEGER NOT NULL
);
CREATE INDEX rule_effects_by_item ON rule_effects (item_id);
"#;

const V3_ANSWERS_SYNC: &str = r#"
CREATE TABLE drafts (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    account_id      INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    body            TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE saved_replies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    conversation_id     INTEGER NOT NULL REFERENCES conversations(id),
    account_id          INTEGER NOT NULL REFERENCES accounts(id),
    in_reply_to_item_id INTEGER REFERENCES items(id),
    body                TEXT NOT NULL,
    -- chosen before the first attempt, so a retry can never post twice
    idempotency_key     TEXT NOT NULL UNIQUE,
    state               TEXT NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'sending', 'sent', 'refused', 'cancelled')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    not_before          INTEGER NOT NULL,
    last_error          TEXT,
    remote_id           TEXT,
    remote_url          TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, not_before);

CREATE TABLE sync_cursors (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    feed       TEXT NOT NULL,     -- 'notifications', 'conversations', …
    cursor     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, feed)
) WITHOUT ROWID;

-- Triage done offline, replayed to the network in order, once.
CREATE TABLE pending_actions (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    action          TEXT NOT NULL,   -- JSON
    created_at      INTEGER NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL            -- JSON; never a secret
) WITHOUT ROWID;
"#;

const V4_ACCOUNT_SYNC: &str = r#"
-- The account's own id on its network (a DID, a numeric id): how mentions of it
-- are recognised and its own replies told apart.
ALTER TABLE accounts ADD COLUMN remote_user_id TEXT;
-- 'ok', or 'reauth' once the network refused its credentials.
ALTER TABLE accounts ADD COLUMN auth_state TEXT NOT NULL DEFAULT 'ok'
    CHECK (auth_state IN ('ok', 'reauth'));

-- What the last sync of each feed did, for the sync status the UI shows.
CREATE TABLE sync_status (
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    feed          TEXT NOT NULL,
    last_ok_at    INTEGER,
    last_error    TEXT,        -- never holds a secret
    failures      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, feed)
) WITHOUT ROWID;
"#;

const V5_SAVED_MEDIA: &str = r#"
-- Saved conversations to fetch whole: asked for when saved, done when fetched.
CREATE TABLE saved_fetches (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    requested_at    INTEGER NOT NULL,
    fetched_at      INTEGER,          -- NULL (or older than requested_at): due
    last_error      TEXT
);

-- Images (avatars, attachments) as BLOBs inside the encrypted cache, never as files.
CREATE TABLE media (
    id           INTEGER PRIMARY KEY,
    url          TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    fetched_at   INTEGER NOT NULL
);
"#;

const V6_PRIORITY_INDEX: &str = r#"
-- The inbox filtered to high priority walks only those conversations, newest first.
-- Partial, so new items in the (many) other conversations never rewrite it.
CREATE INDEX conversations_high_priority
    ON conversations (last_activity_at DESC, id DESC) WHERE priority >= 2;
"#;

const V7_LISTENING: &str = r#"
-- Conversations holding only items from listening sources (feeds, network searches):
-- the inbox leaves them out until an item arrives through an account.
ALTER TABLE conversations ADD COLUMN listening_only INTEGER NOT NULL DEFAULT 0;
-- What polling a source needs beyond v2's conditional GET fields.
ALTER TABLE sources ADD COLUMN name TEXT;
ALTER TABLE sources ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sources ADD COLUMN cursor TEXT;
ALTER TABLE sources ADD COLUMN last_error TEXT;   -- never holds a secret
ALTER TABLE sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
-- Partial: items from accounts (most) are not in it, so ingest rarely writes it.
CREATE INDEX items_by_source ON items (source_id) WHERE source_id IS NOT NULL;
-- The dashboard aggregates hits without reading their item rows.
ALTER TABLE listening_hits ADD COLUMN author_id INTEGER;
ALTER TABLE listening_hits ADD COLUMN network TEXT;
ALTER TABLE listening_hits ADD COLUMN lang TEXT;
ALTER TABLE listening_hits ADD COLUMN sentiment REAL;
UPDATE listening_hits SET author_id = i.author_id, network = i.network, lang = i.lang,
    sentiment = i.sentiment
    FROM items i WHERE i.id = listening_hits.item_id;
"#;

const V9_LISTENING_ROLLUPS: &str = r#"
-- The dashboard reads a query's volume, sentiment, networks and languages over a long
-- range from these, a row per hour, not a row per hit. Written with the hits (ingest,
-- retroactive runs); hours are the UTC hours of the items' creation (item id >> 20).
CREATE TABLE listening_rollups (
    query_id      INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    hour          INTEGER NOT NULL,   -- Unix ms
    network       TEXT NOT NULL,      -- 'unknown' for hits without one
    lang          TEXT NOT NULL,      -- 'unknown' for hits without one
    hits          INTEGER NOT NULL,
    negative      INTEGER NOT NULL,   -- scored hits by band (see query::NEGATIVE_BELOW)
    neutral       INTEGER NOT NULL,
    positive      INTEGER NOT NULL,
    sentiment_sum REAL NOT NULL,      -- of the scored hits
    PRIMARY KEY (query_id, hour, network, lang)
) WITHOUT ROWID;
INSERT INTO listening_rollups
    (query_id, hour, network, lang, hits, negative, neutral, positive, sentiment_sum)
SELECT query_id, (item_id >> 20) / 3600000 * 3600000, coalesce(network, 'unknown'),
       coalesce(lang, 'unknown'), count(*),
       count(*) FILTER (WHERE sentiment <= -0.05),
       count(*) FILTER (WHERE sentiment > -0.05 AND sentiment < 0.05),
       count(*) FILTER (WHERE sentiment >= 0.05),
       coalesce(sum(sentiment), 0)
FROM listening_hits GROUP BY 1, 2, 3, 4;
"#;

const V10_REPORT_INDEX: &str = r#"
-- The report reads a period's items through this index alone (a range of ids is a
-- range of time), never the rows with their text and HTML. The question test is
-- an indexed expression, so the text is read once, when the item is written.
CREATE INDEX items_report ON items (
    id, network, account_id, author_id, from_us, sentiment, has_link,
    (CASE WHEN instr(text, '?') > 0 THEN remote_id END), parent_remote_id
);
"#;

const V11_REPORT_CONVERSATIONS: &str = r#"
-- The report reads the conversations whose first incoming item arrived in a period
-- through this index alone, a range of it, instead of every conversation's row.
-- Partial: a conversation with no incoming item is in no report's cohort. Ingest
-- writes these columns only where they change (SQLite rewrites an entry whenever
-- one of its columns is in an UPDATE's SET list).
CREATE INDEX conversations_report ON conversations (
    first_incoming_at, network, account_id, first_response_at,
    (CASE WHEN state = 'done' THEN state_changed_at END)
) WHERE first_incoming_at IS NOT NULL;
"#;

const V12_LISTENING_AUTHORS: &str = r#"
-- The dashboard's top authors (by volume and by reach) over a long range read a
-- row per author and day from this, not a row per hit. Written with the hits (ingest,
-- retroactive runs) beside listening_rollups; days are the UTC days of the items'
-- creation (item id >> 20). Hits stored without an author count for author 0.
CREATE TABLE listening_authors (
    query_id  INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    day       INTEGER NOT NULL,   -- Unix ms
    author_id INTEGER NOT NULL,
    hits      INTEGER NOT NULL,
    PRIMARY KEY (query_id, day, author_id)
) WITHOUT ROWID;
INSERT INTO listening_authors (query_id, day, author_id, hits)
SELECT query_id, (item_id >> 20) / 86400000 * 86400000, coalesce(author_id, 0), count(*)
FROM listening_hits GROUP BY 1, 2, 3;
"#;

const V13_ROW_COUNTS: &str = r#"
-- The workspace status's counts, kept by ingest (the only writer of these rows) in
-- the transaction that adds them, instead of a count(*) on every look, which at 1M
-- items reads and decrypts every page of an index (150-400 ms of CPU).
CREATE TABLE row_counts (
    name TEXT PRIMARY KEY,   -- 'items', 'conversations', 'authors'
    n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO row_counts (name, n)
SELECT 'items', count(*) FROM items
UNION ALL SELECT 'conversations', count(*) FROM conversations
UNION ALL SELECT 'authors', count(*) FROM authors;
"#;

const V14_URGENT_UNREAD: &str = r#"
-- The unread urgent count (tray, window title, Inbox button) is taken again after
-- every triage action and mark-read: through conversations_by_state it read the row of
-- every open and pending conversation, ~500 ms of CPU at 1M items, while the keys
-- went on. Partial, so it holds only the conversations it counts, and a new item in
-- any other conversation never writes it; urgent and unread_count are in it so that
-- the count reads the index alone.
CREATE INDEX conversations_urgent_unread ON conversations (state, urgent, unread_count)
    WHERE urgent = 1 AND unread_count > 0;
"#;

const V15_ITEM_REASONS: &str = r#"
-- Why rules fired on an item, one row per item: ingest wrote a row and an index
-- entry per firing (3.5 per item with 100 rules), each costing the writer more
-- than the row of the item itself. Keyed by the item's id, so rows are appended
-- in time order and need no other index. The two arrays are in firing order; a
-- deleted rule's id stays (the reason still says what it did).
CREATE TABLE item_reasons (
    item_id    INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    rule_ids   TEXT NOT NULL,   -- JSON array of rule ids
    reasons    TEXT NOT NULL,   -- JSON array of reasons, in words the inbox shows
    created_at INTEGER NOT NULL
);
INSERT INTO item_reasons (item_id, rule_ids, reasons, created_at)
SELECT item_id, json_group_array(rule_id ORDER BY id), json_group_array(reason ORDER BY id),
       max(created_at)
FROM rule_effects GROUP BY item_id;
DROP TABLE rule_effects;
"#;

const V16_AUTHOR_BUCKETS: &str = r#"
-- A person's items through an index keyed first by the item id's time bucket
-- (id >> 48: creation time in ms >> 28, buckets of ~3.1 days), then by author.
-- A batch of new items, all from a few days, writes its entries into the few
-- pages of its own buckets; keyed by author first, each entry went to a random
-- page of the whole index, and at 1M items that index was a third of all the
-- pages ingest wrote (each encrypted, written to the WAL and checkpointed).
-- Readers step from bucket to bucket (contacts::AUTHOR_BUCKETS).
DROP INDEX items_by_author;
CREATE INDEX items_by_author ON items ((id >> 48), author_id);
"#;

/// The CHECK constraints that name a list of values, by table and column.
const CHECK_LISTS: &[(&str, &str, &[&str])] = &[
    (
        "items",
        "kind",
        &["mention", "reply", "dm", "comment", "post"],
    ),
    (
        "conversations",
        "state",
        &["open", "pending", "snoozed", "done"],
    ),
    (
        "outbox",
        "state",
        &["queued", "sending", "sent", "refused", "cancelled"],
    ),
    ("accounts", "origin", &["signed-in", "import", "demo"]),
];

/// Rewrites each `CHECK (column IN ('a', 'b', 'c'))` as `CHECK (column = 'a' OR
/// column = 'b' OR column = 'c')`, which allows the same rows. SQLite evaluates
/// an IN list of more than two values by building a temporary b-tree of it, and
/// in a CHECK it does so for every row inserted (or updated in that column):
/// ~1.75 such b-trees per item ingested, ~3 µs each. The comparisons cost a few
/// instructions. No row changes, so the table definitions are edited in place,
/// as SQLite documents for changes that leave the stored content valid
/// (https://sqlite.org/lang_altertable.html#otheralter), rather than rebuilt.
/// Never write an IN list in a new CHECK constraint.
/// The full-text index leaves the cache file for a file of its own, written by
/// a thread of its own in parallel with the cache's writer; the store builds
/// it there from the items when it finds it missing (`store::search`).
const V18_SEARCH_FILE: &str = r#"
DROP TRIGGER IF EXISTS main.items_fts_delete;
DROP TRIGGER IF EXISTS main.items_fts_update;
DROP TABLE IF EXISTS main.items_fts;
"#;

const V19_RULE_REASONS: &str = r#"
-- A rule gives the same reason on many items ("tagged billing: 'refund'"): each
-- (rule, reason) is stored once, and an item's row lists the ids of its own.
-- With 100 rules firing 3.5 times an item, the texts were most of the bytes
-- ingest wrote for the rules. Reasons stay when items and rules go: they are
-- few, and what a reason says was true when it was given. A rule since deleted
-- (a null in the old rule ids) is rule 0.
CREATE TABLE rule_reasons (
    id      INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL,
    text    TEXT NOT NULL,
    UNIQUE (rule_id, text)
);
INSERT OR IGNORE INTO rule_reasons (rule_id, text)
SELECT coalesce(r.value, 0), w.value
FROM item_reasons i, json_each(i.rule_ids) r, json_each(i.reasons) w
WHERE w.key = r.key ORDER BY i.item_id, r.key;
CREATE TABLE item_reasons_v19 (
    item_id    INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    reason_ids TEXT NOT NULL   -- JSON array of ids in rule_reasons, in firing order
);
INSERT INTO item_reasons_v19 (item_id, reason_ids)
SELECT i.item_id,
       (SELECT json_group_array(t.id ORDER BY r.key)
        FROM json_each(i.rule_ids) r JOIN json_each(i.reasons) w ON w.key = r.key
        JOIN rule_reasons t ON t.rule_id = coalesce(r.value, 0) AND t.text = w.value)
FROM item_reasons i;
DROP TABLE item_reasons;
ALTER TABLE item_reasons_v19 RENAME TO item_reasons;
"#;

fn v17_check_lists(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let version: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
    tx.pragma_update(None, "writable_schema", true)?;
    let edited = (|| {
        for (table, column, values) in CHECK_LISTS {
            let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
            let list = format!("CHECK ({column} IN ({}))", quoted.join(", "));
            let comparisons: Vec<String> =
                quoted.iter().map(|q| format!("{column} = {q}")).collect();
            let rewritten = format!("CHECK ({})", comparisons.join(" OR "));
            tx.execute(
                "UPDATE sqlite_schema SET sql = replace(sql, ?2, ?3)
                 WHERE type = 'table' AND name = ?1",
                params![table, list, rewritten],
            )?;
        }
        // Every connection, this one included, reads the schema again.
        tx.pragma_update(None, "schema_version", version + 1)
    })();
    tx.pragma_update(None, "writable_schema", false)?;
    edited?;
    // Reading each table parses its new definition (a whole-file check would
    // read every page of a large cache at start-up).
    for (table, _, _) in CHECK_LISTS {
        tx.prepare(&format!("SELECT * FROM {table} LIMIT 0"))?
            .query([])?
            .next()?;
    }
    Ok(())
}

const V8_ATTACHMENTS: &str = r#"
-- What an item carries besides its text, as its network described it. Only the
-- preview is ever fetched, into the media table; the URLs are opened in the browser.
CREATE TABLE attachments (
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL,   -- image, video, gifv, audio, link, unknown
    url         TEXT,
    preview_url TEXT,
    alt         TEXT,
    width       INTEGER,
    height      INTEGER,
    PRIMARY KEY (item_id, position)
) WITHOUT ROWID;
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CacheKey, Encryption, Store, StoreError, DB_FILE};
    use rusqlite::OpenFlags;

    fn open_raw(path: &Path, key: &CacheKey) -> Connection {
        let conn = crate::store::connect(path, OpenFlags::default()).unwrap();
        crate::store::unlock(&conn, key).unwrap();
        conn
    }

    /// A new encrypted database brought to schema `version`: its directory (kept
    /// while in use), its path and a connection to it.
    fn at_version(version: i64) -> (tempfile::TempDir, std::path::PathBuf, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let mut conn = open_raw(&path, &CacheKey::generate().unwrap());
        migrate_to(&mut conn, &path, version).unwrap();
        (dir, path, conn)
    }

    fn objects(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    /// Each migration, applied on top of the previous version holding data, adds
    /// its objects and keeps what was there.
    #[test]
    fn each_migration_applies_forward_and_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let key = CacheKey::generate().unwrap();
        let mut conn = open_raw(&path, &key);

        migrate_to(&mut conn, &path, 1).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        for table in [
            "accounts",
            "authors",
            "contacts",
            "conversations",
            "items",
            "items_fts",
        ] {
            assert!(
                objects(&conn).contains(&table.to_string()),
                "v1 must create {table}"
            );
        }
        conn.execute(
            "INSERT INTO accounts (network, handle, created_at) VALUES ('mastodon', 'a@x', 1)",
            [],
        )
        .unwrap();

        migrate_to(&mut conn, &path, 2).unwrap();
        for table in [
            "listening_queries",
            "listening_hits",
            "rules",
            "rule_effects",
            "sources",
        ] {
            assert!(
                objects(&conn).contains(&table.to_string()),
                "v2 must create {table}"
            );
        }
        conn.query_row("SELECT source_id FROM items LIMIT 1", [], |_| Ok(()))
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(()),
                e => Err(e),
            })
            .expect("v2 adds items.source_id");

        migrate_to(&mut conn, &path, 3).unwrap();
        for table in [
            "drafts",
            "outbox",
            "sync_cursors",
            "saved_replies",
            "settings",
        ] {
            assert!(
                objects(&conn).contains(&table.to_string()),
                "v3 must create {table}"
            );
        }
        let n: i64 = conn
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "migrations must keep existing rows");

        migrate_to(&mut conn, &path, 4).unwrap();
        assert!(objects(&conn).contains(&"sync_status".to_string()));
        let (state, remote): (String, Option<String>) = conn
            .query_row("SELECT auth_state, remote_user_id FROM accounts", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(
            (state.as_str(), remote),
            ("ok", None),
            "v4 defaults old rows"
        );

        migrate_to(&mut conn, &path, 5).unwrap();
        for table in ["saved_fetches", "media"] {
            assert!(
                objects(&conn).contains(&table.to_string()),
                "v5 must create {table}"
            );
        }
        let n: i64 = conn
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1, "v5 keeps existing rows");

        conn.execute(
            "INSERT INTO conversations (network, root_key, priority, last_activity_at, created_at)
             VALUES ('mastodon', 'r1', 3, 1, 1)",
            [],
        )
        .unwrap();
        migrate_to(&mut conn, &path, 6).unwrap();
        assert!(
            objects(&conn).contains(&"conversations_high_priority".to_string()),
            "v6 must create the high-priority index"
        );
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM conversations INDEXED BY conversations_high_priority
                 WHERE priority >= 2",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "v6 indexes the conversations already there");

        // Running again is a no-op.
        migrate(&mut conn, &path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, latest());
    }

    #[test]
    fn v7_adds_listening_columns_and_fills_old_hits() {
        let (_dir, path, mut conn) = at_version(6);
        conn.execute_batch(
            "INSERT INTO authors (id, network, handle, updated_at) VALUES (1, 'n', 'h', 0);
             INSERT INTO conversations (id, network, root_key, last_activity_at, created_at)
                VALUES (1, 'n', 'r', 0, 0);
             INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind,
                text, html, lang, sentiment, created_at, ingested_at)
                VALUES (7, 'n', 'r', 1, 1, 'post', 'zebra', '', 'en', -0.5, 0, 0);
             INSERT INTO sources (kind, target, created_at) VALUES ('rss', 'https://x.test/feed', 0);
             INSERT INTO listening_queries (id, name, query, created_at, updated_at)
                VALUES (1, 'z', 'zebra', 0, 0);
             INSERT INTO listening_hits (query_id, item_id) VALUES (1, 7);",
        )
        .unwrap();
        migrate_to(&mut conn, &path, 7).unwrap();
        let hit: (i64, String, String, f64) = conn
            .query_row(
                "SELECT author_id, network, lang, sentiment FROM listening_hits",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(hit, (1, "n".into(), "en".into(), -0.5), "v7 fills old hits");
        let (listening_only, failures, enabled): (i64, i64, i64) = conn
            .query_row(
                "SELECT c.listening_only, s.failures, s.enabled FROM conversations c, sources s",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            (listening_only, failures, enabled),
            (0, 0, 1),
            "v7 defaults old rows: conversations stay in the inbox, sources stay on"
        );
        assert!(objects(&conn).contains(&"items_by_source".to_string()));
    }

    /// A hit as an earlier version stored it: query, item id, author, language
    /// and sentiment.
    type OldHit = (i64, i64, Option<i64>, Option<&'static str>, Option<f64>);

    /// Two authors, a conversation, two listening queries (ids 1 and 2), and
    /// for each of `hits` its item and the hit (on Bluesky).
    fn seed_hits(conn: &Connection, hits: &[OldHit]) {
        conn.execute_batch(
            "INSERT INTO authors (id, network, handle, updated_at)
                VALUES (1, 'n', 'a', 0), (2, 'n', 'b', 0);
             INSERT INTO conversations (id, network, root_key, last_activity_at, created_at)
                VALUES (1, 'n', 'r', 0, 0);
             INSERT INTO listening_queries (id, name, query, created_at, updated_at)
                VALUES (1, 'z', 'zebra', 0, 0), (2, 'y', 'yak', 0, 0);",
        )
        .unwrap();
        for (i, &(query, id, author, lang, sentiment)) in hits.iter().enumerate() {
            conn.execute(
                "INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind,
                    text, html, created_at, ingested_at)
                 VALUES (?1, 'bluesky', ?2, 1, 1, 'post', 'zebra yak', '', 0, 0)",
                rusqlite::params![id, i.to_string()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO listening_hits (query_id, item_id, author_id, network, lang, sentiment)
                 VALUES (?1, ?2, ?3, 'bluesky', ?4, ?5)",
                rusqlite::params![query, id, author, lang, sentiment],
            )
            .unwrap();
        }
    }

    #[test]
    fn v9_totals_the_hits_already_there() {
        let (_dir, path, mut conn) = at_version(8);
        let hour = 1_795_428_000_000i64;
        let ids = [hour, hour + 3_599_999, hour + 60_000, hour + 3_600_000].map(|ms| ms << 20);
        let hits: Vec<OldHit> = ids
            .into_iter()
            .zip([
                (Some("en"), Some(-0.5)),
                (Some("en"), Some(0.5)),
                (None, None),
                (Some("en"), Some(0.0)),
            ])
            .map(|(id, (lang, sentiment))| (1, id, None, lang, sentiment))
            .collect();
        seed_hits(&conn, &hits);
        migrate_to(&mut conn, &path, 9).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT hour, lang, hits, negative, neutral, positive, sentiment_sum
                 FROM listening_rollups ORDER BY hour, lang",
            )
            .unwrap();
        let rows: Vec<(i64, String, i64, i64, i64, i64, f64)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (hour, "en".into(), 2, 1, 0, 1, 0.0),
                (hour, "unknown".into(), 1, 0, 0, 0, 0.0),
                (hour + 3_600_000, "en".into(), 1, 0, 1, 0, 0.0),
            ],
            "v9 totals old hits by hour, language and sentiment band"
        );
    }

    #[test]
    fn v12_counts_the_hits_already_there_by_author_and_day() {
        let (_dir, path, mut conn) = at_version(11);
        // 2026-11-23 00:00 UTC. The last hit has no author (stored before v7 filled them in).
        let day = 1_795_392_000_000i64;
        let hits: Vec<OldHit> = [
            (1, day, Some(1)),
            (1, day + 86_399_999, Some(1)),
            (1, day + 60_000, Some(2)),
            (1, day + 86_400_000, Some(1)),
            (2, day + 120_000, Some(1)),
            (2, day + 180_000, None),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (query, at, author))| (query, at << 20 | i as i64, author, None, None))
        .collect();
        seed_hits(&conn, &hits);
        migrate_to(&mut conn, &path, 12).unwrap();
        // query:day (as days after `day`):author:hits, in key order.
        let rows: String = conn
            .query_row(
                "SELECT group_concat(query_id || ':' || ((day - ?1) / 86400000) || ':' || author_id
                                     || ':' || hits, ' ')
                 FROM (SELECT * FROM listening_authors ORDER BY query_id, day, author_id)",
                [day],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            rows, "1:0:1:2 1:0:2:1 1:1:1:1 2:0:0:1 2:0:1:1",
            "v12 counts old hits by query, UTC day and author (none: author 0)"
        );
    }

    #[test]
    fn v8_adds_attachments_beside_existing_items() {
        let (_dir, path, mut conn) = at_version(7);
        conn.execute_batch(
            "INSERT INTO authors (network, handle, updated_at) VALUES ('n', 'a', 1);
             INSERT INTO conversations (network, root_key, last_activity_at, created_at)
                 VALUES ('n', 'r', 1, 1);
             INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind, text,
                 html, created_at, ingested_at) VALUES (5, 'n', 'r', 1, 1, 'post', 't', '', 1, 1);",
        )
        .unwrap();
        migrate_to(&mut conn, &path, 8).unwrap();
        assert!(objects(&conn).contains(&"attachments".to_string()));
        conn.execute(
            "INSERT INTO attachments (item_id, position, kind, preview_url)
             VALUES (5, 0, 'image', 'https://x.test/p.png')",
            [],
        )
        .unwrap();
        let again = conn.execute(
            "INSERT INTO attachments (item_id, position, kind) VALUES (5, 0, 'image')",
            [],
        );
        assert!(again.is_err(), "one row per item and position");
        let items: i64 = conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .unwrap();
        assert_eq!(items, 1, "v8 keeps the items");
    }

    #[test]
    fn v10_indexes_the_items_already_there_for_the_report() {
        let (_dir, path, mut conn) = at_version(9);
        conn.execute_batch(
            "INSERT INTO authors (id, network, handle, updated_at) VALUES (1, 'n', 'h', 0);
             INSERT INTO conversations (id, network, root_key, last_activity_at, created_at)
                VALUES (1, 'n', 'r', 0, 0);
             INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind,
                text, html, sentiment, created_at, ingested_at)
                VALUES (7, 'n', 'q1', 1, 1, 'post', 'How do I export?', '', 0.5, 0, 0),
                       (8, 'n', 'a1', 1, 1, 'reply', 'Settings.', '', NULL, 0, 0);
             UPDATE items SET parent_remote_id = 'q1' WHERE id = 8;",
        )
        .unwrap();
        migrate_to(&mut conn, &path, 10).unwrap();
        assert!(objects(&conn).contains(&"items_report".to_string()));
        let sql = "SELECT id, sentiment, CASE WHEN instr(text, '?') > 0 THEN remote_id END,
                          parent_remote_id
                   FROM items INDEXED BY items_report WHERE id >= 0 AND id < 100 ORDER BY id";
        let plan: String = conn
            .query_row(&format!("EXPLAIN QUERY PLAN {sql}"), [], |r| r.get(3))
            .unwrap();
        assert!(
            plan.contains("COVERING INDEX items_report"),
            "read from the index alone: {plan}"
        );
        let mut stmt = conn.prepare(sql).unwrap();
        type Entry = (i64, Option<f64>, Option<String>, Option<String>);
        let rows: Vec<Entry> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (7, Some(0.5), Some("q1".into()), None),
                (8, None, None, Some("q1".into()))
            ],
            "v10 indexes the items already there: the question by its id, the answer by its parent"
        );
    }

    #[test]
    fn v11_indexes_the_conversations_already_there_for_the_report() {
        let (_dir, path, mut conn) = at_version(10);
        conn.execute_batch(
            "INSERT INTO conversations (id, network, root_key, last_activity_at, created_at,
                first_incoming_at, first_response_at, state, state_changed_at)
                VALUES (1, 'n', 'a', 0, 0, 100, 150, 'done', 300),
                       (2, 'n', 'b', 0, 0, 200, NULL, 'open', 250),
                       (3, 'n', 'c', 0, 0, NULL, NULL, 'open', NULL),
                       (4, 'n', 'd', 0, 0, 900, NULL, 'open', NULL);",
        )
        .unwrap();
        migrate_to(&mut conn, &path, 11).unwrap();
        assert!(objects(&conn).contains(&"conversations_report".to_string()));
        let sql = "SELECT id, first_incoming_at, first_response_at,
                          CASE WHEN state = 'done' THEN state_changed_at END
                   FROM conversations INDEXED BY conversations_report
                   WHERE first_incoming_at >= 0 AND first_incoming_at < 500 ORDER BY id";
        let plan: String = conn
            .query_row(&format!("EXPLAIN QUERY PLAN {sql}"), [], |r| r.get(3))
            .unwrap();
        assert!(
            plan.contains("COVERING INDEX conversations_report"),
            "read from the index alone: {plan}"
        );
        let mut stmt = conn.prepare(sql).unwrap();
        type Entry = (i64, i64, Option<i64>, Option<i64>);
        let rows: Vec<Entry> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![(1, 100, Some(150), Some(300)), (2, 200, None, None)],
            "v11 indexes the conversations already there by their first incoming item"
        );
    }

    #[test]
    fn v13_counts_the_rows_already_there() {
        let (_dir, path, mut conn) = at_version(12);
        conn.execute_batch(
            "INSERT INTO authors (network, handle, updated_at) VALUES ('n', 'a', 0), ('n', 'b', 0);
             INSERT INTO conversations (network, root_key, last_activity_at, created_at)
                VALUES ('n', 'r1', 0, 0), ('n', 'r2', 0, 0), ('n', 'r3', 0, 0);
             INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind,
                text, html, created_at, ingested_at)
                VALUES (1, 'n', 'r1', 1, 1, 'post', 't', '', 0, 0);",
        )
        .unwrap();
        migrate_to(&mut conn, &path, 13).unwrap();
        assert_eq!(
            crate::store::counts::testing::kept_and_counted(&conn),
            vec![("items", 1, 1), ("conversations", 3, 3), ("authors", 2, 2)]
        );
    }

    #[test]
    fn v14_counts_unread_urgent_conversations_from_their_own_index() {
        let (_dir, path, mut conn) = at_version(13);
        conn.execute_batch(
            "INSERT INTO conversations (network, root_key, last_activity_at, created_at, state,
                urgent, unread_count)
             VALUES ('n', 'r1', 0, 0, 'open', 1, 2), ('n', 'r2', 0, 0, 'pending', 1, 1),
                    ('n', 'r3', 0, 0, 'done', 1, 1), ('n', 'r4', 0, 0, 'open', 1, 0),
                    ('n', 'r5', 0, 0, 'open', 0, 3);",
        )
        .unwrap();
        migrate_to(&mut conn, &path, 14).unwrap();
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM conversations
                        WHERE urgent = 1 AND unread_count > 0 AND state IN ('open', 'pending')",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(
            plan.contains("COVERING INDEX conversations_urgent_unread"),
            "the count reads the partial index alone, not every open conversation: {plan}"
        );
        assert_eq!(
            crate::inbox::urgent_unread(&conn).unwrap(),
            2,
            "the conversations already there are in the index: open and pending, urgent, unread"
        );
        conn.execute_batch(
            "UPDATE conversations SET unread_count = 0 WHERE root_key = 'r1';
             UPDATE conversations SET state = 'open' WHERE root_key = 'r3';
             UPDATE conversations SET unread_count = 1 WHERE root_key = 'r4';
             UPDATE conversations SET urgent = 1 WHERE root_key = 'r5';",
        )
        .unwrap();
        assert_eq!(
            crate::inbox::urgent_unread(&conn).unwrap(),
            4,
            "read, reopened, a new item and a rule's flag move conversations in and out"
        );
    }

    /// Posts with these ids, by one author, in one conversation.
    fn items_in_one_thread(conn: &Connection, ids: &[i64]) {
        conn.execute_batch(
            "INSERT INTO authors (id, network, handle, updated_at) VALUES (1, 'n', 'h', 0);
             INSERT INTO conversations (id, network, root_key, last_activity_at, created_at)
                VALUES (1, 'n', 'r', 0, 0);",
        )
        .unwrap();
        for id in ids {
            conn.execute(
                "INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind,
                    text, html, created_at, ingested_at)
                 VALUES (?1, 'n', ?1, 1, 1, 'post', 't', '', 0, 0)",
                [id],
            )
            .unwrap();
        }
    }

    /// How many items still have reasons once item 7 is deleted (foreign keys on).
    fn reasons_left_without_item_7(conn: &Connection) -> i64 {
        conn.execute_batch("PRAGMA foreign_keys = ON; DELETE FROM items WHERE id = 7;")
            .unwrap();
        conn.query_row("SELECT count(*) FROM item_reasons", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn v15_keeps_each_items_reasons_in_firing_order() {
        let (_dir, path, mut conn) = at_version(14);
        items_in_one_thread(&conn, &[7, 8]);
        conn.execute_batch(
            r#"INSERT INTO items_fts (rowid, text) VALUES (7, 't'), (8, 't');
             INSERT INTO rules (id, name, position, conditions, actions, created_at, updated_at)
                VALUES (3, 'r', 0, '{}', '{}', 0, 0);
             INSERT INTO rule_effects (rule_id, item_id, reason, created_at) VALUES
                (3, 8, 'urgent: ''refund''', 5),
                (NULL, 7, 'tagged risk: a "quote"', 4),
                (3, 7, 'urgent: a reply', 6);"#,
        )
        .unwrap();
        migrate_to(&mut conn, &path, 15).unwrap();
        let rows: Vec<(i64, String, String, i64)> = conn
            .prepare(
                "SELECT item_id, rule_ids, reasons, created_at FROM item_reasons ORDER BY item_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (
                    7,
                    "[null,3]".to_string(),
                    r#"["tagged risk: a \"quote\"","urgent: a reply"]"#.to_string(),
                    6
                ),
                (
                    8,
                    "[3]".to_string(),
                    r#"["urgent: 'refund'"]"#.to_string(),
                    5
                ),
            ]
        );
        assert!(!objects(&conn).contains(&"rule_effects".to_string()));
        assert_eq!(
            reasons_left_without_item_7(&conn),
            1,
            "an item's reasons go with it"
        );
    }

    #[test]
    fn v19_stores_each_reason_once_and_keeps_each_items_in_firing_order() {
        let (_dir, path, mut conn) = at_version(18);
        items_in_one_thread(&conn, &[7, 8, 9]);
        conn.execute_batch(
            r#"INSERT INTO item_reasons (item_id, rule_ids, reasons, created_at) VALUES
                (7, '[null,3]', '["tagged risk: a \"quote\"","urgent: ''refund''"]', 6),
                (8, '[3,null]', '["urgent: ''refund''","tagged risk: a \"quote\""]', 5),
                (9, '[4]', '["urgent: ''refund''"]', 5);"#,
        )
        .unwrap();
        migrate_to(&mut conn, &path, 19).unwrap();
        let reasons: Vec<(i64, i64, String)> = conn
            .prepare("SELECT id, rule_id, text FROM rule_reasons ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            reasons,
            vec![
                (1, 0, r#"tagged risk: a "quote""#.to_string()),
                (2, 3, "urgent: 'refund'".to_string()),
                (3, 4, "urgent: 'refund'".to_string())
            ]
        );
        let rows: Vec<(i64, String)> = conn
            .prepare("SELECT item_id, reason_ids FROM item_reasons ORDER BY item_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![(7, "[1,2]".into()), (8, "[2,1]".into()), (9, "[3]".into())]
        );
        assert_eq!(
            reasons_left_without_item_7(&conn),
            2,
            "an item's reasons still go with it"
        );
    }

    #[test]
    fn v16_keys_the_author_index_by_time_bucket_and_keeps_every_entry() {
        let (_dir, path, mut conn) = at_version(15);
        conn.execute_batch(
            "INSERT INTO authors (id, network, handle, updated_at) VALUES (1, 'n', 'a', 0), (2, 'n', 'b', 0);
             INSERT INTO conversations (id, network, root_key, last_activity_at, created_at)
                VALUES (1, 'n', 'r', 0, 0);
             INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind,
                text, html, created_at, ingested_at)
                VALUES (7, 'n', 'a', 1, 1, 'post', 't', '', 0, 0),
                       (1 << 49, 'n', 'b', 1, 2, 'post', 't', '', 0, 0),
                       ((1 << 49) + 1, 'n', 'c', 1, 1, 'post', 't', '', 0, 0);",
        )
        .unwrap();
        migrate_to(&mut conn, &path, 16).unwrap();
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'items_by_author'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(sql.contains("(id >> 48), author_id"), "{sql}");
        let of = |author: i64, bucket: i64| -> Vec<i64> {
            conn.prepare(
                "SELECT id FROM items INDEXED BY items_by_author
                 WHERE (id >> 48) = ?1 AND author_id = ?2 ORDER BY id",
            )
            .unwrap()
            .query_map([bucket, author], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        };
        assert_eq!(of(1, 0), vec![7]);
        assert_eq!(of(1, 2), vec![(1 << 49) + 1]);
        assert_eq!(of(2, 2), vec![1 << 49]);
        assert!(of(2, 0).is_empty());
    }

    /// An upgraded cache loses its in-file index, and the store builds the
    /// index's own file from the items at the first open.
    #[test]
    fn v18_moves_the_index_to_a_file_of_its_own_built_at_the_first_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let key = CacheKey::generate().unwrap();
        let mut conn = open_raw(&path, &key);
        migrate_to(&mut conn, &path, 17).unwrap();
        conn.execute_batch(
            "INSERT INTO authors (id, network, handle, updated_at) VALUES (1, 'n', 'h', 0);
             INSERT INTO conversations (id, network, root_key, last_activity_at, created_at)
                VALUES (1, 'n', 'r', 0, 0);
             INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind,
                text, html, created_at, ingested_at)
                VALUES (7, 'n', 'a', 1, 1, 'post', 'zebra crossing', '', 0, 0),
                       (8, 'n', 'b', 1, 1, 'post', 'giraffe crossing', '', 0, 0);
             INSERT INTO items_fts (rowid, text) VALUES (7, 'zebra crossing'), (8, 'giraffe crossing');",
        )
        .unwrap();
        drop(conn);

        let store = Store::open(&path, Encryption::Key(key.clone())).unwrap();
        assert_eq!(store.search_repair(), &crate::store::search::Repair::Built);
        let count = crate::store::testing::fts_count;
        assert_eq!(count(&store, "crossing"), 2);
        assert_eq!(count(&store, "zebra"), 1);
        drop(store);

        let conn = open_raw(&path, &key);
        assert!(
            !objects(&conn).iter().any(|o| o.starts_with("items_fts")),
            "the cache keeps no index of its own: {:?}",
            objects(&conn)
        );
        drop(conn);
        let store = Store::open(&path, Encryption::Key(key)).unwrap();
        assert_eq!(store.search_repair(), &crate::store::search::Repair::None);
        assert_eq!(count(&store, "giraffe"), 1);
    }

    #[test]
    fn v17_checks_lists_of_values_by_comparison_and_allows_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let key = CacheKey::generate().unwrap();
        let mut conn = open_raw(&path, &key);
        migrate_to(&mut conn, &path, 16).unwrap();
        let insert = |conn: &Connection, id: i64, kind: &str| {
            conn.execute(
                "INSERT INTO items (id, network, remote_id, conversation_id, author_id, kind,
                    text, html, created_at, ingested_at)
                 VALUES (?1, 'n', ?1, 1, 1, ?2, 't', '', 0, 0)",
                params![id, kind],
            )
        };
        conn.execute_batch(
            "INSERT INTO authors (id, network, handle, updated_at) VALUES (1, 'n', 'a', 0);
             INSERT INTO conversations (id, network, root_key, last_activity_at, created_at)
                VALUES (1, 'n', 'r', 0, 0);",
        )
        .unwrap();
        // Whether inserting an item builds a temporary b-tree (for its checks).
        let builds_a_btree = |c: &Connection| -> bool {
            c.prepare(
                "EXPLAIN INSERT INTO items (id, network, remote_id, conversation_id, author_id,
                    kind, text, html, created_at, ingested_at)
                 VALUES (9, 'n', 'x', 1, 1, 'dm', 't', '', 0, 0)",
            )
            .unwrap()
            .query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .any(|op| op.unwrap() == "OpenEphemeral")
        };
        insert(&conn, 1, "post").unwrap();
        assert!(builds_a_btree(&conn), "an IN list before");
        migrate_to(&mut conn, &path, 17).unwrap();

        for (table, column, _) in CHECK_LISTS {
            let sql: String = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(!sql.contains(&format!("{column} IN (")), "{sql}");
            assert!(sql.contains(&format!("{column} = '")), "{sql}");
        }
        // The connection that migrated and a new one both check by comparison.
        let reopened = open_raw(&path, &key);
        for (n, c) in [&conn, &reopened].into_iter().enumerate() {
            insert(c, 2 + n as i64, "reply").unwrap();
            assert!(!builds_a_btree(c), "checked by comparison");
            let err = insert(c, 4, "bogus").unwrap_err().to_string();
            assert!(err.contains("CHECK constraint failed"), "{err}");
            let err = c
                .execute("UPDATE conversations SET state = 'bogus' WHERE id = 1", [])
                .unwrap_err()
                .to_string();
            assert!(err.contains("CHECK constraint failed"), "{err}");
            c.execute(
                "UPDATE conversations SET state = 'snoozed' WHERE id = 1",
                [],
            )
            .unwrap();
        }
        let items: i64 = conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            items, 3,
            "the item from before and one from each connection"
        );
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[test]
    fn a_newer_schema_is_refused_not_downgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let key = CacheKey::generate().unwrap();
        drop(Store::open(&path, Encryption::Key(key.clone())).unwrap());
        let conn = open_raw(&path, &key);
        conn.pragma_update(None, "user_version", latest() + 1)
            .unwrap();
        drop(conn);
        let err = Store::open(&path, Encryption::Key(key)).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { .. }), "got {err:?}");
    }
}
