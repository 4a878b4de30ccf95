//! Rules: conditions → actions, evaluated on every new item in ingest, each
//! able to say why it fired.
//!
//! A rule's conditions all have to hold (words and phrases in the listening
//! query syntax, network, account, kind, sentiment, author reach, language, a
//! question, risk words); its actions tag the conversation, raise its priority,
//! set its state, mark it urgent (a desktop notification) or mute it. Every
//! firing is recorded with its reason ("urgent: negative sentiment −0.70 and
//! 'refund'"), which the inbox shows.
//!
//! Rules are evaluated on the analysis thread, beside sanitising and sentiment,
//! so the writer only applies what fired.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inbox::TriageState;
use crate::ingest::analyse::Analysed;
use crate::item::ItemKind;
use crate::query::{Doc, Query, Words};
use crate::Workspace;

/// Words that usually mean trouble for a brand.
pub const RISK_WORDS: &[&str] = &[
    "refund",
    "refunds",
    "cancel",
    "cancelled",
    "canceled",
    "cancelling",
    "broken",
    "lawsuit",
    "lawyer",
    "sue",
    "outage",
    "down",
    "scam",
    "fraud",
    "chargeback",
    "hacked",
    "breach",
    "leak",
    "leaked",
    "unsubscribe",
    "worst",
    "boycott",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, optional_fields = nullable)]
pub struct Conditions {
    /// Words and phrases, in the listening query syntax.
    pub query: Option<String>,
    pub networks: Vec<String>,
    pub account_ids: Vec<i64>,
    pub kinds: Vec<ItemKind>,
    /// Sentiment at or below this (−1 … 1).
    pub sentiment_below: Option<f64>,
    /// Sentiment at or above this.
    pub sentiment_above: Option<f64>,
    /// The author has at least this many followers.
    pub min_followers: Option<i64>,
    pub languages: Vec<String>,
    /// The item asks a question.
    pub question: Option<bool>,
    /// The item uses a word of [`RISK_WORDS`].
    pub risk_words: bool,
    /// The author is a contact with one of these tags (`vip`, `press`, `customer`, …).
    pub contact_tags: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export, optional_fields = nullable)]
pub struct Actions {
    pub tags: Vec<String>,
    /// Raise the conversation's priority to at least this (0–3).
    pub priority: Option<u8>,
    pub state: Option<TriageState>,
    /// Mark urgent: a desktop notification.
    pub urgent: bool,
    /// Mark read and never notify.
    pub mute: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    /// Evaluation order, lowest first.
    pub position: i64,
    pub conditions: Conditions,
    pub actions: Actions,
    /// Shipped with Earshot (it can be edited or disabled, like any other).
    pub builtin: bool,
}

/// A rule with its query parsed, ready for every item of an ingest.
#[derive(Debug, Clone)]
pub struct Compiled {
    rule: Rule,
    query: Option<Query>,
    /// The rule's actions, shared by its firings rather than copied into each.
    actions: std::sync::Arc<Actions>,
    /// What the rule does, in words, as its reasons begin ("tagged billing").
    what: String,
}

/// The enabled rules, compiled, in order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Compiled>,
    /// The rules' queries in one matcher, by position in `rules`: each item's
    /// words are looked up once rather than scanned by every rule.
    queries: crate::listening::QuerySet,
    /// The positions in `rules` of the rules without a query.
    unqueried: Vec<i64>,
    /// Contact tags by (network, lower-cased handle), loaded only when a rule asks.
    contact_tags: std::sync::Arc<std::collections::HashMap<(String, String), Vec<String>>>,
}

/// One rule that fired on one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    pub rule_id: i64,
    pub actions: std::sync::Arc<Actions>,
    pub reason: String,
}

/// What rules and listening queries match an item against: its words are split
/// once per item and shared by both.
pub(crate) fn doc<'a>(a: &'a Analysed, words: Words) -> Doc<'a> {
    Doc {
        words,
        network: &a.item.network,
        author: &a.item.author.handle,
        lang: a.lang.as_deref(),
        kind: Some(a.item.kind),
        has_link: a.has_link,
        is_reply: a.item.parent_remote_id.is_some() || a.item.kind == ItemKind::Reply,
        sentiment: a.sentiment,
    }
}

fn is_question(text: &str) -> bool {
    text.contains('?')
}

impl RuleSet {
    pub fn compile(rules: Vec<Rule>) -> Result<Self> {
        let mut out = Vec::new();
        for rule in rules.into_iter().filter(|r| r.enabled) {
            let query = match rule.conditions.query.as_deref().map(str::trim) {
                Some(q) if !q.is_empty() => Some(
                    Query::parse(q)
                        .map_err(|e| Error::Invalid(format!("rule \"{}\": {e}", rule.name)))?,
                ),
                _ => None,
            };
            let mut rule = rule;
            rule.conditions.contact_tags = rule
                .conditions
                .contact_tags
                .iter()
                .map(|t| crate::inbox::normalise_tag(t))
                .collect::<Result<_>>()?;
            // Firings share the actions, with their tags ready to write.
            let mut actions = rule.actions.clone();
            actions.tags = actions
                .tags
                .iter()
                .filter_map(|t| crate::inbox::normalise_tag(t).ok())
                .collect();
            let actions = std::sync::Arc::new(actions);
            out.push(Compiled {
                what: action_word(&rule.actions),
                rule,
                query,
                actions,
            });
        }
        let queries = crate::listening::QuerySet::compile(
            out.iter()
                .enumerate()
                .filter_map(|(i, c)| Some((i as i64, c.query.clone()?))),
        );
        let unqueried = (0..out.len() as i64)
            .filter(|&i| out[i as usize].query.is_none())
            .collect();
        Ok(Self {
            rules: out,
            queries,
            unqueried,
            contact_tags: Default::default(),
        })
    }

    /// Loads the contacts' tags when a rule asks about them (a store that cannot
    /// be read leaves those rules unfired rather than stopping ingest).
    pub fn with_contacts_from(mut self, store: &crate::store::Store) -> Self {
        if self
            .rules
            .iter()
            .any(|c| !c.rule.conditions.contact_tags.is_empty())
        {
            let tags = store.read(crate::contacts::tags_by_handle);
            self.contact_tags = std::sync::Arc::new(tags.unwrap_or_default());
        }
        self
    }

    /// The rules that fire on an analysed item, in order, each with its reason.
    pub fn evaluate(&self, a: &Analysed) -> Vec<Firing> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        self.evaluate_doc(a, &doc(a, Words::split(&a.text)))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// [`Self::evaluate`] on the item's already-split words ([`doc`]).
    pub(crate) fn evaluate_doc(&self, a: &Analysed, d: &Doc<'_>) -> Vec<Firing> {
        let mut out = Vec::new();
        // The rules whose query matched, and those without a query, in order:
        // the rest cannot fire.
        let mut candidates = self.queries.matches(d);
        if candidates.is_empty() && self.unqueried.is_empty() {
            return out;
        }
        candidates.extend_from_slice(&self.unqueried);
        candidates.sort_unstable();
        for i in candidates {
            let c = &self.rules[i as usize];
            if let Some(reason) = c.fires(a, d, &self.contact_tags) {
                let muted = c.actions.mute;
                out.push(Firing {
                    rule_id: c.rule.id,
                    actions: c.actions.clone(),
                    reason,
                });
                if muted {
                    break;
                }
            }
        }
        out
    }
}

impl Compiled {
    /// Why the rule fires on this item, or `None`; its query, if any, is known
    /// to match (see [`RuleSet::evaluate_doc`]). The reason is written into one
    /// string. Made from a string per part, the reasons' text (made and
    /// stored) was ~3.5 µs of ingest's CPU per item with 100 rules firing 3.5
    /// times an item (BENCHMARKS.md, eighth round).
    fn fires(
        &self,
        a: &Analysed,
        d: &Doc<'_>,
        contacts: &std::collections::HashMap<(String, String), Vec<String>>,
    ) -> Option<String> {
        use std::fmt::Write;
        let c = &self.rule.conditions;
        let item = &a.item;
        let mut why = String::with_capacity(self.what.len() + 64);
        why.push_str(&self.what);
        why.push_str(": ");
        let start = why.len();
        // Starts the next part of the reason.
        let and = |why: &mut String| {
            if why.len() > start {
                why.push_str(" and ");
            }
        };
        if !c.networks.is_empty()
            && !c
                .networks
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&item.network))
        {
            return None;
        }
        if !c.account_ids.is_empty()
            && !item
                .account_id
                .is_some_and(|id| c.account_ids.contains(&id))
        {
            return None;
        }
        if !c.kinds.is_empty() {
            if !c.kinds.contains(&item.kind) {
                return None;
            }
            and(&mut why);
            let _ = write!(why, "a {}", kind_word(item.kind));
        }
        if !c.languages.is_empty()
            && !a
                .lang
                .as_deref()
                .is_some_and(|l| c.languages.iter().any(|x| x.eq_ignore_ascii_case(l)))
        {
            return None;
        }
        if let Some(below) = c.sentiment_below {
            let s = a.sentiment?;
            if s > below {
                return None;
            }
            and(&mut why);
            why.push_str("negative sentiment ");
            signed(s, &mut why);
        }
        if let Some(above) = c.sentiment_above {
            let s = a.sentiment?;
            if s < above {
                return None;
            }
            and(&mut why);
            why.push_str("positive sentiment ");
            signed(s, &mut why);
        }
        if let Some(min) = c.min_followers {
            let f = item.author.followers?;
            if f < min {
                return None;
            }
            and(&mut why);
            why.push_str(&thousands(f));
            why.push_str(" followers");
        }
        if !c.contact_tags.is_empty() {
            let key = (item.network.clone(), item.author.handle.to_lowercase());
            let tagged: Vec<&str> = contacts
                .get(&key)?
                .iter()
                .filter(|t| c.contact_tags.contains(t))
                .map(String::as_str)
                .collect();
            if tagged.is_empty() {
                return None;
            }
            and(&mut why);
            let _ = write!(why, "a contact tagged {}", tagged.join(", "));
        }
        if let Some(q) = c.question {
            if is_question(&a.text) != q {
                return None;
            }
            if q {
                and(&mut why);
                why.push_str("a question");
            }
        }
        if c.risk_words {
            let mut found = RISK_WORDS.iter().filter(|w| d.words.contains(w)).peekable();
            found.peek()?;
            and(&mut why);
            quoted(found.copied(), &mut why);
        }
        if let Some(q) = &self.query {
            and(&mut why);
            if !q.write_matched_quoted(d, &mut why) {
                let _ = write!(why, "matches {}", q.source());
            }
        }
        if why.len() == start {
            let _ = write!(why, "rule \"{}\"", self.rule.name);
        }
        Some(why)
    }
}

fn kind_word(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Dm => "direct message",
        ItemKind::Mention => "mention",
        ItemKind::Reply => "reply",
        ItemKind::Comment => "comment",
        ItemKind::Post => "post",
    }
}

fn action_word(a: &Actions) -> String {
    if a.mute {
        "muted".into()
    } else if a.urgent {
        "urgent".into()
    } else if let Some(p) = a.priority {
        format!(
            "priority {}",
            ["low", "normal", "high", "urgent"][p.min(3) as usize]
        )
    } else if let Some(s) = a.state {
        format!("moved to {}", s.as_str())
    } else if !a.tags.is_empty() {
        format!("tagged {}", a.tags.join(", "))
    } else {
        "matched".into()
    }
}

/// Writes a sentiment with its sign (a true minus for negatives): `−0.70`.
fn signed(s: f64, out: &mut String) {
    use std::fmt::Write;
    let _ = if s < 0.0 {
        write!(out, "−{:.2}", -s)
    } else {
        write!(out, "+{s:.2}")
    };
}

fn thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Writes words in single quotes, separated by commas: `'refund', 'cancel'`.
fn quoted<'w>(words: impl Iterator<Item = &'w str>, out: &mut String) {
    for (i, w) in words.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('\'');
        out.push_str(w);
        out.push('\'');
    }
}

/// The rules Earshot ships enabled.
pub fn defaults() -> Vec<Rule> {
    let rule = |name: &str, conditions: Conditions, actions: Actions| Rule {
        id: 0,
        name: name.into(),
        enabled: true,
        position: 0,
        conditions,
        actions,
        builtin: true,
    };
    vec![
        rule(
            "Negative direct messages",
            Conditions {
                kinds: vec![ItemKind::Dm],
                sentiment_below: Some(-0.3),
                ..Default::default()
            },
            Actions {
                urgent: true,
                tags: vec!["upset".into()],
                ..Default::default()
            },
        ),
        rule(
            "Mentions with risk words",
            Conditions {
                kinds: vec![ItemKind::Mention, ItemKind::Reply, ItemKind::Dm],
                risk_words: true,
                ..Default::default()
            },
            Actions {
                urgent: true,
                tags: vec!["risk".into()],
                ..Default::default()
            },
        ),
        rule(
            "High-reach authors",
            Conditions {
                kinds: vec![ItemKind::Mention, ItemKind::Reply],
                min_followers: Some(10_000),
                ..Default::default()
            },
            Actions {
                priority: Some(2),
                tags: vec!["high-reach".into()],
                ..Default::default()
            },
        ),
    ]
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Rule, String, String)> {
    Ok((
        Rule {
            id: r.get(0)?,
            name: r.get(1)?,
            enabled: r.get(2)?,
            position: r.get(3)?,
            conditions: Conditions::default(),
            actions: Actions::default(),
            builtin: r.get(6)?,
        },
        r.get(4)?,
        r.get(5)?,
    ))
}

/// Every rule, in order.
pub fn list(conn: &rusqlite::Connection) -> Result<Vec<Rule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, enabled, position, conditions, actions, builtin FROM rules
         ORDER BY position, id",
    )?;
    let rows = stmt.query_map([], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        let (mut rule, conditions, actions) = row?;
        // A rule written by a newer Earshot may have fields this one ignores.
        rule.conditions = serde_json::from_str(&conditions).unwrap_or_default();
        rule.actions = serde_json::from_str(&actions).unwrap_or_default();
        out.push(rule);
    }
    Ok(out)
}

/// Adds the default rules once, the first time a workspace is used for real
/// (a manager who deletes them does not get them back).
pub(crate) fn seed_defaults(tx: &Transaction<'_>, now: i64) -> Result<()> {
    let seeded: Option<String> = tx
        .query_row(
            "SELECT value FROM settings WHERE key = 'rules.seeded'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if seeded.is_some() {
        return Ok(());
    }
    for (i, rule) in defaults().into_iter().enumerate() {
        insert(tx, &rule, i as i64, now)?;
    }
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ('rules.seeded', 'true')",
        [],
    )?;
    Ok(())
}

/// Conditions and actions as stored: plain structs of strings and numbers,
/// which always serialise.
fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".into())
}

fn insert(tx: &Transaction<'_>, rule: &Rule, position: i64, now: i64) -> Result<i64> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO rules (name, position, enabled, conditions, actions, builtin, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id",
        )?
        .query_row(
            params![
                rule.name,
                position,
                rule.enabled,
                to_json(&rule.conditions),
                to_json(&rule.actions),
                rule.builtin,
                now
            ],
            |r| r.get(0),
        )?)
}

/// Adds a rule at the end, or replaces the one with its id.
pub fn save(ws: &Workspace, rule: &Rule) -> Result<Rule> {
    if rule.name.trim().is_empty() {
        return Err(Error::Invalid("a rule needs a name".into()));
    }
    // Refuse a tag that could not be written, and a rule whose query does not
    // parse, before it is stored.
    for tag in &rule.actions.tags {
        crate::inbox::normalise_tag(tag)?;
    }
    RuleSet::compile(vec![Rule {
        enabled: true,
        ..rule.clone()
    }])?;
    let now = ws.now();
    let id = ws.store().write(|tx| -> Result<i64> {
        if rule.id > 0 {
            let n = tx.execute(
                "UPDATE rules SET name = ?2, enabled = ?3, conditions = ?4, actions = ?5, updated_at = ?6
                 WHERE id = ?1",
                params![
                    rule.id,
                    rule.name.trim(),
                    rule.enabled,
                    to_json(&rule.conditions),
                    to_json(&rule.actions),
                    now
                ],
            )?;
            if n == 0 {
                return Err(Error::NotFound {
                    what: "rule",
                    id: rule.id.to_string(),
                });
            }
            return Ok(rule.id);
        }
        let last: i64 = tx.query_row("SELECT coalesce(max(position), -1) FROM rules", [], |r| {
            r.get(0)
        })?;
        insert(tx, rule, last + 1, now)
    })?;
    ws.store()
        .read(list)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Error::NotFound {
            what: "rule",
            id: id.to_string(),
        })
}

pub fn delete(ws: &Workspace, id: i64) -> Result<()> {
    let n = ws.store().write(|tx| -> Result<usize> {
        Ok(tx.execute("DELETE FROM rules WHERE id = ?1", [id])?)
    })?;
    if n == 0 {
        return Err(Error::NotFound {
            what: "rule",
            id: id.to_string(),
        });
    }
    Ok(())
}

/// Puts the rules in this order (ids not named keep their place after them).
pub fn reorder(ws: &Workspace, ids: &[i64]) -> Result<()> {
    ws.store().write(|tx| -> Result<()> {
        let rest: Vec<i64> = {
            let mut stmt = tx.prepare("SELECT id FROM rules ORDER BY position, id")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<Vec<i64>>>()?
                .into_iter()
                .filter(|id| !ids.contains(id))
                .collect()
        };
        for (position, id) in ids.iter().chain(rest.iter()).enumerate() {
            tx.execute(
                "UPDATE rules SET position = ?2 WHERE id = ?1",
                params![id, position as i64],
            )?;
        }
        Ok(())
    })
}

/// Where a rule fired: one past item, as "test against past items" shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TrialHit {
    pub conversation_id: i64,
    pub item_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Trial {
    /// Items looked at (the newest since `since`).
    pub items: usize,
    pub conversations: usize,
    /// The first hits, newest first.
    pub hits: Vec<TrialHit>,
}

/// Runs a rule over stored items created since `since` (Unix ms), newest first,
/// looking at no more than `limit`: "this rule would have fired on 14
/// conversations last week".
pub fn trial(ws: &Workspace, rule: &Rule, since: i64, limit: usize) -> Result<Trial> {
    let set = RuleSet::compile(vec![Rule {
        enabled: true,
        ..rule.clone()
    }])?
    .with_contacts_from(ws.store());
    let from_id = crate::ingest::first_item_id_at(since);
    ws.store().read(|c| -> Result<Trial> {
        let mut stmt = c.prepare(
            "SELECT i.id, i.conversation_id, i.network, i.kind, i.text, i.lang, i.sentiment,
                    i.account_id, a.handle, a.followers,
                    instr(i.text, 'http://') > 0 OR instr(i.text, 'https://') > 0
             FROM items i JOIN authors a ON a.id = i.author_id
             WHERE i.id >= ?1 ORDER BY i.id DESC LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![from_id, limit as i64])?;
        let mut trial = Trial {
            items: 0,
            conversations: 0,
            hits: Vec::new(),
        };
        let mut conversations = std::collections::HashSet::new();
        while let Some(r) = rows.next()? {
            trial.items += 1;
            let text: String = r.get(4)?;
            let analysed = Analysed {
                item: crate::item::NewItem {
                    network: r.get(2)?,
                    remote_id: String::new(),
                    account_id: r.get(7)?,
                    kind: ItemKind::parse(&r.get::<_, String>(3)?).unwrap_or_default(),
                    author: crate::item::NewAuthor {
                        handle: r.get(8)?,
                        followers: r.get(9)?,
                        ..Default::default()
                    },
                    content: crate::item::Content::Text(String::new()),
                    created_at: 0,
                    parent_remote_id: None,
                    root_remote_id: None,
                    url: None,
                    lang: None,
                    attachments: Vec::new(),
                },
                text,
                html: String::new(),
                lang: r.get(5)?,
                sentiment: r.get(6)?,
                has_link: r.get(10)?,
                firings: Vec::new(),
                hits: Vec::new(),
            };
            if let Some(f) = set.evaluate(&analysed).into_iter().next() {
                let conversation: i64 = r.get(1)?;
                conversations.insert(conversation);
                if trial.hits.len() < 50 {
                    trial.hits.push(TrialHit {
                        conversation_id: conversation,
                        item_id: r.get::<_, i64>(0)?.to_string(),
                        reason: f.reason,
                    });
                }
            }
        }
        trial.conversations = conversations.len();
        Ok(trial)
    })
}

/// What one batch's firings do, folded so that each conversation is written
/// once per batch however many of its items fired, and each (tag, thread) pair
/// once. Fed in item order, after the batch's own thread changes (a reply
/// reopening it), so what rules set is what stays.
#[derive(Default)]
pub(crate) struct Effects<'a> {
    /// (tag, conversation) pairs, repeats included: sorted and deduplicated
    /// when written, in the order of the tags' primary key.
    tags: Vec<(&'a str, i64)>,
    conversations: std::collections::BTreeMap<i64, ConversationEffect>,
    reasons: Vec<(i64, &'a [Firing])>,
}

/// The net effect of a batch's firings on one conversation.
#[derive(Default)]
struct ConversationEffect {
    priority: Option<u8>,
    state: Option<TriageState>,
    urgent: Option<bool>,
    read: bool,
}

/// Rows per `INSERT`: one statement per row costs more than the row.
const ROWS_PER_INSERT: usize = 100;

impl<'a> Effects<'a> {
    /// Adds what fired on one stored item of `conversation_id`.
    pub(crate) fn add(&mut self, item_id: i64, conversation_id: i64, firings: &'a [Firing]) {
        if firings.is_empty() {
            return;
        }
        for f in firings {
            let a = &*f.actions;
            // Compiled rules carry their tags normalised, the unusable dropped.
            self.tags
                .extend(a.tags.iter().map(|t| (t.as_str(), conversation_id)));
            if a.priority.is_none() && a.state.is_none() && !a.urgent && !a.mute {
                continue;
            }
            let c = self.conversations.entry(conversation_id).or_default();
            if let Some(p) = a.priority {
                c.priority = Some(c.priority.map_or(p, |q| q.max(p)).min(3));
            }
            if a.state.is_some() {
                c.state = a.state;
            }
            if a.urgent && !a.mute {
                c.urgent = Some(true);
            }
            if a.mute {
                c.read = true;
                c.urgent = Some(false);
            }
        }
        self.reasons.push((item_id, firings));
    }

    /// Writes the tags, the conversations' changes and why each item fired;
    /// `reasons` remembers the ids of reason texts across batches.
    pub(crate) fn write(
        mut self,
        tx: &Transaction<'_>,
        now: i64,
        reasons: &mut ReasonIds,
    ) -> Result<()> {
        self.tags.sort_unstable();
        self.tags.dedup();
        for chunk in self.tags.chunks(ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT OR IGNORE INTO conversation_tags (tag, conversation_id) VALUES {}",
                crate::store::value_rows(2, chunk.len())
            );
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 2);
            for (tag, conversation_id) in chunk {
                values.extend([tag as &dyn rusqlite::ToSql, conversation_id]);
            }
            tx.prepare_cached(&sql)?.execute(values.as_slice())?;
        }
        for (&id, c) in &self.conversations {
            // Only the columns that change are named, so no other index is rewritten.
            let mut set = Vec::new();
            let mut values: Vec<rusqlite::types::Value> = vec![id.into()];
            if let Some(p) = c.priority {
                values.push(i64::from(p).into());
                set.push(format!("priority = max(priority, ?{})", values.len()));
            }
            if let Some(state) = c.state {
                values.push(state.as_str().to_owned().into());
                values.push(now.into());
                set.push(format!(
                    "state = ?{}, state_changed_at = ?{}, snooze_until = NULL, snooze_until_reply = 0",
                    values.len() - 1,
                    values.len()
                ));
            }
            if let Some(urgent) = c.urgent {
                values.push(i64::from(urgent).into());
                set.push(format!("urgent = ?{}", values.len()));
            }
            if c.read {
                set.push("unread_count = 0".to_owned());
            }
            let sql = format!("UPDATE conversations SET {} WHERE id = ?1", set.join(", "));
            tx.prepare_cached(&sql)?
                .execute(rusqlite::params_from_iter(values))?;
        }
        store_reasons(tx, &self.reasons, reasons)
    }
}

/// The ids of the rules' reasons (`rule_reasons`) an ingest call has looked
/// up or stored, by rule and text. Only for the transaction they were found in
/// and those after it: a failed transaction ends the ingest call, and this
/// with it.
#[derive(Default)]
pub(crate) struct ReasonIds {
    /// Texts quote what items say (numbers, words), so they are hashed with
    /// the seeded foldhash, as the writer's other maps are (see ingest.rs).
    by_rule: rustc_hash::FxHashMap<i64, foldhash::HashMap<String, i64>>,
    len: usize,
}

/// Reasons remembered at most (a rule that quotes a number, like an author's
/// followers, gives many).
const REASON_IDS_KEPT: usize = 100_000;

impl ReasonIds {
    /// The id of what `f` says, stored if it is new.
    fn get(&mut self, tx: &Transaction<'_>, f: &Firing) -> Result<i64> {
        if let Some(&id) = self.by_rule.get(&f.rule_id).and_then(|r| r.get(&f.reason)) {
            return Ok(id);
        }
        let known: Option<i64> = tx
            .prepare_cached("SELECT id FROM rule_reasons WHERE rule_id = ?1 AND text = ?2")?
            .query_row(params![f.rule_id, f.reason], |r| r.get(0))
            .optional()?;
        let id = match known {
            Some(id) => id,
            None => {
                tx.prepare_cached("INSERT INTO rule_reasons (rule_id, text) VALUES (?1, ?2)")?
                    .execute(params![f.rule_id, f.reason])?;
                tx.last_insert_rowid()
            }
        };
        if self.len >= REASON_IDS_KEPT {
            *self = Self::default();
        }
        let by_text = self.by_rule.entry(f.rule_id).or_default();
        by_text.insert(f.reason.clone(), id);
        self.len += 1;
        Ok(id)
    }
}

/// Records why rules fired: a row per item, with the ids of its firings'
/// reasons in firing order. Each (rule, reason) is stored once: the reasons'
/// texts were ~170 bytes an item with 100 rules firing 3.5 times an item, most
/// of them repeats.
fn store_reasons(
    tx: &Transaction<'_>,
    effects: &[(i64, &[Firing])],
    reasons: &mut ReasonIds,
) -> Result<()> {
    for chunk in effects.chunks(ROWS_PER_INSERT) {
        let mut rows: Vec<String> = Vec::with_capacity(chunk.len());
        for (_, firings) in chunk {
            let mut ids = String::from("[");
            for (i, f) in firings.iter().enumerate() {
                if i > 0 {
                    ids.push(',');
                }
                ids.push_str(itoa::Buffer::new().format(reasons.get(tx, f)?));
            }
            ids.push(']');
            rows.push(ids);
        }
        let sql = format!(
            "INSERT OR REPLACE INTO item_reasons (item_id, reason_ids) VALUES {}",
            crate::store::value_rows(2, chunk.len())
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 2);
        for ((item_id, _), ids) in chunk.iter().zip(&rows) {
            values.extend([item_id as &dyn rusqlite::ToSql, ids]);
        }
        stmt.execute(values.as_slice())?;
    }
    Ok(())
}

/// Reasons shown for one conversation, at most.
const REASONS_SHOWN: usize = 20;

/// Why rules fired on a conversation's items, each reason once, the most
/// recent first (the same rule often fires on several items of a thread).
pub fn reasons(ws: &Workspace, conversation_id: i64) -> Result<Vec<String>> {
    ws.store().read(|c| {
        // An item's last firing is its most recent.
        let mut stmt = c.prepare_cached(
            "SELECT t.text FROM items i JOIN item_reasons r ON r.item_id = i.id,
                json_each(r.reason_ids) j JOIN rule_reasons t ON t.id = j.value
             WHERE i.conversation_id = ?1 ORDER BY i.id DESC, j.key DESC",
        )?;
        let mut rows = stmt.query([conversation_id])?;
        let mut out: Vec<String> = Vec::new();
        while let Some(row) = rows.next()? {
            let reason: String = row.get(0)?;
            if !out.contains(&reason) {
                out.push(reason);
                if out.len() == REASONS_SHOWN {
                    break;
                }
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::events::{CoreEvent, EventSink};
    use crate::item::{Content, NewAuthor, NewItem};
    use crate::vault::MemoryVault;

    #[derive(Default)]
    struct Events(Mutex<Vec<CoreEvent>>);

    impl EventSink for Events {
        fn emit(&self, event: CoreEvent) {
            self.0.lock().unwrap().push(event);
        }
    }

    fn item(id: &str, kind: ItemKind, text: &str, followers: Option<i64>) -> NewItem {
        NewItem {
            network: "bluesky".into(),
            remote_id: id.into(),
            account_id: None,
            kind,
            author: NewAuthor {
                handle: "maria.bsky.social".into(),
                display_name: Some("Maria".into()),
                followers,
                ..Default::default()
            },
            content: Content::Text(text.into()),
            created_at: 1_000,
            parent_remote_id: None,
            root_remote_id: None,
            url: None,
            lang: Some("en".into()),
            attachments: Vec::new(),
        }
    }

    fn open() -> (tempfile::TempDir, Workspace, Arc<Events>) {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::open(dir.path(), &MemoryVault::default()).unwrap();
        let events = Arc::new(Events::default());
        ws.set_event_sink(events.clone());
        (dir, ws, events)
    }

    fn conversation(ws: &Workspace, remote: &str) -> (i64, bool, u8, Vec<String>) {
        let id = crate::sync::testing::conversation_of(ws, remote);
        let s = ws.conversation_summary(id).unwrap();
        (id, s.urgent, s.priority, s.tags)
    }

    #[test]
    fn a_reason_fired_on_several_items_is_given_once() {
        let (_dir, ws, _events) = open();
        let reply = |id: &str| {
            let mut reply = item(id, ItemKind::Reply, "still no refund", None);
            reply.parent_remote_id = Some("10".into());
            reply.root_remote_id = Some("10".into());
            reply
        };
        // The second call finds the text the first stored, then remembers it.
        ws.ingest(vec![reply("11")]).unwrap();
        ws.ingest(vec![reply("12"), reply("13")]).unwrap();
        let (c, _, _, _) = conversation(&ws, "11");
        assert_eq!(conversation(&ws, "13").0, c, "one thread");
        assert_eq!(
            reasons(&ws, c).unwrap(),
            vec!["urgent: a reply and 'refund'".to_string()]
        );
        let stored: (i64, i64, i64) = ws
            .store()
            .read(|c| -> Result<_> {
                Ok(c.query_row(
                    "SELECT (SELECT count(*) FROM rule_reasons), count(*), count(DISTINCT reason_ids)
                     FROM item_reasons",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .unwrap();
        assert_eq!(stored, (1, 3, 1), "one text, three items naming it");
    }

    #[test]
    fn the_defaults_flag_risk_words_negative_dms_and_reach_and_say_why() {
        let (_dir, ws, events) = open();
        ws.ingest(vec![
            item(
                "1",
                ItemKind::Mention,
                "I want a refund, this is broken",
                None,
            ),
            item("2", ItemKind::Dm, "This is awful and I am furious", None),
            item(
                "3",
                ItemKind::Mention,
                "Lovely update, thanks",
                Some(25_000),
            ),
            item("4", ItemKind::Mention, "Lovely update, thanks", Some(10)),
        ])
        .unwrap();

        let (c1, urgent, _, tags) = conversation(&ws, "1");
        assert!(urgent);
        assert!(tags.contains(&"risk".to_string()), "{tags:?}");
        let why = reasons(&ws, c1).unwrap();
        assert_eq!(
            why,
            vec!["urgent: a mention and 'refund', 'broken'".to_string()]
        );

        let (c2, urgent, _, _) = conversation(&ws, "2");
        assert!(urgent);
        let why = reasons(&ws, c2).unwrap().join(" | ");
        assert!(
            why.contains("a direct message and negative sentiment −"),
            "{why}"
        );

        let (_, urgent, priority, tags) = conversation(&ws, "3");
        assert!(!urgent);
        assert_eq!(priority, 2);
        assert!(tags.contains(&"high-reach".to_string()));
        let (_, urgent, priority, _) = conversation(&ws, "4");
        assert!(
            !urgent && priority == 1,
            "nothing fires on an ordinary mention"
        );

        let urgent: Vec<_> = events
            .0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                CoreEvent::Urgent { items } => Some(items.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(urgent.len(), 1, "one event per ingest");
        assert_eq!(urgent[0].len(), 2, "the refund mention and the angry DM");
        assert_eq!(urgent[0][0].author, "Maria");
        assert!(urgent[0][0].text.contains("refund"));
    }

    #[test]
    fn a_batch_applies_its_firings_per_thread_in_item_order() {
        let (_dir, ws, _events) = open();
        for r in ws.store().read(list).unwrap() {
            delete(&ws, r.id).unwrap();
        }
        let rule = |name: &str, query: &str, actions: Actions| {
            save(
                &ws,
                &Rule {
                    id: 0,
                    name: name.into(),
                    enabled: true,
                    position: 0,
                    conditions: Conditions {
                        query: Some(query.into()),
                        ..Default::default()
                    },
                    actions,
                    builtin: false,
                },
            )
        };
        let alarm = Actions {
            urgent: true,
            tags: vec!["#Needs Look".into()],
            ..Default::default()
        };
        let err = rule(
            "Blank tag",
            "alarm",
            Actions {
                tags: vec!["  ".into()],
                ..alarm.clone()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a usable tag"), "{err}");
        rule("Alarm", "alarm", alarm).unwrap();
        rule(
            "Escalate",
            "escalate",
            Actions {
                priority: Some(3),
                state: Some(TriageState::Pending),
                tags: vec!["needs-look".into()],
                ..Default::default()
            },
        )
        .unwrap();
        rule(
            "Quiet",
            "quiet",
            Actions {
                mute: true,
                ..Default::default()
            },
        )
        .unwrap();
        let reply = |id: &str, root: &str, text: &str| {
            let mut i = item(id, ItemKind::Reply, text, None);
            i.parent_remote_id = Some(root.into());
            i.root_remote_id = Some(root.into());
            i
        };
        // One batch: three threads, each with two items that fire.
        ws.ingest(vec![
            item("a", ItemKind::Mention, "alarm", None),
            reply("a1", "a", "escalate"),
            item("b", ItemKind::Mention, "alarm", None),
            reply("b1", "b", "quiet"),
            item("c", ItemKind::Mention, "quiet", None),
            reply("c1", "c", "alarm"),
        ])
        .unwrap();

        let (a, urgent, priority, tags) = conversation(&ws, "a1");
        assert!(urgent);
        assert_eq!(priority, 3);
        assert_eq!(tags, vec!["needs-look".to_string()], "normalised, once");
        assert_eq!(
            ws.conversation_summary(a).unwrap().state,
            TriageState::Pending
        );
        let (b, urgent, _, _) = conversation(&ws, "b1");
        assert!(!urgent, "muted after it was marked urgent");
        assert_eq!(ws.conversation_summary(b).unwrap().unread_count, 0);
        assert!(conversation(&ws, "c1").1, "marked urgent after the mute");
        assert_eq!(reasons(&ws, a).unwrap().len(), 2);
    }

    #[test]
    fn what_fires_on_a_thread_merged_later_in_the_batch_lands_on_the_merged_thread() {
        let (_dir, ws, events) = open();
        let on_mastodon = |id: &str, parent: Option<&str>, text: &str| {
            let mut i = item(id, ItemKind::Reply, text, None);
            i.network = "mastodon".into();
            i.parent_remote_id = parent.map(Into::into);
            i
        };
        // C arrives before its parent B, so it waits in a thread of its own;
        // B then joins A's thread, and C's thread is merged into it.
        ws.ingest(vec![
            on_mastodon("a", None, "hello"),
            on_mastodon("c", Some("b"), "I want a refund, this is broken"),
            on_mastodon("b", Some("a"), "any news?"),
        ])
        .unwrap();
        let thread = crate::sync::testing::conversation_of(&ws, "a");
        assert_eq!(
            crate::sync::testing::conversation_of(&ws, "c"),
            thread,
            "merged"
        );
        let s = ws.conversation_summary(thread).unwrap();
        assert!(s.urgent, "the merged thread is marked urgent");
        assert!(s.tags.contains(&"risk".to_string()), "{:?}", s.tags);
        let orphans: i64 = ws
            .store()
            .read(|c| -> Result<i64> {
                Ok(c.query_row(
                    "SELECT count(*) FROM conversation_tags
                     WHERE conversation_id NOT IN (SELECT id FROM conversations)",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(orphans, 0, "no tag left on the thread merged away");
        let notified: Vec<i64> = events
            .0
            .lock()
            .unwrap()
            .iter()
            .flat_map(|e| match e {
                CoreEvent::Urgent { items } => items.iter().map(|i| i.conversation_id).collect(),
                _ => Vec::new(),
            })
            .collect();
        assert_eq!(
            notified,
            vec![thread],
            "the notification opens the merged thread"
        );
    }

    #[test]
    fn our_own_items_never_fire() {
        let (_dir, ws, _events) = open();
        ws.ensure_account(
            "bluesky",
            "maria.bsky.social",
            None,
            crate::accounts::AccountOrigin::Import,
        )
        .unwrap();
        ws.ingest(vec![item("1", ItemKind::Reply, "we will refund you", None)])
            .unwrap();
        let (c, urgent, _, _) = conversation(&ws, "1");
        assert!(!urgent);
        assert!(reasons(&ws, c).unwrap().is_empty());
    }

    #[test]
    fn defaults_are_seeded_once_and_stay_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let vault = MemoryVault::default();
        let ws = Workspace::open(dir.path(), &vault).unwrap();
        let rules = ws.store().read(list).unwrap();
        assert_eq!(rules.len(), 3);
        assert!(rules.iter().all(|r| r.builtin && r.enabled));
        for r in &rules {
            delete(&ws, r.id).unwrap();
        }
        drop(ws);
        let ws = Workspace::open(dir.path(), &vault).unwrap();
        assert!(
            ws.store().read(list).unwrap().is_empty(),
            "deleted stays deleted"
        );
    }

    #[test]
    fn custom_rules_match_queries_mute_and_can_be_tried_on_the_past() {
        let (_dir, ws, _events) = open();
        ws.ingest(vec![
            item("old1", ItemKind::Mention, "my card was charged twice", None),
            item(
                "old2",
                ItemKind::Mention,
                "card declined, charged anyway",
                None,
            ),
            item("old3", ItemKind::Mention, "nice card design", None),
        ])
        .unwrap();
        let billing = Rule {
            id: 0,
            name: "Billing".into(),
            enabled: true,
            position: 0,
            conditions: Conditions {
                query: Some("card NEAR/3 charged".into()),
                ..Default::default()
            },
            actions: Actions {
                tags: vec!["billing".into()],
                priority: Some(2),
                ..Default::default()
            },
            builtin: false,
        };
        let trial = trial(&ws, &billing, 0, 1000).unwrap();
        assert_eq!((trial.items, trial.conversations), (3, 2));
        assert!(
            trial.hits[0].reason.contains("'card', 'charged'"),
            "{:?}",
            trial.hits
        );

        let saved = save(&ws, &billing).unwrap();
        assert!(saved.id > 0);
        let bad = Rule {
            conditions: Conditions {
                query: Some("(card".into()),
                ..Default::default()
            },
            ..billing.clone()
        };
        assert!(save(&ws, &bad)
            .unwrap_err()
            .to_string()
            .contains("not closed"));

        // A mute placed first stops everything after it.
        let mute = save(
            &ws,
            &Rule {
                id: 0,
                name: "Bots".into(),
                conditions: Conditions {
                    query: Some("author:maria".into()),
                    ..Default::default()
                },
                actions: Actions {
                    mute: true,
                    ..Default::default()
                },
                ..billing.clone()
            },
        )
        .unwrap();
        reorder(&ws, &[mute.id]).unwrap();
        assert_eq!(ws.store().read(list).unwrap()[0].id, mute.id);
        ws.ingest(vec![item(
            "new",
            ItemKind::Mention,
            "refund my card, charged twice",
            None,
        )])
        .unwrap();
        let (c, urgent, priority, tags) = conversation(&ws, "new");
        assert!(!urgent && priority == 1 && tags.is_empty(), "muted first");
        assert_eq!(
            reasons(&ws, c).unwrap(),
            vec!["muted: matches author:maria".to_string()]
        );
        assert_eq!(ws.conversation_summary(c).unwrap().unread_count, 0);
    }
}
