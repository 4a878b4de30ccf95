import type {
  AuthorRef,
  ConversationDetail,
  ItemKind,
  ItemView,
  TriageState,
} from '../types';
import type { MemoryData } from './memory';
import type { MemoryContactSeed } from './memory-people';

/** Small deterministic PRNG (mulberry32) so the demo inbox is the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const ACCOUNTS = [
  { id: 1, handle: '@fernwood@mastodon.social', network: 'mastodon', server: 'mastodon.social' },
  { id: 2, handle: 'fernwood.bsky.social', network: 'bluesky', server: 'bsky.social' },
  { id: 3, handle: 'r/fernwood', network: 'reddit', server: 'reddit.com' },
  { id: 4, handle: '@FernwoodApp', network: 'youtube', server: 'youtube.com' },
] as const;

const FIRST = ['Ada', 'Bruno', 'Chidi', 'Dana', 'Elif', 'Farah', 'Goran', 'Hana', 'Ines', 'Jonas',
  'Kemi', 'Luca', 'Mei', 'Nadia', 'Oskar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tomás', 'Uma', 'Vik'];
const LAST = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Haddad', 'Novak', 'Silva', 'Kowalski',
  'Ibrahim', 'Park', 'Rossi', 'Nguyen', 'Meyer', 'Costa', 'Varga'];

const OPENERS: { text: string; sentiment: number; tags: string[]; urgent?: boolean }[] = [
  { text: 'The sync has been stuck on "Preparing…" since this morning. Anyone else?', sentiment: -0.6, tags: ['bug', 'sync'], urgent: true },
  { text: 'Just moved my whole research vault over to Fernwood and wow, the backlinks view is exactly what I needed.', sentiment: 0.85, tags: ['praise'] },
  { text: 'Is there a way to export a notebook as Markdown with the attachments included?', sentiment: 0.05, tags: ['question', 'export'] },
  { text: 'I was charged twice for the annual plan. Who do I talk to about a refund?', sentiment: -0.7, tags: ['billing'], urgent: true },
  { text: 'Feature request: let me pin a note to the sidebar so it stays above the fold.', sentiment: 0.2, tags: ['feature-request'] },
  { text: 'The new dark theme is lovely but the code blocks are really hard to read now.', sentiment: -0.2, tags: ['design', 'accessibility'] },
  { text: 'Would you consider a student discount? The price is a lot for a grad student budget.', sentiment: -0.1, tags: ['pricing'] },
  { text: 'Hosting a Fernwood meetup in Lisbon next month — can we get some stickers?', sentiment: 0.7, tags: ['community', 'events'] },
  { text: 'After the 3.2 update the iPad app crashes whenever I open a note with a table.', sentiment: -0.8, tags: ['bug', 'ios'], urgent: true },
  { text: 'Your onboarding video skipped how templates work. Is there a longer tutorial?', sentiment: -0.05, tags: ['docs'] },
  { text: 'Comparing Fernwood to the other note apps for our team of 12, does it do shared spaces?', sentiment: 0.3, tags: ['sales', 'teams'] },
  { text: 'Honestly the best support experience I have had with any app this year. Thank you!', sentiment: 0.95, tags: ['praise'] },
  { text: 'Search does not find words inside PDFs I attached. Is OCR planned?', sentiment: -0.3, tags: ['search', 'feature-request'] },
  { text: 'Can I self-host the sync server? Our company policy does not allow third-party clouds.', sentiment: 0.0, tags: ['question', 'enterprise'] },
];

const REPLIES: { text: string; sentiment: number }[] = [
  { text: 'Same here, started around 9am for me.', sentiment: -0.4 },
  { text: 'Following, I have the exact same question.', sentiment: 0.0 },
  { text: 'Try signing out and back in, that fixed it for me last time.', sentiment: 0.3 },
  { text: '+1, this would make my week.', sentiment: 0.6 },
  { text: 'Any update on this? Still seeing it on the latest build.', sentiment: -0.5 },
  { text: 'Thanks, that worked!', sentiment: 0.8 },
  { text: 'Could you share which version you are on?', sentiment: 0.1 },
  { text: 'I wrote a small script for that, happy to share it.', sentiment: 0.5 },
];

function author(pick: () => number, network: string): AuthorRef {
  const first = FIRST[Math.floor(pick() * FIRST.length)] ?? 'Alex';
  const last = LAST[Math.floor(pick() * LAST.length)] ?? 'Doe';
  const slug = `${first}${last.slice(0, 3)}`.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '');
  const handle =
    network === 'mastodon' ? `@${slug}@fosstodon.org`
    : network === 'bluesky' ? `${slug}.bsky.social`
    : network === 'reddit' ? `u/${slug}`
    : `@${slug}`;
  const anonymous = pick() < 0.15;
  return {
    handle,
    name: anonymous ? null : `${first} ${last}`,
    followers: pick() < 0.2 ? null : Math.floor(pick() ** 3 * 80000),
    url: `https://example.org/${network}/${slug}`,
  };
}

/**
 * Two people who write from two networks, already linked (as the desktop demo
 * does); the rest of them are left for the suggestions.
 */
function demoContacts(conversations: ConversationDetail[]): MemoryContactSeed[] {
  const byName = new Map<string, Map<string, string>>();
  for (const { items } of conversations) {
    for (const { network, author } of items) {
      if (!author.name) continue;
      const handles = byName.get(author.name) ?? new Map<string, string>();
      if (!handles.has(network)) handles.set(network, author.handle);
      byName.set(author.name, handles);
    }
  }
  const extras = [
    { tags: ['customer', 'vip'], notes: 'Runs a research team on the Team plan. Renewal in March.' },
    { tags: ['press'], notes: 'Tech journalist: route anything for a story through the press office.' },
  ];
  return [...byName]
    .filter(([, handles]) => handles.size > 1)
    .slice(0, extras.length)
    .map(([name, handles], i) => ({
      name,
      ...extras[i],
      handles: [...handles].map(([network, handle]) => ({ network, handle })),
    }));
}

/** A small picture for the demo's cached previews (a data: URI, as the CSP allows images). */
function demoPicture(from: string, to: string): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="100">` +
    `<defs><linearGradient id="g"><stop offset="0" stop-color="${from}"/>` +
    `<stop offset="1" stop-color="${to}"/></linearGradient></defs>` +
    `<rect width="160" height="100" fill="url(#g)"/>` +
    `<polyline points="10,80 50,55 90,65 150,20" fill="none" stroke="#fff" stroke-width="4"/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/**
 * Gives the first items of the first two conversations attachments, without
 * touching the random sequence: a cached screenshot and a video on the first,
 * and on the second an image whose preview is not cached (as offline).
 */
function addDemoAttachments(conversations: ConversationDetail[]): void {
  const first = conversations[0]?.items[0];
  if (first) {
    first.attachments = [
      {
        kind: 'image',
        url: 'https://example.org/media/sync-error-full.png',
        alt: 'Screenshot of the sync error: "Vault locked, retrying in 30 s"',
        width: 1600,
        height: 1000,
        hasPreview: true,
        previewSrc: demoPicture('#3b6fd8', '#7c4dcc'),
      },
      {
        kind: 'video',
        url: 'https://example.org/media/screen-recording.mp4',
        alt: 'Screen recording of the app freezing on start',
        width: 1280,
        height: 720,
        hasPreview: true,
        previewSrc: demoPicture('#1f7a5a', '#2aa198'),
      },
    ];
  }
  const second = conversations[1]?.items[0];
  if (second) {
    second.attachments = [
      {
        kind: 'image',
        url: 'https://example.org/media/invoice.png',
        alt: 'Photo of an invoice charged twice',
        width: 1200,
        height: 900,
        hasPreview: true,
        previewSrc: null,
      },
    ];
  }
}

/** A deterministic demo workspace: ~140 conversations across four networks. */
export function demoData(now: number = Date.now(), count = 140): MemoryData {
  const pick = rng(0xea75);
  const conversations: ConversationDetail[] = [];
  let itemSeq = 9_000_000_000_000_000n;
  let t = now - 4 * 60 * 1000;

  for (let id = 1; id <= count; id++) {
    const account = ACCOUNTS[Math.floor(pick() * ACCOUNTS.length)] ?? ACCOUNTS[0];
    const opener = OPENERS[Math.floor(pick() * OPENERS.length)] ?? OPENERS[0]!;
    const root = author(pick, account.network);
    const replyCount = Math.floor(pick() ** 2 * 6);
    const startedAt = t - Math.floor(pick() * 3 * 3600 * 1000);
    const rootKind: ItemKind =
      account.network === 'reddit' ? 'post' : account.network === 'youtube' ? 'comment'
      : pick() < 0.2 ? 'dm' : 'mention';

    const items: ItemView[] = [];
    const mk = (kind: ItemKind, who: AuthorRef, text: string, sentiment: number,
      createdAt: number, parentId: string | null, depth: number): ItemView => {
      itemSeq += BigInt(1 + Math.floor(pick() * 1000));
      const id = itemSeq.toString();
      return {
        id,
        network: account.network,
        remoteId: `${account.network}-${id.slice(-8)}`,
        kind,
        author: who,
        html: `<p>${escapeHtml(text)}</p>`,
        text,
        createdAt,
        url: `https://example.org/${account.network}/status/${id}`,
        lang: 'en',
        sentiment,
        parentId,
        depth,
        fromUs: false,
        attachments: [],
      };
    };

    const first = mk(rootKind, root, opener.text, opener.sentiment, startedAt, null, 0);
    items.push(first);
    let at = startedAt;
    for (let r = 0; r < replyCount; r++) {
      const reply = REPLIES[Math.floor(pick() * REPLIES.length)] ?? REPLIES[0]!;
      const parent = items[Math.floor(pick() * items.length)] ?? first;
      at += Math.floor(pick() * 40 * 60 * 1000) + 60_000;
      const who = pick() < 0.3 ? root : author(pick, account.network);
      items.push(mk(rootKind === 'dm' ? 'dm' : 'reply', who, reply.text, reply.sentiment, at,
        parent.id, parent.depth + 1));
    }
    // Keep threads in reading order: depth-first from the root.
    const ordered: ItemView[] = [];
    const visit = (parentId: string | null) => {
      for (const it of items.filter((i) => i.parentId === parentId)) {
        ordered.push(it);
        visit(it.id);
      }
    };
    visit(null);

    const roll = pick();
    const state: TriageState = roll < 0.55 ? 'open' : roll < 0.7 ? 'pending' : roll < 0.8 ? 'snoozed' : 'done';
    const urgent = !!opener.urgent && pick() < 0.7;
    const last = ordered.reduce((a, b) => (b.createdAt > a.createdAt ? b : a), first);
    conversations.push({
      conversation: {
        id,
        network: account.network,
        accountHandle: account.handle,
        state,
        priority: urgent ? 3 : Math.floor(pick() * 3),
        saved: pick() < 0.1,
        snoozeUntil: null,
        firstResponseAt: null,
        hasDraft: false,
        unreadCount: state === 'done' ? 0 : pick() < 0.45 ? Math.max(1, Math.floor(pick() * items.length)) : 0,
        urgent,
        tags: opener.tags,
        lastActivityAt: last.createdAt,
        itemCount: ordered.length,
        snippet: last.text,
        author: root,
        sentiment: pick() < 0.1 ? null : Math.round(opener.sentiment * 100) / 100,
      },
      items: ordered,
    });
    t -= Math.floor(pick() ** 2 * 10 * 3600 * 1000) + 5 * 60 * 1000;
  }
  addDemoAttachments(conversations);

  return {
    conversations,
    contacts: demoContacts(conversations),
    listening: {
      queries: [
        { name: 'Fernwood', query: 'fernwood OR notebook* OR vault' },
        { name: 'Billing and bugs', query: 'refund OR "charged twice" OR crash* OR stuck OR bug' },
      ],
    },
    accounts: ACCOUNTS.map(({ id, handle, network, server }) => ({
      id,
      handle,
      network,
      server,
      displayName: 'Fernwood',
      origin: 'demo' as const,
    })),
    status: { path: 'demo (in memory)', encrypted: false, demo: true },
  };
}
