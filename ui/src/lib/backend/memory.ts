import type {
  ConversationDetail,
  ConversationSummary,
  InboxFilter,
  InboxPage,
  SearchHit,
  TriageState,
  WorkspaceStatus,
} from '../types';
import { BackendError, type Backend } from './backend';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;
export const DEFAULT_SEARCH_LIMIT = 20;

const STATES: readonly TriageState[] = ['open', 'pending', 'snoozed', 'done'];

export interface MemoryAccount {
  id: number;
  handle: string;
}

export interface MemoryData {
  conversations: ConversationDetail[];
  /** Connected accounts; `InboxFilter.accountId` matches a conversation's `accountHandle`. */
  accounts?: MemoryAccount[];
  status?: Partial<Pick<WorkspaceStatus, 'path' | 'encrypted' | 'demo'>>;
}

export interface MemoryBackendOptions {
  /** Artificial delay for every call, to make loading states visible in the browser. */
  latencyMs?: number;
}

/** Inbox order: most recent activity first, ties broken by the higher id. */
function compareInbox(a: ConversationSummary, b: ConversationSummary): number {
  return b.lastActivityAt - a.lastActivityAt || b.id - a.id;
}

/** Keyset cursor: the sort key of the last row of the previous page. */
function encodeCursor(c: ConversationSummary): string {
  return `${c.lastActivityAt}.${c.id}`;
}

function decodeCursor(cursor: string): { at: number; id: number } {
  const m = /^(-?\d+)\.(\d+)$/.exec(cursor);
  if (!m) throw new BackendError('invalid_cursor', `Invalid inbox cursor: ${cursor}`);
  return { at: Number(m[1]), id: Number(m[2]) };
}

function clampLimit(limit: number | null | undefined, fallback: number, max: number): number {
  if (limit == null || !Number.isFinite(limit)) return fallback;
  return Math.min(Math.max(Math.trunc(limit), 1), max);
}

function snippetAround(text: string, needle: string, radius = 60): string {
  const idx = text.toLowerCase().indexOf(needle);
  if (idx < 0) return text.length > radius * 2 ? `${text.slice(0, radius * 2)}…` : text;
  const start = Math.max(0, idx - radius);
  const end = Math.min(text.length, idx + needle.length + radius);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

/**
 * In-memory {@link Backend} with the same filtering and paging semantics as the Rust
 * core. Used by tests and by `npm run dev` in a plain browser.
 *
 * Data is deep-copied on the way in and on the way out, so callers can never mutate
 * the store behind its back.
 */
export class MemoryBackend implements Backend {
  readonly #conversations = new Map<number, ConversationDetail>();
  readonly #accounts: MemoryAccount[];
  readonly #status: Pick<WorkspaceStatus, 'path' | 'encrypted' | 'demo'>;
  readonly #latencyMs: number;

  constructor(data: MemoryData = { conversations: [] }, options: MemoryBackendOptions = {}) {
    for (const detail of data.conversations) {
      this.#conversations.set(detail.conversation.id, structuredClone(detail));
    }
    this.#accounts = structuredClone(data.accounts ?? []);
    this.#status = {
      path: data.status?.path ?? ':memory:',
      encrypted: data.status?.encrypted ?? false,
      demo: data.status?.demo ?? false,
    };
    this.#latencyMs = options.latencyMs ?? 0;
  }

  async #delay(): Promise<void> {
    if (this.#latencyMs > 0) await new Promise((r) => setTimeout(r, this.#latencyMs));
  }

  async workspaceStatus(): Promise<WorkspaceStatus> {
    await this.#delay();
    const authors = new Set<string>();
    let items = 0;
    for (const { items: list } of this.#conversations.values()) {
      items += list.length;
      for (const item of list) authors.add(`${item.network}:${item.author.handle}`);
    }
    return {
      ...this.#status,
      items,
      conversations: this.#conversations.size,
      authors: authors.size,
      accounts: this.#accounts.length,
    };
  }

  async inboxList(filter: InboxFilter): Promise<InboxPage> {
    await this.#delay();
    if (filter.state != null && !STATES.includes(filter.state)) {
      throw new BackendError('invalid_argument', `Unknown triage state: ${String(filter.state)}`);
    }
    const limit = clampLimit(filter.limit, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
    const after = filter.cursor ? decodeCursor(filter.cursor) : null;

    let accountHandle: string | null | undefined;
    if (filter.accountId != null) {
      const account = this.#accounts.find((a) => a.id === filter.accountId);
      if (!account) return { conversations: [], nextCursor: null };
      accountHandle = account.handle;
    }

    const matches = [...this.#conversations.values()]
      .map((d) => d.conversation)
      .filter(
        (c) =>
          (filter.state == null || c.state === filter.state) &&
          (accountHandle === undefined || c.accountHandle === accountHandle) &&
          (filter.tag == null || c.tags.includes(filter.tag)) &&
          (filter.saved == null || c.saved === filter.saved) &&
          (after === null ||
            c.lastActivityAt < after.at ||
            (c.lastActivityAt === after.at && c.id < after.id)),
      )
      .sort(compareInbox);

    const page = matches.slice(0, limit);
    const last = page[page.length - 1];
    return {
      conversations: structuredClone(page),
      nextCursor: matches.length > limit && last ? encodeCursor(last) : null,
    };
  }

  async conversationGet(id: number): Promise<ConversationDetail> {
    await this.#delay();
    return structuredClone(this.#get(id));
  }

  async search(query: string, limit?: number): Promise<SearchHit[]> {
    await this.#delay();
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (terms.length === 0) return [];
    const max = clampLimit(limit, DEFAULT_SEARCH_LIMIT, MAX_PAGE_LIMIT);
    const hits: SearchHit[] = [];
    for (const { conversation, items } of this.#conversations.values()) {
      for (const item of items) {
        const haystack =
          `${item.text} ${item.author.handle} ${item.author.name ?? ''}`.toLowerCase();
        if (terms.every((t) => haystack.includes(t))) {
          hits.push({
            item: structuredClone(item),
            conversationId: conversation.id,
            snippet: snippetAround(item.text, terms[0] ?? ''),
          });
        }
      }
    }
    hits.sort((a, b) => b.item.createdAt - a.item.createdAt);
    return hits.slice(0, max);
  }

  async setState(conversationId: number, state: TriageState): Promise<void> {
    await this.#delay();
    if (!STATES.includes(state)) {
      throw new BackendError('invalid_argument', `Unknown triage state: ${String(state)}`);
    }
    this.#get(conversationId).conversation.state = state;
  }

  #get(id: number): ConversationDetail {
    const detail = this.#conversations.get(id);
    if (!detail) throw new BackendError('not_found', `Conversation ${id} not found`);
    return detail;
  }
}
