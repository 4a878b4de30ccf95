import { describe, expect, it } from 'vitest';
import { sampleData } from '../../test/fixtures';
import type { WorkspaceOpened } from '../types';
import { BackendError } from './backend';
import { MemoryBackend, type MemorySignIn } from './memory';
import { normaliseServer } from './memory-accounts';

function demo(): MemoryBackend {
  const data = sampleData(6);
  return new MemoryBackend({
    ...data,
    accounts: data.accounts?.map((a) => ({ ...a, origin: 'demo' as const })),
    status: { path: '/home/me/.local/share/earshot/demo', encrypted: true, demo: true },
  });
}

describe('MemoryBackend accounts, as the core session', () => {
  it('moves from the demo to an empty real workspace on the first sign-in, and says so', async () => {
    const backend = demo();
    const opened: WorkspaceOpened[] = [];
    const stop = await backend.onWorkspaceOpened((o) => opened.push(o));
    expect(await backend.syncStatus()).toEqual([]);
    await expect(backend.syncNow()).rejects.toThrow(/demo workspace does not sync/);

    const account = await backend.addBlueskyAccount({
      server: 'bsky.social',
      handle: '@me.bsky.social',
      appPassword: 'abcd-efgh-ijkl-mnop',
    });
    expect(account).toMatchObject({
      id: 1,
      network: 'bluesky',
      server: 'https://bsky.social',
      handle: 'me.bsky.social',
      origin: 'signed-in',
      needsSignIn: false,
    });
    expect(opened).toEqual([{ path: '/home/me/.local/share/earshot', demo: false }]);
    expect(await backend.workspaceStatus()).toMatchObject({ demo: false, conversations: 0, accounts: 1 });
    stop();
  });

  it('signs an account in again keeping its id, and adds a second one beside it', async () => {
    const backend = new MemoryBackend({
      conversations: [],
      accounts: [{ id: 4, handle: 'manager@mastodon.example', network: 'mastodon', server: 'https://mastodon.example', needsSignIn: true }],
    });
    expect((await backend.syncStatus())[0]?.state).toBe('needsSignIn');
    await expect(backend.syncNow(4)).rejects.toMatchObject({ code: 'needs_sign_in' });

    const again = await backend.addMastodonAccountWithToken('mastodon.example/', 'token');
    expect(again).toMatchObject({ id: 4, needsSignIn: false });
    expect((await backend.syncStatus())[0]?.state).toBeNull();

    const other = await backend.addMastodonAccountWithBrowser('https://other.example');
    expect(other).toMatchObject({ id: 5, handle: 'manager@other.example' });
    expect((await backend.accountsList()).map((a) => a.id)).toEqual([4, 5]);
  });

  it('refuses empty secrets and bad servers the way the connectors do', async () => {
    const backend = new MemoryBackend();
    await expect(
      backend.addBlueskyAccount({ server: 'https://bsky.social', handle: 'me', appPassword: ' ' }),
    ).rejects.toMatchObject({ code: 'needs_sign_in' });
    await expect(backend.addMastodonAccountWithToken('mastodon.social', '')).rejects.toMatchObject({
      code: 'needs_sign_in',
    });
    await expect(backend.addMastodonAccountWithBrowser('not a server')).rejects.toThrow(
      /not a server address/,
    );
    expect(normaliseServer(' Mastodon.Social/ ')).toBe('https://mastodon.social');
  });

  it('cancels a sign-in that is waiting', async () => {
    const seen: MemorySignIn[] = [];
    const backend = new MemoryBackend(
      { conversations: [] },
      {
        signIn: (request) => {
          seen.push(request);
          return new Promise(() => {});
        },
      },
    );
    const waiting = backend.addMastodonAccountWithBrowser('mastodon.social');
    await Promise.resolve();
    await backend.cancelSignIn();
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('cancelled');
    expect(seen).toEqual([
      { network: 'mastodon', server: 'https://mastodon.social', method: 'browser', handle: null, secret: null },
    ]);
    expect(await backend.accountsList()).toEqual([]);
  });

  it('removes an account and its sync status', async () => {
    const backend = new MemoryBackend(sampleData(4));
    await backend.removeAccount(1);
    expect((await backend.accountsList()).map((a) => a.id)).toEqual([2]);
    expect((await backend.syncStatus()).map((s) => s.accountId)).toEqual([2]);
    await expect(backend.removeAccount(1)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps sync status in step with syncState events', async () => {
    const backend = new MemoryBackend(sampleData(4), { now: () => 5_000 });
    backend.emit({ kind: 'syncState', accountId: 1, state: 'offline', detail: 'cannot reach example.social', retryAt: 9_000 });
    expect((await backend.syncStatus())[0]).toEqual({
      accountId: 1,
      state: 'offline',
      detail: 'cannot reach example.social',
      lastOkAt: null,
      retryAt: 9_000,
      failures: 1,
      rateBudget: null,
    });
    backend.emit({ kind: 'syncState', accountId: 1, state: 'idle', detail: null, retryAt: null });
    expect((await backend.syncStatus())[0]).toMatchObject({ state: 'idle', lastOkAt: 5_000, failures: 0 });
    backend.emit({ kind: 'syncState', accountId: 2, state: 'needsSignIn', detail: 'refused', retryAt: null });
    expect((await backend.accountsList())[1]?.needsSignIn).toBe(true);
  });

  it('answers sync now with syncing, then up to date', async () => {
    const backend = new MemoryBackend(sampleData(4));
    const states: string[] = [];
    await backend.onEvent((e) => {
      if (e.kind === 'syncState' && e.accountId === 2) states.push(e.state);
    });
    await backend.syncNow(2);
    expect(states).toEqual(['syncing']);
    await new Promise((r) => setTimeout(r, 5));
    expect(states).toEqual(['syncing', 'idle']);
  });
});
