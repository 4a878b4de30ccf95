import type {
  AuthorStat,
  Bucket,
  Dashboard,
  DashboardRequest,
  ItemView,
  KeyCount,
  ListeningPanel,
  ListeningQuery,
  PanelKind,
  PollReport,
  QueryError,
  QueryInput,
  RunProgress,
  RunReport,
  SavedExport,
  SentimentPoint,
  Source,
  SourceInput,
  Spike,
  VolumePoint,
} from '../types';
import { BackendError } from './backend';
import type { ListeningBackend } from './listening';
import { MemoryPeople, type MemoryContactSeed } from './memory-people';
import { isQueryError, matchesItem, parseQuery, words, type Node } from './memory-query';

/** What the memory workspace starts with for listening. */
export interface MemoryListeningSeed {
  queries?: { name: string; query: string; enabled?: boolean }[];
  sources?: SourceInput[];
}

/** A panel exported by {@link MemoryListening.listeningExportCsv} (for tests). */
export interface MemoryExport {
  kind: PanelKind;
  queryId: number | null;
  request: DashboardRequest;
  path: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BUCKET_MS: Record<Bucket, number> = { hour: HOUR, day: DAY, week: 7 * DAY };
const NEGATIVE_BELOW = -0.05;
/** The core's spike rule: mean + 3σ of the 168 hours before, and at least 5 hits. */
const BASELINE_HOURS = 168;
const MIN_SPIKE_HITS = 5;
const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have i in is it its of on or our so that the their this to was we were with you your my me not no'.split(' '),
);

interface Hit {
  item: ItemView;
  conversationId: number;
}

function invalid(message: string): BackendError {
  return new BackendError(null, message);
}

/** The start of the bucket holding `t`, at the manager's UTC offset; weeks start on Monday. */
function bucketStart(bucket: Bucket, t: number, offsetMs: number): number {
  const ms = BUCKET_MS[bucket];
  const shift = offsetMs + (bucket === 'week' ? 3 * DAY : 0);
  return Math.floor((t + shift) / ms) * ms - shift;
}

function top(counts: Map<string, number>, n: number): KeyCount[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([key, count]) => ({ key, count }));
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/**
 * The listening part of the memory backend: queries matched over the memory
 * conversations with the core's query language, the dashboard's figures computed
 * the way the core computes them, and sources that are polled without a network.
 */
export abstract class MemoryListening extends MemoryPeople implements ListeningBackend {
  /** Panels exported, oldest first (for tests). */
  readonly listeningExports: MemoryExport[] = [];

  readonly #queries = new Map<number, ListeningQuery>();
  readonly #sources = new Map<number, Source>();
  readonly #progress = new Set<(p: RunProgress) => void>();
  #nextQuery = 1;
  #nextSource = 1;
  #spikeNotify = false;

  constructor(contacts: MemoryContactSeed[] = [], seed: MemoryListeningSeed = {}) {
    super(contacts);
    for (const q of seed.queries ?? []) {
      const id = this.#nextQuery++;
      this.#queries.set(id, { id, name: q.name, query: q.query, enabled: q.enabled ?? true, createdAt: 0, updatedAt: 0, hits: 0 });
    }
    for (const s of seed.sources ?? []) this.#storeSource(s, 0);
  }

  #hits(query: string): Hit[] {
    const node = parseQuery(query);
    if (isQueryError(node)) return [];
    return this.#match(node);
  }

  #match(node: Node): Hit[] {
    const out: Hit[] = [];
    for (const d of this.peopleHost().conversations()) {
      for (const item of d.items) {
        if (!item.fromUs && matchesItem(node, item)) out.push({ item, conversationId: d.conversation.id });
      }
    }
    return out;
  }

  #get(id: number): ListeningQuery {
    const q = this.#queries.get(id);
    if (!q) throw new BackendError('not_found', `listening query ${id} does not exist`);
    return { ...q, hits: this.#hits(q.query).length };
  }

  async listeningQueries(): Promise<ListeningQuery[]> {
    await this.peopleHost().delay();
    return [...this.#queries.keys()].map((id) => this.#get(id)).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  }

  async listeningCheck(text: string): Promise<QueryError | null> {
    const r = parseQuery(text);
    return isQueryError(r) ? r : null;
  }

  #validate(input: QueryInput): void {
    if (input.name.trim() === '') throw invalid('a listening query needs a name');
    const r = parseQuery(input.query);
    if (isQueryError(r)) throw new BackendError(null, `the query does not parse at ${r.position}: ${r.message}`);
  }

  async #run(id: number): Promise<RunReport> {
    const q = this.#get(id);
    const scanned = this.peopleHost().conversations().reduce((n, d) => n + d.items.length, 0);
    for (const handler of this.#progress) handler({ queryId: id, done: 0, total: scanned });
    await this.peopleHost().delay();
    for (const handler of this.#progress) handler({ queryId: id, done: scanned, total: scanned });
    return { queryId: id, scanned, hits: q.hits, usedIndex: false, elapsedMs: 0, writeMs: 0 };
  }

  async listeningAdd(input: QueryInput): Promise<[ListeningQuery, RunReport]> {
    this.#validate(input);
    const id = this.#nextQuery++;
    const now = this.peopleHost().now();
    this.#queries.set(id, { id, name: input.name.trim(), query: input.query.trim(), enabled: input.enabled, createdAt: now, updatedAt: now, hits: 0 });
    const report = await this.#run(id);
    return [this.#get(id), report];
  }

  async listeningEdit(id: number, input: QueryInput): Promise<[ListeningQuery, RunReport | null]> {
    this.#validate(input);
    const before = this.#get(id);
    this.#queries.set(id, { ...before, name: input.name.trim(), query: input.query.trim(), enabled: input.enabled, updatedAt: this.peopleHost().now() });
    const rerun = before.query !== input.query.trim() || (input.enabled && !before.enabled);
    const report = rerun ? await this.#run(id) : null;
    return [this.#get(id), report];
  }

  async listeningRun(id: number): Promise<RunReport> {
    return this.#run(id);
  }

  async listeningRemove(id: number): Promise<void> {
    await this.peopleHost().delay();
    if (!this.#queries.delete(id)) throw new BackendError('not_found', `listening query ${id} does not exist`);
  }

  async listeningSpikeNotify(): Promise<boolean> {
    await this.peopleHost().delay();
    return this.#spikeNotify;
  }

  async listeningSetSpikeNotify(on: boolean): Promise<void> {
    await this.peopleHost().delay();
    this.#spikeNotify = on;
  }

  async onListeningProgress(handler: (progress: RunProgress) => void): Promise<() => void> {
    this.#progress.add(handler);
    return () => this.#progress.delete(handler);
  }

  async listeningDashboard(req: DashboardRequest): Promise<Dashboard> {
    await this.peopleHost().delay();
    return this.#dashboard(req);
  }

  #dashboard(req: DashboardRequest): Dashboard {
    if (req.to <= req.from) throw invalid("the dashboard's range must end after it starts");
    const chosen =
      req.queryIds.length === 0
        ? [...this.#queries.values()].filter((q) => q.enabled).sort((a, b) => a.name.localeCompare(b.name))
        : req.queryIds.map((id) => this.#get(id));
    const all = chosen.map((q) => ({ q, hits: this.#hits(q.query) }));
    const panels = all.map(({ q, hits }) => this.#panel(req, q.id, q.name, hits, words(q.query)));
    if (all.length > 1) {
      const once = new Map<string, Hit>();
      for (const { hits } of all) for (const h of hits) once.set(h.item.id, h);
      panels.push(this.#panel(req, null, 'All queries', [...once.values()], all.flatMap(({ q }) => words(q.query))));
    }
    const inRange = panels.slice(0, all.length).map((p) => p.total);
    const sum = inRange.reduce((a, b) => a + b, 0);
    const now = this.peopleHost().now();
    return {
      from: req.from,
      to: req.to,
      bucket: req.bucket,
      panels,
      shareOfVoice: all.map(({ q }, i) => ({ queryId: q.id, name: q.name, hits: inRange[i] ?? 0, share: sum === 0 ? 0 : (inRange[i] ?? 0) / sum })),
      spikes: all.flatMap(({ q, hits }) => this.#spike(q, hits, now)),
    };
  }

  #spike(q: ListeningQuery, hits: Hit[], now: number): Spike[] {
    const windowStart = now - HOUR;
    const baseStart = windowStart - BASELINE_HOURS * HOUR;
    const hourly = new Array<number>(BASELINE_HOURS).fill(0);
    let last = 0;
    for (const { item } of hits) {
      const t = item.createdAt;
      if (t >= windowStart && t < now) last++;
      else if (t >= baseStart && t < windowStart) hourly[Math.floor((t - baseStart) / HOUR)]!++;
    }
    if (last < MIN_SPIKE_HITS) return [];
    const mean = hourly.reduce((a, b) => a + b, 0) / BASELINE_HOURS;
    const stddev = Math.sqrt(hourly.reduce((a, h) => a + (h - mean) ** 2, 0) / BASELINE_HOURS);
    const threshold = mean + 3 * stddev;
    return last > threshold ? [{ queryId: q.id, name: q.name, windowStart, windowEnd: now, hits: last, mean, stddev, threshold }] : [];
  }

  #panel(req: DashboardRequest, queryId: number | null, name: string, all: Hit[], own: string[]): ListeningPanel {
    const period = req.to - req.from;
    const offset = req.utcOffsetMinutes * 60_000;
    const size = BUCKET_MS[req.bucket];
    const hits = all.filter((h) => h.item.createdAt >= req.from && h.item.createdAt < req.to);
    const previous = all.filter((h) => h.item.createdAt >= req.from - period && h.item.createdAt < req.from);
    const volume: VolumePoint[] = [];
    const trend: SentimentPoint[] = [];
    for (let at = bucketStart(req.bucket, req.from, offset); at < req.to; at += size) {
      const inBucket = hits.filter((h) => h.item.createdAt >= at && h.item.createdAt < at + size);
      volume.push({
        at,
        hits: inBucket.length,
        previous: previous.filter((h) => h.item.createdAt >= at - period && h.item.createdAt < at - period + size).length,
      });
      const scored = inBucket.map((h) => h.item.sentiment).filter((s): s is number => s !== null);
      trend.push({
        at,
        negative: scored.filter((s) => s <= NEGATIVE_BELOW).length,
        neutral: scored.filter((s) => s > NEGATIVE_BELOW && s < -NEGATIVE_BELOW).length,
        positive: scored.filter((s) => s >= -NEGATIVE_BELOW).length,
        mean: scored.length === 0 ? null : scored.reduce((a, b) => a + b, 0) / scored.length,
      });
    }
    const authors = new Map<string, AuthorStat>();
    const terms = new Map<string, number>();
    const tags = new Map<string, number>();
    const networks = new Map<string, number>();
    const langs = new Map<string, number>();
    const skip = new Set(own);
    let id = 0;
    for (const { item } of hits) {
      const key = `${item.network}:${item.author.handle}`;
      const a = authors.get(key) ?? {
        authorId: ++id,
        network: item.network,
        handle: item.author.handle,
        displayName: item.author.name,
        followers: item.author.followers,
        hits: 0,
      };
      a.hits++;
      authors.set(key, a);
      for (const w of new Set(words(item.text))) if (w.length > 2 && !STOP_WORDS.has(w) && !skip.has(w)) bump(terms, w);
      for (const m of new Set(item.text.toLowerCase().match(/#[\p{L}\p{N}_]+/gu) ?? [])) bump(tags, m);
      bump(networks, item.network);
      bump(langs, item.lang ?? 'unknown');
    }
    const scored = hits.map((h) => h.item.sentiment);
    const newest = [...hits].sort((a, b) => b.item.createdAt - a.item.createdAt);
    return {
      queryId,
      name,
      total: hits.length,
      previousTotal: previous.length,
      volume,
      sentiment: {
        negative: scored.filter((s) => s !== null && s <= NEGATIVE_BELOW).length,
        neutral: scored.filter((s) => s !== null && s > NEGATIVE_BELOW && s < -NEGATIVE_BELOW).length,
        positive: scored.filter((s) => s !== null && s >= -NEGATIVE_BELOW).length,
        unknown: scored.filter((s) => s === null).length,
      },
      sentimentTrend: trend,
      topAuthors: [...authors.values()].sort((a, b) => b.hits - a.hits || a.handle.localeCompare(b.handle)).slice(0, req.top),
      topAuthorsByReach: [...authors.values()]
        .filter((a) => a.followers !== null)
        .sort((a, b) => (b.followers ?? 0) - (a.followers ?? 0))
        .slice(0, req.top),
      topTerms: top(terms, req.top),
      topHashtags: top(tags, req.top),
      termsSampled: Math.min(hits.length, 2000),
      networks: top(networks, req.top),
      languages: top(langs, req.top),
      latest: newest.slice(0, req.latest).map(({ item, conversationId }) => ({
        itemId: item.id,
        conversationId,
        network: item.network,
        authorHandle: item.author.handle,
        authorName: item.author.name,
        text: item.text.slice(0, 280),
        createdAt: item.createdAt,
        sentiment: item.sentiment,
        url: item.url,
      })),
    };
  }

  async listeningExportCsv(request: DashboardRequest, kind: PanelKind, queryId: number | null): Promise<SavedExport> {
    const dashboard = this.#dashboard(request);
    if (kind !== 'shareOfVoice' && !dashboard.panels.some((p) => p.queryId === queryId || dashboard.panels.length === 1)) {
      throw invalid('the dashboard has no such panel to export');
    }
    const name = queryId === null ? 'all queries' : this.#get(queryId).name;
    const path = `/memory/Downloads/earshot-listening ${name} ${kind}.csv`;
    this.listeningExports.push({ kind, queryId, request: structuredClone(request), path });
    return { path, folder: '/memory/Downloads', files: [path] };
  }

  #storeSource(input: SourceInput, now: number): Source {
    const target = input.target.trim();
    if (target === '') throw invalid('a source needs a feed URL or search terms');
    if (input.kind === 'feed' && !/^https?:\/\/\S+$/.test(target)) throw invalid(`${target} is not a feed URL (http:// or https://)`);
    const interval = input.intervalSecs ?? 900;
    if (interval < 60) throw invalid('a source is polled at most once a minute (interval ≥ 60 s)');
    const id = this.#nextSource++;
    const source: Source = {
      id,
      kind: input.kind,
      target,
      name: input.name ?? null,
      enabled: true,
      intervalSecs: interval,
      etag: null,
      lastModified: null,
      cursor: null,
      lastPolledAt: null,
      lastError: null,
      failures: 0,
      createdAt: now,
      items: 0,
      nextPollAt: 0,
    };
    this.#sources.set(id, source);
    return source;
  }

  async sourcesList(): Promise<Source[]> {
    await this.peopleHost().delay();
    return [...this.#sources.values()].map((s) => ({ ...s }));
  }

  async sourceAdd(input: SourceInput): Promise<Source> {
    await this.peopleHost().delay();
    return { ...this.#storeSource(input, this.peopleHost().now()) };
  }

  async sourceRemove(id: number): Promise<void> {
    await this.peopleHost().delay();
    if (!this.#sources.delete(id)) throw new BackendError('not_found', `source ${id} does not exist`);
  }

  /** Nothing to fetch in memory: a search needs a signed-in account of its network, a feed brings nothing new. */
  async sourcePoll(id: number): Promise<PollReport[]> {
    await this.peopleHost().delay();
    const s = this.#sources.get(id);
    if (!s) throw new BackendError('not_found', `source ${id} does not exist`);
    const network = s.kind === 'bluesky-search' ? 'bluesky' : s.kind === 'mastodon-search' ? 'mastodon' : null;
    const signedIn = network === null || this.peopleHost().accounts().some((a) => a.network === network);
    const error = signedIn ? null : `${network}: searching without a signed-in account (add one first)`;
    s.lastPolledAt = this.peopleHost().now();
    s.lastError = error;
    s.failures = error ? s.failures + 1 : 0;
    // In memory a source is simply due again one interval later; the core's
    // backoff after failures is the core's alone.
    s.nextPollAt = s.lastPolledAt + s.intervalSecs * 1000;
    return [{ sourceId: id, received: 0, inserted: 0, notModified: !error && s.kind === 'feed', error }];
  }
}
