import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from './backend';
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
      if (cmd === 'search') return [];
      return null;
    });
    expect(isTauri()).toBe(true);

    const backend = new TauriBackend();
    await backend.workspaceStatus();
    await backend.inboxList({ state: 'open', limit: 20 });
    await backend.conversationGet(7);
    await backend.search('refund', 5);
    await backend.setState(7, 'done');

    expect(calls).toEqual([
      { cmd: 'workspace_status', args: {} },
      { cmd: 'inbox_list', args: { filter: { state: 'open', limit: 20 } } },
      { cmd: 'conversation_get', args: { id: 7 } },
      { cmd: 'search', args: { query: 'refund', limit: 5 } },
      { cmd: 'triage_set_state', args: { id: 7, state: 'done' } },
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
