import { BackendError, type Backend } from '../backend';
import type { SearchHit } from '../types';

export const SEARCH_LIMIT = 50;

/** The field filters search understands, for the hint under the search box. */
export const SEARCH_FIELDS: readonly string[] = [
  'from:',
  'network:',
  'account:',
  'tag:',
  'lang:',
  'state:',
  'kind:',
  'is:saved',
  'is:unread',
  'is:reply',
  'is:ours',
  'has:link',
  'sentiment:',
  'priority:',
  'before:',
  'after:',
];

/** Full-text search in the inbox: the query, its results, their selection. */
export class SearchController {
  /** What is in the search box. */
  query = $state('');
  /** The query the shown results belong to; null when no search is shown. */
  shownQuery = $state<string | null>(null);
  results = $state<SearchHit[]>([]);
  loading = $state(false);
  error = $state<BackendError | null>(null);
  selectedIndex = $state(-1);
  /** Field filters added to every query: the inbox's filters (`network:bluesky tag:vip`). */
  scope = $state('');

  readonly selected = $derived<SearchHit | null>(this.results[this.selectedIndex] ?? null);

  readonly #backend: Backend;
  #generation = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Results (or an error, or a search in flight) replace the inbox list. */
  get active(): boolean {
    return this.shownQuery !== null;
  }

  async run(query: string = this.query): Promise<void> {
    const q = query.trim();
    if (q === '') {
      this.clear();
      return;
    }
    const gen = ++this.#generation;
    this.query = query;
    this.shownQuery = q;
    this.loading = true;
    this.error = null;
    try {
      const full = this.scope === '' ? q : `${q} ${this.scope}`;
      const hits = await this.#backend.search(full, SEARCH_LIMIT);
      if (gen !== this.#generation) return;
      this.results = hits;
      this.selectedIndex = hits.length > 0 ? 0 : -1;
    } catch (err) {
      if (gen !== this.#generation) return;
      this.results = [];
      this.selectedIndex = -1;
      this.error = BackendError.from(err);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** Leaves search: empties the box and shows the inbox list again. */
  clear(): void {
    this.#generation++;
    this.query = '';
    this.shownQuery = null;
    this.results = [];
    this.error = null;
    this.loading = false;
    this.selectedIndex = -1;
  }

  move(delta: number): void {
    const n = this.results.length;
    if (n === 0) return;
    const from = this.selectedIndex < 0 ? (delta > 0 ? -1 : n) : this.selectedIndex;
    this.selectedIndex = Math.min(Math.max(from + delta, 0), n - 1);
  }

  select(index: number): void {
    if (index >= 0 && index < this.results.length) this.selectedIndex = index;
  }
}
