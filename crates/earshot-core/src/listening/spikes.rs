//! Spike alerts: a query whose last hour is far above its usual level.
//!
//! The usual level is the mean and standard deviation of its hourly hits over
//! the seven days before that hour; a spike is more than mean + 3σ, and at least
//! [`MIN_SPIKE_HITS`] hits (so one item after a quiet week is not a spike).
//! Each spike is reported once, as a [`CoreEvent::Alert`] the app shows and,
//! when the manager asked for it ([`set_notify`]), as [`CoreEvent::Spikes`],
//! which the desktop notifier shows (within quiet hours, nothing).

use rusqlite::params;
use serde::Serialize;

use crate::error::Result;
use crate::events::CoreEvent;
use crate::ingest::{first_item_id_at, item_id_time};
use crate::Workspace;

const HOUR: i64 = 3_600_000;
/// Hours of history the usual level is measured over.
pub const BASELINE_HOURS: i64 = 7 * 24;
/// Fewest hits in the last hour that can make a spike.
pub const MIN_SPIKE_HITS: i64 = 5;

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Spike {
    pub query_id: i64,
    pub name: String,
    /// The last hour: [windowStart, windowEnd), Unix ms.
    pub window_start: i64,
    pub window_end: i64,
    pub hits: i64,
    /// Mean hits per hour over the seven days before.
    pub mean: f64,
    pub stddev: f64,
    /// mean + 3σ: what the hour went above.
    pub threshold: f64,
}

impl Spike {
    /// The alert's words.
    pub fn message(&self) -> String {
        format!(
            "Spike in \"{}\": {} hits in the last hour, against {:.1} ± {:.1} an hour over the previous 7 days",
            self.name, self.hits, self.mean, self.stddev
        )
    }
}

/// Whether `hits` in the last hour is a spike over `hourly` (the baseline hours).
pub fn is_spike(hits: i64, hourly: &[i64]) -> Option<(f64, f64, f64)> {
    if hourly.is_empty() || hits < MIN_SPIKE_HITS {
        return None;
    }
    let n = hourly.len() as f64;
    let mean = hourly.iter().sum::<i64>() as f64 / n;
    let var = hourly
        .iter()
        .map(|&h| (h as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    let stddev = var.sqrt();
    let threshold = mean + 3.0 * stddev;
    (hits as f64 > threshold).then_some((mean, stddev, threshold))
}

/// The given queries' spikes at `now`.
pub fn spikes(ws: &Workspace, query_ids: &[i64], now: i64) -> Result<Vec<Spike>> {
    let window_start = now - HOUR;
    let base_start = window_start - BASELINE_HOURS * HOUR;
    let names = super::list_uncounted(ws)?;
    ws.store().read(|c| {
        let mut stmt = c.prepare_cached(
            "SELECT item_id FROM listening_hits
             WHERE query_id = ?1 AND item_id >= ?2 AND item_id < ?3",
        )?;
        let mut out = Vec::new();
        for &id in query_ids {
            let mut hourly = vec![0i64; BASELINE_HOURS as usize];
            let mut hits = 0i64;
            let rows = stmt.query_map(
                params![id, first_item_id_at(base_start), first_item_id_at(now)],
                |r| r.get::<_, i64>(0),
            )?;
            for item in rows {
                let t = item_id_time(item?);
                if t >= window_start {
                    hits += 1;
                } else {
                    let h = ((t - base_start) / HOUR).clamp(0, BASELINE_HOURS - 1);
                    hourly[h as usize] += 1;
                }
            }
            if let Some((mean, stddev, threshold)) = is_spike(hits, &hourly) {
                let name = names
                    .iter()
                    .find(|q| q.id == id)
                    .map(|q| q.name.clone())
                    .unwrap_or_default();
                out.push(Spike {
                    query_id: id,
                    name,
                    window_start,
                    window_end: now,
                    hits,
                    mean,
                    stddev,
                    threshold,
                });
            }
        }
        Ok(out)
    })
}

const NOTIFY: &str = "listening.notify_spikes";

/// Whether spikes also become desktop notifications (off until the manager
/// turns it on).
pub fn notify(ws: &Workspace) -> Result<bool> {
    Ok(ws
        .setting(NOTIFY)?
        .and_then(|v| v.as_bool())
        .unwrap_or(false))
}

pub fn set_notify(ws: &Workspace, on: bool) -> Result<()> {
    ws.set_setting(NOTIFY, &serde_json::json!(on))
}

/// Checks the enabled queries for spikes and raises an alert for each one not
/// alerted within the last hour, and a notification of them all if the
/// manager wants one. Returns the new spikes.
pub fn alert_spikes(ws: &Workspace) -> Result<Vec<Spike>> {
    let now = ws.now();
    let ids: Vec<i64> = super::list_uncounted(ws)?
        .into_iter()
        .filter(|q| q.enabled)
        .map(|q| q.id)
        .collect();
    let mut new = Vec::new();
    for spike in spikes(ws, &ids, now)? {
        let key = format!("listening.spike.{}", spike.query_id);
        let last: Option<i64> = ws.setting(&key)?.and_then(|v| v.as_i64());
        if last.is_some_and(|t| t > now - HOUR) {
            continue;
        }
        ws.set_setting(&key, &serde_json::json!(now))?;
        ws.emit(CoreEvent::Alert {
            message: spike.message(),
        });
        new.push(spike);
    }
    if !new.is_empty() && notify(ws)? {
        ws.emit(CoreEvent::Spikes {
            spikes: new.clone(),
        });
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spikes_need_three_sigma_and_a_few_hits() {
        let quiet = vec![2i64; 168];
        assert!(is_spike(4, &quiet).is_none(), "under the minimum");
        let (mean, sd, t) = is_spike(5, &quiet).unwrap();
        assert_eq!((mean, sd, t), (2.0, 0.0, 2.0));
        let mut noisy = vec![0i64; 168];
        for (i, h) in noisy.iter_mut().enumerate() {
            *h = if i % 2 == 0 { 0 } else { 10 };
        }
        // mean 5, σ 5: threshold 20.
        assert!(is_spike(20, &noisy).is_none());
        assert!(is_spike(21, &noisy).is_some());
    }
}
