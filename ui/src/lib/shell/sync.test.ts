import { describe, expect, it } from 'vitest';
import type { WorkspaceStatus } from '../types';
import { syncSummary, type SyncProgress } from './sync';

const status = (over: Partial<WorkspaceStatus> = {}): WorkspaceStatus => ({
  path: '/w',
  encrypted: true,
  demo: false,
  items: 0,
  conversations: 0,
  authors: 0,
  accounts: 2,
  ...over,
});

describe('syncSummary', () => {
  const none = new Map<number, SyncProgress>();

  it('explains the demo and a workspace without accounts', () => {
    expect(syncSummary(null, none, null).text).toBe('');
    expect(syncSummary(status({ demo: true }), none, null).text).toBe('Demo workspace — not syncing');
    expect(syncSummary(status({ accounts: 0 }), none, null).text).toBe('No accounts');
  });

  it('reports progress, then idle', () => {
    expect(syncSummary(status(), none, null)).toEqual({ text: 'Idle', state: 'idle' });
    const one = new Map([[1, { done: 1200, total: 3000 }]]);
    expect(syncSummary(status(), one, null).text).toBe(`Syncing… ${(1200).toLocaleString()} of ${(3000).toLocaleString()}`);
    const two = new Map([
      [1, { done: 5, total: 10 }],
      [2, { done: 2, total: null }],
    ]);
    expect(syncSummary(status(), two, null).text).toBe('Syncing 2 accounts… 7 items');
    const finished = new Map([[1, { done: 10, total: 10 }]]);
    expect(syncSummary(status(), finished, Date.UTC(2026, 0, 1, 9, 30)).state).toBe('synced');
    expect(syncSummary(status(), finished, Date.UTC(2026, 0, 1, 9, 30)).text).toMatch(/^Up to date · /);
  });
});
