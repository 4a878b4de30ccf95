// Conversations with known people and reply times, for the contacts and reports tests.
import type { ConversationDetail, ItemView } from '../lib/types';

export const T0 = Date.UTC(2026, 10, 2, 9, 0); // Monday 2 November 2026, 09:00 UTC
export const HOUR = 3_600_000;

function item(id: string, network: string, handle: string, name: string, at: number, fromUs = false, sentiment = 0.5): ItemView {
  return {
    id,
    network,
    remoteId: id,
    kind: fromUs ? 'reply' : 'mention',
    author: { handle, name, followers: null, url: null },
    html: '<p>hi</p>',
    text: 'hi',
    createdAt: at,
    url: null,
    lang: 'en',
    sentiment,
    parentId: null,
    depth: 0,
    fromUs,
    attachments: [],
  };
}

function conversation(id: number, network: string, items: ItemView[], tags: string[] = []): ConversationDetail {
  const last = items[items.length - 1]!;
  const first = items[0]!;
  return {
    conversation: {
      id,
      network,
      accountHandle: network === 'mastodon' ? '@brand@social.example' : 'brand.bsky.social',
      state: 'open',
      priority: 1,
      saved: false,
      unreadCount: 0,
      urgent: false,
      tags,
      lastActivityAt: last.createdAt,
      itemCount: items.length,
      snippet: last.text,
      author: first.author,
      sentiment: first.sentiment,
      snoozeUntil: null,
      firstResponseAt: null,
      hasDraft: false,
    },
    items,
  };
}

/** Maria on two networks (three conversations), Tom on one; we answer two of Maria's. */
export function peopleFixture(): ConversationDetail[] {
  return [
    conversation(1, 'mastodon', [
      item('1', 'mastodon', 'maria@social.example', 'Maria Lopez', T0),
      item('2', 'mastodon', 'brand@social.example', 'Brand', T0 + HOUR, true),
    ], ['billing']),
    conversation(2, 'bluesky', [
      item('3', 'bluesky', 'maria.bsky.social', 'Maria Lopez', T0 + 2 * HOUR),
      item('4', 'bluesky', 'brand.bsky.social', 'Brand', T0 + 5 * HOUR, true),
    ], ['praise']),
    conversation(3, 'bluesky', [item('5', 'bluesky', 'maria.bsky.social', 'Maria Lopez', T0 + 24 * HOUR, false, -0.6)]),
    conversation(4, 'mastodon', [item('6', 'mastodon', 'tom@social.example', 'Tom', T0 + 26 * HOUR)], ['billing']),
  ];
}

