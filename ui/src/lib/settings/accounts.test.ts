import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { sampleData } from '../../test/fixtures';
import { BackendError } from '../backend';
import {
  MemoryBackend,
  type MemoryBackendOptions,
  type MemoryData,
  type MemorySignIn,
} from '../backend/memory';
import type { MemorySignedIn } from '../backend/memory-accounts';

/** A sign-in the test ends when it wants, to see the progress in between. */
function controlledSignIn() {
  const requests: MemorySignIn[] = [];
  let settle: { resolve: (v: MemorySignedIn) => void; reject: (e: unknown) => void } | null = null;
  return {
    requests,
    handler: (request: MemorySignIn) => {
      requests.push(request);
      return new Promise<MemorySignedIn>((resolve, reject) => {
        settle = { resolve, reject };
      });
    },
    resolve(v: MemorySignedIn) {
      settle?.resolve(v);
    },
    reject(e: unknown) {
      settle?.reject(e);
    },
  };
}

function demoData(): MemoryData {
  const data = sampleData(6);
  return {
    ...data,
    accounts: data.accounts?.map((a) => ({ ...a, origin: 'demo' as const })),
    status: { path: '/home/me/.local/share/earshot/demo', encrypted: true, demo: true },
  };
}

async function openSettings(data: MemoryData, options: MemoryBackendOptions = {}) {
  const backend = new MemoryBackend(data, options);
  const user = userEvent.setup();
  const result = render(App, { backend });
  await waitFor(() => expect(screen.getByTestId('workspace-badge')).toBeInTheDocument());
  await user.keyboard('gs');
  await screen.findByTestId('settings-accounts-section');
  return { backend, user, ...result };
}

function accountRow(id: number): HTMLElement {
  const row = screen
    .getAllByTestId('settings-account')
    .find((r) => r.dataset.accountId === String(id));
  if (!row) throw new Error(`no row for account ${id}`);
  return row;
}

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('Settings → Accounts: adding', () => {
  it('signs in the first Bluesky account from the demo, with progress, then shows the new workspace', async () => {
    const signIn = controlledSignIn();
    const { user, backend } = await openSettings(demoData(), { signIn: signIn.handler });
    expect(screen.getByTestId('accounts-demo-note')).toHaveTextContent(/creates your own encrypted workspace/);

    await user.click(screen.getByTestId('accounts-add'));
    const form = await screen.findByTestId('add-bluesky');
    await waitFor(() => expect(screen.getByTestId('add-network-bluesky')).toHaveFocus());
    expect(screen.getByTestId('bluesky-server')).toHaveValue('https://bsky.social');
    const password = screen.getByTestId('bluesky-app-password');
    expect(password).toHaveAttribute('type', 'password');
    expect(form).toHaveTextContent(/Settings → Privacy and security → App passwords/);

    await user.type(screen.getByTestId('bluesky-handle'), 'brand.bsky.social');
    await user.type(password, 'abcd-efgh-ijkl-mnop{Enter}');
    const progress = await screen.findByTestId('sign-in-progress');
    expect(progress).toHaveTextContent('Signing in to bsky.social…');
    expect(screen.getByTestId('bluesky-sign-in')).toBeDisabled();
    expect(signIn.requests).toEqual([
      {
        network: 'bluesky',
        server: 'https://bsky.social',
        method: 'app-password',
        handle: 'brand.bsky.social',
        secret: 'abcd-efgh-ijkl-mnop',
      },
    ]);

    signIn.resolve({ handle: 'brand.bsky.social', displayName: 'Brand' });
    await waitFor(() =>
      expect(screen.getByTestId('accounts-notice')).toHaveTextContent(/Signed in as brand\.bsky\.social on Bluesky/),
    );
    expect(screen.queryByTestId('add-account')).toBeNull();
    expect(screen.getByTestId('accounts-add')).toHaveFocus();

    // The app now shows the real (empty) workspace, with the one account.
    await waitFor(() => expect(screen.queryByTestId('accounts-demo-note')).toBeNull());
    expect(screen.getByTestId('workspace-badge')).toHaveTextContent('earshot');
    const rows = screen.getAllByTestId('settings-account');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveTextContent('brand.bsky.social');
    expect(rows[0]).toHaveTextContent('https://bsky.social');
    await user.click(screen.getByTestId('nav-inbox'));
    expect(await screen.findByTestId('empty-inbox')).toHaveTextContent(/no conversations yet/i);
    expect((await backend.workspaceStatus()).demo).toBe(false);
  });

  it('says what went wrong, by code, and keeps the form for another try', async () => {
    const signIn = controlledSignIn();
    const { user } = await openSettings(sampleData(4), { signIn: signIn.handler });
    await user.click(screen.getByTestId('accounts-add'));
    await screen.findByTestId('add-bluesky');

    // Blank fields are caught before anything is sent.
    await user.click(screen.getByTestId('bluesky-sign-in'));
    expect(screen.getByTestId('sign-in-error')).toHaveTextContent('Enter your handle');
    expect(signIn.requests).toHaveLength(0);

    await user.type(screen.getByTestId('bluesky-handle'), 'brand.example.com');
    await user.type(screen.getByTestId('bluesky-app-password'), 'wrong');
    await user.click(screen.getByTestId('bluesky-sign-in'));
    signIn.reject(
      new BackendError('needs_sign_in', 'bluesky refused the sign-in for brand.example.com: Invalid identifier or password.'),
    );
    const error = await screen.findByTestId('sign-in-error');
    await waitFor(() => expect(error).toHaveTextContent('Check the handle and the app password.'));
    expect(error).toHaveAttribute('role', 'alert');
    expect(error).toHaveTextContent('Invalid identifier or password');
    expect(screen.getByTestId('bluesky-handle')).toHaveValue('brand.example.com');

    await user.click(screen.getByTestId('bluesky-sign-in'));
    signIn.reject(new BackendError('offline', 'cannot reach bsky.social: connection refused'));
    await waitFor(() =>
      expect(screen.getByTestId('sign-in-error')).toHaveTextContent(/cannot reach that server/),
    );
    expect(screen.getByTestId('sign-in-error')).toHaveAttribute('data-code', 'offline');
  });

  it('signs in to Mastodon with the browser, and the wait can be cancelled', async () => {
    const signIn = controlledSignIn();
    const { user } = await openSettings(sampleData(4), { signIn: signIn.handler });
    await user.click(screen.getByTestId('accounts-add'));
    await user.click(await screen.findByTestId('add-network-mastodon'));
    await user.type(screen.getByTestId('mastodon-server'), 'mastodon.example{Enter}');

    const progress = await screen.findByTestId('sign-in-progress');
    expect(progress).toHaveTextContent('Waiting for you to approve Earshot in your browser (on mastodon.example)');
    expect(signIn.requests[0]).toMatchObject({ method: 'browser', server: 'https://mastodon.example' });
    await user.click(screen.getByTestId('sign-in-cancel'));
    await waitFor(() => expect(screen.getByTestId('accounts-notice')).toHaveTextContent('Sign-in cancelled.'));
    expect(screen.queryByTestId('sign-in-error')).toBeNull();
    expect(screen.queryByTestId('sign-in-progress')).toBeNull();
  });

  it('signs in to Mastodon with a pasted access token', async () => {
    const { user, backend } = await openSettings(sampleData(4));
    await user.click(screen.getByTestId('accounts-add'));
    await user.click(await screen.findByTestId('add-network-mastodon'));
    await user.type(screen.getByTestId('mastodon-server'), 'https://mastodon.example');
    const toggle = screen.getByTestId('mastodon-token-toggle');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    const token = screen.getByTestId('mastodon-token');
    await waitFor(() => expect(token).toHaveFocus());
    expect(token).toHaveAttribute('type', 'password');
    expect(screen.getByTestId('add-mastodon')).toHaveTextContent(/Preferences → Development → New application/);
    await user.type(token, 'secret-token{Enter}');

    await waitFor(() =>
      expect(screen.getByTestId('accounts-notice')).toHaveTextContent('Signed in as manager@mastodon.example'),
    );
    expect((await backend.accountsList()).map((a) => a.handle)).toContain('manager@mastodon.example');
    expect(screen.getAllByTestId('settings-account')).toHaveLength(3);
  });

  it('opens from the command palette and closes with Escape', async () => {
    const { user } = await openSettings(sampleData(4));
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('Add an account');
    await user.keyboard('{Enter}');
    await screen.findByTestId('add-account');
    await waitFor(() => expect(screen.getByTestId('add-network-bluesky')).toHaveFocus());
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('add-account')).toBeNull();
    expect(screen.getByTestId('accounts-add')).toHaveFocus();
  });
});

describe('Settings → Accounts: the list', () => {
  it('shows each account’s sync state, last success and rate budget, kept current by events', async () => {
    const { backend } = await openSettings(sampleData(4));
    backend.emit({
      kind: 'syncState',
      accountId: 1,
      state: 'offline',
      detail: 'cannot reach example.social: connection refused',
      retryAt: Date.UTC(2026, 0, 1, 9, 45),
    });
    const row = await waitFor(() => {
      const r = accountRow(1);
      expect(within(r).getByTestId('account-state')).toHaveTextContent(/^Offline \(retrying at /);
      return r;
    });
    expect(within(row).getByTestId('account-detail')).toHaveTextContent('connection refused');
    expect(screen.getByTestId('sync-status')).toHaveTextContent(/^Offline · retrying at/);

    backend.emit({ kind: 'syncState', accountId: 1, state: 'idle', detail: 'streaming', retryAt: null });
    await waitFor(() => expect(within(accountRow(1)).getByTestId('account-state')).toHaveTextContent('Streaming'));
    expect(within(accountRow(1)).getByTestId('account-last-ok')).toHaveTextContent(/last synced/);
    expect(screen.getByTestId('sync-status')).toHaveTextContent(/^Up to date/);
  });

  it('reads the rate budget from the sync status at start', async () => {
    const backend = new MemoryBackend(sampleData(4));
    backend.setSyncStatus({
      accountId: 2,
      state: 'idle',
      detail: null,
      lastOkAt: Date.UTC(2026, 0, 1, 9, 30),
      retryAt: null,
      failures: 0,
      rateBudget: { limit: 3000, remaining: 2950, resetAt: Date.UTC(2026, 0, 1, 10) },
    });
    const user = userEvent.setup();
    render(App, { backend });
    await waitFor(() => expect(screen.getByTestId('workspace-badge')).toBeInTheDocument());
    await user.keyboard('gs');
    const row = await waitFor(() => accountRow(2));
    await waitFor(() =>
      expect(within(row).getByTestId('account-budget')).toHaveTextContent(/2,?950 of 3,?000 requests left/),
    );
    expect(within(row).getByTestId('account-state')).toHaveTextContent('Up to date');
  });

  it('syncs one account now', async () => {
    const { user } = await openSettings(sampleData(4));
    await user.click(within(accountRow(2)).getByTestId('account-sync-now'));
    await waitFor(() => expect(within(accountRow(2)).getByTestId('account-state')).toHaveTextContent('Up to date'));
    expect(within(accountRow(2)).getByTestId('account-last-ok')).toBeInTheDocument();
  });

  it('offers "Sign in again" when the network refused an account, keeping its id', async () => {
    const data = sampleData(4);
    data.accounts = [
      { id: 1, handle: 'brand.example.com', network: 'bluesky', server: 'https://bsky.social', needsSignIn: true },
    ];
    const { user, backend } = await openSettings(data);
    const row = accountRow(1);
    expect(within(row).getByTestId('account-state')).toHaveTextContent('Needs sign-in');
    expect(within(row).queryByTestId('account-sync-now')).toBeNull();
    await waitFor(() => expect(screen.getByTestId('sync-status')).toHaveTextContent('Needs sign-in'));

    await user.click(within(row).getByTestId('account-sign-in-again'));
    const panel = await screen.findByTestId('add-account');
    expect(panel).toHaveTextContent('Sign in again as brand.example.com');
    expect(within(panel).queryByTestId('add-network-mastodon')).toBeNull();
    expect(screen.getByTestId('bluesky-handle')).toHaveValue('brand.example.com');
    expect(screen.getByTestId('bluesky-handle')).toHaveAttribute('readonly');
    await waitFor(() => expect(screen.getByTestId('bluesky-app-password')).toHaveFocus());
    await user.keyboard('new-app-password{Enter}');

    await waitFor(() =>
      expect(screen.getByTestId('accounts-notice')).toHaveTextContent('Signed in again as brand.example.com'),
    );
    const accounts = await backend.accountsList();
    expect(accounts.map((a) => [a.id, a.needsSignIn])).toEqual([[1, false]]);
    await waitFor(() =>
      expect(within(accountRow(1)).getByTestId('account-state')).not.toHaveTextContent('Needs sign-in'),
    );
  });

  it('notices when the network refuses an account while it syncs', async () => {
    const { backend } = await openSettings(sampleData(4));
    backend.emit({
      kind: 'syncState',
      accountId: 1,
      state: 'needsSignIn',
      detail: 'mastodon refused the sign-in for @brand@example.social: HTTP 401',
      retryAt: null,
    });
    await waitFor(() => expect(within(accountRow(1)).getByTestId('account-sign-in-again')).toBeInTheDocument());
    expect(screen.getByTestId('sync-status')).toHaveTextContent('Needs sign-in');
  });

  it('removes an account after a confirmation that says what is kept and what is deleted', async () => {
    const { user, backend } = await openSettings(sampleData(4));
    const remove = within(accountRow(1)).getByTestId('account-remove');
    await user.click(remove);
    const confirm = screen.getByTestId('account-remove-confirm');
    expect(confirm).toHaveTextContent('Remove @brand@example.social from Earshot?');
    expect(confirm).toHaveTextContent(/Kept: its conversations stay/);
    expect(confirm).toHaveTextContent(/Deleted: its credentials in the OS keyring/);
    await waitFor(() => expect(screen.getByTestId('account-remove-cancel')).toHaveFocus());

    // Escape backs out, and focus returns to the button.
    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('account-remove-confirm')).toBeNull();
    await waitFor(() => expect(within(accountRow(1)).getByTestId('account-remove')).toHaveFocus());
    expect(await backend.accountsList()).toHaveLength(2);

    await user.keyboard('{Enter}');
    await user.click(screen.getByTestId('account-remove-confirm-button'));
    await waitFor(() => expect(screen.getAllByTestId('settings-account')).toHaveLength(1));
    expect(screen.getByTestId('accounts-notice')).toHaveTextContent(
      /Removed @brand@example.social\. Its conversations stay .* deleted from the OS keyring/,
    );
    expect((await backend.accountsList()).map((a) => a.id)).toEqual([2]);
  });
});

describe('Sync indicator in the top bar', () => {
  it('goes to the accounts when clicked', async () => {
    const backend = new MemoryBackend(sampleData(6));
    const user = userEvent.setup();
    render(App, { backend });
    await waitFor(() => expect(screen.getByTestId('sync-status')).toBeInTheDocument());
    backend.emit({ kind: 'syncState', accountId: 2, state: 'syncing', detail: null, retryAt: null });
    await waitFor(() => expect(screen.getByTestId('sync-status')).toHaveTextContent('Syncing…'));
    await user.click(screen.getByTestId('sync-status'));
    expect(await screen.findByTestId('settings-accounts-section')).toBeInTheDocument();
  });

  it('stops counting once a sync whose total was unknown ends', async () => {
    const backend = new MemoryBackend(sampleData(6));
    render(App, { backend });
    await waitFor(() => expect(screen.getByTestId('sync-status')).toBeInTheDocument());
    backend.emit({ kind: 'syncState', accountId: 1, state: 'syncing', detail: null, retryAt: null });
    backend.emit({ kind: 'syncProgress', accountId: 1, done: 0, total: null });
    await waitFor(() => expect(screen.getByTestId('sync-status')).toHaveTextContent('Syncing… 0 items'));
    backend.emit({ kind: 'syncState', accountId: 1, state: 'idle', detail: 'streaming', retryAt: null });
    await waitFor(() => expect(screen.getByTestId('sync-status')).toHaveTextContent(/^Up to date · /));
  });

  it('is plain text in the demo', async () => {
    render(App, { backend: new MemoryBackend(demoData()) });
    await waitFor(() => expect(screen.getByTestId('sync-status')).toHaveTextContent('Demo workspace'));
    expect(screen.getByTestId('sync-status').tagName).toBe('P');
  });
});
