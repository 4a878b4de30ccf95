import { BackendError, type Backend } from '../backend';
import type { ConversationSummary, TriageState } from '../types';

export const PAGE_SIZE = 50;
/** Start fetching the next page when the selection is this close to the end. */
const PREFETCH_ROWS = 5;

/**
 * State of the inbox list: the current triage tab, the loaded pages, the selected row
 * and the conversation open in the thread pane. UI-free, so views stay thin.
 */
export class InboxController {
  tab = $state<TriageState>('open');
  conversations = $state<ConversationSummary[]>([]);
  nextCursor = $state<string | null>(null);
  /** Loading the first page of the current tab. */
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<BackendError | null>(null);
  selectedIndex = $state(-1);
  openId = $state<number | null>(null);
  /** Last action's outcome, announced through a live region. */
  notice = $state('');

  readonly selected = $derived<ConversationSummary | null>(
    this.conversations[this.selectedIndex] ?? null,
  );

  readonly #backend: Backend;
  readonly #pageSize: number;
  /** Bumped on every reload so late responses for an old tab are dropped. */
  #generation = 0;

  constructor(backend: Backend, pageSize: number = PAGE_SIZE) {
    this.#backend = backend;
    this.#pageSize = pageSize;
  }

  async setTab(tab: TriageState): Promise<void> {
    if (tab === this.tab && !this.error) return;
    this.tab = tab;
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
    try {
      const page = await this.#backend.inboxList({ state: this.tab, limit: this.#pageSize });
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
      const page = await this.#backend.inboxList({
        state: this.tab,
        cursor,
        limit: this.#pageSize,
      });
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

  /** Opens the selected conversation (or `index`) in the thread pane. */
  open(index: number = this.selectedIndex): void {
    const conversation = this.conversations[index];
    if (!conversation) return;
    this.selectedIndex = index;
    this.openId = conversation.id;
  }

  /**
   * Marks the selected conversation done, then removes it from the list. The
   * selection stays on the same row index, i.e. moves to the next conversation.
   */
  async markDone(index: number = this.selectedIndex): Promise<void> {
    const conversation = this.conversations[index];
    if (!conversation || this.tab === 'done') return;
    const gen = this.#generation;
    try {
      await this.#backend.setState(conversation.id, 'done');
    } catch (err) {
      this.notice = `Could not mark done: ${BackendError.from(err).message}`;
      return;
    }
    if (gen !== this.#generation) return;
    const at = this.conversations.findIndex((c) => c.id === conversation.id);
    if (at < 0) return;
    this.conversations.splice(at, 1);
    const n = this.conversations.length;
    if (this.selectedIndex > at || this.selectedIndex >= n) this.selectedIndex -= 1;
    if (n === 0) this.selectedIndex = -1;
    const who = conversation.author.name ?? conversation.author.handle;
    this.notice = `Marked conversation with ${who} done`;
    if (this.openId === conversation.id) this.openId = this.selected?.id ?? null;
    if (this.selectedIndex >= n - PREFETCH_ROWS) void this.loadMore();
  }
}
