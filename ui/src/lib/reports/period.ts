/** The periods the reports view offers, and how its figures are written. */

const DAY_MS = 86_400_000;

export type PeriodChoice = '7' | '30' | '90' | 'custom';

/** Local midnight starting the day `ms` is in. */
function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** `YYYY-MM-DD` of a local day, as `<input type="date">` reads and writes it. */
export function dayInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD`, or null when it is not a date. */
export function parseDay(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d.getTime();
}

/**
 * `[from, to)` in Unix ms: the last N days up to the end of today, or the
 * custom days from–to, both included. Null when the custom days are not a period.
 */
export function periodRange(
  choice: PeriodChoice,
  now: number,
  custom: { from: string; to: string },
): { from: number; to: number } | null {
  if (choice !== 'custom') {
    const to = startOfDay(now) + DAY_MS;
    return { from: to - Number(choice) * DAY_MS, to };
  }
  const from = parseDay(custom.from);
  const last = parseDay(custom.to);
  if (from === null || last === null || last < from) return null;
  // The day after the last one, at local midnight (a DST change makes it 23 or 25 hours).
  const after = new Date(last);
  after.setDate(after.getDate() + 1);
  return { from, to: after.getTime() };
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`; an em dash for none. */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function percent(ratio: number | null): string {
  return ratio === null ? '—' : `${Math.round(ratio * 100)}%`;
}

/**
 * How a figure moved against the previous period, and whether that is good
 * news: `lowerIsBetter` for times.
 */
export function change(
  current: number | null,
  previous: number | null,
  lowerIsBetter = false,
): { text: string; tone: 'better' | 'worse' | 'same' } | null {
  if (current === null || previous === null) return null;
  if (current === previous) return { text: 'no change', tone: 'same' };
  const up = current > previous;
  const good = up !== lowerIsBetter;
  const text =
    previous === 0 ? (up ? 'up from 0' : 'down to 0') : `${up ? '▲' : '▼'} ${Math.abs(Math.round(((current - previous) / previous) * 100))}%`;
  return { text, tone: good ? 'better' : 'worse' };
}
