/**
 * The inbox's filters beyond the triage tab: what the filter bar edits, how a
 * filter reads as search field filters (so `/` searches within it), and the
 * snooze picker's choices.
 */
import type { InboxFilter, Sentiment, Snooze } from '../types';

/** The filter fields a saved view keeps (paging is not part of a view). */
export type ViewFilter = Omit<InboxFilter, 'cursor' | 'limit'>;

export const NETWORKS = ['mastodon', 'bluesky', 'reddit', 'matrix', 'discourse', 'rss', 'hackernews'] as const;
export const SENTIMENTS: readonly Sentiment[] = ['negative', 'neutral', 'positive'];
export const PRIORITIES: readonly { value: number; label: string }[] = [
  { value: 1, label: 'Normal or higher' },
  { value: 2, label: 'High or urgent' },
  { value: 3, label: 'Urgent' },
];

const DAY = 86_400_000;

/** As the core stores tags: trimmed, lower case, no spaces, no leading `#`. */
export function normaliseTag(tag: string): string {
  return tag.trim().replace(/^#+/, '').toLowerCase().replace(/\s+/g, '-');
}

/** The filter bar's own fields: set, or none. */
const BAR_FIELDS = ['network', 'tag', 'priority', 'sentiment', 'lang', 'unread', 'saved', 'after', 'before'] as const;

/** How many filter bar fields are set. */
export function activeCount(filter: ViewFilter): number {
  return BAR_FIELDS.filter((k) => filter[k] != null && filter[k] !== '').length;
}

/** Drops unset fields, so equal filters compare equal. */
export function cleanFilter(filter: ViewFilter): ViewFilter {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(filter)) {
    if (v != null && v !== '' && k !== 'cursor' && k !== 'limit') out[k] = v;
  }
  return out as ViewFilter;
}

export function sameFilter(a: ViewFilter, b: ViewFilter): boolean {
  const ca = cleanFilter(a);
  const cb = cleanFilter(b);
  const keys = new Set([...Object.keys(ca), ...Object.keys(cb)]);
  return [...keys].every((k) => ca[k as keyof ViewFilter] === cb[k as keyof ViewFilter]);
}

/** `YYYY-MM-DD` (UTC) → Unix ms at midnight, or null. */
export function dayToMs(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(ms) ? null : ms;
}

/** Unix ms → `YYYY-MM-DD` (UTC). */
export function msToDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The same narrowing as search field filters (`network:mastodon tag:billing …`),
 * mirroring the core's `InboxFilter::search_terms`, so a search runs within the
 * filters the inbox shows.
 */
export function filterTerms(filter: ViewFilter): string {
  const terms: string[] = [];
  if (filter.state) terms.push(`state:${filter.state}`);
  if (filter.accountId != null) terms.push(`account:${filter.accountId}`);
  if (filter.network) terms.push(`network:${filter.network}`);
  if (filter.tag) terms.push(`tag:${normaliseTag(filter.tag)}`);
  if (filter.saved != null) terms.push(filter.saved ? 'is:saved' : 'is:unsaved');
  if (filter.unread != null) terms.push(filter.unread ? 'is:unread' : 'is:read');
  if (filter.priority != null) terms.push(`priority:${filter.priority}`);
  if (filter.sentiment) terms.push(`sentiment:${filter.sentiment}`);
  if (filter.lang) terms.push(`lang:${filter.lang}`);
  if (filter.after != null) terms.push(`after:${msToDay(filter.after)}`);
  if (filter.before != null) terms.push(`before:${msToDay(filter.before + DAY - 1)}`);
  return terms.join(' ');
}

/** One way to snooze, as the picker lists it. */
export interface SnoozeChoice {
  id: string;
  label: string;
  /** Shown beside the label: when it comes back. */
  hint: string;
  snooze: Snooze;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });

/** Next `hour`:00 local time on the day `days` after `now`. */
function at(now: Date, days: number, hour: number): Date {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  d.setHours(hour, 0, 0, 0);
  return d;
}

/** The picker's choices at `now`: 1 h, 4 h, tomorrow morning, next week, the next reply. */
export function snoozeChoices(now: Date): SnoozeChoice[] {
  const timed = (id: string, label: string, when: Date): SnoozeChoice => ({
    id,
    label,
    hint: timeFmt.format(when),
    snooze: { until: when.getTime(), untilReply: false },
  });
  // Next week starts on the coming Monday (a week today when today is Monday).
  const toMonday = ((8 - now.getDay()) % 7) || 7;
  return [
    timed('1h', '1 hour', new Date(now.getTime() + 3_600_000)),
    timed('4h', '4 hours', new Date(now.getTime() + 4 * 3_600_000)),
    timed('tomorrow', 'Tomorrow morning', at(now, 1, 9)),
    timed('next-week', 'Next week', at(now, toMonday, 9)),
    { id: 'reply', label: 'Until the next reply', hint: 'when they answer', snooze: { until: null, untilReply: true } },
  ];
}

/** A `datetime-local` value (local time) → Unix ms, or null when empty or invalid. */
export function localTimeToMs(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}
