import { formatCount } from '../format';
import type { WorkspaceStatus } from '../types';

/** Latest `syncProgress` event of one account. */
export interface SyncProgress {
  done: number;
  total: number | null;
}

export interface SyncSummary {
  text: string;
  state: 'demo' | 'no-accounts' | 'idle' | 'syncing' | 'synced' | 'unknown';
}

function finished(p: SyncProgress): boolean {
  return p.total !== null && p.done >= p.total;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** What the top bar says about syncing. */
export function syncSummary(
  status: WorkspaceStatus | null,
  progress: ReadonlyMap<number, SyncProgress>,
  lastSyncedAt: number | null,
): SyncSummary {
  if (!status) return { text: '', state: 'unknown' };
  if (status.demo) return { text: 'Demo workspace — not syncing', state: 'demo' };
  if (status.accounts === 0) return { text: 'No accounts', state: 'no-accounts' };
  const running = [...progress.values()].filter((p) => !finished(p));
  if (running.length > 0) {
    const done = running.reduce((n, p) => n + p.done, 0);
    const totals = running.map((p) => p.total);
    const accounts = running.length === 1 ? '' : ` ${running.length} accounts`;
    const count = totals.every((t): t is number => t !== null)
      ? ` ${formatCount(done)} of ${formatCount(totals.reduce((n, t) => n + t, 0))}`
      : ` ${formatCount(done)} items`;
    return { text: `Syncing${accounts}…${count}`, state: 'syncing' };
  }
  if (lastSyncedAt !== null) {
    return { text: `Up to date · ${timeFmt.format(lastSyncedAt)}`, state: 'synced' };
  }
  return { text: 'Idle', state: 'idle' };
}
