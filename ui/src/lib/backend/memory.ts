import type {
  NotifySettings,
  Rule,
  Trial,
  Account,
  AccountLimits,
  ComposeInfo,
  ComposeLimits,
  Draft,
  OutboxEntry,
  ReplySettings,
  SavedReply,
  AccountSyncStatus,
  CachedAvatar,
  ItemAttachments,
  ConversationDetail,
  ConversationSummary,
  InboxFilter,
  InboxPage,
  ItemView,
  SavedView,
  SearchHit,
  Snooze,
  TriageState,
  WaitingToSync,
  WorkspaceOpened,
  WorkspaceStatus,
} from '../types';
import { BackendError, type Backend, type BlueskySignIn, type CoreEvent } from './backend';
import {
  acceptSignIn,
  MemoryAccounts,
  normaliseServer,
  type MemoryAccount,
  type MemorySignIn,
  type MemorySignInHandler,
} from './memory-accounts';
import { MemoryReplies } from './memory-replies';
import { MemoryListening, type MemoryListeningSeed } from './memory-listening';
import { type MemoryContactSeed, type PeopleHost } from './memory-people';
import { MemoryRules } from './memory-rules';

export type { MemoryAccount, MemorySignIn, MemorySignInHandler } from './memory-accounts';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;
export const DEFAULT_SEARCH_LIMIT = 20;

/** A view's name: whitespace collapsed, 1–80 characters (as the core's). */
function viewName(name: string): string {
  const clean = name.split(/\s+/).filter(Boolean).join(' ');
  if (clean.length === 0 || [...clean].length > 80) {
    throw invalid('a view needs a name of 1–80 characters');
  }
  return clean;
}

/** Marks around matched words in search snippets, as the Rust core writes them. */
export const MARK_START = '\u{E000}';
export const MARK_END = '\u{E001}';

const STATES: readonly TriageState[] = ['open', 'pending', 'snoozed', 'done'];
const KINDS: readonly string[] = ['mention', 'reply', 'dm', 'comment', 'post'];

export interface MemoryData {
  conversations: ConversationDetail[];
  /** Connected accounts; `InboxFilter.accountId` matches a conversation's `accountHandle`. */
  accounts?: MemoryAccount[];
  status?: Partial<Pick<WorkspaceStatus, 'path' | 'encrypted' | 'demo'>>;
  /** Contacts to start with (handles that are not in any conversation are left out). */
  contacts?: MemoryContactSeed[];
  /** Why rules fired on conversations (by id), as `item_reasons` would give them. */
  reasons?: Record<number, string[]>;
  /** Listening queries and sources to start with. */
  listening?: MemoryListeningSeed;
}

export interface MemoryBackendOptions {
  /** Artificial delay for every call, to make loading states visible in the browser. */
  latencyMs?: number;
  /** Clock for snooze checks; defaults to `Date.now`. */
  now?: () => number;
  /** How sign-ins end; by default any non-empty secret is accepted. */
  signIn?: MemorySignInHandler;
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

/** An error the core reports as `Error::Invalid` (no code, just a message). */
function invalid(message: string): BackendError {
  return new BackendError(null, message);
}

/** Same rules as `earshot_core::inbox::normalise_tag`. */
export function normaliseTag(tag: string): string {
  const t = tag.trim().replace(/^#+/, '').toLowerCase().replace(/\s/g, '-');
  if (t.length === 0 || [...t].length > 64) {
    throw invalid(`'${tag}' is not a usable tag (1–64 characters)`);
  }
  return t;
}

function bareHandle(handle: string): string {
  return handle.replace(/^@/, '').toLowerCase();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits a query into words, keeping "quoted phrases" together (as the core does). */
function tokens(query: string): string[] {
  const out: string[] = [];
  let token = '';
  let inQuotes = false;
  for (const ch of query) {
    if (ch === '"') inQuotes = !inQuotes;
    if (/\s/.test(ch) && !inQuotes) {
      if (token) out.push(token);
      token = '';
      continue;
    }
    token += ch;
  }
  if (inQuotes) throw invalid(`unclosed quote in: ${token}`);
  if (token) out.push(token);
  return out;
}

type ItemFilter = (
  item: ItemView,
  conversation: ConversationSummary,
  accountHandleOf: (id: number) => string | undefined,
) => boolean;

function dayMs(text: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  const date = new Date(ms);
  if (!m || Number.isNaN(ms) || date.getUTCMonth() + 1 !== Number(m[2]) || date.getUTCDate() !== Number(m[3])) {
    throw invalid(`${field}: expects a date like 2026-11-01, not '${text}'`);
  }
  return ms;
}

/** One `field:value` filter, with the core's error messages; null for an unknown field. */
/** VADER's compound score bands, as the core's `Sentiment`. */
const TONES: Record<string, (s: number) => boolean> = {
  negative: (s) => s <= -0.05,
  positive: (s) => s >= 0.05,
  neutral: (s) => s > -0.05 && s < 0.05,
};

function fieldFilter(field: string, value: string): ItemFilter | null {
  switch (field) {
    case 'from': {
      const handle = bareHandle(value);
      return (item) => {
        const h = bareHandle(item.author.handle);
        return h === handle || h.startsWith(`${handle}@`) ||
          item.author.name?.toLowerCase() === handle;
      };
    }
    case 'network':
      return (item) => item.network === value.toLowerCase();
    case 'account':
      // An account id (as the inbox's filters give it) is resolved by the backend.
      if (/^\d+$/.test(value)) return (_, c, accountHandleOf) => c.accountHandle === accountHandleOf(Number(value));
      return (_, c) => c.accountHandle != null && bareHandle(c.accountHandle) === bareHandle(value);
    case 'priority': {
      const min = Number(value);
      if (!/^[0-3]$/.test(value)) throw invalid(`priority: is 0 (low) to 3 (urgent), not '${value}'`);
      return (_, c) => c.priority >= min;
    }
    case 'tag': {
      const tag = normaliseTag(value);
      return (_, c) => c.tags.includes(tag);
    }
    case 'lang':
      return (item) => item.lang === value.toLowerCase();
    case 'state':
      if (!STATES.includes(value as TriageState)) {
        throw invalid(`state: is open, pending, snoozed or done, not '${value}'`);
      }
      return (_, c) => c.state === value;
    case 'kind':
      if (!KINDS.includes(value)) {
        throw invalid(`kind: is mention, reply, dm, comment or post, not '${value}'`);
      }
      return (item) => item.kind === value;
    case 'is':
      switch (value) {
        case 'saved':
          return (_, c) => c.saved;
        case 'unread':
          return (_, c) => c.unreadCount > 0;
        case 'read':
          return (_, c) => c.unreadCount === 0;
        case 'unsaved':
          return (_, c) => !c.saved;
        case 'reply':
          return (item) => item.parentId !== null;
        case 'ours':
          return (item) => item.fromUs;
        default:
          throw invalid(`is: is saved, unsaved, unread, read, reply or ours, not '${value}'`);
      }
    case 'has':
      if (value !== 'link') throw invalid(`has: only knows 'link', not '${value}'`);
      return (item) => /<a\s/i.test(item.html);
    case 'sentiment': {
      const tone = TONES[value];
      if (!tone) throw invalid(`sentiment: is negative, neutral or positive, not '${value}'`);
      return (item) => item.sentiment !== null && tone(item.sentiment);
    }
    case 'before': {
      const ms = dayMs(value, 'before');
      return (item) => item.createdAt < ms;
    }
    case 'after': {
      const ms = dayMs(value, 'after');
      return (item) => item.createdAt >= ms;
    }
    default:
      return null;
  }
}

interface ParsedQuery {
  /** Every group must match; a group matches when any of its terms does (`OR`). */
  groups: string[][];
  excluded: string[];
  filters: ItemFilter[];
}

/** A small twin of `earshot_core::search::parse`: words, phrases, OR, -word, word*, fields. */
function parseQuery(query: string): ParsedQuery {
  const parsed: ParsedQuery = { groups: [], excluded: [], filters: [] };
  let pendingOr = false;
  for (const token of tokens(query)) {
    if (token === 'OR') {
      pendingOr = parsed.groups.length > 0;
      continue;
    }
    if (token === 'AND') continue;
    const field = /^([a-z]+):(.+)$/.exec(token);
    if (field?.[1] && field[2]) {
      const filter = fieldFilter(field[1], field[2].replace(/^"+|"+$/g, ''));
      if (filter) {
        parsed.filters.push(filter);
        continue;
      }
    }
    const negated = token.length > 1 && token.startsWith('-');
    const term = (negated ? token.slice(1) : token)
      .replace(/\*$/, '')
      .replace(/^"+|"+$/g, '')
      .toLowerCase();
    if (!/[\p{L}\p{N}]/u.test(term)) continue;
    if (negated) parsed.excluded.push(term);
    else if (pendingOr && parsed.groups.length > 0) {
      parsed.groups[parsed.groups.length - 1]?.push(term);
      pendingOr = false;
    } else parsed.groups.push([term]);
  }
  if (parsed.groups.length === 0 && parsed.excluded.length > 0) {
    throw invalid(
      'a search needs at least one word that must appear, besides the excluded ones',
    );
  }
  return parsed;
}

/** Plain text around the first match, every matched term between the marks. */
function markedSnippet(text: string, terms: string[], radius = 60): string {
  const lower = text.toLowerCase();
  const first = terms
    .map((t) => lower.indexOf(t))
    .filter((i) => i >= 0)
    .sort((a, b) => a - b)[0];
  const at = first ?? 0;
  const start = Math.max(0, at - radius);
  const end = Math.min(text.length, at + radius * 2);
  let window = text.slice(start, end);
  if (terms.length > 0) {
    const pattern = new RegExp(terms.map(escapeRegExp).join('|'), 'giu');
    window = window.replace(pattern, (m) => `${MARK_START}${m}${MARK_END}`);
  }
  return `${start > 0 ? '…' : ''}${window}${end < text.length ? '…' : ''}`;
}

/**
 * In-memory {@link Backend} with the same filtering, paging, triage and search
 * semantics as the Rust core. Used by tests and by `npm run dev` in a plain browser.
 *
 * Data is deep-copied on the way in and on the way out, so callers can never mutate
 * the store behind its back.
 */
export class MemoryBackend extends MemoryListening implements Backend {
  /** Every URL {@link openExternal} was asked to open, oldest first (for tests). */
  readonly openedUrls: string[] = [];

  readonly #conversations = new Map<number, ConversationDetail>();
  readonly #views = new Map<string, SavedView>();
  readonly #accounts: MemoryAccounts;
  readonly #status: Pick<WorkspaceStatus, 'path' | 'encrypted' | 'demo'>;
  readonly #latencyMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<(event: CoreEvent) => void>();
  readonly #workspaceListeners = new Set<(opened: WorkspaceOpened) => void>();
  readonly #replies: MemoryReplies;
  readonly #rules: MemoryRules;
  readonly #urgentListeners = new Set<(count: number) => void>();
  readonly #doneListeners = new Set<(conversationId: number) => void>();
  #notify: NotifySettings = { digestSeconds: 60, quiet: null };

  constructor(data: MemoryData = { conversations: [] }, options: MemoryBackendOptions = {}) {
    super(data.contacts, data.listening);
    for (const detail of data.conversations) {
      this.#conversations.set(detail.conversation.id, structuredClone(detail));
    }
    this.#now = options.now ?? Date.now;
    this.#accounts = new MemoryAccounts(
      structuredClone(data.accounts ?? []),
      options.signIn ?? acceptSignIn,
      this.#now,
    );
    this.#status = {
      path: data.status?.path ?? ':memory:',
      encrypted: data.status?.encrypted ?? false,
      demo: data.status?.demo ?? false,
    };
    this.#latencyMs = options.latencyMs ?? 0;
    this.#replies = new MemoryReplies({
      conversation: (id) => this.#get(id),
      accounts: () => this.#accountList(),
      demo: () => this.#status.demo,
      now: this.#now,
      emit: (event) => this.emit(event),
    });
    this.#rules = new MemoryRules(
      { conversations: () => [...this.#conversations.values()], now: this.#now },
      data.reasons,
    );
  }

  protected peopleHost(): PeopleHost {
    return {
      conversations: () => [...this.#conversations.values()],
      conversation: (id) => this.#get(id),
      accounts: () => this.#accountList(),
      now: this.#now,
      delay: () => this.#delay(),
    };
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
      accounts: this.#accounts.accounts.length,
    };
  }

  async accountsList(): Promise<Account[]> {
    await this.#delay();
    return this.#accountList();
  }

  #accountList(): Account[] {
    return this.#accounts.accounts.map((a) => {
      const network =
        a.network ??
        [...this.#conversations.values()].find((d) => d.conversation.accountHandle === a.handle)
          ?.conversation.network ??
        'unknown';
      return {
        id: a.id,
        network,
        server: a.server ?? '',
        handle: a.handle,
        displayName: a.displayName ?? null,
        origin: this.#origin(a),
        remoteUserId: a.remoteUserId ?? null,
        needsSignIn: a.needsSignIn ?? false,
      };
    });
  }

  #origin(a: MemoryAccount): Account['origin'] {
    return a.origin ?? (this.#status.demo ? 'demo' : 'signed-in');
  }

  async addBlueskyAccount({ server, handle, appPassword }: BlueskySignIn): Promise<Account> {
    const who = handle.trim().replace(/^@/, '');
    if (!who) throw invalid('enter the handle (or e-mail) you sign in to Bluesky with');
    return this.#addAccount({
      network: 'bluesky',
      server: normaliseServer(server),
      method: 'app-password',
      handle: who,
      secret: appPassword,
    });
  }

  async addMastodonAccountWithToken(server: string, token: string): Promise<Account> {
    return this.#addAccount({
      network: 'mastodon',
      server: normaliseServer(server),
      method: 'token',
      handle: null,
      secret: token,
    });
  }

  async addMastodonAccountWithBrowser(server: string): Promise<Account> {
    return this.#addAccount({
      network: 'mastodon',
      server: normaliseServer(server),
      method: 'browser',
      handle: null,
      secret: null,
    });
  }

  /**
   * As the core's session: sign in, then upsert; the first account while the demo is
   * shown moves the app to an empty real workspace and tells the listeners.
   */
  async #addAccount(request: MemorySignIn): Promise<Account> {
    await this.#delay();
    const signedIn = await this.#accounts.signIn(request);
    if (this.#status.demo) {
      this.#conversations.clear();
      this.#accounts.accounts = [];
      this.#status.demo = false;
      this.#status.path = this.#status.path.replace(/[\\/]demo$/, '');
      const opened: WorkspaceOpened = { path: this.#status.path, demo: false };
      for (const listener of [...this.#workspaceListeners]) listener({ ...opened });
    }
    const account = this.#accounts.upsert(request.network, request.server, signedIn);
    const listed = (await this.accountsList()).find((a) => a.id === account.id);
    if (!listed) throw new BackendError('not_found', `account ${account.id} does not exist`);
    return listed;
  }

  async cancelSignIn(): Promise<void> {
    this.#accounts.cancel();
  }

  async removeAccount(id: number): Promise<void> {
    await this.#delay();
    this.#accounts.remove(id);
  }

  /** Pokes the sync: `syncing` now, `idle` a moment later, as events. */
  async syncNow(accountId?: number | null): Promise<void> {
    await this.#delay();
    if (this.#status.demo) {
      throw invalid('the demo workspace does not sync; add an account to sync your own');
    }
    const accounts =
      accountId == null ? this.#accounts.accounts : [this.#accounts.find(accountId)];
    for (const a of accounts) {
      if (a.needsSignIn && accountId != null) {
        throw new BackendError(
          'needs_sign_in',
          `${a.network} refused the sign-in for ${a.handle}: the network refused its credentials. Sign in again (Settings → Accounts, or \`earshot-cli account add\`).`,
        );
      }
      if (a.needsSignIn || this.#origin(a) !== 'signed-in') continue;
      const base = { kind: 'syncState', accountId: a.id, detail: null, retryAt: null } as const;
      this.emit({ ...base, state: 'syncing' });
      setTimeout(() => this.emit({ ...base, state: 'idle' }), this.#latencyMs * 3);
    }
  }

  async syncStatus(): Promise<AccountSyncStatus[]> {
    await this.#delay();
    return this.#accounts.status((a) => this.#origin(a) === 'signed-in');
  }

  /** Sets an account's sync status outright (tests, demo). */
  setSyncStatus(status: AccountSyncStatus): void {
    this.#accounts.setStatus(status);
  }

  async inboxList(filter: InboxFilter): Promise<InboxPage> {
    await this.#delay();
    if (filter.state != null && !STATES.includes(filter.state)) {
      throw new BackendError('invalid_argument', `Unknown triage state: ${String(filter.state)}`);
    }
    const limit = clampLimit(filter.limit, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
    const after = filter.cursor ? decodeCursor(filter.cursor) : null;
    const tag = filter.tag != null ? normaliseTag(filter.tag) : null;

    let accountHandle: string | null | undefined;
    if (filter.accountId != null) {
      const account = this.#accounts.accounts.find((a) => a.id === filter.accountId);
      if (!account) return { conversations: [], nextCursor: null };
      accountHandle = account.handle;
    }

    const matches = [...this.#conversations.values()]
      .map((d) => d.conversation)
      .filter(
        (c) =>
          (filter.state == null || c.state === filter.state) &&
          (accountHandle === undefined || c.accountHandle === accountHandle) &&
          (filter.network == null || c.network === filter.network) &&
          (tag === null || c.tags.includes(tag)) &&
          (filter.saved == null || c.saved === filter.saved) &&
          (filter.unread == null || c.unreadCount > 0 === filter.unread) &&
          (filter.priority == null || c.priority >= filter.priority) &&
          (filter.sentiment == null ||
            (c.sentiment !== null && (TONES[filter.sentiment]?.(c.sentiment) ?? false))) &&
          (filter.lang == null || this.#personLang(c.id) === filter.lang.toLowerCase()) &&
          (filter.after == null || c.lastActivityAt >= filter.after) &&
          (filter.before == null || c.lastActivityAt < filter.before) &&
          (after === null ||
            c.lastActivityAt < after.at ||
            (c.lastActivityAt === after.at && c.id < after.id)),
      )
      .sort(compareInbox);

    const page = matches.slice(0, limit);
    const last = page[page.length - 1];
    return {
      conversations: structuredClone(page).map((c) => ({ ...c, hasDraft: this.#replies.hasDraft(c.id) })),
      nextCursor: matches.length > limit && last ? encodeCursor(last) : null,
    };
  }

  /** The language of the newest item not written by us (the row's person's). */
  #personLang(id: number): string | null {
    const items = this.#conversations.get(id)?.items ?? [];
    const theirs = items.filter((i) => !i.fromUs).sort((a, b) => b.createdAt - a.createdAt)[0];
    return theirs?.lang ?? null;
  }

  async tagsList(): Promise<string[]> {
    await this.#delay();
    const counts = new Map<string, number>();
    for (const { conversation } of this.#conversations.values()) {
      for (const t of conversation.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t);
  }

  async viewsList(): Promise<SavedView[]> {
    await this.#delay();
    return structuredClone(
      [...this.#views.values()].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase())),
    );
  }

  async viewSave(name: string, filter: InboxFilter): Promise<SavedView> {
    await this.#delay();
    const clean = viewName(name);
    const view: SavedView = { name: clean, filter: { ...structuredClone(filter), cursor: null, limit: null } };
    this.#views.set(clean, view);
    return structuredClone(view);
  }

  async viewRename(from: string, to: string): Promise<void> {
    await this.#delay();
    const clean = viewName(to);
    const view = this.#views.get(from);
    if (!view) throw new BackendError('not_found', `no view named '${from}'`);
    if (clean === from) return;
    if (this.#views.has(clean)) throw invalid(`there is already a view named '${clean}'`);
    this.#views.delete(from);
    this.#views.set(clean, { ...view, name: clean });
  }

  async viewDelete(name: string): Promise<void> {
    await this.#delay();
    if (!this.#views.delete(name)) throw new BackendError('not_found', `no view named '${name}'`);
  }

  async conversationGet(id: number): Promise<ConversationDetail> {
    await this.#delay();
    const detail = structuredClone(this.#get(id));
    detail.conversation.hasDraft = this.#replies.hasDraft(id);
    return detail;
  }

  async composeOpen(conversationId: number): Promise<ComposeInfo> {
    await this.#delay();
    return this.#replies.open(conversationId);
  }

  async composeLimits(accountId: number): Promise<AccountLimits> {
    await this.#delay();
    return this.#replies.limits(accountId);
  }

  async composeMeasure(text: string, limits: ComposeLimits): Promise<number> {
    return this.#replies.measure(text, limits);
  }

  async draftSave(conversationId: number, accountId: number | null, body: string): Promise<Draft | null> {
    await this.#delay();
    return this.#replies.saveDraft(conversationId, accountId, body);
  }

  async savedRepliesList(): Promise<SavedReply[]> {
    await this.#delay();
    return this.#replies.savedReplies();
  }

  async savedReplySave(name: string, body: string): Promise<SavedReply> {
    await this.#delay();
    return this.#replies.saveReply(name, body);
  }

  async savedReplyDelete(name: string): Promise<void> {
    await this.#delay();
    this.#replies.deleteReply(name);
  }

  async savedReplyFill(
    conversationId: number,
    accountId: number | null,
    body: string,
    answers: Record<string, string>,
  ): Promise<string> {
    await this.#delay();
    return this.#replies.fill(conversationId, accountId, body, answers);
  }

  async replySend(conversationId: number, accountId: number | null, body: string): Promise<OutboxEntry> {
    await this.#delay();
    return this.#replies.send(conversationId, accountId, body);
  }

  async replyUndo(outboxId: number): Promise<OutboxEntry> {
    await this.#delay();
    return this.#replies.undo(outboxId);
  }

  async outboxList(conversationId: number): Promise<OutboxEntry[]> {
    await this.#delay();
    this.#get(conversationId);
    return this.#replies.outbox(conversationId);
  }

  async replySettings(): Promise<ReplySettings> {
    await this.#delay();
    return this.#replies.settings();
  }

  async setReplySettings(settings: ReplySettings): Promise<void> {
    await this.#delay();
    this.#replies.setSettings(settings);
  }

  /**
   * Words must all appear (in the text or the author's handle or name), `OR` accepts
   * either neighbour, `-word` excludes, fields narrow. Newest first.
   */
  async search(query: string, limit?: number): Promise<SearchHit[]> {
    await this.#delay();
    const parsed = parseQuery(query);
    if (parsed.groups.length === 0 && parsed.filters.length === 0) return [];
    const max = clampLimit(limit, DEFAULT_SEARCH_LIMIT, MAX_PAGE_LIMIT);
    const terms = parsed.groups.flat();
    const accountHandleOf = (id: number): string | undefined =>
      this.#accounts.accounts.find((a) => a.id === id)?.handle;
    const hits: SearchHit[] = [];
    for (const { conversation, items } of this.#conversations.values()) {
      for (const item of items) {
        const haystack =
          `${item.text} ${item.author.handle} ${item.author.name ?? ''}`.toLowerCase();
        if (
          parsed.groups.every((g) => g.some((t) => haystack.includes(t))) &&
          !parsed.excluded.some((t) => haystack.includes(t)) &&
          parsed.filters.every((f) => f(item, conversation, accountHandleOf))
        ) {
          hits.push({
            item: structuredClone(item),
            conversationId: conversation.id,
            snippet: markedSnippet(item.text, terms),
          });
        }
      }
    }
    hits.sort((a, b) => b.item.createdAt - a.item.createdAt);
    return hits.slice(0, max);
  }

  async setState(conversationId: number, state: TriageState, snooze?: Snooze | null): Promise<void> {
    await this.#delay();
    if (!STATES.includes(state)) {
      throw new BackendError('invalid_argument', `Unknown triage state: ${String(state)}`);
    }
    if (snooze?.until != null && snooze.until <= this.#now()) {
      throw invalid('a snooze must end in the future');
    }
    const c = this.#get(conversationId).conversation;
    if (state === 'snoozed') {
      if (!snooze) throw invalid('say how long to snooze');
      if (snooze.until == null && !snooze.untilReply) {
        throw invalid("a snooze needs a time, or 'until the next reply', or both");
      }
    }
    c.state = state;
    c.snoozeUntil = state === 'snoozed' ? (snooze?.until ?? null) : null;
    this.#urgentChanged();
  }

  async tag(conversationId: number, add: string[], remove: string[]): Promise<void> {
    await this.#delay();
    const c = this.#get(conversationId).conversation;
    const adding = add.map(normaliseTag);
    const removing = new Set(remove.map(normaliseTag));
    const tags = new Set(c.tags);
    for (const t of adding) tags.add(t);
    for (const t of removing) tags.delete(t);
    c.tags = [...tags].sort();
  }

  async setSaved(conversationId: number, saved: boolean): Promise<void> {
    await this.#delay();
    this.#get(conversationId).conversation.saved = saved;
  }

  /** What {@link syncWaiting} reports (tests set it). */
  waiting: WaitingToSync = { replies: 0, actions: 0, savedFetches: 0 };

  /** Cached avatars by conversation (tests set them). */
  readonly avatars = new Map<number, CachedAvatar[]>();

  async refreshSaved(conversationId: number): Promise<void> {
    await this.#delay();
    this.#get(conversationId);
  }

  async conversationAvatars(conversationId: number): Promise<CachedAvatar[]> {
    await this.#delay();
    return this.avatars.get(conversationId) ?? [];
  }

  /** Previews "fetched" by {@link fetchAttachments}: URL → `src` (tests set them). */
  readonly fetchablePreviews = new Map<string, string>();
  /** The item ids each {@link fetchAttachments} call asked for. */
  readonly attachmentRequests: string[][] = [];

  async fetchAttachments(itemIds: string[]): Promise<ItemAttachments[]> {
    await this.#delay();
    this.attachmentRequests.push([...itemIds]);
    const wanted = new Set(itemIds);
    const out: ItemAttachments[] = [];
    for (const detail of this.#conversations.values()) {
      for (const item of detail.items) {
        if (!wanted.has(item.id)) continue;
        for (const a of item.attachments) {
          const src = a.url ? this.fetchablePreviews.get(a.url) : undefined;
          if (a.hasPreview && !a.previewSrc && src) a.previewSrc = src;
        }
        out.push({ itemId: item.id, attachments: structuredClone(item.attachments) });
      }
    }
    return out;
  }

  async syncWaiting(): Promise<WaitingToSync> {
    await this.#delay();
    return { ...this.waiting };
  }

  async markRead(conversationId: number): Promise<void> {
    await this.#delay();
    this.#get(conversationId).conversation.unreadCount = 0;
    this.#urgentChanged();
  }

  /**
   * Records the URL in {@link openedUrls}; like `earshot_core::links::external`, refuses
   * anything but http, https and mailto, credentials, and control characters.
   */
  async openExternal(url: string): Promise<void> {
    await this.#delay();
    const trimmed = url.trim();
    const lower = trimmed.toLowerCase();
    const schemeOk = ['https://', 'http://', 'mailto:'].some((p) => lower.startsWith(p));
    const host = lower.includes('://') ? (lower.split('://')[1]?.split(/[/?#]/)[0] ?? '') : '';
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    const control = /[\u0000-\u001f\u007f-\u009f]/.test(trimmed);
    if (!schemeOk || control || host.includes('@') || trimmed.length > 4096) {
      throw invalid(
        `Earshot only opens http, https and mailto links in the browser, not '${[...trimmed].slice(0, 80).join('')}'`,
      );
    }
    this.openedUrls.push(trimmed);
  }

  async onEvent(handler: (event: CoreEvent) => void): Promise<() => void> {
    // Wrap so subscribing the same function twice still yields two subscriptions.
    const listener = (event: CoreEvent) => handler(event);
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async onWorkspaceOpened(handler: (opened: WorkspaceOpened) => void): Promise<() => void> {
    const listener = (opened: WorkspaceOpened) => handler(opened);
    this.#workspaceListeners.add(listener);
    return () => {
      this.#workspaceListeners.delete(listener);
    };
  }

  /** Delivers `event` to every subscriber, as the core would (tests, demo). */
  emit(event: CoreEvent): void {
    this.#accounts.observe(event);
    for (const listener of [...this.#listeners]) listener(structuredClone(event));
  }

  /** How many subscribers are listening (tests check unsubscribing). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  #get(id: number): ConversationDetail {
    const detail = this.#conversations.get(id);
    if (!detail) throw new BackendError('not_found', `conversation ${id} does not exist`);
    return detail;
  }

  /** Nothing to tell outside the desktop shell. */
  reportPainted(_marks: Record<string, number>): Promise<void> {
    return Promise.resolve();
  }

  async rulesList(): Promise<Rule[]> {
    await this.#delay();
    return this.#rules.list();
  }

  async ruleSave(rule: Rule): Promise<Rule> {
    await this.#delay();
    return this.#rules.save(rule);
  }

  async ruleDelete(id: number): Promise<void> {
    await this.#delay();
    this.#rules.delete(id);
  }

  async rulesReorder(ids: number[]): Promise<void> {
    await this.#delay();
    this.#rules.reorder(ids);
  }

  async ruleTrial(rule: Rule, days: number): Promise<Trial> {
    await this.#delay();
    return this.#rules.trial(rule, days);
  }

  async conversationReasons(conversationId: number): Promise<string[]> {
    await this.#delay();
    this.#get(conversationId);
    return this.#rules.reasons(conversationId);
  }

  async onOpenConversation(handler: (conversationId: number) => void): Promise<() => void> {
    return this.#rules.onOpen(handler);
  }

  /** A conversation arriving from a sync (tests): stored, and announced as the core does. */
  arrive(detail: ConversationDetail): void {
    this.#conversations.set(detail.conversation.id, structuredClone(detail));
    this.emit({ kind: 'itemsIngested', inserted: detail.items.length || 1 });
  }

  /** As clicking a notification's "Open" would (tests, demo). */
  openFromNotification(conversationId: number): void {
    this.#rules.open(conversationId);
  }

  async onMarkedDone(handler: (conversationId: number) => void): Promise<() => void> {
    this.#doneListeners.add(handler);
    return () => this.#doneListeners.delete(handler);
  }

  /** As a notification's "Mark done" does (tests): done in the store, then told. */
  async markDoneFromNotification(conversationId: number): Promise<void> {
    await this.setState(conversationId, 'done');
    for (const listener of [...this.#doneListeners]) listener(conversationId);
  }

  #urgent(): number {
    return [...this.#conversations.values()].filter(
      ({ conversation: c }) => c.urgent && c.unreadCount > 0 && (c.state === 'open' || c.state === 'pending'),
    ).length;
  }

  #urgentChanged(): void {
    const count = this.#urgent();
    for (const listener of [...this.#urgentListeners]) listener(count);
  }

  async urgentCount(): Promise<number | null> {
    await this.#delay();
    return this.#urgent();
  }

  async onUrgentCount(handler: (count: number) => void): Promise<() => void> {
    this.#urgentListeners.add(handler);
    return () => this.#urgentListeners.delete(handler);
  }

  async notifySettings(): Promise<NotifySettings> {
    await this.#delay();
    return structuredClone(this.#notify);
  }

  async setNotifySettings(settings: NotifySettings): Promise<void> {
    await this.#delay();
    if (settings.digestSeconds < 0 || settings.digestSeconds > 3600) {
      throw invalid('the digest window is at most 3600 seconds');
    }
    if (settings.quiet && settings.quiet.startMinute === settings.quiet.endMinute) {
      throw invalid('quiet hours need a start and a different end, each 00:00 to 23:59');
    }
    this.#notify = structuredClone(settings);
  }
}
