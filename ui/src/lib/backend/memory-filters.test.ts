import { describe, expect, it } from 'vitest';
import { sampleData } from '../../test/fixtures';
import { MemoryBackend } from './memory';

async function listed(b: MemoryBackend, filter: Parameters<MemoryBackend['inboxList']>[0]): Promise<number[]> {
  return (await b.inboxList(filter)).conversations.map((c) => c.id);
}

describe('MemoryBackend filters and views, as the core has them', () => {
  it('filters by priority (or higher), sentiment, language and dates', async () => {
    const b = new MemoryBackend(sampleData(8));
    expect(await listed(b, { sentiment: 'negative' })).toEqual([6, 3]);
    expect(await listed(b, { sentiment: 'positive' })).toEqual([7, 4, 1]);
    expect(await listed(b, { priority: 2 })).toEqual([]);
    expect(await listed(b, { priority: 1 })).toHaveLength(8);
    expect(await listed(b, { lang: 'EN' })).toHaveLength(8);
    expect(await listed(b, { lang: 'fr' })).toEqual([]);
    const all = (await b.inboxList({})).conversations;
    const middle = all[3]!.lastActivityAt;
    expect(await listed(b, { after: middle })).toEqual([8, 7, 6, 5]);
    expect(await listed(b, { before: middle })).toEqual([4, 3, 2, 1]);
    expect((await b.search('Snippet priority:2')).length).toBe(0);
    expect((await b.search('Snippet is:unsaved')).length).toBe(7);
  });

  it('keeps saved views without paging, renames and deletes them', async () => {
    const b = new MemoryBackend(sampleData(4));
    const v = await b.viewSave('  Angry   people ', { sentiment: 'negative', cursor: 'x', limit: 3 });
    expect(v).toEqual({ name: 'Angry people', filter: { sentiment: 'negative', cursor: null, limit: null } });
    await b.viewSave('b', {});
    await expect(b.viewRename('Angry people', 'b')).rejects.toThrow('already a view');
    await b.viewRename('Angry people', 'a');
    expect((await b.viewsList()).map((x) => x.name)).toEqual(['a', 'b']);
    await b.viewDelete('a');
    await expect(b.viewDelete('a')).rejects.toThrow("no view named 'a'");
    await expect(b.viewSave(' ', {})).rejects.toThrow('1–80');
  });

  it('lists the tags in use, the most used first', async () => {
    expect(await new MemoryBackend(sampleData(8)).tagsList()).toEqual(['praise', 'vip', 'bug']);
  });
});
