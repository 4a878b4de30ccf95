import type { ItemView, QueryError } from '../types';

/**
 * The listening query language for the in-memory backend, with the core's rules
 * (crates/earshot-core/src/query.rs): terms side by side must all match (`AND` may
 * be written), `OR` binds tighter, `NOT` or `-` excludes, parentheses group, `"a
 * phrase"`, `down*` prefixes, `a NEAR/n b`, and the fields `author:`/`from:`,
 * `network:`, `lang:`, `has:link`, `is:reply`, `sentiment:`. Errors say where.
 */
export type Node =
  | { t: 'word'; word: string; prefix: boolean }
  | { t: 'phrase'; words: string[] }
  | { t: 'field'; name: string; value: string }
  | { t: 'near'; a: Node; b: Node; n: number }
  | { t: 'not'; node: Node }
  | { t: 'and'; nodes: Node[] }
  | { t: 'or'; nodes: Node[] };

interface Token {
  kind: 'word' | 'phrase' | 'open' | 'close' | 'and' | 'or' | 'not' | 'near';
  text: string;
  at: number;
  length: number;
  n?: number;
}

const FIELDS = new Set(['author', 'from', 'network', 'lang', 'has', 'is', 'sentiment', 'kind']);

class ParseError extends Error {
  constructor(readonly detail: QueryError) {
    super(detail.message);
  }
}

function fail(position: number, length: number, message: string): never {
  throw new ParseError({ position, length, message });
}

/** Lower-cased words, as the core splits them. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu) ?? [];
}

function tokens(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const chars = [...text];
  while (i < chars.length) {
    const c = chars[i]!;
    if (/\s/u.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'open' : 'close', text: c, at: i, length: 1 });
      i++;
    } else if (c === '"') {
      const end = chars.indexOf('"', i + 1);
      if (end < 0) fail(i, chars.length - i, 'this phrase is not closed: expected a closing "');
      out.push({ kind: 'phrase', text: chars.slice(i + 1, end).join(''), at: i, length: end - i + 1 });
      i = end + 1;
    } else if (c === '-' && out.length >= 0 && i + 1 < chars.length && !/\s/u.test(chars[i + 1]!)) {
      out.push({ kind: 'not', text: '-', at: i, length: 1 });
      i++;
    } else {
      let j = i;
      while (j < chars.length && !/[\s()"]/u.test(chars[j]!)) j++;
      const word = chars.slice(i, j).join('');
      const near = /^NEAR\/(\d+)$/.exec(word);
      if (word === 'AND' || word === 'OR' || word === 'NOT') {
        out.push({ kind: word.toLowerCase() as Token['kind'], text: word, at: i, length: j - i });
      } else if (near) {
        out.push({ kind: 'near', text: word, at: i, length: j - i, n: Number(near[1]) });
      } else if (word.startsWith('NEAR/')) {
        fail(i, j - i, 'expected a number of words after NEAR/, as in NEAR/3');
      } else {
        out.push({ kind: 'word', text: word, at: i, length: j - i });
      }
      i = j;
    }
  }
  return out;
}

class Parser {
  #i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly end: number,
  ) {}

  #peek(): Token | undefined {
    return this.toks[this.#i];
  }

  parse(): Node {
    if (this.toks.length === 0) fail(0, 0, 'the query is empty: expected a word, a "phrase" or a field');
    const node = this.#and();
    const rest = this.#peek();
    if (rest) fail(rest.at, rest.length, 'unexpected ): no ( opens it');
    return node;
  }

  #and(): Node {
    const nodes: Node[] = [];
    for (;;) {
      const t = this.#peek();
      if (!t || t.kind === 'close') break;
      if (t.kind === 'and') {
        if (nodes.length === 0) fail(t.at, t.length, 'expected a term before AND');
        this.#i++;
        if (!this.#peek() || this.#peek()!.kind === 'close') fail(this.#peek()?.at ?? this.end, 0, 'expected a term after AND');
        continue;
      }
      nodes.push(this.#or());
    }
    if (nodes.length === 0) fail(this.#peek()?.at ?? this.end, 0, 'expected a word, a "phrase" or a field');
    return nodes.length === 1 ? nodes[0]! : { t: 'and', nodes };
  }

  #or(): Node {
    const nodes = [this.#near()];
    while (this.#peek()?.kind === 'or') {
      this.#i++;
      nodes.push(this.#near());
    }
    return nodes.length === 1 ? nodes[0]! : { t: 'or', nodes };
  }

  #near(): Node {
    const a = this.#unary();
    const t = this.#peek();
    if (t?.kind !== 'near') return a;
    this.#i++;
    return { t: 'near', a, b: this.#unary(), n: t.n ?? 0 };
  }

  #unary(): Node {
    const t = this.#peek();
    if (!t) fail(this.end, 0, 'the query ends too soon: expected a word, a "phrase" or a field');
    this.#i++;
    switch (t.kind) {
      case 'not':
        return { t: 'not', node: this.#unary() };
      case 'open': {
        if (this.#peek()?.kind === 'close') fail(t.at, 2, 'empty parentheses: expected a term inside');
        const inner = this.#and();
        const close = this.#peek();
        if (close?.kind !== 'close') fail(t.at, 1, 'this ( is not closed: expected )');
        this.#i++;
        return inner;
      }
      case 'phrase': {
        const ws = words(t.text);
        if (ws.length === 0) fail(t.at, t.length, 'an empty phrase: expected words between the quotes');
        return { t: 'phrase', words: ws };
      }
      case 'word': {
        const colon = t.text.indexOf(':');
        if (colon > 0) {
          const name = t.text.slice(0, colon).toLowerCase();
          const value = t.text.slice(colon + 1).toLowerCase();
          if (!FIELDS.has(name)) fail(t.at, colon, `unknown field ${name}: expected author:, network:, lang:, has:link or is:reply`);
          if (value === '') fail(t.at + colon + 1, 0, `expected a value after ${name}:`);
          return { t: 'field', name: name === 'from' ? 'author' : name, value };
        }
        const prefix = t.text.endsWith('*');
        const ws = words(prefix ? t.text.slice(0, -1) : t.text);
        if (ws.length !== 1) {
          if (ws.length === 0) fail(t.at, t.length, 'expected a word here');
          return { t: 'phrase', words: ws };
        }
        return { t: 'word', word: ws[0]!, prefix };
      }
      default:
        return fail(t.at, t.length, `unexpected ${t.text}: expected a word, a "phrase" or a field`);
    }
  }
}

/** The query, or where it is wrong and what was expected. */
export function parseQuery(text: string): Node | QueryError {
  try {
    return new Parser(tokens(text), [...text].length).parse();
  } catch (err) {
    if (err instanceof ParseError) return err.detail;
    throw err;
  }
}

export function isQueryError(r: Node | QueryError): r is QueryError {
  return 'message' in r;
}

interface Doc {
  words: string[];
  item: ItemView;
}

function positions(doc: Doc, node: Node): number[] {
  if (node.t === 'word') {
    return doc.words.flatMap((w, i) => ((node.prefix ? w.startsWith(node.word) : w === node.word) ? [i] : []));
  }
  if (node.t === 'phrase') {
    return doc.words.flatMap((_, i) => (node.words.every((w, k) => doc.words[i + k] === w) ? [i] : []));
  }
  return matches(doc, node) ? [0] : [];
}

function matches(doc: Doc, node: Node): boolean {
  switch (node.t) {
    case 'word':
    case 'phrase':
      return positions(doc, node).length > 0;
    case 'near': {
      const a = positions(doc, node.a);
      const b = positions(doc, node.b);
      return a.some((i) => b.some((j) => Math.abs(i - j) <= node.n));
    }
    case 'not':
      return !matches(doc, node.node);
    case 'and':
      return node.nodes.every((n) => matches(doc, n));
    case 'or':
      return node.nodes.some((n) => matches(doc, n));
    case 'field': {
      const { item } = doc;
      const v = node.value;
      switch (node.name) {
        case 'author':
          return item.author.handle.replace(/^@/, '').toLowerCase().startsWith(v.replace(/^@/, ''));
        case 'network':
          return item.network === v;
        case 'lang':
          return (item.lang ?? '').toLowerCase().startsWith(v);
        case 'has':
          return v === 'link' && (item.url !== null || /https?:\/\//.test(item.text));
        case 'is':
          return v === 'reply' && item.parentId !== null;
        case 'kind':
          return item.kind === v;
        case 'sentiment': {
          const s = item.sentiment;
          if (s === null) return false;
          return v === 'negative' ? s <= -0.05 : v === 'positive' ? s >= 0.05 : s > -0.05 && s < 0.05;
        }
      }
      return false;
    }
  }
}

/** Whether a parsed query matches an item. */
export function matchesItem(node: Node, item: ItemView): boolean {
  return matches({ words: words(item.text), item }, node);
}
