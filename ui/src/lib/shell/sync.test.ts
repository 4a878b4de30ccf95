import { describe, expect, it } from 'vitest';
import type { Account, AccountSyncStatus, WorkspaceStatus } from '../types';
import {
  accountSyncView,
  applySyncState,
  budgetText,
  clockTime,
  emptySyncStatus,
  syncSummary,
  type SyncProgress,
} from './sync';

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

describe('syncSummary with account states', () => {
  const none = new Map<number, SyncProgress>();
  const base = (over: Partial<AccountSyncStatus>): AccountSyncStatus => ({
    ...emptySyncStatus(1),
    state: 'idle',
    ...over,
  });

  it('puts what needs the manager first: sign-in, then offline, rate limits, failures', () => {
    const at = Date.UTC(2026, 0, 1, 9, 30);
    const states = [
      base({ accountId: 1, state: 'offline', retryAt: at }),
      base({ accountId: 2, state: 'needsSignIn' }),
      base({ accountId: 3, state: 'rateLimited', retryAt: at }),
    ];
    expect(syncSummary(status(), none, null, states)).toEqual({ text: 'Needs sign-in', state: 'needs-sign-in' });
    expect(syncSummary(status(), none, null, states.slice(0, 1))).toEqual({
      text: `Offline · retrying at ${clockTime(at)}`,
      state: 'offline',
    });
    expect(syncSummary(status(), none, null, [states[0]!, base({ accountId: 4, state: 'offline' })]).text).toMatch(
      /^Offline \(2 accounts\)/,
    );
    expect(syncSummary(status(), none, null, states.slice(2)).state).toBe('rate-limited');
    expect(syncSummary(status(), none, null, [base({ state: 'failing' })]).text).toBe('Server failing');
  });

  it('says syncing from the state alone, and up to date from the last success', () => {
    expect(syncSummary(status(), none, null, [base({ state: 'syncing' })]).text).toBe('Syncing…');
    const ok = syncSummary(status(), none, null, [base({ lastOkAt: Date.UTC(2026, 0, 1, 9, 30) })]);
    expect(ok.state).toBe('synced');
    expect(ok.text).toMatch(/^Up to date · /);
  });
});

describe('applySyncState', () => {
  it('follows the core: success sets the last ok time and clears failures', () => {
    const event = { kind: 'syncState', accountId: 7, detail: null, retryAt: null } as const;
    const offline = applySyncState(undefined, { ...event, state: 'offline', retryAt: 50 }, 10);
    expect(offline).toMatchObject({ accountId: 7, state: 'offline', failures: 1, lastOkAt: null, retryAt: 50 });
    const syncing = applySyncState(offline, { ...event, state: 'syncing' }, 20);
    expect(syncing).toMatchObject({ state: 'syncing', failures: 1, retryAt: null });
    expect(applySyncState(syncing, { ...event, state: 'idle' }, 30)).toMatchObject({
      state: 'idle',
      failures: 0,
      lastOkAt: 30,
    });
  });
});

describe('accountSyncView', () => {
  const account = (over: Partial<Account> = {}): Account => ({
    id: 1,
    network: 'mastodon',
    server: 'https://example.social',
    handle: 'brand@example.social',
    displayName: null,
    origin: 'signed-in',
    remoteUserId: null,
    needsSignIn: false,
    ...over,
  });
  const st = (over: Partial<AccountSyncStatus>): AccountSyncStatus => ({
    ...emptySyncStatus(1),
    ...over,
  });

  it('names every state the list shows', () => {
    const at = Date.UTC(2026, 0, 1, 9, 45);
    expect(accountSyncView(account({ needsSignIn: true }), undefined)).toMatchObject({ label: 'Needs sign-in', tone: 'error' });
    expect(accountSyncView(account(), st({ state: 'syncing' })).label).toBe('Syncing…');
    expect(accountSyncView(account(), st({ state: 'idle' })).label).toBe('Up to date');
    expect(accountSyncView(account(), st({ state: 'idle', detail: 'streaming' })).label).toBe('Streaming');
    expect(accountSyncView(account(), st({ state: 'offline', retryAt: at, detail: 'cannot reach' }))).toEqual({
      label: `Offline (retrying at ${clockTime(at)})`,
      tone: 'warn',
      detail: 'cannot reach',
    });
    expect(accountSyncView(account(), st({ state: 'rateLimited', retryAt: at })).label).toMatch(/^Rate limited \(retrying at/);
    expect(accountSyncView(account(), undefined).label).toBe('Waiting to sync');
    expect(accountSyncView(account({ origin: 'import' }), undefined).label).toBe('Imported (never syncs)');
    expect(accountSyncView(account({ origin: 'demo' }), undefined).label).toBe('Demo (never syncs)');
  });

  it('shows the rate budget when the server gives one', () => {
    expect(budgetText(st({}))).toBeNull();
    const text = budgetText(st({ rateBudget: { limit: 300, remaining: 280, resetAt: Date.UTC(2026, 0, 1, 10) } }));
    expect(text).toMatch(/^280 of 300 requests left · refills at /);
  });
});
