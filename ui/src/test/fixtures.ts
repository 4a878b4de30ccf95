import type { MemoryData } from '../lib/backend/memory';
import type {
  ConversationDetail,
  ConversationSummary,
  ItemView,
  TriageState,
} from '../lib/types';

export const NOW = Date.UTC(2025, 4, 20, 12, 0, 0);

const STATES: TriageState[] = ['open', 'pending', 'snoozed', 'done'];

export function item(id: string, overrides: Partial<ItemView> = {}): ItemView {
  return {
    id,
    network: 'mastodon',
    remoteId: `r-${id}`,
    kind: 'mention',
    author: { handle: '@someone@example.social', name: 'Someone', followers: 10, url: null },
    html: `<p>Item ${id}</p>`,
    text: `Item ${id}`,
    createdAt: NOW - 60_000,
    url: `https://example.social/@someone/${id}`,
    lang: 'en',
    sentiment: 0,
    parentId: null,
    depth: 0,
    fromUs: false,
    attachments: [],
    ...overrides,
  };
}

export function conversation(
  id: number,
  overrides: Partial<ConversationSummary> = {},
  items?: ItemView[],
): ConversationDetail {
  const summary: ConversationSummary = {
    id,
    network: id % 2 ? 'mastodon' : 'bluesky',
    accountHandle: id % 2 ? '@brand@example.social' : 'brand.example.com',
    state: 'open',
    priority: 1,
    saved: false,
    snoozeUntil: null,
    firstResponseAt: null,
    hasDraft: false,
    unreadCount: 0,
    urgent: false,
    tags: [],
    // Newer conversations have higher ids, one minute apart.
    lastActivityAt: NOW - (1000 - id) * 60_000,
    itemCount: 1,
    snippet: `Snippet for conversation ${id}`,
    author: { handle: `@author${id}@example.social`, name: `Author ${id}`, followers: id, url: null },
    sentiment: null,
    ...overrides,
  };
  const list = items ?? [
    item(`${id}01`, { text: summary.snippet, html: `<p>${summary.snippet}</p>`, author: summary.author }),
  ];
  return { conversation: { ...summary, itemCount: list.length }, items: list };
}

/** `count` conversations cycling through the four states, with tags and saved flags. */
export function sampleData(count = 24): MemoryData {
  const conversations: ConversationDetail[] = [];
  for (let id = 1; id <= count; id++) {
    conversations.push(
      conversation(id, {
        state: STATES[(id - 1) % STATES.length] ?? 'open',
        tags: id % 3 === 0 ? ['bug'] : id % 3 === 1 ? ['praise', 'vip'] : [],
        saved: id % 5 === 0,
        unreadCount: id % 2,
        urgent: id % 7 === 0,
        sentiment: id % 3 === 0 ? -0.6 : id % 3 === 1 ? 0.7 : 0,
      }),
    );
  }
  return {
    conversations,
    accounts: [
      { id: 1, handle: '@brand@example.social', network: 'mastodon', server: 'example.social' },
      { id: 2, handle: 'brand.example.com', network: 'bluesky', server: 'bsky.social' },
    ],
    status: { path: '/home/me/.local/share/earshot/workspace.db', encrypted: true, demo: false },
  };
}
