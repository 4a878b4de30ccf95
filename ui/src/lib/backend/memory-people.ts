import type {
  Account,
  Advocate,
  BusinessHours,
  Contact,
  ContactFilter,
  ContactHandle,
  ContactPanel,
  ConversationDetail,
  ConversationSummary,
  Figures,
  Person,
  Report,
  ReportQuery,
  SavedExport,
  ScopeFigures,
  Suggestion,
  TagCount,
  Timeline,
  TrendPoint,
} from '../types';
import { BackendError } from './backend';
import type { ContactsBackend } from './people';

/** What the contacts part of the memory backend needs from the rest of it. */
export interface PeopleHost {
  conversations(): ConversationDetail[];
  /** Rejects with `not_found` for an unknown id. */
  conversation(id: number): ConversationDetail;
  accounts(): Account[];
  now(): number;
  delay(): Promise<void>;
}

/** A contact the memory workspace starts with: handles by network. */
export interface MemoryContactSeed {
  name: string;
  tags?: string[];
  notes?: string;
  handles: { network: string; handle: string }[];
}

/** The core's `TIMELINE_PAGE`, `MAX_TIMELINE_PAGE` and `TOP_ADVOCATES`. */
export const TIMELINE_PAGE = 30;
const MAX_TIMELINE_PAGE = 200;
const TOP_ADVOCATES = 10;
const DAY_MS = 86_400_000;
const POSITIVE = 0.05;
const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

interface StoredContact {
  id: number;
  name: string;
  notes: string;
  tags: Set<string>;
  createdAt: number;
}

function invalid(message: string): BackendError {
  return new BackendError(null, message);
}

function notFound(what: string, id: number): BackendError {
  return new BackendError('not_found', `${what} ${id} does not exist`);
}

function authorKey(network: string, handle: string): string {
  return `${network}:${handle.replace(/^@/, '').toLowerCase()}`;
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** Same rules as the core's contact tags. */
function normaliseTag(tag: string): string {
  const t = tag.trim().replace(/^#+/, '').toLowerCase().replace(/\s/g, '-');
  if (t.length === 0 || [...t].length > 64) throw invalid(`'${tag}' is not a usable tag (1–64 characters)`);
  return t;
}

/** The part of a handle that names the person (the core's `handle_stem`). */
function handleStem(network: string, handle: string): string | null {
  let h = handle.trim().replace(/^@/, '').toLowerCase().replace(/^\/?u\//, '');
  if (h.includes('@')) h = h.split('@')[0] ?? '';
  else if (network === 'bluesky') h = h.endsWith('.bsky.social') ? h.slice(0, -12) : (h.split('.')[0] ?? '');
  const stem = [...h].filter((c) => /[\p{L}\p{N}]/u.test(c)).join('');
  return [...stem].length >= 3 ? stem : null;
}

/** Rank-interpolated percentile, like a spreadsheet's `PERCENTILE.INC` (the core's). */
export function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return Math.round(a + (b - a) * (rank - lo));
}

function compareTimeline(a: ConversationSummary, b: ConversationSummary): number {
  return b.lastActivityAt - a.lastActivityAt || b.id - a.id;
}

/**
 * Contacts and reports over the memory backend's conversations, with the
 * core's rules for linking, splitting, suggestions and the report's figures
 * (counted around the clock: business hours are kept but not applied).
 * `MemoryBackend` extends it and supplies the host.
 */
export abstract class MemoryPeople implements ContactsBackend {
  /** Every export asked for, oldest first (for tests). */
  readonly exports: { kind: 'csv' | 'html'; query: ReportQuery; title?: string }[] = [];
  /** Every path {@link revealExport} was asked to show (for tests). */
  readonly revealed: string[] = [];

  readonly #authorIds = new Map<string, number>();
  readonly #authors = new Map<number, ContactHandle>();
  readonly #contacts = new Map<number, StoredContact>();
  readonly #dismissed = new Set<string>();
  #seeds: MemoryContactSeed[];
  #contactSeq = 0;
  #hours: BusinessHours | null = null;

  protected abstract peopleHost(): PeopleHost;

  constructor(seeds: MemoryContactSeed[] = []) {
    this.#seeds = structuredClone(seeds);
  }

  /** Registers every author seen in the conversations (ids in order of appearance), then the seeds. */
  #sync(): void {
    for (const { items } of this.peopleHost().conversations()) {
      for (const item of items) {
        if (item.fromUs) continue;
        const key = authorKey(item.network, item.author.handle);
        if (this.#authorIds.has(key)) continue;
        const id = this.#authorIds.size + 1;
        this.#authorIds.set(key, id);
        this.#authors.set(id, {
          authorId: id,
          network: item.network,
          handle: item.author.handle,
          name: item.author.name,
          url: item.author.url,
          followers: item.author.followers,
          contactId: null,
        });
      }
    }
    const seeds = this.#seeds;
    this.#seeds = [];
    for (const seed of seeds) {
      const ids = seed.handles
        .map((h) => this.#authorIds.get(authorKey(h.network, h.handle)))
        .filter((id): id is number => id !== undefined);
      if (ids.length === 0) continue;
      const contact = this.#newContact(seed.name);
      contact.notes = seed.notes ?? '';
      for (const t of seed.tags ?? []) contact.tags.add(normaliseTag(t));
      for (const id of ids) this.#handle(id).contactId = contact.id;
    }
  }

  #handle(authorId: number): ContactHandle {
    const h = this.#authors.get(authorId);
    if (!h) throw notFound('author', authorId);
    return h;
  }

  #newContact(name: string): StoredContact {
    const contact: StoredContact = {
      id: ++this.#contactSeq,
      name: name.trim(),
      notes: '',
      tags: new Set(),
      createdAt: this.peopleHost().now(),
    };
    this.#contacts.set(contact.id, contact);
    return contact;
  }

  #stored(id: number): StoredContact {
    const c = this.#contacts.get(id);
    if (!c) throw notFound('contact', id);
    return c;
  }

  #handlesOf(contactId: number): ContactHandle[] {
    return [...this.#authors.values()]
      .filter((h) => h.contactId === contactId)
      .sort((a, b) => a.network.localeCompare(b.network) || a.handle.localeCompare(b.handle));
  }

  #view(id: number): Contact {
    const c = this.#stored(id);
    return structuredClone({
      id: c.id,
      name: c.name,
      notes: c.notes,
      tags: [...c.tags].sort(),
      handles: this.#handlesOf(c.id),
      createdAt: c.createdAt,
    });
  }

  #authorIdsOf(person: Person): number[] {
    if (person.kind === 'author') return [this.#handle(person.id).authorId];
    this.#stored(person.id);
    return this.#handlesOf(person.id).map((h) => h.authorId);
  }

  /** The contact for a person, made (named after them) for an author without one. */
  #contactFor(person: Person): StoredContact {
    if (person.kind === 'contact') return this.#stored(person.id);
    const h = this.#handle(person.id);
    if (h.contactId !== null) return this.#stored(h.contactId);
    const contact = this.#newContact(h.name?.trim() || h.handle);
    h.contactId = contact.id;
    return contact;
  }

  /** The conversation's person: the writer of its newest item not by us. */
  #conversationAuthor(conversationId: number): number {
    const detail = this.peopleHost().conversation(conversationId);
    const theirs = detail.items.filter((i) => !i.fromUs).sort((a, b) => b.createdAt - a.createdAt)[0];
    const key = theirs
      ? authorKey(theirs.network, theirs.author.handle)
      : authorKey(detail.conversation.network, detail.conversation.author.handle);
    const id = this.#authorIds.get(key);
    if (id === undefined) throw invalid(`conversation ${conversationId} has no author`);
    return id;
  }

  #timeline(authorIds: number[], cursor: string | null | undefined, limit: number | null | undefined): Timeline {
    const n = Math.min(Math.max(Math.trunc(limit ?? TIMELINE_PAGE), 1), MAX_TIMELINE_PAGE);
    const keys = new Set(authorIds.map((id) => this.#handle(id)).map((h) => authorKey(h.network, h.handle)));
    const all = this.peopleHost()
      .conversations()
      .filter((d) => d.items.some((i) => !i.fromUs && keys.has(authorKey(i.network, i.author.handle))))
      .map((d) => d.conversation)
      .sort(compareTimeline);
    const start = cursor ? Number(cursor) : 0;
    if (!Number.isInteger(start) || start < 0) throw invalid(`'${cursor}' is not a timeline cursor`);
    const page = all.slice(start, start + n);
    return {
      conversations: structuredClone(page),
      nextCursor: start + n < all.length ? String(start + n) : null,
    };
  }

  async contactPanel(conversationId: number): Promise<ContactPanel> {
    await this.peopleHost().delay();
    this.#sync();
    const author = this.#handle(this.#conversationAuthor(conversationId));
    const contact = author.contactId === null ? null : this.#view(author.contactId);
    const ids = contact ? contact.handles.map((h) => h.authorId) : [author.authorId];
    return { author: structuredClone(author), contact, timeline: this.#timeline(ids, null, null) };
  }

  async contactsList(filter: ContactFilter): Promise<Contact[]> {
    await this.peopleHost().delay();
    this.#sync();
    const tag = filter.tag ? normaliseTag(filter.tag) : null;
    const text = filter.text?.trim().toLowerCase() || null;
    return [...this.#contacts.keys()]
      .map((id) => this.#view(id))
      .filter((c) => tag === null || c.tags.includes(tag))
      .filter(
        (c) =>
          text === null ||
          c.name.toLowerCase().includes(text) ||
          c.notes.toLowerCase().includes(text) ||
          c.handles.some((h) => h.handle.toLowerCase().includes(text) || (h.name ?? '').toLowerCase().includes(text)),
      )
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id);
  }

  async contactGet(id: number): Promise<Contact> {
    await this.peopleHost().delay();
    this.#sync();
    return this.#view(id);
  }

  async contactTimeline(person: Person, cursor?: string | null, limit?: number | null): Promise<Timeline> {
    await this.peopleHost().delay();
    this.#sync();
    return this.#timeline(this.#authorIdsOf(person), cursor, limit);
  }

  async contactSuggestions(authorId?: number | null): Promise<Suggestion[]> {
    await this.peopleHost().delay();
    this.#sync();
    const groups = new Map<string, { kind: number; label: string; ids: number[] }>();
    const add = (kind: number, key: string, label: string, id: number) => {
      const k = `${kind}:${key}`;
      const g = groups.get(k) ?? { kind, label, ids: [] };
      g.ids.push(id);
      groups.set(k, g);
    };
    for (const h of this.#authors.values()) {
      const stem = handleStem(h.network, h.handle);
      if (stem) add(0, stem, stem, h.authorId);
      const name = h.name?.trim();
      if (name) add(1, name.toLowerCase(), name, h.authorId);
    }
    const reasons = new Map<string, string[]>();
    for (const g of groups.values()) {
      if (g.ids.length < 2 || g.ids.length > 6) continue;
      for (const [i, a] of g.ids.entries()) {
        for (const b of g.ids.slice(i + 1)) {
          const ha = this.#handle(a);
          const hb = this.#handle(b);
          if (ha.contactId !== null && ha.contactId === hb.contactId) continue;
          if (this.#dismissed.has(pairKey(a, b))) continue;
          if (authorId != null && a !== authorId && b !== authorId) continue;
          const why =
            g.kind === 0 ? `same handle '${g.label}' (${ha.network} and ${hb.network})` : `same display name '${g.label}'`;
          const key = pairKey(a, b);
          reasons.set(key, [...(reasons.get(key) ?? []), why]);
        }
      }
    }
    return [...reasons]
      .map(([key, why]) => {
        const [a, b] = key.split('-').map(Number) as [number, number];
        return { a: structuredClone(this.#handle(a)), b: structuredClone(this.#handle(b)), reasons: why };
      })
      .sort((x, y) => y.reasons.length - x.reasons.length || x.a.authorId - y.a.authorId || x.b.authorId - y.b.authorId);
  }

  async contactTags(): Promise<string[]> {
    await this.peopleHost().delay();
    const counts = new Map<string, number>();
    for (const c of this.#contacts.values()) for (const t of c.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t);
  }

  async contactsLink(people: Person[]): Promise<Contact> {
    await this.peopleHost().delay();
    this.#sync();
    if (people.length < 2) throw invalid('linking needs at least two people');
    const contactIds = new Set<number>();
    for (const p of people) {
      if (p.kind === 'contact') contactIds.add(this.#stored(p.id).id);
      else {
        const h = this.#handle(p.id);
        if (h.contactId !== null) contactIds.add(h.contactId);
      }
    }
    const keep = contactIds.size > 0 ? this.#stored(Math.min(...contactIds)) : this.#contactFor(people[0]!);
    for (const id of contactIds) {
      if (id === keep.id) continue;
      const from = this.#stored(id);
      for (const h of this.#handlesOf(id)) h.contactId = keep.id;
      for (const t of from.tags) keep.tags.add(t);
      if (from.notes.trim()) keep.notes = keep.notes.trim() ? `${keep.notes.trimEnd()}\n\n${from.notes.trim()}` : from.notes;
      this.#contacts.delete(id);
    }
    for (const p of people) if (p.kind === 'author') this.#handle(p.id).contactId = keep.id;
    return this.#view(keep.id);
  }

  async contactSplit(authorId: number): Promise<Contact> {
    await this.peopleHost().delay();
    this.#sync();
    const h = this.#handle(authorId);
    if (h.contactId === null) throw invalid(`${h.handle} on ${h.network} is not linked to a contact`);
    const contact = h.contactId;
    const others = this.#handlesOf(contact).filter((o) => o.authorId !== authorId);
    if (others.length === 0) throw invalid(`${h.handle} is the only handle of its contact; delete the contact instead`);
    h.contactId = null;
    for (const o of others) this.#dismissed.add(pairKey(authorId, o.authorId));
    return this.#view(contact);
  }

  async contactTag(person: Person, add: string[], remove: string[]): Promise<Contact> {
    await this.peopleHost().delay();
    this.#sync();
    const adding = add.map(normaliseTag);
    const removing = remove.map(normaliseTag);
    const c = this.#contactFor(person);
    for (const t of adding) c.tags.add(t);
    for (const t of removing) c.tags.delete(t);
    return this.#view(c.id);
  }

  async contactSetNotes(person: Person, notes: string): Promise<Contact> {
    await this.peopleHost().delay();
    this.#sync();
    const c = this.#contactFor(person);
    c.notes = notes;
    return this.#view(c.id);
  }

  async contactRename(person: Person, name: string): Promise<Contact> {
    await this.peopleHost().delay();
    this.#sync();
    const clean = name.trim();
    if (!clean || [...clean].length > 200) throw invalid('a contact needs a name of 1–200 characters');
    const c = this.#contactFor(person);
    c.name = clean;
    return this.#view(c.id);
  }

  async contactOf(person: Person): Promise<Contact> {
    await this.peopleHost().delay();
    this.#sync();
    return this.#view(this.#contactFor(person).id);
  }

  async contactDelete(id: number): Promise<void> {
    await this.peopleHost().delay();
    this.#stored(id);
    for (const h of this.#handlesOf(id)) h.contactId = null;
    this.#contacts.delete(id);
  }

  async contactDismiss(a: number, b: number): Promise<void> {
    await this.peopleHost().delay();
    this.#dismissed.add(pairKey(a, b));
  }

  async businessHours(): Promise<BusinessHours | null> {
    await this.peopleHost().delay();
    return structuredClone(this.#hours);
  }

  async setBusinessHours(hours: BusinessHours | null): Promise<void> {
    await this.peopleHost().delay();
    if (hours && (hours.days.length === 0 || hours.endMinute <= hours.startMinute || hours.endMinute > 1440)) {
      throw invalid('the working day must end after it starts, by 24:00');
    }
    this.#hours = structuredClone(hours);
  }

  /** The core's `BusinessHours::parse`, for `Mon-Fri 09:00-17:00 +01:00`. */
  async parseBusinessHours(text: string): Promise<BusinessHours> {
    await this.peopleHost().delay();
    const bad = (why: string) =>
      invalid(`'${text}' is not business hours (${why}): write them like 'Mon-Fri 09:00-17:00 +01:00'`);
    const parts = text.trim().split(/\s+/);
    if (parts.length < 2 || parts.length > 3) throw bad('days, hours and an optional UTC offset');
    const day = (name: string) => {
      const i = DAY_NAMES.findIndex((d) => name.trim().toLowerCase().startsWith(d));
      if (i < 0) throw bad('unknown day');
      return i + 1;
    };
    const days = new Set<number>();
    for (const piece of parts[0]!.split(',')) {
      const [a, b] = piece.split('-');
      if (b === undefined) {
        days.add(day(a!));
        continue;
      }
      const end = day(b);
      for (let d = day(a!); ; d = (d % 7) + 1) {
        days.add(d);
        if (d === end) break;
      }
    }
    const minute = (t: string) => {
      const m = /^(\d{1,2}):(\d{2})$/.exec(t);
      if (!m) throw bad('hours as HH:MM');
      const v = Number(m[1]) * 60 + Number(m[2]);
      if (Number(m[1]) > 24 || Number(m[2]) > 59 || v > 1440) throw bad('no such time');
      return v;
    };
    const [start, end] = parts[1]!.split('-');
    if (end === undefined) throw bad('hours as 09:00-17:00');
    const startMinute = minute(start!);
    const endMinute = minute(end);
    if (endMinute <= startMinute) throw bad('the day must end after it starts');
    let utcOffsetMinutes = 0;
    if (parts[2]) {
      const m = /^(?:UTC)?([+\-−])(\d{1,2})(?::(\d{2}))?$/.exec(parts[2]);
      if (!m) throw bad('an offset like +01:00');
      utcOffsetMinutes = (m[1] === '+' ? 1 : -1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
    }
    return { utcOffsetMinutes, days: [...days].sort((a, b) => a - b), startMinute, endMinute };
  }

  async reportBuild(query: ReportQuery): Promise<Report> {
    await this.peopleHost().delay();
    this.#sync();
    return this.#report(query);
  }

  async reportExportCsv(query: ReportQuery): Promise<SavedExport> {
    await this.peopleHost().delay();
    this.#report(query);
    this.exports.push({ kind: 'csv', query: structuredClone(query) });
    const path = `~/Downloads/${exportName(query)}`;
    const files = ['summary', 'sentiment', 'tags', 'advocates', 'conversations'].map((f) => `${path}/${f}.csv`);
    return { path, folder: '~/Downloads', files };
  }

  async reportExportHtml(query: ReportQuery, title: string): Promise<SavedExport> {
    await this.peopleHost().delay();
    this.#report(query);
    this.exports.push({ kind: 'html', query: structuredClone(query), title });
    const path = `~/Downloads/${exportName(query)}.html`;
    return { path, folder: '~/Downloads', files: [path] };
  }

  async revealExport(path: string): Promise<void> {
    await this.peopleHost().delay();
    this.revealed.push(path);
  }

  #report(q: ReportQuery): Report {
    if (q.to <= q.from) throw invalid("a report's period must end after it starts");
    const host = this.peopleHost();
    const length = q.to - q.from;
    const accounts = host.accounts();
    const accountHandle = q.accountId == null ? null : (accounts.find((a) => a.id === q.accountId)?.handle ?? '');
    const inScope = host
      .conversations()
      .filter((d) => (q.network == null || d.conversation.network === q.network))
      .filter((d) => accountHandle === null || d.conversation.accountHandle === accountHandle);
    const scope = (kind: ScopeFigures['kind'], label: string, accountId: number | null, list: ConversationDetail[]): ScopeFigures => ({
      kind,
      label,
      accountId,
      current: figures(list, q.from, q.to),
      previous: figures(list, q.from - length, q.from),
    });
    const networks = [...new Set(inScope.map((d) => d.conversation.network))].sort();
    const byAccount = accounts
      .filter((a) => inScope.some((d) => d.conversation.accountHandle === a.handle))
      .map((a) => scope('account', `${a.network} ${a.handle}`, a.id, inScope.filter((d) => d.conversation.accountHandle === a.handle)));
    const hours = q.aroundTheClock ? null : (q.businessHours ?? this.#hours);
    return {
      from: q.from,
      to: q.to,
      previousFrom: q.from - length,
      previousTo: q.from,
      accountId: q.accountId ?? null,
      network: q.network ?? null,
      businessHours: structuredClone(hours),
      overall: scope('overall', 'all', null, inScope),
      byNetwork: networks.map((n) => scope('network', n, null, inScope.filter((d) => d.conversation.network === n))),
      byAccount,
      sentimentTrend: trend(inScope, q.from, q.to),
      tags: tagCounts(inScope, q.from, q.to),
      advocates: this.#advocates(inScope, q.from, q.to),
      shareOfVoice: null,
      generatedAt: host.now(),
    };
  }

  #advocates(list: ConversationDetail[], from: number, to: number): Advocate[] {
    const praise = new Map<string, number>();
    for (const { items } of list) {
      for (const i of items) {
        if (i.fromUs || i.createdAt < from || i.createdAt >= to || (i.sentiment ?? 0) < POSITIVE) continue;
        const key = authorKey(i.network, i.author.handle);
        praise.set(key, (praise.get(key) ?? 0) + 1);
      }
    }
    const byPerson = new Map<string, Advocate>();
    for (const [key, n] of praise) {
      const id = this.#authorIds.get(key);
      if (id === undefined) continue;
      const h = this.#handle(id);
      const contact = h.contactId === null ? null : this.#stored(h.contactId);
      const pk = contact ? `c${contact.id}` : `a${id}`;
      const a = byPerson.get(pk) ?? {
        person: contact ? { kind: 'contact' as const, id: contact.id } : { kind: 'author' as const, id },
        name: contact?.name ?? h.name ?? h.handle,
        handles: [],
        tags: contact ? [...contact.tags].sort() : [],
        praise: 0,
        answers: 0,
        shares: 0,
        score: 0,
        reasons: [],
      };
      a.handles.push(`${h.network}:${h.handle}`);
      a.praise += n;
      a.score += n;
      a.reasons = [`${a.praise} positive ${a.praise === 1 ? 'post' : 'posts'}`];
      byPerson.set(pk, a);
    }
    return [...byPerson.values()]
      .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
      .slice(0, TOP_ADVOCATES);
  }
}

function exportName(q: ReportQuery): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return `earshot-report ${day(q.from)} to ${day(q.to - 1)}`;
}

/** The first incoming item of a conversation, and our first reply after it. */
function clocks(d: ConversationDetail): { first: number | null; reply: number | null } {
  const sorted = [...d.items].sort((a, b) => a.createdAt - b.createdAt);
  const first = sorted.find((i) => !i.fromUs)?.createdAt ?? null;
  const reply = first === null ? null : (sorted.find((i) => i.fromUs && i.createdAt >= first)?.createdAt ?? null);
  return { first, reply };
}

/** One period's figures, with the core's definitions (around the clock; no time to done). */
function figures(list: ConversationDetail[], from: number, to: number): Figures {
  const f: Figures = {
    received: 0,
    repliesSent: 0,
    conversations: 0,
    responded: 0,
    responseRate: null,
    firstResponseMedianMs: null,
    firstResponseP90Ms: null,
    done: 0,
    timeToDoneMedianMs: null,
    timeToDoneP90Ms: null,
    sentimentMean: null,
    positive: 0,
    neutral: 0,
    negative: 0,
  };
  let sum = 0;
  let scored = 0;
  const waits: number[] = [];
  for (const d of list) {
    for (const i of d.items) {
      if (i.createdAt < from || i.createdAt >= to) continue;
      if (i.fromUs) {
        f.repliesSent++;
        continue;
      }
      f.received++;
      if (i.sentiment === null) continue;
      sum += i.sentiment;
      scored++;
      if (i.sentiment >= POSITIVE) f.positive++;
      else if (i.sentiment <= -POSITIVE) f.negative++;
      else f.neutral++;
    }
    const { first, reply } = clocks(d);
    if (first === null || first < from || first >= to) continue;
    f.conversations++;
    if (d.conversation.state === 'done') f.done++;
    if (reply !== null) {
      f.responded++;
      waits.push(reply - first);
    }
  }
  waits.sort((a, b) => a - b);
  f.responseRate = f.conversations > 0 ? f.responded / f.conversations : null;
  f.firstResponseMedianMs = percentile(waits, 0.5);
  f.firstResponseP90Ms = percentile(waits, 0.9);
  f.sentimentMean = scored > 0 ? sum / scored : null;
  return f;
}

function trend(list: ConversationDetail[], from: number, to: number): TrendPoint[] {
  const step = to - from > 92 * DAY_MS ? 7 * DAY_MS : DAY_MS;
  const start = Math.floor(from / DAY_MS) * DAY_MS;
  const points: (TrendPoint & { sum: number; scored: number })[] = [];
  for (let t = start; t < to; t += step) {
    points.push({ start: t, items: 0, positive: 0, neutral: 0, negative: 0, mean: null, sum: 0, scored: 0 });
  }
  for (const { items } of list) {
    for (const i of items) {
      if (i.fromUs || i.createdAt < from || i.createdAt >= to) continue;
      const p = points[Math.floor((i.createdAt - start) / step)];
      if (!p) continue;
      p.items++;
      if (i.sentiment === null) continue;
      p.sum += i.sentiment;
      p.scored++;
      if (i.sentiment >= POSITIVE) p.positive++;
      else if (i.sentiment <= -POSITIVE) p.negative++;
      else p.neutral++;
    }
  }
  return points.map(({ sum, scored, ...p }) => ({ ...p, mean: scored > 0 ? sum / scored : null }));
}

function tagCounts(list: ConversationDetail[], from: number, to: number): TagCount[] {
  const counts = new Map<string, TagCount>();
  const length = to - from;
  for (const d of list) {
    const { first } = clocks(d);
    if (first === null) continue;
    const current = first >= from && first < to;
    const previous = first >= from - length && first < from;
    if (!current && !previous) continue;
    for (const tag of d.conversation.tags) {
      const c = counts.get(tag) ?? { tag, current: 0, previous: 0 };
      if (current) c.current++;
      else c.previous++;
      counts.set(tag, c);
    }
  }
  return [...counts.values()].sort((a, b) => b.current - a.current || a.tag.localeCompare(b.tag));
}
