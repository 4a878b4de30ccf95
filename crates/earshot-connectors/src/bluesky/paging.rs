//! How a sync of the notifications feed pages and what cursor it saves.
//!
//! `listNotifications` pages newest first with an opaque cursor. A sync reads
//! from the newest page back to a floor, then saves as its cursor the newest
//! `indexedAt` seen on its first (non-empty) page. Until the last page it saves nothing, so
//! a sync that stops half-way (crash, error) starts again from the top next
//! time and re-reads (ingest is idempotent) instead of skipping.
//!
//! The floor is the saved cursor minus [`OVERLAP_MS`], not the cursor itself:
//! the AppView orders notifications by the earlier of a post's `createdAt` and
//! when it indexed it, so a post indexed late (a slow firehose, a client clock
//! behind) is listed *below* notifications we have already seen. Re-reading a
//! window catches those, and also makes ties on the same `indexedAt` harmless.
//! Without a saved cursor the floor is the request's `backfill_since`.

use earshot_core::connector::FeedRequest;
use serde::{Deserialize, Serialize};

use super::model::parse_time;

/// How far below the saved cursor each sync re-reads.
pub const OVERLAP_MS: i64 = 10 * 60 * 1000;

/// What a sync carries from one page to the next (the feed page's `next_page`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageState {
    /// The API's cursor for the next page.
    pub cursor: Option<String>,
    /// The newest `indexedAt` of the sync's first page.
    pub newest: Option<String>,
}

impl PageState {
    /// The state a request continues from. An unreadable state (ours, so it
    /// should not happen) restarts the sync from the top, which is safe.
    pub fn of(request: &FeedRequest) -> Self {
        request
            .page
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default()
    }

    fn encode(&self) -> String {
        // Serialising two optional strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The oldest time (Unix ms) this sync still reads.
pub fn floor(request: &FeedRequest) -> i64 {
    match request.cursor.as_deref().and_then(parse_time) {
        Some(saved) => saved - OVERLAP_MS,
        None => request.backfill_since,
    }
}

/// What one page of notifications showed.
#[derive(Debug, Default)]
pub struct PageSeen<'a> {
    /// The newest notification's `indexedAt`, as sent.
    pub newest: Option<&'a str>,
    /// The page reached below the floor.
    pub reached_floor: bool,
    /// The API's cursor for the page after this one.
    pub next: Option<&'a str>,
}

/// Where the sync goes after a page: `next_page` or the cursor to save.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    pub next_page: Option<String>,
    pub cursor: Option<String>,
}

pub fn step(request: &FeedRequest, state: &PageState, seen: &PageSeen<'_>) -> Step {
    // Pages run newest first, so the first page that had any notification
    // had the newest (an earlier page may have been empty after filtering).
    let newest = state
        .newest
        .clone()
        .or_else(|| seen.newest.map(str::to_owned));
    // A server that hands back the cursor it was given would loop forever.
    let next = seen
        .next
        .filter(|next| !seen.reached_floor && Some(*next) != state.cursor.as_deref());
    if let Some(next) = next {
        let state = PageState {
            cursor: Some(next.to_owned()),
            newest,
        };
        return Step {
            next_page: Some(state.encode()),
            cursor: None,
        };
    }
    // The cursor never moves back: keep the saved one if nothing newer came.
    let saved = request.cursor.clone();
    let at = |c: &Option<String>| c.as_deref().and_then(parse_time);
    let cursor = match (at(&saved), at(&newest)) {
        (Some(s), Some(n)) if n <= s => saved,
        (_, Some(_)) => newest,
        _ => saved,
    };
    Step {
        next_page: None,
        cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bluesky::model::format_time;

    const T0: i64 = 1_763_805_600_000;

    fn request(cursor: Option<i64>, page: Option<&PageState>) -> FeedRequest {
        FeedRequest {
            feed: "notifications".into(),
            cursor: cursor.map(format_time),
            page: page.map(PageState::encode),
            backfill_since: T0 - 86_400_000,
        }
    }

    fn seen<'a>(newest: &'a str, reached_floor: bool, next: Option<&'a str>) -> PageSeen<'a> {
        PageSeen {
            newest: Some(newest),
            reached_floor,
            next,
        }
    }

    #[test]
    fn the_floor_is_the_saved_cursor_less_the_overlap_or_the_backfill() {
        assert_eq!(floor(&request(Some(T0), None)), T0 - OVERLAP_MS);
        assert_eq!(floor(&request(None, None)), T0 - 86_400_000);
        let mut corrupt = request(None, None);
        corrupt.cursor = Some("garbage".into());
        assert_eq!(
            floor(&corrupt),
            T0 - 86_400_000,
            "an unreadable cursor backfills"
        );
    }

    #[test]
    fn a_multi_page_sync_saves_the_first_pages_newest_only_at_the_end() {
        let newest = format_time(T0 + 5000);
        // Page 1: more to read; nothing is saved yet.
        let r1 = request(Some(T0), None);
        let s1 = step(&r1, &PageState::of(&r1), &seen(&newest, false, Some("c1")));
        assert_eq!(
            s1.cursor, None,
            "saving before the last page could skip the rest"
        );
        let state = PageState::of(&FeedRequest {
            page: s1.next_page.clone(),
            ..r1.clone()
        });
        assert_eq!(
            state,
            PageState {
                cursor: Some("c1".into()),
                newest: Some(newest.clone())
            }
        );

        // Page 2: older items; still more.
        let r2 = request(Some(T0), Some(&state));
        let older = format_time(T0 + 1000);
        let s2 = step(&r2, &state, &seen(&older, false, Some("c2")));
        assert_eq!(s2.cursor, None);
        let state2: PageState = serde_json::from_str(s2.next_page.as_deref().unwrap()).unwrap();
        assert_eq!(
            state2.newest.as_deref(),
            Some(newest.as_str()),
            "the first page's newest is carried"
        );

        // Page 3 reaches the floor: done, with the first page's newest.
        let r3 = request(Some(T0), Some(&state2));
        let s3 = step(
            &r3,
            &state2,
            &seen(&format_time(T0 - OVERLAP_MS - 1), true, Some("c3")),
        );
        assert_eq!(
            s3,
            Step {
                next_page: None,
                cursor: Some(newest)
            }
        );
    }

    #[test]
    fn nothing_new_keeps_the_saved_cursor() {
        let saved = format_time(T0);
        let r = request(Some(T0), None);
        let s = step(
            &r,
            &PageState::default(),
            &seen(&format_time(T0 - 10), true, None),
        );
        assert_eq!(
            s,
            Step {
                next_page: None,
                cursor: Some(saved.clone())
            }
        );
        let s = step(&r, &PageState::default(), &PageSeen::default());
        assert_eq!(
            s,
            Step {
                next_page: None,
                cursor: Some(saved)
            },
            "an empty feed"
        );
    }

    #[test]
    fn a_first_sync_of_an_empty_feed_saves_nothing() {
        let r = request(None, None);
        let s = step(&r, &PageState::default(), &PageSeen::default());
        assert_eq!(
            s,
            Step {
                next_page: None,
                cursor: None
            }
        );
    }

    #[test]
    fn the_last_page_of_the_api_ends_the_sync() {
        let r = request(None, None);
        let newest = format_time(T0);
        let s = step(&r, &PageState::default(), &seen(&newest, false, None));
        assert_eq!(
            s,
            Step {
                next_page: None,
                cursor: Some(newest)
            }
        );
    }

    #[test]
    fn a_server_repeating_its_cursor_ends_the_sync() {
        let state = PageState {
            cursor: Some("same".into()),
            newest: Some(format_time(T0)),
        };
        let r = request(None, Some(&state));
        let s = step(&r, &state, &seen(&format_time(T0 - 1), false, Some("same")));
        assert_eq!(
            s,
            Step {
                next_page: None,
                cursor: Some(format_time(T0))
            }
        );
    }

    #[test]
    fn an_empty_page_with_a_cursor_goes_on() {
        // The AppView filters reasons after fetching, so a page can be empty
        // while older ones are not.
        let r = request(None, None);
        let s = step(
            &r,
            &PageState::default(),
            &PageSeen {
                next: Some("c1"),
                ..PageSeen::default()
            },
        );
        assert!(s.next_page.is_some());
        assert_eq!(s.cursor, None);
    }
}
