import { SvelteSet } from 'svelte/reactivity';
import { BackendError, type Backend } from '../backend';
import { authorDisplayName } from '../format';
import type { ConversationSummary, InboxFilter, Snooze, TriageState } from '../types';

export const PAGE_SIZE = 50;
/** Start fetching the next page when the selection is this close to the end. */
const PREFETCH_ROWS = 5;

/** Past-tense phrases with `{}` for what was acted on. */
const STATE_VERBS: Record<TriageState, string> = {
  open: 'reopened {}',
  pending: 'marked {} pending',
  snoozed: 'snoozed {}',
  done: 'marked {} done',
};

/** One conversation as it was before a triage action, to put it back. */
interface UndoEntry {
  before: ConversationSummary;
}

/** The last triage action, undone by {@link InboxController.undo}. */
interface UndoRecord {
  kind: 'state' | 'saved';
  /** Past tense, for the notice: "marked 3 conversations done". */
  description: string;
  /** The list the rows were removed from (tab and account). */
  listKey: string;
  entries: UndoEntry[];
}

/** Inbox order: most recent activity first, ties broken by the higher id. */
function sortsBefore(a: ConversationSummary, b: ConversationSummary): boolean {
  return a.lastActivityAt > b.lastActivityAt || (a.lastActivityAt === b.lastActivityAt && a.id > b.id);
}

function who(c: ConversationSummary): string {
  return authorDisplayName(c.author);
}

/** "marked conversation with Ada done", "marked 3 conversations done". */
function describe(phrase: string, list: ConversationSummary[]): string {
  const first = list[0];
  const what =
    list.length === 1 && first ? `conversation with ${who(first)}` : `${list.length} conversations`;
  return phrase.replace('{}', what);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * State of the inbox list: the current triage tab and account, the loaded pages,
 * the selected and checked rows, the conversation open in the thread pane, and the
 * last triage action for undo. UI-free, so views stay thin.
 */
export class InboxController {
  tab = $state<TriageState>('open');
  /** Only this account's conversations; null for all. */
  accountId = $state<number | null>(null);
  conversations = $state<ConversationSummary[]>([]);
  nextCursor = $state<string | null>(null);
  /** Loading the first page of the current tab. */
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<BackendError | null>(null);
  selectedIndex = $state(-1);
  openId = $state<number | null>(null);
  /** Conversation ids checked for a bulk action (`x`). */
  readonly checked = new SvelteSet<number>();
  /** Last action's outcome, announced through a live region. */
  notice = $state('');
  /** Bumped after every change to a conversation, so views showing it refresh. */
  revision = $state(0);

  readonly selected = $derived<ConversationSummary | null>(
    this.conversations[this.selectedIndex] ?? null,
  );

  readonly #backend: Backend;
  readonly #pageSize: number;
  /** Bumped on every reload so late responses for an old tab are dropped. */
  #generation = 0;
  #undo = $state.raw<UndoRecord | null>(null);

  constructor(backend: Backend, pageSize: number = PAGE_SIZE) {
    this.#backend = backend;
    this.#pageSize = pageSize;
  }

  get #listKey(): string {
    return `${this.tab}|${this.accountId ?? ''}`;
  }

  #filter(cursor: string | null = null): InboxFilter {
    return { state: this.tab, accountId: this.accountId, cursor, limit: this.#pageSize };
  }

  async setTab(tab: TriageState): Promise<void> {
    if (tab === this.tab && !this.error) return;
    this.tab = tab;
    await this.reload();
  }

  /** Shows one account's conversations (null: all), reloading the list. */
  async setAccount(accountId: number | null): Promise<void> {
    this.accountId = accountId;
    await this.reload();
  }

  async reload(): Promise<void> {
    const gen = ++this.#generation;
    this.loading = true;
    this.loadingMore = false;
    this.error = null;
    this.conversations = [];
    this.nextCursor = null;
    this.selectedIndex = -1;
    this.checked.clear();
    try {
      const page = await this.#backend.inboxList(this.#filter());
      if (gen !== this.#generation) return;
      this.conversations = page.conversations;
      this.nextCursor = page.nextCursor;
      this.selectedIndex = page.conversations.length > 0 ? 0 : -1;
    } catch (err) {
      if (gen === this.#generation) this.error = BackendError.from(err);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  get hasMore(): boolean {
    return this.nextCursor !== null;
  }

  async loadMore(): Promise<void> {
    const cursor = this.nextCursor;
    if (cursor === null || this.loading || this.loadingMore) return;
    const gen = this.#generation;
    this.loadingMore = true;
    try {
      const page = await this.#backend.inboxList(this.#filter(cursor));
      if (gen !== this.#generation) return;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, never observed
      const seen = new Set(this.conversations.map((c) => c.id));
      this.conversations.push(...page.conversations.filter((c) => !seen.has(c.id)));
      this.nextCursor = page.nextCursor;
      if (this.selectedIndex < 0 && this.conversations.length > 0) this.selectedIndex = 0;
    } catch (err) {
      if (gen === this.#generation) this.notice = `Could not load more: ${BackendError.from(err).message}`;
    } finally {
      if (gen === this.#generation) this.loadingMore = false;
    }
  }

  /** Moves the selection by `delta` rows (clamped); prefetches near the end. */
  move(delta: number): void {
    const n = this.conversations.length;
    if (n === 0) return;
    const from = this.selectedIndex < 0 ? (delta > 0 ? -1 : n) : this.selectedIndex;
    this.selectedIndex = Math.min(Math.max(from + delta, 0), n - 1);
    if (this.selectedIndex >= n - PREFETCH_ROWS) void this.loadMore();
  }

  select(index: number): void {
    if (index >= 0 && index < this.conversations.length) this.selectedIndex = index;
  }

  /** Opens the selected conversation (or `index`) in the thread pane, and marks it read. */
  open(index: number = this.selectedIndex): void {
    const conversation = this.conversations[index];
    if (!conversation) return;
    this.selectedIndex = index;
    this.openConversation(conversation.id);
  }

  /** Opens any conversation (a search result, say), and marks it read. */
  openConversation(id: number): void {
    this.openId = id;
    void this.markRead(id);
  }

  /** Always asks the core: the row's count may predate items that arrived since. */
  async markRead(id: number): Promise<void> {
    try {
      await this.#backend.markRead(id);
    } catch (err) {
      this.notice = `Could not mark as read: ${BackendError.from(err).message}`;
      return;
    }
    const current = this.conversations.find((c) => c.id === id);
    if (current) current.unreadCount = 0;
  }

  /** Checks or unchecks a row for a bulk action. */
  toggleChecked(index: number = this.selectedIndex): void {
    const conversation = this.conversations[index];
    if (!conversation) return;
    if (this.checked.has(conversation.id)) this.checked.delete(conversation.id);
    else this.checked.add(conversation.id);
    const n = this.checked.size;
    this.notice = n === 0 ? 'No conversations checked' : `${n} checked`;
  }

  /** What a triage key acts on: the checked rows if any, else the selected one. */
  get targets(): ConversationSummary[] {
    if (this.checked.size > 0) return this.conversations.filter((c) => this.checked.has(c.id));
    return this.selected ? [this.selected] : [];
  }

  /**
   * Moves conversations to `state` (the checked ones, else the selected one, or the
   * given ids), removes them from this list, and keeps the selection on the same row
   * index, i.e. on the next conversation.
   */
  async setState(state: TriageState, snooze: Snooze | null = null, ids?: number[]): Promise<void> {
    const chosen = ids
      ? ids.map((id) => this.conversations.find((c) => c.id === id) ?? id)
      : this.targets;
    const gen = this.#generation;
    const listKey = this.#listKey;
    const done: ConversationSummary[] = [];
    const outside: number[] = [];
    let failure: BackendError | null = null;
    for (const target of chosen) {
      if (typeof target !== 'number' && target.state === state) continue;
      const id = typeof target === 'number' ? target : target.id;
      try {
        await this.#backend.setState(id, state, state === 'snoozed' ? snooze : null);
        if (typeof target === 'number') outside.push(id);
        else done.push($state.snapshot(target));
      } catch (err) {
        failure = BackendError.from(err);
        break;
      }
    }
    if (done.length > 0 || outside.length > 0) this.revision++;
    if (gen === this.#generation) {
      this.#remove(done.map((c) => c.id));
      for (const c of done) this.checked.delete(c.id);
    }
    if (done.length > 0) {
      const description = describe(STATE_VERBS[state], done);
      this.#undo = { kind: 'state', description, listKey, entries: done.map((before) => ({ before })) };
      this.notice = `${capitalise(description)}. Press z to undo.`;
    } else if (outside.length > 0) {
      this.#undo = null;
      this.notice = `${capitalise(STATE_VERBS[state].replace('{}', 'the conversation'))}.`;
    }
    if (failure) this.notice = `Could not change the state: ${failure.message}`;
  }

  /** Marks the selected conversation (or `index`) done. */
  async markDone(index: number = this.selectedIndex): Promise<void> {
    const conversation = this.conversations[index];
    if (conversation) await this.setState('done', null, [conversation.id]);
  }

  /** Saves or unsaves the selected conversation. */
  async toggleSaved(id: number | undefined = this.selected?.id): Promise<void> {
    if (id === undefined) return;
    const row = this.conversations.find((c) => c.id === id);
    if (!row) return;
    const before = $state.snapshot(row);
    const saved = !before.saved;
    try {
      await this.#backend.setSaved(id, saved);
    } catch (err) {
      this.notice = `Could not ${saved ? 'save' : 'unsave'}: ${BackendError.from(err).message}`;
      return;
    }
    const current = this.conversations.find((c) => c.id === id);
    if (current) current.saved = saved;
    this.revision++;
    const description = describe(saved ? 'saved {}' : 'unsaved {}', [before]);
    this.#undo = { kind: 'saved', description, listKey: this.#listKey, entries: [{ before }] };
    this.notice = `${capitalise(description)}. Press z to undo.`;
  }

  get canUndo(): boolean {
    return this.#undo !== null;
  }

  /** Undoes the last triage action (one level), putting rows back where they were. */
  async undo(): Promise<void> {
    const record = this.#undo;
    if (!record) {
      this.notice = 'Nothing to undo';
      return;
    }
    this.#undo = null;
    const restored: ConversationSummary[] = [];
    try {
      for (const { before } of record.entries) {
        if (record.kind === 'saved') {
          await this.#backend.setSaved(before.id, before.saved);
        } else {
          const snooze: Snooze | null =
            before.state === 'snoozed'
              ? { until: before.snoozeUntil, untilReply: before.snoozeUntil === null }
              : null;
          await this.#backend.setState(before.id, before.state, snooze);
        }
        restored.push(before);
      }
    } catch (err) {
      this.notice = `Could not undo: ${BackendError.from(err).message}`;
    }
    if (restored.length === 0) return;
    this.revision++;
    if (record.kind === 'saved') {
      for (const before of restored) {
        const row = this.conversations.find((c) => c.id === before.id);
        if (row) row.saved = before.saved;
      }
    } else if (record.listKey === this.#listKey) {
      for (const before of restored) this.#insert(before);
      const first = restored[0];
      const at = first ? this.conversations.findIndex((c) => c.id === first.id) : -1;
      if (at >= 0) this.selectedIndex = at;
    }
    if (this.notice.startsWith('Could not undo')) return;
    this.notice = `Undone: ${record.description}`;
  }

  /** Removes rows by id; the selection moves to the row that takes its place. */
  #remove(ids: number[]): void {
    if (ids.length === 0) return;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, never observed
    const gone = new Set(ids);
    const selectedId = this.selected?.id;
    const before = this.selectedIndex;
    const removedAbove = this.conversations.slice(0, Math.max(before, 0)).filter((c) => gone.has(c.id)).length;
    this.conversations = this.conversations.filter((c) => !gone.has(c.id));
    const n = this.conversations.length;
    const kept = this.conversations.findIndex((c) => c.id === selectedId);
    this.selectedIndex = n === 0 ? -1 : kept >= 0 ? kept : Math.min(before - removedAbove, n - 1);
    if (this.openId !== null && gone.has(this.openId)) {
      this.openId = null;
      if (this.selected) this.openConversation(this.selected.id);
    }
    if (this.selectedIndex >= n - PREFETCH_ROWS) void this.loadMore();
  }

  /** Puts a row back in inbox order (unless a later page will bring it). */
  #insert(row: ConversationSummary): void {
    if (this.conversations.some((c) => c.id === row.id)) return;
    const at = this.conversations.findIndex((c) => sortsBefore(row, c));
    if (at >= 0) this.conversations.splice(at, 0, row);
    else if (!this.hasMore) this.conversations.push(row);
  }
}
