import { describe, expect, it } from 'vitest';
import type { ItemView } from '../types';
import { isQueryError, matchesItem, parseQuery } from './memory-query';

function item(text: string, extra: Partial<ItemView> = {}): ItemView {
  return {
    id: '1',
    network: 'mastodon',
    remoteId: '1',
    kind: 'post',
    author: { handle: 'ana@social.example', name: null, followers: null, url: null },
    html: '',
    text,
    createdAt: 0,
    url: null,
    lang: 'en',
    sentiment: null,
    parentId: null,
    depth: 0,
    fromUs: false,
    attachments: [],
    ...extra,
  };
}

function matches(query: string, text: string, extra?: Partial<ItemView>): boolean {
  const q = parseQuery(query);
  if (isQueryError(q)) throw new Error(q.message);
  return matchesItem(q, item(text, extra));
}

describe('the memory backend’s query language', () => {
  it('reads terms, OR, NOT, phrases, prefixes, NEAR and fields as the core does', () => {
    expect(matches('refund OR "charged twice" -spam', 'I was charged twice')).toBe(true);
    expect(matches('refund OR "charged twice" -spam', 'refund spam')).toBe(false);
    expect(matches('down*', 'it is downright broken')).toBe(true);
    expect(matches('card NEAR/2 declined', 'my card was declined')).toBe(true);
    expect(matches('card NEAR/1 declined', 'my card was sadly declined')).toBe(false);
    expect(matches('earshot network:bluesky', 'earshot')).toBe(false);
    expect(matches('earshot AND lang:en', 'earshot')).toBe(true);
    expect(matches('author:ana has:link', 'see https://x.test')).toBe(true);
    expect(matches('is:reply', 'x', { parentId: '0' })).toBe(true);
  });

  it('says where a bad query is wrong and what was expected', () => {
    const at = (q: string) => {
      const r = parseQuery(q);
      return isQueryError(r) ? [r.position, r.message] : null;
    };
    expect(at('')).toEqual([0, 'the query is empty: expected a word, a "phrase" or a field']);
    expect(at('a "open')).toEqual([2, 'this phrase is not closed: expected a closing "']);
    expect(at('(a OR b')).toEqual([0, 'this ( is not closed: expected )']);
    expect(at('a)')).toEqual([1, 'unexpected ): no ( opens it']);
    expect(at('a OR')).toEqual([4, 'the query ends too soon: expected a word, a "phrase" or a field']);
    expect(at('colour:red')).toEqual([0, 'unknown field colour: expected author:, network:, lang:, has:link or is:reply']);
    expect(at('a NEAR/x b')?.[0]).toBe(2);
  });
});
