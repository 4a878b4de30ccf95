import { describe, expect, it } from 'vitest';
import { conversation, item, NOW, sampleData } from '../../test/fixtures';
import type { ConversationSummary, InboxFilter } from '../types';
import { BackendError } from './backend';
import { DEFAULT_PAGE_LIMIT, MemoryBackend } from './memory';

async function listAll(backend: MemoryBackend, filter: InboxFilter): Promise<ConversationSummary[]> {
  const all: ConversationSummary[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page = await backend.inboxList({ ...filter, cursor });
    all.push(...page.conversations);
    if (page.nextCursor === null) return all;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not terminate');
}

describe('MemoryBackend.inboxList filtering', () => {
  it('filters by triage state', async () => {
    const backend = new MemoryBackend(sampleData(24));
    for (const state of ['open', 'pending', 'snoozed', 'done'] as const) {
      const page = await backend.inboxList({ state });
      expect(page.conversations).toHaveLength(6);
      expect(page.conversations.every((c) => c.state === state)).toBe(true);
    }
  });

  it('returns every state when state is null or missing', async () => {
    const backend = new MemoryBackend(sampleData(24));
    expect((await backend.inboxList({})).conversations).toHaveLength(24);
    expect((await backend.inboxList({ state: null })).conversations).toHaveLength(24);
  });

  it('filters by tag, saved and account, and combines filters', async () => {
    const backend = new MemoryBackend(sampleData(24));
    const bugs = await backend.inboxList({ tag: 'bug' });
    expect(bugs.conversations.map((c) => c.id).sort((a, b) => a - b)).toEqual([
      3, 6, 9, 12, 15, 18, 21, 24,
    ]);

    const saved = await backend.inboxList({ saved: true });
    expect(saved.conversations.map((c) => c.id).sort((a, b) => a - b)).toEqual([5, 10, 15, 20]);
    const unsaved = await backend.inboxList({ saved: false });
    expect(unsaved.conversations).toHaveLength(20);

    const account2 = await backend.inboxList({ accountId: 2 });
    expect(account2.conversations.every((c) => c.accountHandle === 'brand.example.com')).toBe(true);
    expect(account2.conversations).toHaveLength(12);
    expect((await backend.inboxList({ accountId: 99 })).conversations).toEqual([]);

    const openBugs = await backend.inboxList({ state: 'open', tag: 'bug' });
    expect(openBugs.conversations.map((c) => c.id).sort((a, b) => a - b)).toEqual([9, 21]);
  });

  it('orders by last activity, newest first, with id as tie-break', async () => {
    const backend = new MemoryBackend({
      conversations: [
        conversation(1, { lastActivityAt: 1000 }),
        conversation(2, { lastActivityAt: 3000 }),
        conversation(3, { lastActivityAt: 1000 }),
        conversation(4, { lastActivityAt: 2000 }),
      ],
    });
    const page = await backend.inboxList({});
    expect(page.conversations.map((c) => c.id)).toEqual([2, 4, 3, 1]);
  });

  it('rejects an unknown state with a BackendError', async () => {
    const backend = new MemoryBackend(sampleData(4));
    const filter = { state: 'archived' } as unknown as InboxFilter;
    await expect(backend.inboxList(filter)).rejects.toMatchObject({
      name: 'BackendError',
      code: 'invalid_argument',
    });
  });
});

describe('MemoryBackend.inboxList paging', () => {
  it('pages with nextCursor until exhausted, without gaps or duplicates', async () => {
    const backend = new MemoryBackend(sampleData(23));
    const first = await backend.inboxList({ limit: 5 });
    expect(first.conversations).toHaveLength(5);
    expect(first.nextCursor).toEqual(expect.any(String));

    const all = await listAll(backend, { limit: 5 });
    expect(all).toHaveLength(23);
    expect(new Set(all.map((c) => c.id)).size).toBe(23);
    const times = all.map((c) => c.lastActivityAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('returns a null cursor when the last page is exactly full', async () => {
    const backend = new MemoryBackend(sampleData(10));
    const first = await backend.inboxList({ limit: 5 });
    const second = await backend.inboxList({ limit: 5, cursor: first.nextCursor });
    expect(second.conversations).toHaveLength(5);
    expect(second.nextCursor).toBeNull();
  });

  it('keeps the cursor stable when rows before it leave the filter', async () => {
    const backend = new MemoryBackend(sampleData(24));
    const first = await backend.inboxList({ state: 'open', limit: 3 });
    const firstId = first.conversations[0]?.id ?? -1;
    await backend.setState(firstId, 'done');
    const second = await backend.inboxList({ state: 'open', limit: 3, cursor: first.nextCursor });
    const all = [...first.conversations, ...second.conversations].map((c) => c.id);
    expect(new Set(all).size).toBe(6);
  });

  it('pages within a state filter', async () => {
    const backend = new MemoryBackend(sampleData(40));
    const open = await listAll(backend, { state: 'open', limit: 3 });
    expect(open).toHaveLength(10);
    expect(open.every((c) => c.state === 'open')).toBe(true);
  });

  it('applies the default limit and clamps silly limits', async () => {
    const backend = new MemoryBackend(sampleData(120));
    expect((await backend.inboxList({})).conversations).toHaveLength(DEFAULT_PAGE_LIMIT);
    expect((await backend.inboxList({ limit: 0 })).conversations).toHaveLength(1);
    expect((await backend.inboxList({ limit: 10_000 })).conversations).toHaveLength(120);
  });

  it('rejects a malformed cursor', async () => {
    const backend = new MemoryBackend(sampleData(4));
    const err = await backend.inboxList({ cursor: 'nonsense' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('invalid_cursor');
  });
});

describe('MemoryBackend other commands', () => {
  it('reports workspace counts', async () => {
    const backend = new MemoryBackend(sampleData(6));
    await expect(backend.workspaceStatus()).resolves.toEqual({
      path: '/home/me/.local/share/earshot/workspace.db',
      encrypted: true,
      demo: false,
      items: 6,
      conversations: 6,
      authors: 6,
      accounts: 2,
    });
  });

  it('gets a conversation and reports not_found for unknown ids', async () => {
    const backend = new MemoryBackend(sampleData(3));
    const detail = await backend.conversationGet(2);
    expect(detail.conversation.id).toBe(2);
    expect(detail.items).toHaveLength(1);
    await expect(backend.conversationGet(42)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('sets triage state, visible in later listings', async () => {
    const backend = new MemoryBackend(sampleData(8));
    await backend.setState(1, 'snoozed', { until: null, untilReply: true });
    const snoozed = await backend.inboxList({ state: 'snoozed' });
    expect(snoozed.conversations.map((c) => c.id)).toContain(1);
    expect((await backend.conversationGet(1)).conversation.state).toBe('snoozed');
    await expect(backend.setState(99, 'done')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('isolates its data from callers', async () => {
    const data = sampleData(2);
    const backend = new MemoryBackend(data);
    const first = data.conversations[0];
    if (first) first.conversation.state = 'done';
    const page = await backend.inboxList({ state: 'open' });
    const row = page.conversations[0];
    if (row) row.snippet = 'mutated';
    expect((await backend.inboxList({ state: 'open' })).conversations[0]?.snippet).not.toBe(
      'mutated',
    );
  });

  it('searches item text and author, newest first, honouring the limit', async () => {
    const backend = new MemoryBackend({
      conversations: [
        conversation(1, {}, [item('11', { text: 'Sync is broken again', createdAt: 1 })]),
        conversation(2, {}, [item('21', { text: 'Love the new sync engine', createdAt: 2 })]),
        conversation(3, {}, [item('31', { text: 'Unrelated', createdAt: 3 })]),
      ],
    });
    const hits = await backend.search('SYNC');
    expect(hits.map((h) => h.conversationId)).toEqual([2, 1]);
    expect(hits[0]?.snippet).toContain('sync');
    expect(await backend.search('sync', 1)).toHaveLength(1);
    expect(await backend.search('   ')).toEqual([]);
  });
});

describe('MemoryBackend triage, accounts and events', () => {
  const now = NOW;

  it('lists accounts with their network and origin', async () => {
    const backend = new MemoryBackend(sampleData(4));
    expect(await backend.accountsList()).toEqual([
      { id: 1, network: 'mastodon', server: 'example.social', handle: '@brand@example.social', displayName: null, origin: 'signed-in', remoteUserId: null, needsSignIn: false },
      { id: 2, network: 'bluesky', server: 'bsky.social', handle: 'brand.example.com', displayName: null, origin: 'signed-in', remoteUserId: null, needsSignIn: false },
    ]);
    expect(await new MemoryBackend().accountsList()).toEqual([]);
  });

  it('snoozes like the core: a duration is required and must end in the future', async () => {
    const backend = new MemoryBackend(sampleData(4), { now: () => now });
    await expect(backend.setState(1, 'snoozed')).rejects.toMatchObject({
      message: 'say how long to snooze',
    });
    await expect(backend.setState(1, 'snoozed', { until: null, untilReply: false })).rejects.toThrow(
      /needs a time/,
    );
    await expect(backend.setState(1, 'snoozed', { until: now - 1, untilReply: false })).rejects.toThrow(
      'a snooze must end in the future',
    );
    await backend.setState(1, 'snoozed', { until: now + 60_000, untilReply: false });
    expect((await backend.conversationGet(1)).conversation).toMatchObject({
      state: 'snoozed',
      snoozeUntil: now + 60_000,
    });
    await backend.setState(1, 'open', null);
    expect((await backend.conversationGet(1)).conversation.snoozeUntil).toBeNull();
  });

  it('tags with normalised, sorted, de-duplicated tags', async () => {
    const backend = new MemoryBackend(sampleData(4));
    await backend.tag(2, ['  Billing ', '#VIP', 'first contact'], []);
    expect((await backend.conversationGet(2)).conversation.tags).toEqual([
      'billing',
      'first-contact',
      'vip',
    ]);
    await backend.tag(2, ['billing'], ['VIP']);
    expect((await backend.conversationGet(2)).conversation.tags).toEqual(['billing', 'first-contact']);
    await expect(backend.tag(2, ['   '], [])).rejects.toThrow(/not a usable tag/);
    expect((await backend.inboxList({ tag: 'Billing' })).conversations.map((c) => c.id)).toEqual([2]);
  });

  it('saves, unsaves and marks read', async () => {
    const backend = new MemoryBackend(sampleData(4));
    await backend.setSaved(1, true);
    expect((await backend.conversationGet(1)).conversation.saved).toBe(true);
    await backend.setSaved(1, false);
    expect((await backend.conversationGet(1)).conversation.saved).toBe(false);

    expect((await backend.conversationGet(1)).conversation.unreadCount).toBe(1);
    await backend.markRead(1);
    expect((await backend.conversationGet(1)).conversation.unreadCount).toBe(0);
    expect((await backend.inboxList({ unread: true })).conversations.map((c) => c.id)).toEqual([3]);
    await expect(backend.markRead(42)).rejects.toMatchObject({ code: 'not_found' });
    await expect(backend.setSaved(42, true)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('records external URLs and refuses anything but http(s) and mailto', async () => {
    const backend = new MemoryBackend();
    await backend.openExternal('https://example.org/a');
    await backend.openExternal('mailto:hi@example.org');
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'https://user:pass@evil.example/',
      'data:text/html,hi',
      'https://x.example/\nInjected',
      '',
    ]) {
      await expect(backend.openExternal(bad), bad).rejects.toThrow(
        /only opens http, https and mailto links/,
      );
    }
    expect(backend.openedUrls).toEqual(['https://example.org/a', 'mailto:hi@example.org']);
  });

  it('delivers emitted events until unsubscribed', async () => {
    const backend = new MemoryBackend();
    const seen: unknown[] = [];
    const stop = await backend.onEvent((e) => seen.push(e));
    backend.emit({ kind: 'itemsIngested', inserted: 3 });
    stop();
    backend.emit({ kind: 'alert', message: 'late' });
    expect(seen).toEqual([{ kind: 'itemsIngested', inserted: 3 }]);
    expect(backend.listenerCount).toBe(0);
  });
});

describe('MemoryBackend.search query language', () => {
  function backend(): MemoryBackend {
    return new MemoryBackend({
      conversations: [
        conversation(1, { state: 'open', saved: true, tags: ['billing'] }, [
          item('11', { text: 'I was charged twice for the plan', createdAt: 1, author: { handle: '@maria@fosstodon.example', name: 'Maria Okafor', followers: 1, url: null } }),
        ]),
        conversation(2, { state: 'done' }, [
          item('21', { text: 'Refund please, charged again', createdAt: 2, network: 'bluesky', sentiment: -0.5 }),
        ]),
        conversation(3, { state: 'pending' }, [
          item('31', { text: 'Thanks for the refund!', createdAt: 3, sentiment: 0.8 }),
        ]),
      ],
    });
  }

  const ids = (hits: { conversationId: number }[]) => hits.map((h) => h.conversationId);

  it('marks matched words in the snippet', async () => {
    const [hit] = await backend().search('charged twice');
    expect(hit?.snippet).toBe('I was \u{E000}charged\u{E001} \u{E000}twice\u{E001} for the plan');
  });

  it('supports OR, exclusions, phrases and fields', async () => {
    const b = backend();
    expect(ids(await b.search('refund OR twice'))).toEqual([3, 2, 1]);
    expect(ids(await b.search('refund -thanks'))).toEqual([2]);
    expect(ids(await b.search('"charged twice"'))).toEqual([1]);
    expect(ids(await b.search('charged network:bluesky'))).toEqual([2]);
    expect(ids(await b.search('from:maria'))).toEqual([1]);
    expect(ids(await b.search('from:@maria@fosstodon.example'))).toEqual([1]);
    expect(ids(await b.search('is:saved'))).toEqual([1]);
    expect(ids(await b.search('tag:Billing'))).toEqual([1]);
    expect(ids(await b.search('refund state:pending'))).toEqual([3]);
    expect(ids(await b.search('sentiment:negative'))).toEqual([2]);
    expect(ids(await b.search('re:invent'))).toEqual([]);
  });

  it("rejects bad fields with the core's messages", async () => {
    const b = backend();
    await expect(b.search('refund state:x')).rejects.toMatchObject({
      code: null,
      message: "state: is open, pending, snoozed or done, not 'x'",
    });
    await expect(b.search('is:starred')).rejects.toThrow("is: is saved, unsaved, unread, read, reply or ours, not 'starred'");
    await expect(b.search('after:2026-13-01')).rejects.toThrow('after: expects a date like 2026-11-01');
    await expect(b.search('-spam')).rejects.toThrow(/at least one word/);
    await expect(b.search('"open quote')).rejects.toThrow(/unclosed quote/);
  });
});
