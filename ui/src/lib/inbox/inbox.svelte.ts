import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { BackendError, type Backend } from '../backend';
import { authorDisplayName } from '../format';
import { afterPaint } from '../frame';
import type { ConversationSummary, InboxFilter, Snooze, TriageState } from '../types';
import { cleanFilter, normaliseTag, type ViewFilter } from './filters';

export const PAGE_SIZE = 50;
/**
 * Pages kept in JavaScript at most. The list is a window of consecutive pages over
 * the inbox, which stays in Rust: past this many, the page farthest from where the
 * user is going is dropped, and fetched again by its cursor when they come back.
 * So at a million items the page holds at most this many pages of rows.
 */
export const WINDOW_PAGES = 20;
/** Start fetching the next (or previous) page when the selection is this close to the edge. */
const PREFETCH_ROWS = 5;

/** One page of the window: the cursor that fetched it, and how many of its rows are held. */
interface PageSpan {
  cursor: string | null;
  count: number;
}

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
  kind: 'state' | 'saved' | 'tags';
  /** Past tense, for the notice: "marked 3 conversations done". */
  description: string;
  /** The list the rows were removed from (tab and account). */
  listKey: string;
  entries: UndoEntry[];
  /** The conversation open in the thread pane when the action took it away, if one did. */
  opened?: number;
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
  /** The filter bar's filters (network, tag, priority, …), on top of the tab and account. */
  filters = $state<ViewFilter>({});
  /**
   * The rows held in JavaScript: a window of pages over the whole list, which stays in
   * Rust. Never changed in place: a change is a new array (and a changed row a new
   * object), so removing one row of a thousand is one copy, not a thousand proxy writes,
   * and the list re-renders only the rows that changed.
   */
  conversations = $state.raw<ConversationSummary[]>([]);
  /** Rows of the list above the window (dropped from memory; fetched again by cursor). */
  offset = $state(0);
  nextCursor = $state<string | null>(null);
  loadingPrevious = $state(false);
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
  /** Bumped after every change to a conversation, so views showing conversations refresh. */
  revision = $state(0);
  /** The `revision` at which each conversation last changed (see `revisionOf`). */
  readonly #changedAt = new SvelteMap<number, number>();

  readonly selected = $derived<ConversationSummary | null>(
    this.conversations[this.selectedIndex] ?? null,
  );

  readonly #backend: Backend;
  readonly #pageSize: number;
  readonly #windowPages: number;
  /** The pages held, in list order; their counts add up to `conversations.length`. */
  #pages: PageSpan[] = [];
  /** Pages dropped above the window, the nearest last. */
  #above: PageSpan[] = [];
  /** Bumped on every reload so late responses for an old tab are dropped. */
  #generation = 0;
  #undo = $state.raw<UndoRecord | null>(null);
  /** The triage writes under way, in order (see `#afterPending`). */
  #pending: Promise<void> = Promise.resolve();
  #busy = 0;

  constructor(backend: Backend, pageSize: number = PAGE_SIZE, windowPages: number = WINDOW_PAGES) {
    this.#backend = backend;
    this.#pageSize = pageSize;
    this.#windowPages = Math.max(windowPages, 2);
  }

  get #listKey(): string {
    return `${this.tab}|${this.accountId ?? ''}|${JSON.stringify(this.filters)}`;
  }

  #filter(cursor: string | null = null): InboxFilter {
    return {
      ...this.filters, state: this.tab, accountId: this.accountId, cursor, limit: this.#pageSize };
  }

  /** Sets the filter bar's filters (and the tab, when a saved view names one), reloading the list. */
  async setFilters(filters: ViewFilter, tab: TriageState | null = null): Promise<void> {
    const { state, accountId, ...rest } = cleanFilter(filters);
    this.filters = rest;
    if (tab ?? state) this.tab = (tab ?? state) as TriageState;
    if (accountId !== undefined) this.accountId = accountId;
    await this.reload();
  }

  /** The whole filter the list shows: tab, account and the filter bar's (what a view saves). */
  get viewFilter(): ViewFilter {
    return cleanFilter({ ...this.filters, state: this.tab, accountId: this.accountId });
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
    this.loadingPrevious = false;
    this.error = null;
    this.conversations = [];
    this.#pages = [];
    this.#above = [];
    this.offset = 0;
    this.nextCursor = null;
    this.selectedIndex = -1;
    this.checked.clear();
    try {
      const page = await this.#backend.inboxList(this.#filter());
      if (gen !== this.#generation) return;
      this.#show(page.conversations, page.nextCursor);
    } catch (err) {
      if (gen === this.#generation) this.error = BackendError.from(err);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  get hasMore(): boolean {
    return this.nextCursor !== null;
  }

  /** Rows above the window were dropped from memory and can be fetched again. */
  get hasPrevious(): boolean {
    return this.#above.length > 0;
  }

  /** The whole list's length once its end is loaded; null while more may follow. */
  get total(): number | null {
    return this.hasMore ? null : this.offset + this.conversations.length;
  }

  async loadMore(): Promise<void> {
    const cursor = this.nextCursor;
    if (cursor === null || this.loading || this.loadingMore || this.loadingPrevious) return;
    const gen = this.#generation;
    this.loadingMore = true;
    try {
      const page = await this.#backend.inboxList(this.#filter(cursor));
      if (gen !== this.#generation) return;
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, never observed
      const seen = new Set(this.conversations.map((c) => c.id));
      const rows = page.conversations.filter((c) => !seen.has(c.id));
      this.conversations = this.conversations.concat(rows);
      this.#pages.push({ cursor, count: rows.length });
      this.nextCursor = page.nextCursor;
      this.#dropTop();
      if (this.selectedIndex < 0 && this.conversations.length > 0) this.selectedIndex = 0;
    } catch (err) {
      if (gen === this.#generation) this.notice = `Could not load more: ${BackendError.from(err).message}`;
    } finally {
      if (gen === this.#generation) this.loadingMore = false;
    }
  }

  /** Fetches again the nearest page dropped above the window, dropping one below if it is full. */
  async loadPrevious(): Promise<void> {
    const span = this.#above[this.#above.length - 1];
    if (!span || this.loading || this.loadingMore || this.loadingPrevious) return;
    const gen = this.#generation;
    this.loadingPrevious = true;
    try {
      const page = await this.#backend.inboxList(this.#filter(span.cursor));
      if (gen !== this.#generation) return;
      this.#above.pop();
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, never observed
      const seen = new Set(this.conversations.map((c) => c.id));
      const rows = page.conversations.filter((c) => !seen.has(c.id));
      this.conversations = rows.concat(this.conversations);
      this.#pages.unshift({ cursor: span.cursor, count: rows.length });
      // The page may hold other rows now than when it was dropped; the top is exact.
      this.offset = this.#above.length === 0 ? 0 : Math.max(this.offset - rows.length, 0);
      if (this.selectedIndex >= 0) this.selectedIndex += rows.length;
      this.#dropBottom();
    } catch (err) {
      if (gen === this.#generation) this.notice = `Could not load more: ${BackendError.from(err).message}`;
    } finally {
      if (gen === this.#generation) this.loadingPrevious = false;
    }
  }

  /** Keeps the window bounded after a page was added below: drops the top page. */
  #dropTop(): void {
    while (this.#pages.length > this.#windowPages) {
      const span = this.#pages.shift();
      if (!span) break;
      this.conversations = this.conversations.slice(span.count);
      this.#above.push(span);
      this.offset += span.count;
      // A selection scrolled far out of the window goes with its page; j starts again at the top.
      this.selectedIndex = this.selectedIndex >= span.count ? this.selectedIndex - span.count : -1;
    }
  }

  /** Keeps the window bounded after a page was added above: drops the bottom page. */
  #dropBottom(): void {
    while (this.#pages.length > this.#windowPages) {
      const span = this.#pages.pop();
      if (!span) break;
      this.conversations = this.conversations.slice(0, this.conversations.length - span.count);
      this.nextCursor = span.cursor;
      if (this.selectedIndex >= this.conversations.length) this.selectedIndex = -1;
    }
  }

  /** The page holding row `index` of the window (the last page for the end). */
  #pageAt(index: number): PageSpan | undefined {
    let end = 0;
    for (const span of this.#pages) {
      end += span.count;
      if (index < end) return span;
    }
    return this.#pages[this.#pages.length - 1];
  }

  /**
   * Moves the selection by `delta` rows (clamped); prefetches near either edge of the
   * window, and past its top waits for the page above.
   */
  async move(delta: number): Promise<void> {
    const n = this.conversations.length;
    if (n === 0) return;
    const from = this.selectedIndex < 0 ? (delta > 0 ? -1 : n) : this.selectedIndex;
    if (from + delta < 0 && this.hasPrevious) {
      await this.loadPrevious();
      const next = this.selectedIndex + delta;
      if (next >= 0) this.selectedIndex = next;
      return;
    }
    this.selectedIndex = Math.min(Math.max(from + delta, 0), n - 1);
    if (this.selectedIndex >= n - PREFETCH_ROWS) void this.loadMore();
    if (this.selectedIndex < PREFETCH_ROWS && this.hasPrevious) void this.loadPrevious();
  }

  /** Selects the first conversation of the whole list (Home), fetching it again if dropped. */
  async first(): Promise<void> {
    if (!this.hasPrevious) {
      this.select(0);
      return;
    }
    // Jump: the window starts again at the top, not every page in between.
    const gen = this.#generation;
    try {
      const page = await this.#backend.inboxList(this.#filter());
      if (gen !== this.#generation) return;
      this.#show(page.conversations, page.nextCursor);
    } catch (err) {
      if (gen === this.#generation) this.notice = `Could not load more: ${BackendError.from(err).message}`;
    }
  }

  /** Makes `rows` (the first page) the whole window, with the first row selected. */
  #show(rows: ConversationSummary[], nextCursor: string | null): void {
    this.conversations = rows;
    this.#pages = [{ cursor: null, count: rows.length }];
    this.#above = [];
    this.offset = 0;
    this.nextCursor = nextCursor;
    this.selectedIndex = rows.length > 0 ? 0 : -1;
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

  /**
   * Opens any conversation (a search result, say), and marks it read once the next frame
   * has painted: the write (and the row it changes) need not hold up the thread.
   */
  openConversation(id: number): void {
    this.openId = id;
    afterPaint(() => void this.markRead(id));
  }

  /** Always asks the core: the row's count may predate items that arrived since. */
  async markRead(id: number): Promise<void> {
    try {
      await this.#backend.markRead(id);
    } catch (err) {
      this.notice = `Could not mark as read: ${BackendError.from(err).message}`;
      return;
    }
    this.#update(id, (c) => (c.unreadCount === 0 ? c : { ...c, unreadCount: 0 }));
  }

  /** Replaces row `id` of the window (if held) by `change` of it. */
  #update(id: number, change: (row: ConversationSummary) => ConversationSummary): void {
    const at = this.conversations.findIndex((c) => c.id === id);
    const row = this.conversations[at];
    if (!row) return;
    const next = change(row);
    if (next === row) return;
    const rows = this.conversations.slice();
    rows[at] = next;
    this.conversations = rows;
  }

  /**
   * Changes whenever conversation `id` changes (triage, save, tags): what shows that one
   * conversation (the thread pane) refreshes on this rather than on every change.
   */
  revisionOf(id: number | null): number {
    return id === null ? 0 : (this.#changedAt.get(id) ?? 0);
  }

  /** Marks conversations changed, for `revision` and `revisionOf`. */
  #changed(ids: number[]): void {
    this.revision++;
    for (const id of ids) this.#changedAt.set(id, this.revision);
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
    // Rows are never changed in place (see `conversations`): these are how they were.
    const rows = chosen.filter(
      (t): t is ConversationSummary => typeof t !== 'number' && t.state !== state,
    );
    // The list shows the change at once (the core's write is a round trip away), and `z`
    // can take it back at once: the undo waits for these writes. Rows the core refuses
    // come back below.
    const open = this.openId;
    this.#remove(rows.map((c) => c.id));
    for (const c of rows) this.checked.delete(c.id);
    let record: UndoRecord | null = null;
    if (rows.length > 0) {
      const description = describe(STATE_VERBS[state], rows);
      record = { kind: 'state', description, listKey, entries: rows.map((before) => ({ before })) };
      if (open !== null && rows.some((c) => c.id === open)) record.opened = open;
      this.#undo = record;
      this.notice = `${capitalise(description)}. Press z to undo.`;
    }
    const writes = this.#afterPending(async () => {
      const done: ConversationSummary[] = [];
      const outside: number[] = [];
      let failure: BackendError | null = null;
      for (const target of [...rows, ...chosen.filter((t): t is number => typeof t === 'number')]) {
        const id = typeof target === 'number' ? target : target.id;
        try {
          await this.#backend.setState(id, state, state === 'snoozed' ? snooze : null);
          if (typeof target === 'number') outside.push(id);
          else done.push(target);
        } catch (err) {
          failure = BackendError.from(err);
          break;
        }
      }
      if (done.length > 0 || outside.length > 0) this.#changed([...done.map((c) => c.id), ...outside]);
      if (gen === this.#generation && listKey === this.#listKey) {
        for (const c of rows) if (!done.includes(c)) this.#insert(c);
      }
      if (record && done.length < rows.length) {
        // What undo puts back is what the core changed (an undo already taken waits for this).
        record.entries = done.map((before) => ({ before }));
        if (done.length > 0) record.description = describe(STATE_VERBS[state], done);
        if (done.length === 0 && this.#undo === record) this.#undo = null;
        else if (this.#undo === record) this.notice = `${capitalise(record.description)}. Press z to undo.`;
      }
      if (rows.length === 0 && outside.length > 0) {
        this.#undo = null;
        this.notice = `${capitalise(STATE_VERBS[state].replace('{}', 'the conversation'))}.`;
      }
      if (failure) this.notice = `Could not change the state: ${failure.message}`;
    });
    await writes;
  }

  /**
   * Runs `work` after the triage writes already under way, so the core sees actions in
   * the order they were taken (an undo never overtakes the action it undoes).
   */
  #afterPending(work: () => Promise<void>): Promise<void> {
    // Nothing under way: start at once (the first write leaves in this task).
    const run = this.#busy === 0 ? work() : this.#pending.then(work);
    this.#busy++;
    this.#pending = run.catch(() => {}).finally(() => this.#busy--);
    return run;
  }

  /** Marks the selected conversation (or `index`) done. */
  async markDone(index: number = this.selectedIndex): Promise<void> {
    const conversation = this.conversations[index];
    if (conversation) await this.setState('done', null, [conversation.id]);
  }

  /** Saves or unsaves the selected conversation. */
  async toggleSaved(id: number | undefined = this.selected?.id): Promise<void> {
    if (id === undefined) return;
    const before = this.conversations.find((c) => c.id === id);
    if (!before) return;
    const saved = !before.saved;
    try {
      await this.#backend.setSaved(id, saved);
    } catch (err) {
      this.notice = `Could not ${saved ? 'save' : 'unsave'}: ${BackendError.from(err).message}`;
      return;
    }
    this.#update(id, (c) => ({ ...c, saved }));
    this.#changed([id]);
    const description = describe(saved ? 'saved {}' : 'unsaved {}', [before]);
    this.#undo = { kind: 'saved', description, listKey: this.#listKey, entries: [{ before }] };
    this.notice = `${capitalise(description)}. Press z to undo.`;
  }

  /**
   * Adds and removes tags on the checked conversations, else the selected one (or the
   * given ids); `z` undoes it.
   */
  async tag(add: string[], remove: string[], ids?: number[]): Promise<void> {
    if (add.length === 0 && remove.length === 0) return;
    const chosen = ids ? this.conversations.filter((c) => ids.includes(c.id)) : this.targets;
    const done: ConversationSummary[] = [];
    for (const before of chosen) {
      try {
        await this.#backend.tag(before.id, add, remove);
      } catch (err) {
        this.notice = `Could not change the tags: ${BackendError.from(err).message}`;
        break;
      }
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, never observed
      const tags = new Set(before.tags);
      for (const t of add) tags.add(normaliseTag(t));
      for (const t of remove) tags.delete(normaliseTag(t));
      this.#update(before.id, (c) => ({ ...c, tags: [...tags].sort() }));
      done.push(before);
    }
    if (done.length === 0) return;
    this.#changed(done.map((c) => c.id));
    const description = describe('changed the tags of {}', done);
    this.#undo = { kind: 'tags', description, listKey: this.#listKey, entries: done.map((before) => ({ before })) };
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
    // A state undo shows the rows back at once; any the core refuses leave again below.
    const here = record.kind === 'state' && record.listKey === this.#listKey;
    if (here) {
      this.#restore(record.entries.map((e) => e.before));
      // The conversation the action took out of the thread pane comes back to it, once
      // the row's return has painted (unless another was chosen meanwhile).
      const opened = record.opened;
      const shown = this.openId;
      if (opened !== undefined) {
        afterPaint(() => {
          if (this.openId === shown && this.selected?.id === opened) this.openConversation(opened);
        });
      }
    }
    await this.#afterPending(async () => {
      // The action's own writes are done now: `entries` is what the core changed (none
      // if the core refused it all, which its notice said).
      if (record.entries.length === 0) return;
      const restored: ConversationSummary[] = [];
      let failure: BackendError | null = null;
      try {
        for (const { before } of record.entries) {
          if (record.kind === 'saved') {
            await this.#backend.setSaved(before.id, before.saved);
          } else if (record.kind === 'tags') {
            const now = this.conversations.find((c) => c.id === before.id)?.tags ?? [];
            await this.#backend.tag(
              before.id,
              before.tags.filter((t) => !now.includes(t)),
              now.filter((t) => !before.tags.includes(t)),
            );
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
        failure = BackendError.from(err);
      }
      if (here && restored.length < record.entries.length) {
        this.#remove(record.entries.slice(restored.length).map((e) => e.before.id));
      }
      if (restored.length > 0) this.#changed(restored.map((c) => c.id));
      if (record.kind === 'saved' || record.kind === 'tags') {
        for (const before of restored) {
          this.#update(before.id, (c) => ({ ...c, saved: before.saved, tags: before.tags }));
        }
      }
      if (failure) this.notice = `Could not undo: ${failure.message}`;
      else this.notice = `Undone: ${record.description}`;
    });
  }

  /** Puts rows back in inbox order and selects the first of them. */
  #restore(rows: ConversationSummary[]): void {
    for (const before of rows) this.#insert(before);
    const first = rows[0];
    const at = first ? this.conversations.findIndex((c) => c.id === first.id) : -1;
    if (at >= 0) this.selectedIndex = at;
  }

  /** Removes rows by id; the selection moves to the row that takes its place. */
  #remove(ids: number[]): void {
    if (ids.length === 0) return;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- local, never observed
    const gone = new Set(ids);
    const rows = this.conversations;
    const before = this.selectedIndex;
    const selectedId = rows[before]?.id;
    // Where the rows are: one key press acts on the selected row, found without a scan.
    const at: number[] = [];
    if (ids.length === 1 && selectedId === ids[0]) at.push(before);
    else
      rows.forEach((c, i) => {
        if (gone.has(c.id)) at.push(i);
      });
    for (const i of at) {
      const span = this.#pageAt(i);
      if (span) span.count--;
    }
    if (at.length > 0) {
      const only = at.length === 1 ? (at[0] ?? 0) : -1;
      this.conversations =
        only >= 0 ? rows.slice(0, only).concat(rows.slice(only + 1)) : rows.filter((c) => !gone.has(c.id));
    }
    const n = this.conversations.length;
    const removedAbove = at.filter((i) => i < before).length;
    const kept = selectedId !== undefined && !gone.has(selectedId);
    this.selectedIndex =
      n === 0 ? -1 : kept ? before - removedAbove : Math.min(before - removedAbove, n - 1);
    const closed = this.openId;
    if (closed !== null && gone.has(closed)) {
      // The next conversation opens once the list's change has painted: it must not hold it up.
      afterPaint(() => {
        if (this.openId !== closed) return;
        const next = this.selected?.id ?? null;
        if (next === closed) return;
        if (next === null) this.openId = null;
        else this.openConversation(next);
      });
    }
    if (this.selectedIndex >= n - PREFETCH_ROWS) void this.loadMore();
  }

  /**
   * Conversation `id` was moved to `state` outside this list (a notification's Mark
   * done): its row leaves a tab of another state, the views showing it refresh, and
   * `notice` says what happened. Its row joins a tab of that state at the next load.
   */
  changedElsewhere(id: number, state: TriageState, notice: string): void {
    if (this.tab !== state) this.#remove([id]);
    this.checked.delete(id);
    this.#changed([id]);
    this.notice = notice;
  }

  /** Puts a row back in inbox order (unless a later page will bring it). */
  #insert(row: ConversationSummary): void {
    if (this.conversations.some((c) => c.id === row.id)) return;
    const at = this.conversations.findIndex((c) => sortsBefore(row, c));
    // Above the window's first row with pages dropped above: that page will bring it.
    if (at === 0 && this.hasPrevious) return;
    const span = this.#pageAt(at >= 0 ? at : this.conversations.length);
    const rows = this.conversations;
    if (at >= 0) this.conversations = rows.slice(0, at).concat([row], rows.slice(at));
    else if (!this.hasMore) this.conversations = rows.concat([row]);
    else return;
    if (span) span.count++;
    else this.#pages.push({ cursor: null, count: 1 });
  }
}
