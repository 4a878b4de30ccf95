//! Every enabled listening query compiled into one matcher, run on each new
//! item on ingest's analysis thread.
//!
//! Each query gets one trigger: a clause of words one of which any matching
//! item must contain ([`Query::required`]). An item's words are looked up once
//! in a map from trigger word to queries, so most queries are rejected by a
//! hash lookup and only the few left are evaluated exactly. Queries without a
//! trigger (only fields, only NOTs) are evaluated on every item.

use rustc_hash::FxHashMap;

use crate::ingest::analyse::Analysed;
use crate::query::{word_hash, Doc, Needle, Query, Words};

/// The enabled queries, compiled.
#[derive(Debug, Clone, Default)]
pub struct QuerySet {
    queries: Vec<(i64, Query)>,
    /// Keyed by the [`word_hash`] of the queries' own words (never of an
    /// item's), so a fast hash without a seed is safe here. Two words with one
    /// hash only make a candidate more, which its query then turns down.
    by_word: FxHashMap<u64, Vec<u32>>,
    by_prefix: Vec<(String, u32)>,
    always: Vec<u32>,
}

/// How good a clause is as a trigger: fewer lookups and rarer words are better.
/// Short words are usually common; a prefix costs a scan of the item's words.
fn trigger_cost(clause: &[Needle]) -> usize {
    clause
        .iter()
        .map(|n| match n {
            Needle::Word(w) if w.chars().count() <= 3 => 4,
            Needle::Word(_) => 1,
            Needle::Prefix(_) => 16,
        })
        .sum()
}

impl QuerySet {
    /// Compiles queries by id; evaluation order is the order given.
    pub fn compile(queries: impl IntoIterator<Item = (i64, Query)>) -> Self {
        let mut set = Self::default();
        for (id, query) in queries {
            let index = set.queries.len() as u32;
            let trigger = query.required().into_iter().min_by_key(|c| trigger_cost(c));
            match trigger {
                Some(clause) => {
                    for needle in clause {
                        match needle {
                            Needle::Word(w) => {
                                set.by_word.entry(word_hash(&w)).or_default().push(index)
                            }
                            Needle::Prefix(p) => set.by_prefix.push((p, index)),
                        }
                    }
                }
                None => set.always.push(index),
            }
            set.queries.push((id, query));
        }
        set
    }

    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.queries.len()
    }

    /// The ids of the queries `doc` matches, in compile order.
    pub fn matches(&self, doc: &Doc<'_>) -> Vec<i64> {
        if self.queries.is_empty() {
            return Vec::new();
        }
        let mut candidates: Vec<u32> = self.always.clone();
        for h in doc.words.hashes() {
            if let Some(qs) = self.by_word.get(h) {
                candidates.extend_from_slice(qs);
            }
        }
        for (prefix, index) in &self.by_prefix {
            if doc.words.iter().any(|w| w.starts_with(prefix.as_str())) {
                candidates.push(*index);
            }
        }
        if candidates.is_empty() {
            return Vec::new();
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter_map(|i| {
                let (id, q) = &self.queries[i as usize];
                q.matches(doc).then_some(*id)
            })
            .collect()
    }

    /// The queries an analysed item matches (nothing for our own posts).
    pub fn matches_item(&self, a: &Analysed) -> Vec<i64> {
        if self.queries.is_empty() {
            return Vec::new();
        }
        let doc = Doc {
            words: Words::split(&a.text),
            network: &a.item.network,
            author: &a.item.author.handle,
            lang: a.lang.as_deref(),
            kind: Some(a.item.kind),
            has_link: a.has_link,
            is_reply: a.item.parent_remote_id.is_some()
                || a.item.kind == crate::item::ItemKind::Reply,
            sentiment: a.sentiment,
        };
        self.matches(&doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc<'static> {
        Doc {
            words: Words::split(text),
            network: "mastodon",
            author: "ana@x.test",
            lang: Some("en"),
            ..Default::default()
        }
    }

    fn set(qs: &[&str]) -> QuerySet {
        QuerySet::compile(
            qs.iter()
                .enumerate()
                .map(|(i, q)| (i as i64 + 1, Query::parse(q).unwrap())),
        )
    }

    #[test]
    fn matches_what_each_query_alone_matches() {
        let queries = [
            "refund",
            "\"charged twice\"",
            "cancel* -spam",
            "network:mastodon",
            "outage OR down",
            "-refund",
            "card NEAR/2 declined",
            "(refund OR chargeback) lang:en",
            "author:bob",
        ];
        let s = set(&queries);
        for text in [
            "I want a refund",
            "charged twice on my card, card declined",
            "cancelled! spam",
            "servers down",
            "",
            "chargeback please",
        ] {
            let d = doc(text);
            let expected: Vec<i64> = queries
                .iter()
                .enumerate()
                .filter(|(_, q)| Query::parse(q).unwrap().matches(&d))
                .map(|(i, _)| i as i64 + 1)
                .collect();
            assert_eq!(s.matches(&d), expected, "{text}");
        }
    }

    #[test]
    fn picks_a_rare_word_as_trigger() {
        let s = set(&["the outage"]);
        assert!(
            s.by_word.contains_key(&word_hash("outage")),
            "{:?}",
            s.by_word
        );
        assert!(
            !s.by_word.contains_key(&word_hash("the")),
            "short words make poor triggers"
        );
        assert!(s.always.is_empty());
    }
}
