import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError, CORE_EVENT, WORKSPACE_EVENT, type CoreEvent } from './backend';
import { isTauri } from './index';
import { TauriBackend } from './tauri';

afterEach(() => {
  clearMocks();
  delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
});

describe('TauriBackend', () => {
  it('invokes the Rust commands with the documented argument names', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'inbox_list') return { conversations: [], nextCursor: null };
      if (cmd === 'search' || cmd === 'accounts_list') return [];
      return null;
    });
    expect(isTauri()).toBe(true);

    const backend = new TauriBackend();
    await backend.workspaceStatus();
    await backend.inboxList({ state: 'open', limit: 20 });
    await backend.conversationGet(7);
    await backend.search('refund', 5);
    await backend.search('refund');
    await backend.accountsList();
    await backend.setState(7, 'done');
    await backend.setState(7, 'snoozed', { until: 1_900_000_000_000, untilReply: true });
    await backend.tag(7, ['billing'], ['vip']);
    await backend.setSaved(7, true);
    await backend.markRead(7);
    await backend.openExternal('https://example.org/post/1');

    expect(calls).toEqual([
      { cmd: 'workspace_status', args: {} },
      { cmd: 'inbox_list', args: { filter: { state: 'open', limit: 20 } } },
      { cmd: 'conversation_get', args: { id: 7 } },
      { cmd: 'search', args: { query: 'refund', limit: 5 } },
      { cmd: 'search', args: { query: 'refund', limit: null } },
      { cmd: 'accounts_list', args: {} },
      { cmd: 'triage_set_state', args: { id: 7, state: 'done', snooze: null } },
      {
        cmd: 'triage_set_state',
        args: { id: 7, state: 'snoozed', snooze: { until: 1_900_000_000_000, untilReply: true } },
      },
      { cmd: 'triage_tag', args: { id: 7, add: ['billing'], remove: ['vip'] } },
      { cmd: 'triage_set_saved', args: { id: 7, saved: true } },
      { cmd: 'conversation_mark_read', args: { id: 7 } },
      { cmd: 'open_external', args: { url: 'https://example.org/post/1' } },
    ]);
  });

  it('invokes the account and sync commands with their argument names', async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return cmd === 'sync_status' ? [] : null;
    });
    const backend = new TauriBackend();
    await backend.addBlueskyAccount({ server: 'https://bsky.social', handle: 'me.bsky.social', appPassword: 'abcd-efgh' });
    await backend.addMastodonAccountWithToken('https://mastodon.social', 'tok');
    await backend.addMastodonAccountWithBrowser('mastodon.social');
    await backend.cancelSignIn();
    await backend.removeAccount(3);
    await backend.syncNow(3);
    await backend.syncNow();
    await backend.syncStatus();

    expect(calls).toEqual([
      {
        cmd: 'account_add_bluesky',
        args: { server: 'https://bsky.social', handle: 'me.bsky.social', appPassword: 'abcd-efgh' },
      },
      { cmd: 'account_add_mastodon_token', args: { server: 'https://mastodon.social', token: 'tok' } },
      { cmd: 'account_add_mastodon_browser', args: { server: 'mastodon.social' } },
      { cmd: 'account_sign_in_cancel', args: {} },
      { cmd: 'account_remove', args: { id: 3 } },
      { cmd: 'sync_now', args: { accountId: 3 } },
      { cmd: 'sync_now', args: { accountId: null } },
      { cmd: 'sync_status', args: {} },
    ]);
  });

  it('hears the workspace switch on earshot://workspace', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen: unknown[] = [];
    const unlisten = await new TauriBackend().onWorkspaceOpened((o) => seen.push(o));
    await emit(WORKSPACE_EVENT, { path: '/home/me/.local/share/earshot', demo: false });
    unlisten();
    await emit(WORKSPACE_EVENT, { path: '/late', demo: false });
    expect(WORKSPACE_EVENT).toBe('earshot://workspace');
    expect(seen).toEqual([{ path: '/home/me/.local/share/earshot', demo: false }]);
  });

  it('listens for core events on earshot://event and stops on unlisten', async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    const seen: CoreEvent[] = [];
    const unlisten = await new TauriBackend().onEvent((e) => seen.push(e));

    await emit(CORE_EVENT, { kind: 'itemsIngested', inserted: 4 });
    await emit(CORE_EVENT, { kind: 'syncProgress', accountId: 1, done: 5, total: null });
    await emit('some-other-event', { kind: 'alert', message: 'not ours' });
    unlisten();
    await emit(CORE_EVENT, { kind: 'alert', message: 'too late' });

    expect(CORE_EVENT).toBe('earshot://event');
    expect(seen).toEqual([
      { kind: 'itemsIngested', inserted: 4 },
      { kind: 'syncProgress', accountId: 1, done: 5, total: null },
    ]);
  });

  it('wraps `{ code, message }` rejections in BackendError', async () => {
    mockIPC(() => {
      throw { code: 'not_found', message: 'Conversation 7 not found' };
    });
    const err = await new TauriBackend().conversationGet(7).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'not_found', message: 'Conversation 7 not found' });
  });
});

describe('BackendError.from', () => {
  it('normalises strings, Errors, payloads and junk', () => {
    expect(BackendError.from('boom')).toMatchObject({ code: null, message: 'boom' });
    expect(BackendError.from(new Error('bad'))).toMatchObject({ code: null, message: 'bad' });
    expect(BackendError.from({ code: null, message: 'db locked' })).toMatchObject({
      code: null,
      message: 'db locked',
    });
    expect(BackendError.from(42).message).toMatch(/unknown/i);
    const original = new BackendError('x', 'y');
    expect(BackendError.from(original)).toBe(original);
  });
});
