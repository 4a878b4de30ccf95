import type { Backend } from '../backend';
import type { Attachment } from '../types';

/** How long an item's previews are not asked for again after an attempt. */
export const RETRY_AFTER_MS = 60_000;

interface Batch {
  ids: Set<string>;
  result: Promise<Map<string, Attachment[]>>;
}

const pending = new WeakMap<Backend, Batch>();
const asked = new WeakMap<Backend, Map<string, number>>();

/**
 * Asks the backend to fetch the previews of an item's attachments into the
 * encrypted cache, and resolves with its attachments as now cached (`null` if
 * it was asked a moment ago, or the backend failed). The items of a thread
 * that ask in the same tick go in one request, so the core bounds the fetching
 * per conversation; nothing here waits on the network before the thread shows.
 */
export function requestPreviews(
  backend: Backend,
  itemId: string,
  now: () => number = Date.now,
): Promise<Attachment[] | null> {
  let times = asked.get(backend);
  if (!times) {
    times = new Map();
    asked.set(backend, times);
  }
  const last = times.get(itemId);
  if (last !== undefined && now() - last < RETRY_AFTER_MS) return Promise.resolve(null);
  times.set(itemId, now());
  let batch = pending.get(backend);
  if (!batch) {
    const ids = new Set<string>();
    const result = Promise.resolve().then(async () => {
      pending.delete(backend);
      const list = await backend.fetchAttachments([...ids]);
      return new Map(list.map((i) => [i.itemId, i.attachments]));
    });
    batch = { ids, result };
    pending.set(backend, batch);
  }
  batch.ids.add(itemId);
  return batch.result.then(
    (map) => map.get(itemId) ?? null,
    () => null,
  );
}
