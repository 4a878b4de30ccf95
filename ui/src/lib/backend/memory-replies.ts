import type {
  Account,
  AccountLimits,
  AfterFirstReply,
  ComposeInfo,
  ComposeLimits,
  ConversationDetail,
  Draft,
  ItemView,
  OutboxEntry,
  Participant,
  ReplySettings,
  SavedReply,
} from '../types';
import { BackendError, type CoreEvent } from './backend';

/** What the replies part of the memory backend needs from the rest of it. */
export interface RepliesHost {
  conversation(id: number): ConversationDetail;
  accounts(): Account[];
  demo(): boolean;
  now(): number;
  emit(event: CoreEvent): void;
}

/** The core's `MAX_UNDO_SECONDS`. */
export const MAX_UNDO_SECONDS = 60;

const VARIABLES = ['author.name', 'author.handle', 'my.name', 'my.handle'];

function invalid(message: string): BackendError {
  return new BackendError(null, message);
}

function mention(handle: string): string {
  return `@${handle.replace(/^@/, '')}`;
}

/** The `{…}` spans of a template, as the core finds them. */
function placeholders(body: string): { start: number; end: number; inner: string }[] {
  const out: { start: number; end: number; inner: string }[] = [];
  let rest = 0;
  for (;;) {
    const open = body.indexOf('{', rest);
    if (open < 0) break;
    const close = body.indexOf('}', open);
    if (close < 0) break;
    const inner = body.slice(open + 1, close);
    if (inner !== '' && !inner.includes('{')) out.push({ start: open, end: close + 1, inner });
    rest = open + 1;
  }
  return out;
}

function prompts(body: string): string[] {
  const seen: string[] = [];
  for (const { inner } of placeholders(body)) {
    if (!inner.startsWith('?')) continue;
    const q = inner.slice(1).trim();
    if (q !== '' && !seen.includes(q)) seen.push(q);
  }
  return seen;
}

/** Graphemes where the engine can count them, else code points. */
type Segmenter = new (
  locale: undefined,
  options: { granularity: 'grapheme' },
) => { segment(text: string): Iterable<unknown> };

function graphemes(text: string): number {
  const segmenter = (Intl as unknown as { Segmenter?: Segmenter }).Segmenter;
  if (segmenter) return [...new segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;
  return [...text].length;
}

/** Mastodon's count: links as `linkLength`, `@user@domain` as `@user`, code points. */
function mastodonLength(text: string, linkLength: number): number {
  const shortened = text
    .replace(/https?:\/\/\S+/g, 'x'.repeat(linkLength))
    .replace(/(^|[^\w])@(\w+)@[\w.-]+\w/g, '$1@$2');
  return [...shortened].length;
}

export function defaultLimits(network: string): ComposeLimits {
  return network === 'bluesky'
    ? { maxLength: 300, unit: 'graphemes', linkLength: null }
    : { maxLength: 500, unit: 'characters', linkLength: 23 };
}

/**
 * The composer and outbox of the {@link MemoryBackend}, with the core's rules: one
 * draft per conversation, saved replies with variables and prompts, replies held
 * for the undo window, then "sent" into the thread as our own item.
 */
export class MemoryReplies {
  readonly #host: RepliesHost;
  readonly #drafts = new Map<number, Draft>();
  readonly #saved = new Map<string, SavedReply>();
  readonly #outbox: OutboxEntry[] = [];
  readonly #timers = new Map<number, ReturnType<typeof setTimeout>>();
  #settings: ReplySettings = { undoSeconds: 5, afterFirstReply: 'pending' };
  #nextId = 1;

  constructor(host: RepliesHost) {
    this.#host = host;
  }

  #senders(detail: ConversationDetail): Account[] {
    const own = detail.conversation.accountHandle;
    return this.#host
      .accounts()
      .filter((a) => a.network === detail.conversation.network && a.origin === 'signed-in')
      .sort((a, b) => Number(b.handle === own) - Number(a.handle === own) || a.handle.localeCompare(b.handle));
  }

  #answered(detail: ConversationDetail): ItemView | undefined {
    return [...detail.items].reverse().find((i) => !i.fromUs) ?? detail.items[detail.items.length - 1];
  }

  open(id: number): ComposeInfo {
    const detail = this.#host.conversation(id);
    const answered = this.#answered(detail);
    const replyingTo: Participant = {
      mention: mention(answered?.author.handle ?? detail.conversation.author.handle),
      name: answered?.author.name ?? detail.conversation.author.name,
    };
    const participants = [replyingTo];
    const newestFirst = [...detail.items].sort((a, b) => b.createdAt - a.createdAt);
    for (const item of newestFirst) {
      if (item.fromUs) continue;
      const m = mention(item.author.handle);
      if (!participants.some((p) => p.mention === m)) participants.push({ mention: m, name: item.author.name });
    }
    return {
      conversationId: id,
      network: detail.conversation.network,
      replyingTo,
      senders: this.#senders(detail),
      draft: structuredClone(this.#drafts.get(id) ?? null),
      participants,
      direct: answered?.kind === 'dm',
    };
  }

  limits(accountId: number): AccountLimits {
    const account = this.#host.accounts().find((a) => a.id === accountId);
    if (!account) throw new BackendError('not_found', `account ${accountId} does not exist`);
    return { limits: defaultLimits(account.network), fromServer: false };
  }

  measure(text: string, limits: ComposeLimits): number {
    return limits.unit === 'graphemes' ? graphemes(text) : mastodonLength(text, limits.linkLength ?? 23);
  }

  saveDraft(id: number, accountId: number | null, body: string): Draft | null {
    this.#host.conversation(id);
    if (body.trim() === '') {
      this.#drafts.delete(id);
      return null;
    }
    const draft: Draft = { conversationId: id, accountId, body, updatedAt: this.#host.now() };
    this.#drafts.set(id, draft);
    return structuredClone(draft);
  }

  hasDraft(id: number): boolean {
    return this.#drafts.has(id);
  }

  savedReplies(): SavedReply[] {
    return [...this.#saved.values()]
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))
      .map((r) => structuredClone(r));
  }

  saveReply(name: string, body: string): SavedReply {
    const [n, b] = [name.trim(), body.trim()];
    if (n === '' || b === '') throw invalid('a saved reply needs a name and some text');
    const unknown = placeholders(b)
      .map((p) => p.inner.trim())
      .find((inner) => !inner.startsWith('?') && !VARIABLES.includes(inner));
    if (unknown !== undefined) {
      throw invalid(
        `{${unknown}} is not a variable Earshot knows; use {author.name}, {author.handle}, {my.name}, {my.handle}, or {?A question} to be asked when inserting`,
      );
    }
    const reply: SavedReply = { id: this.#saved.get(n)?.id ?? this.#nextId++, name: n, body: b, prompts: prompts(b) };
    this.#saved.set(n, reply);
    return structuredClone(reply);
  }

  deleteReply(name: string): void {
    if (!this.#saved.delete(name.trim())) throw new BackendError('not_found', `no saved reply named '${name}'`);
  }

  fill(id: number, accountId: number | null, body: string, answers: Record<string, string>): string {
    const detail = this.#host.conversation(id);
    const answered = this.#answered(detail);
    const me =
      this.#host.accounts().find((a) => a.id === accountId) ??
      this.#host.accounts().find((a) => a.handle === detail.conversation.accountHandle);
    const authorHandle = mention(answered?.author.handle ?? '');
    const myHandle = me ? mention(me.handle) : '';
    let out = '';
    let last = 0;
    for (const { start, end, inner } of placeholders(body)) {
      const v = inner.trim();
      let value: string;
      if (v === 'author.name') value = answered?.author.name || authorHandle;
      else if (v === 'author.handle') value = authorHandle;
      else if (v === 'my.name') value = me?.displayName || myHandle;
      else if (v === 'my.handle') value = myHandle;
      else if (v.startsWith('?')) {
        const q = v.slice(1).trim();
        const a = answers[q];
        if (a === undefined || a.trim() === '') throw invalid(`the saved reply asks for "${q}"`);
        value = a;
      } else continue;
      out += body.slice(last, start) + value;
      last = end;
    }
    return out + body.slice(last);
  }

  send(id: number, accountId: number | null, body: string): OutboxEntry {
    const text = body.trim();
    if (text === '') throw invalid('a reply needs some text');
    if (this.#host.demo()) {
      throw invalid(
        'the demo workspace cannot send replies; add an account to answer your own conversations (the draft is kept)',
      );
    }
    const detail = this.#host.conversation(id);
    const account = accountId === null ? this.#senders(detail)[0] : this.#senders(detail).find((a) => a.id === accountId);
    if (!account) throw invalid(`conversation ${id} has no signed-in account to reply as`);
    this.#drafts.delete(id);
    const entry: OutboxEntry = {
      id: this.#nextId++,
      conversationId: id,
      accountId: account.id,
      body: text,
      state: 'queued',
      attempts: 0,
      lastError: null,
      remoteUrl: null,
      notBefore: this.#host.now() + this.#settings.undoSeconds * 1000,
    };
    this.#outbox.push(entry);
    this.#timers.set(
      entry.id,
      setTimeout(() => this.#deliver(entry, account), this.#settings.undoSeconds * 1000),
    );
    return structuredClone(entry);
  }

  #deliver(entry: OutboxEntry, account: Account): void {
    this.#timers.delete(entry.id);
    if (entry.state !== 'queued') return;
    const detail = this.#host.conversation(entry.conversationId);
    const parent = this.#answered(detail);
    const now = this.#host.now();
    entry.state = 'sent';
    entry.attempts = 1;
    entry.remoteUrl = `https://example.invalid/reply/${entry.id}`;
    detail.items.push({
      id: `out-${entry.id}`,
      network: detail.conversation.network,
      remoteId: `out-${entry.id}`,
      kind: 'reply',
      author: { handle: account.handle, name: account.displayName, followers: null, url: null },
      html: `<p>${entry.body.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`,
      text: entry.body,
      createdAt: now,
      url: entry.remoteUrl,
      lang: null,
      sentiment: null,
      parentId: parent?.id ?? null,
      depth: (parent?.depth ?? -1) + 1,
      fromUs: true,
      attachments: [],
    });
    const c = detail.conversation;
    c.itemCount = detail.items.length;
    c.lastActivityAt = now;
    if (c.firstResponseAt === null) {
      c.firstResponseAt = now;
      const after: AfterFirstReply = this.#settings.afterFirstReply;
      if (after !== 'unchanged') c.state = after;
    }
    this.#host.emit({ kind: 'itemsIngested', inserted: 1 });
  }

  undo(outboxId: number): OutboxEntry {
    const entry = this.#outbox.find((e) => e.id === outboxId);
    if (!entry || entry.state !== 'queued') {
      throw invalid(`outbox entry ${outboxId} is already being sent, sent, or not there; it cannot be taken back`);
    }
    entry.state = 'cancelled';
    clearTimeout(this.#timers.get(outboxId));
    this.#timers.delete(outboxId);
    if (!this.#drafts.has(entry.conversationId)) {
      this.#drafts.set(entry.conversationId, {
        conversationId: entry.conversationId,
        accountId: entry.accountId,
        body: entry.body,
        updatedAt: this.#host.now(),
      });
    }
    return structuredClone(entry);
  }

  outbox(id: number): OutboxEntry[] {
    return this.#outbox.filter((e) => e.conversationId === id && e.state !== 'cancelled').map((e) => structuredClone(e));
  }

  settings(): ReplySettings {
    return { ...this.#settings };
  }

  setSettings(settings: ReplySettings): void {
    if (settings.undoSeconds < 0 || settings.undoSeconds > MAX_UNDO_SECONDS) {
      throw invalid(`the undo window is at most ${MAX_UNDO_SECONDS} seconds`);
    }
    this.#settings = { ...settings };
  }
}
