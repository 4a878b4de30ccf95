import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { MemoryBackend } from '../backend/memory';
import { conversation, item, sampleData } from '../../test/fixtures';
import type { AccountSyncStatus } from '../types';
import { allOffline, waitingLines, waitingTotal } from './sync';

const state = (accountId: number, s: AccountSyncStatus['state']): AccountSyncStatus => ({
  accountId,
  state: s,
  detail: null,
  lastOkAt: null,
  retryAt: null,
  failures: 0,
  rateBudget: null,
});

describe('offline', () => {
  it('is offline only when every running account says so', () => {
    expect(allOffline([])).toBe(false);
    expect(allOffline([state(1, 'offline'), state(2, 'offline')])).toBe(true);
    expect(allOffline([state(1, 'offline'), state(2, 'idle')])).toBe(false);
    expect(allOffline([state(1, 'offline'), state(2, null)]), 'a stopped sync says nothing').toBe(
      true,
    );
    expect(allOffline([state(1, null)])).toBe(false);
  });

  it('says what is waiting, one line per kind', () => {
    const w = { replies: 1, actions: 2, savedFetches: 0 };
    expect(waitingTotal(w)).toBe(3);
    expect(waitingLines(w)).toEqual(['1 reply queued', '2 read positions to send']);
    expect(waitingLines({ replies: 0, actions: 0, savedFetches: 3 })).toEqual([
      '3 saved conversations to fetch whole',
    ]);
  });

  it('shows offline and what waits to sync in the top bar', async () => {
    const backend = new MemoryBackend(sampleData(4));
    backend.waiting = { replies: 2, actions: 1, savedFetches: 1 };
    const user = userEvent.setup();
    render(App, { backend });
    await waitFor(() => expect(screen.getByTestId('workspace-badge')).toBeInTheDocument());
    expect(screen.queryByTestId('offline-indicator')).toBeNull();
    const waiting = await screen.findByTestId('waiting-to-sync');
    expect(waiting).toHaveTextContent('4 waiting to sync');
    await user.click(within(waiting).getByText('4 waiting to sync'));
    expect(within(waiting).getByTestId('waiting-details')).toHaveTextContent(
      '2 replies queued1 read position to send1 saved conversation to fetch whole',
    );

    const accounts = await backend.accountsList();
    for (const a of accounts) {
      backend.emit({ kind: 'syncState', accountId: a.id, state: 'offline', detail: null, retryAt: null });
    }
    await screen.findByTestId('offline-indicator');
    expect(screen.getByTestId('offline-indicator')).toHaveTextContent('Offline');

    backend.emit({ kind: 'syncState', accountId: accounts[0]!.id, state: 'idle', detail: null, retryAt: null });
    await waitFor(() => expect(screen.queryByTestId('offline-indicator')).toBeNull());
  });

  it('shows cached avatars in the thread pane', async () => {
    const data = sampleData(1);
    data.conversations = [
      conversation(1, {}, [
        item('1', { author: { handle: 'maria@x.example', name: 'Maria', followers: 1, url: null } }),
      ]),
    ];
    const backend = new MemoryBackend(data);
    backend.avatars.set(1, [{ handle: 'maria@x.example', src: 'earshot-media://localhost/7' }]);
    const user = userEvent.setup();
    render(App, { backend });
    const row = await screen.findByTestId('conversation-row');
    await user.click(row);
    const avatar = await screen.findByTestId('thread-avatar');
    expect(avatar).toHaveAttribute('src', 'earshot-media://localhost/7');
  });
});
