const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A value made on first use, then kept. For `Intl` formatters: each costs ICU work
 * (locale data, patterns) that running the module at start-up need not pay for the
 * ones the first screen does not use.
 */
export function onFirstUse<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

const numberFmt = onFirstUse(() => new Intl.NumberFormat());
const compactFmt = onFirstUse(
  () => new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }),
);
const dayMonthFmt = onFirstUse(() => new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }));
const fullDateFmt = onFirstUse(
  () => new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' }),
);
const timestampFmt = onFirstUse(
  () => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
);

/** Short relative time for dense lists: "now", "5m", "3h", "2d", "Mar 4", "Mar 4, 2023". */
export function relativeTime(ms: number, now: number = Date.now()): string {
  const diff = now - ms;
  if (diff < MINUTE) return 'now';
  if (diff < HOUR) return `${Math.floor(diff / MINUTE)}m`;
  if (diff < DAY) return `${Math.floor(diff / HOUR)}h`;
  if (diff < 7 * DAY) return `${Math.floor(diff / DAY)}d`;
  const date = new Date(ms);
  return date.getFullYear() === new Date(now).getFullYear()
    ? dayMonthFmt().format(date)
    : fullDateFmt().format(date);
}

/** Spelled-out relative time for screen readers. */
export function relativeTimeLong(ms: number, now: number = Date.now()): string {
  const diff = now - ms;
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  if (diff < MINUTE) return 'just now';
  if (diff < HOUR) return plural(Math.floor(diff / MINUTE), 'minute');
  if (diff < DAY) return plural(Math.floor(diff / HOUR), 'hour');
  if (diff < 7 * DAY) return plural(Math.floor(diff / DAY), 'day');
  return fullDateFmt().format(new Date(ms));
}

/**
 * A relative time for an accessible name: the short form the screen shows, then
 * the spelled-out one in parentheses ("3h (3 hours ago)"). The short form keeps the
 * name holding the row's visible words (WCAG 2.5.3, Label in Name); a checker
 * leaves out what is in parentheses.
 */
export function relativeTimeSpoken(ms: number, now: number = Date.now()): string {
  return `${relativeTime(ms, now)} (${relativeTimeLong(ms, now)})`;
}

export function timestamp(ms: number): string {
  return timestampFmt().format(new Date(ms));
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function formatCount(n: number): string {
  return numberFmt().format(n);
}

export function compactCount(n: number): string {
  return compactFmt().format(n);
}

export type SentimentTone = 'negative' | 'neutral' | 'positive';

/** Buckets a -1..1 sentiment score; null when unknown. */
export function sentimentTone(s: number | null): SentimentTone | null {
  if (s == null || Number.isNaN(s)) return null;
  if (s <= -0.25) return 'negative';
  if (s >= 0.25) return 'positive';
  return 'neutral';
}

export function sentimentLabel(s: number | null): string | null {
  const tone = sentimentTone(s);
  return tone ? `${tone[0]?.toUpperCase()}${tone.slice(1)} sentiment` : null;
}

const NETWORK_LABELS: Record<string, string> = {
  mastodon: 'Mastodon',
  bluesky: 'Bluesky',
  reddit: 'Reddit',
  youtube: 'YouTube',
  x: 'X',
  twitter: 'X',
  discord: 'Discord',
  github: 'GitHub',
  rss: 'RSS',
};

/** Human label for a network id ("mastodon" → "Mastodon"). */
export function networkLabel(network: string): string {
  return NETWORK_LABELS[network.toLowerCase()] ?? network;
}

export function authorDisplayName(author: { handle: string; name: string | null }): string {
  return author.name?.trim() || author.handle;
}
