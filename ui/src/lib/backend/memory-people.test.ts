import { describe, expect, it } from 'vitest';
import { demoData } from './demo-data';
import { MemoryBackend } from './memory';
import { HOUR, T0, peopleFixture } from '../../test/people';

function backend(): MemoryBackend {
  return new MemoryBackend(
    { conversations: peopleFixture(), accounts: [{ id: 1, handle: '@brand@social.example', network: 'mastodon' }] },
    { now: () => T0 + 7 * 24 * HOUR },
  );
}

describe('MemoryBackend contacts', () => {
  it('links two handles into one timeline and splitting restores both', async () => {
    const b = backend();
    const before = await b.contactPanel(2);
    expect(before.contact).toBeNull();
    expect(before.timeline.conversations.map((c) => c.id)).toEqual([3, 2]);

    const suggestions = await b.contactSuggestions(before.author.authorId);
    expect(suggestions).toHaveLength(1);
    expect(suggestions[0]!.reasons).toEqual([
      "same handle 'maria' (mastodon and bluesky)",
      "same display name 'Maria Lopez'",
    ]);

    const { a, b: other } = suggestions[0]!;
    const linked = await b.contactsLink([{ kind: 'author', id: a.authorId }, { kind: 'author', id: other.authorId }]);
    expect(linked.handles.map((h) => h.network)).toEqual(['bluesky', 'mastodon']);
    const panel = await b.contactPanel(1);
    expect(panel.contact?.id).toBe(linked.id);
    expect(panel.timeline.conversations.map((c) => c.id)).toEqual([3, 2, 1]);
    expect(await b.contactSuggestions(null)).toEqual([]);

    await b.contactSplit(before.author.authorId);
    expect((await b.contactPanel(1)).timeline.conversations.map((c) => c.id)).toEqual([1]);
    expect((await b.contactPanel(2)).contact).toBeNull();
    expect(await b.contactSuggestions(null), 'a split pair is not suggested again').toEqual([]);
  });

  it('keeps tags and notes on the contact, made for an author on first use', async () => {
    const b = backend();
    const { author } = await b.contactPanel(4);
    const tagged = await b.contactTag({ kind: 'author', id: author.authorId }, ['VIP', ' press '], []);
    expect(tagged.name).toBe('Tom');
    expect(tagged.tags).toEqual(['press', 'vip']);
    await b.contactSetNotes({ kind: 'contact', id: tagged.id }, 'Met at FOSDEM');
    expect(await b.contactsList({ tag: 'vip' })).toHaveLength(1);
    expect(await b.contactsList({ text: 'fosdem' })).toHaveLength(1);
    expect(await b.contactsList({ text: 'nobody' })).toHaveLength(0);
    expect(await b.contactTags()).toEqual(['press', 'vip']);
  });

  it('refuses to split the only handle of a contact', async () => {
    const b = backend();
    const { author } = await b.contactPanel(4);
    await b.contactOf({ kind: 'author', id: author.authorId });
    await expect(b.contactSplit(author.authorId)).rejects.toThrow(/only handle/);
  });
});

describe('MemoryBackend reports', () => {
  it('counts the period against the one before it, by hand', async () => {
    const b = backend();
    const midnight = Date.UTC(2026, 10, 2);
    const r = await b.reportBuild({ from: midnight, to: midnight + 7 * 24 * HOUR, aroundTheClock: false });
    expect(r.overall.current).toMatchObject({
      received: 4,
      repliesSent: 2,
      conversations: 4,
      responded: 2,
      responseRate: 0.5,
      // 1 h and 3 h: the median is 2 h, p90 2.8 h (PERCENTILE.INC).
      firstResponseMedianMs: 2 * HOUR,
      firstResponseP90Ms: 2.8 * HOUR,
      positive: 3,
      negative: 1,
    });
    expect(r.overall.previous.received).toBe(0);
    expect(r.previousTo).toBe(midnight);
    expect(r.byNetwork.map((s) => s.label)).toEqual(['bluesky', 'mastodon']);
    expect(r.tags).toEqual([
      { tag: 'billing', current: 2, previous: 0 },
      { tag: 'praise', current: 1, previous: 0 },
    ]);
    // Not linked yet: each of Maria's handles counts on its own.
    expect(r.advocates.map((a) => [a.name, a.praise])).toEqual([
      ['Maria Lopez', 1],
      ['Maria Lopez', 1],
      ['Tom', 1],
    ]);
    expect(r.sentimentTrend.map((p) => p.items)).toEqual([2, 2, 0, 0, 0, 0, 0]);
  });

  it('reads business hours as the core writes them', async () => {
    const b = backend();
    expect(await b.parseBusinessHours('Mon-Fri 09:00-17:00 +01:00')).toEqual({
      utcOffsetMinutes: 60,
      days: [1, 2, 3, 4, 5],
      startMinute: 540,
      endMinute: 1020,
    });
    await expect(b.parseBusinessHours('weekdays')).rejects.toThrow(/Mon-Fri 09:00-17:00/);
  });
});

describe('demo data', () => {
  it('starts with two linked contacts and more to suggest', async () => {
    const b = new MemoryBackend(demoData(T0));
    const contacts = await b.contactsList({});
    expect(contacts).toHaveLength(2);
    for (const c of contacts) expect(c.handles.length).toBeGreaterThan(1);
    expect((await b.contactSuggestions(null)).length).toBeGreaterThan(0);
  });
});
