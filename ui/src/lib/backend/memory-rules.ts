import type { ConversationDetail, ItemView, Rule, Trial } from '../types';
import { BackendError } from './backend';
import { blankRule } from './rules';

/** What the rules part of the memory backend needs from the rest of it. */
export interface RulesHost {
  conversations(): ConversationDetail[];
  now(): number;
}

/** A few of the core's `RISK_WORDS`, enough for the in-memory trial. */
const RISK_WORDS = ['refund', 'cancel', 'broken', 'lawsuit', 'outage', 'scam', 'charged'];

function rule(name: string, edit: (r: Rule) => void): Rule {
  const r = blankRule();
  r.name = name;
  r.builtin = true;
  edit(r);
  return r;
}

/** The core's three default rules (`rules::defaults`). */
export function defaultRules(): Rule[] {
  return [
    rule('Negative direct messages', (r) => {
      r.conditions.kinds = ['dm'];
      r.conditions.sentimentBelow = -0.3;
      r.actions.urgent = true;
      r.actions.tags = ['upset'];
    }),
    rule('Mentions with risk words', (r) => {
      r.conditions.kinds = ['mention', 'reply', 'dm'];
      r.conditions.riskWords = true;
      r.actions.urgent = true;
      r.actions.tags = ['risk'];
    }),
    rule('High-reach authors', (r) => {
      r.conditions.kinds = ['mention', 'reply'];
      r.conditions.minFollowers = 10_000;
      r.actions.priority = 2;
      r.actions.tags = ['high-reach'];
    }),
  ];
}

/** Why `rule` fires on `item`, or null; a small subset of the core's matcher. */
function fires(rule: Rule, item: ItemView, network: string): string | null {
  const c = rule.conditions;
  const why: string[] = [];
  const text = item.text.toLowerCase();
  if (c.kinds.length > 0) {
    if (!c.kinds.includes(item.kind)) return null;
    why.push(item.kind === 'dm' ? 'a direct message' : `a ${item.kind}`);
  }
  if (c.networks.length > 0 && !c.networks.includes(network)) return null;
  if (c.query) {
    const words = c.query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.every((w) => text.includes(w.replace(/"/g, '')))) return null;
    why.push(`“${c.query}”`);
  }
  if (c.sentimentBelow != null) {
    if (item.sentiment === null || item.sentiment > c.sentimentBelow) return null;
    why.push(`negative sentiment ${item.sentiment.toFixed(2).replace('-', '−')}`);
  }
  if (c.sentimentAbove != null) {
    if (item.sentiment === null || item.sentiment < c.sentimentAbove) return null;
    why.push(`positive sentiment ${item.sentiment.toFixed(2)}`);
  }
  if (c.minFollowers != null) {
    if ((item.author.followers ?? 0) < c.minFollowers) return null;
    why.push(`${item.author.followers} followers`);
  }
  if (c.riskWords) {
    const found = RISK_WORDS.filter((w) => text.includes(w));
    if (found.length === 0) return null;
    why.push(found.map((w) => `'${w}'`).join(', '));
  }
  if (c.languages.length > 0 && !c.languages.includes(item.lang ?? '')) return null;
  if (c.question === true && !text.includes('?')) return null;
  const action = rule.actions.urgent ? 'urgent' : rule.actions.mute ? 'muted' : 'matched';
  return `${action}: ${why.join(' and ') || 'every item'}`;
}

/** Rules as the {@link MemoryBackend} keeps them: the core's defaults, editable. */
export class MemoryRules {
  readonly #host: RulesHost;
  #rules: Rule[];
  #nextId = 1;
  readonly #reasons = new Map<number, string[]>();
  readonly #openListeners = new Set<(id: number) => void>();

  constructor(host: RulesHost, reasons: Record<number, string[]> = {}) {
    this.#host = host;
    this.#rules = defaultRules().map((r, i) => ({ ...r, id: this.#nextId++, position: i }));
    for (const [id, list] of Object.entries(reasons)) this.#reasons.set(Number(id), [...list]);
  }

  list(): Rule[] {
    return structuredClone(this.#rules);
  }

  save(r: Rule): Rule {
    if (r.name.trim() === '') throw new BackendError(null, 'a rule needs a name');
    if (r.conditions.query != null && (r.conditions.query.match(/"/g)?.length ?? 0) % 2 === 1) {
      throw new BackendError(null, `the query does not parse at ${r.conditions.query.lastIndexOf('"')}: a phrase is not closed`);
    }
    const clean: Rule = structuredClone({ ...r, name: r.name.trim() });
    const at = this.#rules.findIndex((x) => x.id === r.id);
    if (r.id > 0 && at < 0) throw new BackendError('not_found', `rule ${r.id} does not exist`);
    if (at >= 0) {
      clean.position = this.#rules[at]!.position;
      this.#rules[at] = clean;
    } else {
      clean.id = this.#nextId++;
      clean.position = this.#rules.length;
      this.#rules.push(clean);
    }
    return structuredClone(clean);
  }

  delete(id: number): void {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    if (this.#rules.length === before) throw new BackendError('not_found', `rule ${id} does not exist`);
  }

  reorder(ids: number[]): void {
    const named = ids.map((id) => this.#rules.find((r) => r.id === id)).filter((r): r is Rule => !!r);
    const rest = this.#rules.filter((r) => !ids.includes(r.id));
    this.#rules = [...named, ...rest].map((r, position) => ({ ...r, position }));
  }

  trial(r: Rule, days: number): Trial {
    const since = this.#host.now() - days * 86_400_000;
    const trial: Trial = { items: 0, conversations: 0, hits: [] };
    const seen = new Set<number>();
    const items = this.#host
      .conversations()
      .flatMap((d) => d.items.filter((i) => !i.fromUs && i.createdAt >= since).map((i) => ({ d, i })))
      .sort((a, b) => b.i.createdAt - a.i.createdAt);
    for (const { d, i } of items) {
      trial.items += 1;
      const reason = fires(r, i, d.conversation.network);
      if (reason === null) continue;
      seen.add(d.conversation.id);
      if (trial.hits.length < 50) trial.hits.push({ conversationId: d.conversation.id, itemId: i.id, reason });
    }
    trial.conversations = seen.size;
    return trial;
  }

  /** Each reason once, as the core's `rules::reasons`. */
  reasons(conversationId: number): string[] {
    return [...new Set(this.#reasons.get(conversationId) ?? [])];
  }

  onOpen(handler: (id: number) => void): () => void {
    this.#openListeners.add(handler);
    return () => this.#openListeners.delete(handler);
  }

  /** As a notification's "Open" would (tests, demo). */
  open(conversationId: number): void {
    for (const listener of [...this.#openListeners]) listener(conversationId);
  }
}
