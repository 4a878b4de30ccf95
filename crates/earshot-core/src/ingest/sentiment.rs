//! Sentiment: VADER's lexicon (from the `vader_sentiment` crate) scored with
//! VADER's core rules: boosters and dampeners, negation in the three words
//! before, ALL-CAPS emphasis, "but" shifting weight to what follows, and
//! exclamation marks. The crate's own scorer allocates per word and costs
//! ~20 µs an item here; this one does no per-word allocation, so ingest can
//! keep up with a firehose. Idioms and the crate's special cases are left out.

use std::collections::HashMap;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use unicase::UniCase;

const BOOST: f64 = 0.293;
const CAPS: f64 = 0.733;
const NEGATE: f64 = -0.74;
const ALPHA: f64 = 15.0;

const BOOSTERS: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerably",
    "decidedly",
    "deeply",
    "enormously",
    "entirely",
    "especially",
    "exceptionally",
    "extremely",
    "fabulously",
    "fully",
    "greatly",
    "highly",
    "hugely",
    "incredibly",
    "intensely",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "totally",
    "tremendously",
    "unbelievably",
    "unusually",
    "utterly",
    "very",
];
const DAMPENERS: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "less",
    "little",
    "marginally",
    "occasionally",
    "partly",
    "scarcely",
    "slightly",
    "somewhat",
    "sorta",
];
const NEGATIONS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "dont", "hadnt",
    "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither", "neednt", "never", "none", "nope",
    "nor", "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt", "wasnt", "werent",
    "without", "wont", "wouldnt", "rarely", "seldom", "despite", "no",
];

/// What a word is to the scorer, looked up once per word.
#[derive(Clone, Copy, Default)]
struct Word {
    /// Its valence in the lexicon, if it is there.
    valence: Option<f64>,
    booster: bool,
    dampener: bool,
    negation: bool,
}

/// Which of a [`Word`]'s marks a word list sets.
type Flag = fn(&mut Word) -> &mut bool;

/// The lexicon and the three word lists in one map keyed by the lowercase word,
/// so each word of a post costs one lookup. Hashed with FxHash: the keys are
/// fixed, not chosen by whoever wrote the post, and SipHash over case-folded
/// keys was a fifth of the scorer's time.
fn vocabulary() -> &'static FxHashMap<String, Word> {
    static VOCABULARY: OnceLock<FxHashMap<String, Word>> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let lexicon: &HashMap<UniCase<&str>, f64> = &vader_sentiment::LEXICON;
        let mut map = FxHashMap::default();
        for (word, &valence) in lexicon {
            map.insert(
                word.to_lowercase(),
                Word {
                    valence: Some(valence),
                    ..Word::default()
                },
            );
        }
        let lists: [(&[&str], Flag); 3] = [
            (BOOSTERS, |w| &mut w.booster),
            (DAMPENERS, |w| &mut w.dampener),
            (NEGATIONS, |w| &mut w.negation),
        ];
        for (list, flag) in lists {
            for word in list {
                *flag(map.entry(word.to_string()).or_default()) = true;
            }
        }
        map
    })
}

/// Looks a word up whatever its case; `lower` is scratch space.
fn look_up(word: &str, lower: &mut String) -> Word {
    lower.clear();
    if word.is_ascii() {
        lower.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        lower.extend(word.chars().flat_map(char::to_lowercase));
    }
    let mut found = vocabulary()
        .get(lower.as_str())
        .copied()
        .unwrap_or_default();
    // A byte window, not `contains`: its searcher costs more to set up than
    // a word this short takes to scan.
    found.negation |= lower.as_bytes().windows(3).any(|w| w == b"n't");
    found
}

/// The compound score in −1..1, or `None` for text with no words.
pub fn score(text: &str) -> Option<f64> {
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\''))
        .filter(|w| !w.is_empty() && !w.starts_with("http"))
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut lower = String::new();
    let known: Vec<Word> = words.iter().map(|w| look_up(w, &mut lower)).collect();
    let has_upper = words.iter().any(|w| w.chars().any(char::is_lowercase));
    let shouting = |w: &str| {
        has_upper && w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase)
    };
    let mut scores = vec![0.0f64; words.len()];
    for (i, word) in words.iter().enumerate() {
        let this = known[i];
        if this.booster || this.dampener {
            continue;
        }
        let Some(base) = this.valence else {
            continue;
        };
        let mut v = base;
        if shouting(word) {
            v += CAPS * v.signum();
        }
        for back in 1..=3usize {
            let Some(j) = i.checked_sub(back) else { break };
            let prev = known[j];
            let decay = [1.0, 0.95, 0.9][back - 1];
            if prev.booster {
                let mut b = BOOST * v.signum() * decay;
                if shouting(words[j]) {
                    b += CAPS * v.signum() * decay;
                }
                v += b;
            } else if prev.dampener {
                v -= BOOST * v.signum() * decay;
            }
            if prev.negation {
                v *= NEGATE;
            }
        }
        scores[i] = v;
    }
    if let Some(but) = words.iter().position(|w| w.eq_ignore_ascii_case("but")) {
        for (i, s) in scores.iter_mut().enumerate() {
            *s *= if i < but { 0.5 } else { 1.5 };
        }
    }
    let mut sum: f64 = scores.iter().sum();
    if sum != 0.0 {
        let bangs = text.matches('!').count().min(4) as f64 * 0.292;
        let questions = match text.matches('?').count() {
            0 | 1 => 0.0,
            n @ 2..=3 => n as f64 * 0.18,
            _ => 0.96,
        };
        sum += (bangs + questions) * sum.signum();
    }
    let compound = sum / (sum * sum + ALPHA).sqrt();
    Some((compound.clamp(-1.0, 1.0) * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agrees in sign with the reference VADER scorer on typical posts.
    #[test]
    fn agrees_with_reference_vader() {
        let reference = vader_sentiment::SentimentIntensityAnalyzer::new();
        for text in [
            "I love this app, it is wonderful",
            "This is terrible, broken and I want a refund",
            "not good at all",
            "The editor is great but sync is awful",
            "Sync is broken AGAIN!!!",
            "really really happy with the new release :)",
            "I don't hate it",
            "Charged twice and support ignores me. Chargeback next.",
            "Thanks so much for the quick fix!",
        ] {
            let ours = score(text).unwrap();
            let theirs = reference.polarity_scores(text)["compound"];
            assert_eq!(
                ours.signum(),
                theirs.signum(),
                "{text}: ours {ours}, reference {theirs}"
            );
            assert!(
                (ours - theirs).abs() < 0.35,
                "{text}: ours {ours}, reference {theirs}"
            );
        }
        assert_eq!(score("  "), None);
    }
}
