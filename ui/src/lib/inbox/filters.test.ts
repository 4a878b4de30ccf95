import { describe, expect, it } from 'vitest';
import { activeCount, dayToMs, filterTerms, msToDay, sameFilter, snoozeChoices } from './filters';

describe('filters', () => {
  it('reads as the same search field filters as the core', () => {
    expect(
      filterTerms({
        state: 'open',
        tag: '#VIP',
        priority: 2,
        sentiment: 'negative',
        after: Date.UTC(2026, 10, 1),
        before: Date.UTC(2026, 10, 2),
      }),
    ).toBe('state:open tag:vip priority:2 sentiment:negative after:2026-11-01 before:2026-11-02');
    expect(filterTerms({ saved: false, unread: true, network: 'bluesky', lang: 'fr' })).toBe(
      'network:bluesky is:unsaved is:unread lang:fr',
    );
    expect(filterTerms({})).toBe('');
  });

  it('counts and compares only what is set', () => {
    expect(activeCount({ network: 'mastodon', tag: null, lang: '' })).toBe(1);
    expect(sameFilter({ network: 'mastodon', tag: null }, { network: 'mastodon' })).toBe(true);
    expect(sameFilter({ network: 'mastodon' }, { network: 'bluesky' })).toBe(false);
  });

  it('turns days into UTC midnights and back', () => {
    expect(dayToMs('2026-11-01')).toBe(Date.UTC(2026, 10, 1));
    expect(dayToMs('yesterday')).toBeNull();
    expect(msToDay(Date.UTC(2026, 10, 1, 13))).toBe('2026-11-01');
  });

  it('offers snoozes that all end in the future, and the next reply', () => {
    const now = new Date(2026, 10, 18, 15, 30); // a Wednesday afternoon
    const choices = snoozeChoices(now);
    expect(choices.map((c) => c.id)).toEqual(['1h', '4h', 'tomorrow', 'next-week', 'reply']);
    for (const c of choices.slice(0, 4)) expect(c.snooze.until).toBeGreaterThan(now.getTime());
    expect(new Date(choices[2]!.snooze.until!).getHours()).toBe(9);
    expect(new Date(choices[3]!.snooze.until!).getDay()).toBe(1);
    expect(choices[4]!.snooze).toEqual({ until: null, untilReply: true });
  });
});
