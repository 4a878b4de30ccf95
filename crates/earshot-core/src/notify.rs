//! When urgent items become desktop notifications, and what they say.
//!
//! The policy is here, free of any desktop API, so it is tested on its own; the
//! delivery (notify-rust) is in `earshot-notify`. Never a storm: the first
//! urgent item notifies at once; more within the digest window update that
//! same notification into a digest ("4 urgent mentions"), so the screen shows
//! one. Listening spikes the manager wants to hear of become one notification
//! per check ([`Notifier::offer_spikes`]). Quiet hours show nothing; items
//! older than a few minutes (the backfill
//! of a newly added account, a sync after a night offline) and the
//! conversation the manager is looking at never notify.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::events::UrgentItem;
use crate::listening::spikes::Spike;

/// Quiet hours in local time: `start` to `end`, minutes after midnight (they
/// may wrap past midnight), at a fixed offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QuietHours {
    pub start_minute: u16,
    pub end_minute: u16,
    /// Local time minus UTC, in minutes (+60 for Central European Time).
    pub utc_offset_minutes: i16,
}

impl QuietHours {
    pub fn contains(&self, now_ms: i64) -> bool {
        let local_min = (now_ms / 60_000 + self.utc_offset_minutes as i64).rem_euclid(24 * 60);
        let (s, e, m) = (self.start_minute as i64, self.end_minute as i64, local_min);
        if s <= e {
            m >= s && m < e
        } else {
            m >= s || m < e
        }
    }

    /// `22:00-07:30` with an offset in minutes.
    pub fn parse(text: &str, utc_offset_minutes: i16) -> Option<Self> {
        let (a, b) = text.split_once('-')?;
        let minute = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        Some(Self {
            start_minute: minute(a)?,
            end_minute: minute(b)?,
            utc_offset_minutes,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NotifyPolicy {
    /// Urgent items within this long of the first become one digest.
    pub digest_window: Duration,
    /// Items written longer ago than this are not news: no notification.
    pub max_age: Duration,
    pub quiet: Option<QuietHours>,
}

impl Default for NotifyPolicy {
    fn default() -> Self {
        Self {
            digest_window: Duration::from_secs(60),
            max_age: Duration::from_secs(10 * 60),
            quiet: None,
        }
    }
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The conversation to open when it is clicked (none for a digest).
    pub conversation_id: Option<i64>,
    /// Update the notification shown last rather than adding one.
    pub replaces_previous: bool,
    /// Urgent items it stands for.
    pub count: usize,
}

/// Decides, item by item, what to show.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    policy: NotifyPolicy,
    window_start: Option<i64>,
    in_window: Vec<UrgentItem>,
    viewing: Option<i64>,
}

fn network_name(network: &str) -> String {
    let mut c = network.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

impl Notifier {
    pub fn new(policy: NotifyPolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }

    /// Takes new settings; a digest under way carries on under them.
    pub fn set_policy(&mut self, policy: NotifyPolicy) {
        self.policy = policy;
    }

    /// The conversation on screen, which never notifies.
    pub fn set_viewing(&mut self, conversation_id: Option<i64>) {
        self.viewing = conversation_id;
    }

    /// What to show for newly urgent items at `now` (Unix ms), if anything.
    pub fn offer(&mut self, items: &[UrgentItem], now: i64) -> Option<Notice> {
        let oldest = now - self.policy.max_age.as_millis() as i64;
        let fresh: Vec<UrgentItem> = items
            .iter()
            .filter(|i| i.created_at >= oldest && Some(i.conversation_id) != self.viewing)
            .cloned()
            .collect();
        if fresh.is_empty() || self.policy.quiet.is_some_and(|q| q.contains(now)) {
            return None;
        }
        let window = self.policy.digest_window.as_millis() as i64;
        let continuing = self.window_start.is_some_and(|s| now - s < window);
        if !continuing {
            self.window_start = Some(now);
            self.in_window.clear();
        }
        self.in_window.extend(fresh);
        let all = &self.in_window;
        if all.len() == 1 {
            let i = &all[0];
            return Some(Notice {
                title: format!("{} on {}", i.author, network_name(&i.network)),
                body: format!("{}\n{}", one_line(&i.text, 200), i.reason),
                conversation_id: Some(i.conversation_id),
                replaces_previous: false,
                count: 1,
            });
        }
        let mut authors: Vec<&str> = Vec::new();
        for i in all.iter().rev() {
            if !authors.contains(&i.author.as_str()) {
                authors.push(&i.author);
            }
        }
        let who = match authors.len() {
            1 => authors[0].to_owned(),
            2 => format!("{} and {}", authors[0], authors[1]),
            n => format!("{}, {} and {} others", authors[0], authors[1], n - 2),
        };
        let latest = &all[all.len() - 1];
        Some(Notice {
            title: format!("{} urgent mentions", all.len()),
            body: format!("From {who}. Latest: {}", one_line(&latest.text, 160)),
            conversation_id: None,
            replaces_previous: continuing,
            count: all.len(),
        })
    }
}

impl Notifier {
    /// What to show for listening spikes found at `now`: one notification for
    /// all of them, nothing in quiet hours. Each query spikes at most once an
    /// hour, so they need no digest window of their own, and a spike never
    /// replaces a notification of urgent items.
    pub fn offer_spikes(&mut self, spikes: &[Spike], now: i64) -> Option<Notice> {
        if spikes.is_empty() || self.policy.quiet.is_some_and(|q| q.contains(now)) {
            return None;
        }
        let title = match spikes {
            [one] => format!("Spike in \"{}\"", one.name),
            many => format!("Spikes in {} listening queries", many.len()),
        };
        let body = spikes
            .iter()
            .map(|s| {
                format!(
                    "{}: {} hits in the last hour, usually {:.1} an hour",
                    s.name, s.hits, s.mean
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        Some(Notice {
            title,
            body,
            conversation_id: None,
            replaces_previous: false,
            count: spikes.len(),
        })
    }
}

/// The manager's notification settings, kept in the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NotifySettings {
    /// Urgent items within this many seconds of the first become one digest
    /// (0: each its own notification).
    pub digest_seconds: u32,
    /// No notifications in these hours.
    pub quiet: Option<QuietHours>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            digest_seconds: NotifyPolicy::default().digest_window.as_secs() as u32,
            quiet: None,
        }
    }
}

impl NotifySettings {
    pub fn policy(&self) -> NotifyPolicy {
        NotifyPolicy {
            digest_window: Duration::from_secs(self.digest_seconds.into()),
            quiet: self.quiet,
            ..NotifyPolicy::default()
        }
    }
}

const SETTINGS: &str = "notify.settings";
/// The longest digest window that can be set: an hour.
pub const MAX_DIGEST_SECONDS: u32 = 3600;

pub fn settings(ws: &crate::Workspace) -> crate::Result<NotifySettings> {
    Ok(ws
        .setting(SETTINGS)?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

pub fn set_settings(ws: &crate::Workspace, settings: &NotifySettings) -> crate::Result<()> {
    if settings.digest_seconds > MAX_DIGEST_SECONDS {
        return Err(crate::Error::Invalid(format!(
            "the digest window is at most {MAX_DIGEST_SECONDS} seconds"
        )));
    }
    if let Some(q) = settings.quiet {
        if q.start_minute >= 24 * 60 || q.end_minute >= 24 * 60 || q.start_minute == q.end_minute {
            return Err(crate::Error::Invalid(
                "quiet hours need a start and a different end, each 00:00 to 23:59".into(),
            ));
        }
        if q.utc_offset_minutes.abs() > 14 * 60 {
            return Err(crate::Error::Invalid(
                "a UTC offset is at most 14 hours".into(),
            ));
        }
    }
    ws.set_setting(SETTINGS, &serde_json::json!(settings))
}

#[cfg(test)]
mod tests {
    #[test]
    fn settings_are_kept_checked_and_become_the_policy() {
        let (_dir, ws, _account) = crate::sync::testing::workspace();
        assert_eq!(
            super::settings(&ws).unwrap(),
            super::NotifySettings::default()
        );
        let quiet = super::QuietHours::parse("22:00-07:30", 60).unwrap();
        let wanted = super::NotifySettings {
            digest_seconds: 120,
            quiet: Some(quiet),
        };
        super::set_settings(&ws, &wanted).unwrap();
        assert_eq!(super::settings(&ws).unwrap(), wanted);
        let policy = wanted.policy();
        assert_eq!(policy.digest_window.as_secs(), 120);
        assert_eq!(policy.quiet, Some(quiet));
        assert!(super::set_settings(
            &ws,
            &super::NotifySettings {
                digest_seconds: 4000,
                quiet: None
            }
        )
        .is_err());
    }

    use super::*;

    fn urgent(conversation_id: i64, author: &str, at: i64) -> UrgentItem {
        UrgentItem {
            conversation_id,
            item_id: conversation_id.to_string(),
            network: "bluesky".into(),
            author: author.into(),
            text: format!("refund please   from {author}"),
            reason: "urgent: a mention and 'refund'".into(),
            created_at: at,
        }
    }

    const NOW: i64 = 1_795_400_000_000;

    #[test]
    fn one_item_notifies_at_once_with_who_where_and_why() {
        let mut n = Notifier::default();
        let notice = n.offer(&[urgent(7, "Maria", NOW)], NOW).unwrap();
        assert_eq!(notice.title, "Maria on Bluesky");
        assert_eq!(
            notice.body,
            "refund please from Maria\nurgent: a mention and 'refund'"
        );
        assert_eq!(
            (notice.conversation_id, notice.replaces_previous),
            (Some(7), false)
        );
    }

    #[test]
    fn a_burst_becomes_one_digest_that_updates_in_place() {
        let mut n = Notifier::default();
        n.offer(&[urgent(1, "Maria", NOW)], NOW).unwrap();
        let mut last = None;
        for i in 2..=10 {
            last = n.offer(&[urgent(i, &format!("P{i}"), NOW)], NOW + i * 1000);
            assert!(
                last.as_ref().unwrap().replaces_previous,
                "updates the one shown"
            );
        }
        let last = last.unwrap();
        assert_eq!(last.title, "10 urgent mentions");
        assert!(
            last.body.starts_with("From P10, P9 and 8 others."),
            "{}",
            last.body
        );

        // After the window, the next one stands alone again.
        let next = n
            .offer(&[urgent(11, "Ola", NOW + 120_000)], NOW + 120_000)
            .unwrap();
        assert_eq!((next.count, next.replaces_previous), (1, false));
    }

    #[test]
    fn quiet_hours_backfill_and_the_open_conversation_stay_silent() {
        let mut n = Notifier::new(NotifyPolicy {
            quiet: QuietHours::parse("22:00-07:30", 60),
            ..NotifyPolicy::default()
        });
        // 23:30 in UTC+1 is 22:30 UTC.
        let late = NOW - NOW % 86_400_000 + 22 * 3_600_000 + 30 * 60_000;
        assert!(
            n.offer(&[urgent(1, "Maria", late)], late).is_none(),
            "quiet hours"
        );
        let mut n = Notifier::default();
        assert!(
            n.offer(&[urgent(1, "Maria", NOW - 3_600_000)], NOW)
                .is_none(),
            "an hour-old item is backfill"
        );
        n.set_viewing(Some(5));
        assert!(
            n.offer(&[urgent(5, "Maria", NOW)], NOW).is_none(),
            "already on screen"
        );
        assert!(n.offer(&[urgent(6, "Maria", NOW)], NOW).is_some());
    }

    fn spike(name: &str, hits: i64) -> Spike {
        Spike {
            query_id: 1,
            name: name.into(),
            window_start: NOW - 3_600_000,
            window_end: NOW,
            hits,
            mean: 0.5,
            stddev: 0.5,
            threshold: 2.0,
        }
    }

    #[test]
    fn spikes_notify_together_and_keep_quiet_hours() {
        let mut n = Notifier::default();
        assert!(n.offer_spikes(&[], NOW).is_none());
        let one = n.offer_spikes(&[spike("Brand", 12)], NOW).unwrap();
        assert_eq!(one.title, "Spike in \"Brand\"");
        assert_eq!(
            one.body,
            "Brand: 12 hits in the last hour, usually 0.5 an hour"
        );
        assert_eq!((one.conversation_id, one.replaces_previous), (None, false));
        let two = n
            .offer_spikes(&[spike("Brand", 12), spike("Outage", 30)], NOW)
            .unwrap();
        assert_eq!(
            (two.title.as_str(), two.count),
            ("Spikes in 2 listening queries", 2)
        );
        assert_eq!(two.body.lines().count(), 2);

        let mut quiet = Notifier::new(NotifyPolicy {
            quiet: QuietHours::parse("00:00-23:59", 0),
            ..NotifyPolicy::default()
        });
        let early = NOW - NOW % 86_400_000 + 60_000;
        assert!(
            quiet.offer_spikes(&[spike("Brand", 12)], early).is_none(),
            "quiet hours"
        );
    }

    #[test]
    fn quiet_hours_wrap_midnight_and_parse_strictly() {
        let q = QuietHours::parse("22:00-07:30", 0).unwrap();
        let at = |h: i64, m: i64| (h * 60 + m) * 60_000;
        assert!(q.contains(at(23, 0)) && q.contains(at(3, 0)) && !q.contains(at(12, 0)));
        assert!(!q.contains(at(7, 30)), "the end is not quiet");
        assert!(QuietHours::parse("25:00-07:00", 0).is_none());
        assert!(QuietHours::parse("22-7", 0).is_none());
    }
}
