use hashbrown::HashMap;

use super::utils::{TrigramsWithPositions, get_trigrams_with_positions};
use super::{ARABIC_LANGS, CYRILLIC_LANGS, DEVANAGARI_LANGS, HEBREW_LANGS, LATIN_LANGS};
#[cfg(test)]
use super::LangProfile;
use super::LangProfileList;
use super::{MAX_TOTAL_DISTANCE, MAX_TRIGRAM_DISTANCE, Trigram};
use crate::Lang;
use crate::core::{FilterList, Info, InternalQuery, Text, calculate_confidence};
use crate::scripts::grouping::MultiLangScript;

#[derive(Debug)]
pub struct RawOutcome {
    pub trigrams_count: usize,
    #[allow(dead_code)]
    pub raw_distances: Vec<(Lang, u32)>,
    pub scores: Vec<(Lang, f64)>,
}

#[inline]
pub fn detect(iquery: &InternalQuery) -> Option<Info> {
    let raw_outcome = raw_detect(iquery);
    let RawOutcome {
        trigrams_count,
        scores,
        ..
    } = raw_outcome;

    let mut raw_scores_iter = scores.into_iter();

    let opt_lang_score1 = raw_scores_iter.next();
    let opt_lang_score2 = raw_scores_iter.next();

    // TODO: Logic is duplicated in alphabets. Consider refactoring
    opt_lang_score1.map(|(lang1, score1)| {
        let script = iquery.multi_lang_script.to_script();
        let confidence = if let Some((_, score2)) = opt_lang_score2 {
            calculate_confidence(score1, score2, trigrams_count)
        } else {
            1.0
        };
        Info::new(script, lang1, confidence)
    })
}

#[inline]
pub fn raw_detect(iquery: &InternalQuery) -> RawOutcome {
    let lang_profile_list = script_to_lang_profile_list(iquery.multi_lang_script);
    calculate_scores_in_profiles(&iquery.text, iquery.filter_list, lang_profile_list)
}

fn script_to_lang_profile_list(script: MultiLangScript) -> LangProfileList {
    use MultiLangScript as MLS;
    match script {
        MLS::Latin => LATIN_LANGS,
        MLS::Cyrillic => CYRILLIC_LANGS,
        MLS::Arabic => ARABIC_LANGS,
        MLS::Devanagari => DEVANAGARI_LANGS,
        MLS::Hebrew => HEBREW_LANGS,
    }
}

#[inline]
fn calculate_scores_in_profiles(
    text: &Text,
    filter_list: &FilterList,
    lang_profile_list: LangProfileList,
) -> RawOutcome {
    let mut lang_distances: Vec<(Lang, u32)> = vec![];

    let TrigramsWithPositions {
        trigram_positions, ..
    } = get_trigrams_with_positions(&text.lowercase());
    let unique_trigrams_count = trigram_positions.len();

    // Earshot's patch: look up the text's own trigrams in an index of the
    // profiles (one lookup each) instead of every profile trigram in the text
    // (300 lookups per language); the distances are the same.
    let gains = profile_gains(lang_profile_list, &trigram_positions);
    for (&(lang, lang_trigrams), &gain) in lang_profile_list.iter().zip(&gains) {
        if !filter_list.is_allowed(lang) {
            continue;
        }
        let dist = finish_distance(distance_from_gain(lang_trigrams, gain), &trigram_positions);
        lang_distances.push(((lang), dist));
    }

    // Sort languages by distance
    lang_distances.sort_unstable_by_key(|(_, dist)| *dist);

    let max_dist = unique_trigrams_count as u32 * MAX_TRIGRAM_DISTANCE;

    let raw_scores = lang_distances
        .iter()
        .map(|&(lang, distance)| (lang, distance_to_raw_score(distance, max_dist)))
        .collect();

    RawOutcome {
        trigrams_count: unique_trigrams_count,
        scores: raw_scores,
        raw_distances: lang_distances,
    }
}

/// Where each trigram of a list's profiles occurs: (profile, rank) pairs.
type ProfileIndex = HashMap<Trigram, Vec<(u16, u16)>>;

fn profile_index(lang_profile_list: LangProfileList) -> &'static ProfileIndex {
    use std::sync::OnceLock;
    static INDEXES: [OnceLock<ProfileIndex>; 5] = [const { OnceLock::new() }; 5];
    let slot = [
        LATIN_LANGS,
        CYRILLIC_LANGS,
        ARABIC_LANGS,
        DEVANAGARI_LANGS,
        HEBREW_LANGS,
    ]
    .iter()
    .position(|list| std::ptr::eq(*list, lang_profile_list))
    .expect("a profile list of this crate");
    INDEXES[slot].get_or_init(|| {
        let mut index = ProfileIndex::new();
        for (p, (_, trigrams)) in lang_profile_list.iter().enumerate() {
            for (rank, &trigram) in trigrams.iter().enumerate() {
                index.entry(trigram).or_default().push((p as u16, rank as u16));
            }
        }
        index
    })
}

/// For each profile of the list, the sum over the profile's trigrams found in
/// the text of MAX_TRIGRAM_DISTANCE less their distance. A term is negative
/// when a trigram's rank in the text is more than MAX_TRIGRAM_DISTANCE from
/// its rank in the profile (texts with over 300 distinct trigrams), hence i64.
fn profile_gains(lang_profile_list: LangProfileList, text_trigrams: &HashMap<Trigram, u32>) -> Vec<i64> {
    let index = profile_index(lang_profile_list);
    let mut gains = vec![0i64; lang_profile_list.len()];
    for (trigram, &n) in text_trigrams {
        if let Some(found) = index.get(trigram) {
            for &(p, rank) in found {
                gains[p as usize] +=
                    i64::from(MAX_TRIGRAM_DISTANCE) - (i64::from(n) - i64::from(rank)).abs();
            }
        }
    }
    gains
}

/// A profile's summed distance from its gain: trigrams not found count
/// MAX_TRIGRAM_DISTANCE each, as in [`calculate_distance`]. The sum is of
/// non-negative terms, at most 300 × 599, so it fits.
fn distance_from_gain(profile: &[Trigram], gain: i64) -> u32 {
    (profile.len() as i64 * i64::from(MAX_TRIGRAM_DISTANCE) - gain) as u32
}

#[cfg(test)]
#[inline]
fn calculate_distance(lang_trigrams: LangProfile, text_trigrams: &HashMap<Trigram, u32>) -> u32 {
    let mut total_dist = 0u32;

    for (i, &trigram) in lang_trigrams.iter().enumerate() {
        let dist = match text_trigrams.get(&trigram) {
            Some(&n) => (n as i32 - i as i32).unsigned_abs(),
            None => MAX_TRIGRAM_DISTANCE,
        };
        total_dist += dist;
    }

    finish_distance(total_dist, text_trigrams)
}

#[inline]
fn finish_distance(mut total_dist: u32, text_trigrams: &HashMap<Trigram, u32>) -> u32 {
    let count = text_trigrams.len() as u32;

    if MAX_TRIGRAM_DISTANCE > count {
        let delta = MAX_TRIGRAM_DISTANCE - count;
        total_dist -= delta * MAX_TRIGRAM_DISTANCE;
    }

    total_dist.clamp(0, MAX_TOTAL_DISTANCE)
}

#[inline]
fn distance_to_raw_score(distance: u32, max_distance: u32) -> f64 {
    let similarity = max_distance - distance;
    similarity as f64 / max_distance as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Earshot's patch: the index of the profiles gives every profile the
    /// distance the original computation gives, on text in many scripts.
    #[test]
    fn the_profile_index_gives_the_original_distances() {
        let samples = [
            "Die Ordnung muss für immer in diesem Codebase bleiben",
            "the sync is broken again since the update and I want a refund",
            "sync kaloshi broken praden update mizel quanevo refund vokata changelog",
            "Le chat est sur la table mais il ne veut pas manger",
            "Привет, как дела? Синхронизация снова не работает",
            "שלום, מה שלומך היום",
            "مرحبا كيف حالك اليوم",
            "नमस्ते आप कैसे हैं",
            "a",
            "",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut texts: Vec<String> = samples.iter().map(|s| s.to_string()).collect();
        // Over 300 distinct frequent trigrams that no profile ranks high, then
        // "the" once: its trigrams rank past 400 in the text and near the top
        // of the English profile, so English's gain is below zero.
        let rare = ['q', 'x', 'z', 'j', 'k', 'w', 'v'];
        let mut long = String::new();
        for _ in 0..2 {
            for a in rare {
                for b in rare {
                    for c in rare {
                        long.extend([a, b, c, ' ']);
                    }
                }
            }
        }
        long.push_str("the");
        let trigrams = get_trigrams_with_positions(&Text::new(&long).lowercase()).trigram_positions;
        assert!(
            profile_gains(LATIN_LANGS, &trigrams).iter().any(|&g| g < 0),
            "the long text must give a profile a negative gain"
        );
        texts.push(long);
        for _ in 0..3000 {
            let mut t = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let s = samples[(seed % samples.len() as u64) as usize];
                let words: Vec<&str> = s.split(' ').collect();
                t.push_str(words[((seed >> 8) % words.len() as u64) as usize]);
                t.push(' ');
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            texts.push(t);
        }
        for text in &texts {
            let trigrams = get_trigrams_with_positions(&Text::new(text).lowercase()).trigram_positions;
            for list in [LATIN_LANGS, CYRILLIC_LANGS, ARABIC_LANGS, DEVANAGARI_LANGS, HEBREW_LANGS] {
                let gains = profile_gains(list, &trigrams);
                for (&(lang, profile), &gain) in list.iter().zip(&gains) {
                    assert_eq!(
                        finish_distance(distance_from_gain(profile, gain), &trigrams),
                        calculate_distance(profile, &trigrams),
                        "{lang:?} on {text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn test_when_german_is_given() {
        let text = "Die Ordnung muss für immer in diesem Codebase bleiben";
        let iq = InternalQuery {
            text: Text::new(text),
            filter_list: &FilterList::default(),
            multi_lang_script: MultiLangScript::Latin,
        };
        let raw_outcome = raw_detect(&iq);

        assert_eq!(raw_outcome.trigrams_count, 50);

        let &(first_lang, first_score) = raw_outcome.scores.first().unwrap();
        let &(_last_lang, last_score) = raw_outcome.scores.last().unwrap();

        assert_eq!(first_lang, Lang::Deu);

        assert!(first_score >= 0.0);
        assert!(first_score <= 1.0);

        assert!(last_score >= 0.0);
        assert!(last_score <= 1.0);
    }
}
