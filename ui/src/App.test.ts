import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from './App.svelte';
import { MemoryBackend, type MemoryData } from './lib/backend/memory';
import { SHORTCUTS } from './lib/shell/shortcuts';
import { THEME_STORAGE_KEY } from './lib/shell/theme.svelte';
import { conversation, item, sampleData } from './test/fixtures';

function rows(): HTMLElement[] {
  return screen.queryAllByTestId('conversation-row');
}

function ids(): string[] {
  return rows().map((r) => r.dataset.conversationId ?? '');
}

async function renderApp(data: MemoryData = sampleData(24)) {
  const backend = new MemoryBackend(data);
  const user = userEvent.setup();
  const result = render(App, { backend });
  if (data.conversations.length > 0) await waitFor(() => expect(rows().length).toBeGreaterThan(0));
  else await screen.findByTestId('empty-inbox');
  return { user, backend, ...result };
}

function currentView(): string | undefined {
  return screen
    .getAllByRole('button')
    .find((b) => b.getAttribute('aria-current') === 'page')
    ?.dataset.testid?.replace('nav-', '');
}

beforeEach(() => {
  localStorage.clear();
  delete document.documentElement.dataset.theme;
});

afterEach(() => {
  localStorage.clear();
});

describe('Navigation', () => {
  it('switches views from the rail, marking the current one', async () => {
    const { user } = await renderApp();
    expect(currentView()).toBe('inbox');
    expect(screen.getByTestId('view-inbox')).toBeVisible();

    await user.click(screen.getByTestId('nav-listening'));
    expect(currentView()).toBe('listening');
    expect(screen.getByTestId('nav-listening')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByTestId('nav-inbox')).not.toHaveAttribute('aria-current');
    expect(await screen.findByTestId('view-listening')).toHaveTextContent(
      /Saved queries over everything Earshot has synced/,
    );
    expect(screen.getByTestId('view-inbox')).not.toBeVisible();

    await user.click(screen.getByTestId('nav-contacts'));
    expect(await screen.findByTestId('view-contacts')).toHaveTextContent(/Suggested links/);
    await user.click(screen.getByTestId('nav-reports'));
    expect(await screen.findByTestId('view-reports')).toHaveTextContent(/Printable report/);
    await user.click(screen.getByTestId('nav-settings'));
    expect(await screen.findByTestId('view-settings')).toBeInTheDocument();

    // The inbox kept its place while away.
    await user.click(screen.getByTestId('nav-inbox'));
    expect(screen.getByTestId('view-inbox')).toBeVisible();
    expect(ids()).toEqual(['21', '17', '13', '9', '5', '1']);
  });

  it('follows g chords, and a broken chord does nothing', async () => {
    const { user } = await renderApp();
    await user.keyboard('gl');
    expect(currentView()).toBe('listening');
    await user.keyboard('gc');
    expect(currentView()).toBe('contacts');
    await user.keyboard('gr');
    expect(currentView()).toBe('reports');
    await user.keyboard('gs');
    expect(currentView()).toBe('settings');
    await user.keyboard('gi');
    expect(currentView()).toBe('inbox');
    await waitFor(() => expect(rows()[0]).toHaveFocus());

    // "g" then "e" is no chord: nothing is marked done.
    await user.keyboard('ge');
    expect(ids()).toHaveLength(6);
    expect(screen.getByTestId('inbox-notice')).toHaveTextContent('');
  });

  it('ignores shortcuts while typing in a field', async () => {
    const { user } = await renderApp();
    const search = screen.getByTestId('search-input');
    await user.click(search);
    await user.keyboard('gs?x');
    expect(search).toHaveValue('gs?x');
    expect(currentView()).toBe('inbox');
    expect(screen.queryByTestId('shortcuts-overlay')).toBeNull();

    await user.keyboard('{Control>}k{/Control}');
    expect(screen.queryByTestId('command-palette')).toBeNull();

    // A select counts as a field too.
    await user.click(screen.getByTestId('account-switcher'));
    await user.keyboard('gl');
    expect(currentView()).toBe('inbox');
  });
});

describe('Shortcuts overlay', () => {
  it('lists every registered shortcut and closes with Escape', async () => {
    const { user } = await renderApp();
    const before = rows()[0]!;
    before.focus();
    await user.keyboard('?');
    const overlay = await screen.findByTestId('shortcuts-overlay');
    expect(overlay).toHaveAttribute('role', 'dialog');
    expect(overlay).toHaveAttribute('aria-modal', 'true');

    const listed = within(overlay)
      .getAllByTestId('shortcut-row')
      .map((r) => r.dataset.shortcutId);
    expect(listed).toEqual(SHORTCUTS.map((s) => s.id));
    for (const s of SHORTCUTS) {
      const row = within(overlay).getAllByTestId('shortcut-row').find((r) => r.dataset.shortcutId === s.id)!;
      expect(row).toHaveTextContent(s.description);
    }

    // Shortcuts are off while it is open.
    await user.keyboard('gl');
    expect(currentView()).toBe('inbox');

    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('shortcuts-overlay')).toBeNull();
    expect(before).toHaveFocus();
  });

  it('traps focus inside', async () => {
    const { user } = await renderApp();
    await user.keyboard('?');
    const overlay = await screen.findByTestId('shortcuts-overlay');
    // The list scrolls, so it has the focus first (arrows and Page Down scroll it); Tab reaches Close.
    expect(within(overlay).getByTestId('shortcuts-list')).toHaveFocus();
    await user.tab();
    expect(within(overlay).getByTestId('shortcuts-close')).toHaveFocus();
    await user.tab();
    expect(overlay.contains(document.activeElement)).toBe(true);
    await user.tab({ shift: true });
    expect(overlay.contains(document.activeElement)).toBe(true);
  });
});

describe('Command palette', () => {
  it('opens with Ctrl+K, filters fuzzily, runs with Enter and gives focus back', async () => {
    const { user } = await renderApp();
    const before = rows()[0]!;
    before.focus();

    await user.keyboard('{Control>}k{/Control}');
    const palette = await screen.findByTestId('command-palette');
    const input = within(palette).getByTestId('palette-input');
    expect(input).toHaveFocus();
    expect(input).toHaveAttribute('role', 'combobox');
    expect(palette).toHaveAttribute('aria-modal', 'true');
    const labels = () => within(palette).queryAllByTestId('palette-item').map((i) => i.textContent ?? '');
    expect(labels().some((l) => l.includes('Go to Settings'))).toBe(true);
    expect(labels().some((l) => l.includes('Mark the selected conversation done'))).toBe(true);

    await user.keyboard('gtrep');
    expect(labels()[0]).toContain('Go to Reports');
    await user.keyboard('{Backspace>3/}sett');
    expect(labels()[0]).toContain('Go to Settings');
    const first = within(palette).getAllByTestId('palette-item')[0]!;
    expect(first).toHaveAttribute('aria-selected', 'true');
    expect(input).toHaveAttribute('aria-activedescendant', first.id);

    await user.keyboard('{Enter}');
    expect(screen.queryByTestId('command-palette')).toBeNull();
    expect(currentView()).toBe('settings');
  });

  it('moves with the arrow keys, and Escape closes without running anything', async () => {
    const { user } = await renderApp();
    const before = rows()[0]!;
    before.focus();
    await user.keyboard('{Control>}k{/Control}');
    const palette = await screen.findByTestId('command-palette');
    await user.keyboard('go to');
    const items = () => within(palette).getAllByTestId('palette-item');
    expect(items()[0]).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{ArrowDown}');
    expect(items()[1]).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(items()[items().length - 1]).toHaveAttribute('aria-selected', 'true');

    await user.keyboard('zzzzqq');
    expect(within(palette).queryAllByTestId('palette-item')).toHaveLength(0);
    expect(palette).toHaveTextContent(/No command matches/);

    await user.keyboard('{Escape}');
    expect(screen.queryByTestId('command-palette')).toBeNull();
    expect(currentView()).toBe('inbox');
    expect(before).toHaveFocus();
  });

  it('sets the state of the selected conversation', async () => {
    const { user, backend } = await renderApp();
    await user.keyboard('j');
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('pending');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(ids()).not.toContain('17'));
    expect((await backend.conversationGet(17)).conversation.state).toBe('pending');
    await waitFor(() => expect(rows()[1]).toHaveFocus());
    expect(rows()[1]?.dataset.conversationId).toBe('13');
  });

  it('toggles the theme and opens the shortcuts', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('open-palette'));
    await user.keyboard('toggle theme{Enter}');
    expect(['light', 'dark']).toContain(document.documentElement.dataset.theme);
    await user.keyboard('{Control>}k{/Control}');
    await user.keyboard('shortcuts{Enter}');
    expect(await screen.findByTestId('shortcuts-overlay')).toBeInTheDocument();
  });
});

describe('Settings', () => {
  it('shows the workspace and its accounts', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByTestId('nav-settings'));
    const workspace = screen.getByTestId('settings-workspace');
    expect(workspace).toHaveTextContent('/home/me/.local/share/earshot/workspace.db');
    expect(workspace).toHaveTextContent(/Encrypted/);
    expect(workspace).toHaveTextContent(/Your workspace/);
    const accounts = await screen.findAllByTestId('settings-account');
    expect(accounts.map((row) => row.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/^Mastodon @brand@example\.social example\.social Waiting to sync/),
      expect.stringMatching(/^Bluesky brand\.example\.com bsky\.social Waiting to sync/),
    ]);
    expect(screen.getByTestId('settings-motion')).toHaveTextContent(/reduce motion/i);
  });

  it('stores the theme, applies it to <html>, and keeps it across restarts', async () => {
    const first = await renderApp();
    expect(document.documentElement.dataset.theme).toBe('system');
    await first.user.click(screen.getByTestId('nav-settings'));
    expect(screen.getByTestId('theme-system')).toBeChecked();

    await first.user.click(screen.getByTestId('theme-dark'));
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark');
    first.unmount();
    delete document.documentElement.dataset.theme;

    const second = await renderApp();
    expect(document.documentElement.dataset.theme).toBe('dark');
    await second.user.click(screen.getByTestId('nav-settings'));
    expect(screen.getByTestId('theme-dark')).toBeChecked();
    await second.user.click(screen.getByTestId('theme-light'));
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('light');
    expect(document.documentElement.dataset.theme).toBe('light');
  });
});

describe('Top bar', () => {
  function twoAccounts(): MemoryData {
    const data = sampleData(0);
    for (let id = 1; id <= 6; id++) data.conversations.push(conversation(id));
    return data;
  }

  it('filters the inbox by account', async () => {
    const { user } = await renderApp(twoAccounts());
    expect(ids()).toEqual(['6', '5', '4', '3', '2', '1']);
    const switcher = screen.getByLabelText('Account');
    expect(switcher).toBe(screen.getByTestId('account-switcher'));
    expect(within(switcher).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'All accounts',
      '@brand@example.social · Mastodon',
      'brand.example.com · Bluesky',
    ]);

    await user.selectOptions(switcher, '2');
    await waitFor(() => expect(ids()).toEqual(['6', '4', '2']));
    await user.selectOptions(switcher, '1');
    await waitFor(() => expect(ids()).toEqual(['5', '3', '1']));
    await user.selectOptions(switcher, '');
    await waitFor(() => expect(ids()).toHaveLength(6));
  });

  it('says what syncing is doing', async () => {
    const demo = await renderApp({ ...sampleData(2), status: { demo: true } });
    expect(await screen.findByTestId('sync-status')).toHaveTextContent('Demo workspace — not syncing');
    demo.unmount();

    const empty = await renderApp({ conversations: [] });
    expect(await screen.findByTestId('sync-status')).toHaveTextContent('No accounts');
    empty.unmount();

    const { backend } = await renderApp();
    expect(await screen.findByTestId('sync-status')).toHaveTextContent('Idle');
    backend.emit({ kind: 'syncProgress', accountId: 1, done: 5, total: 10 });
    await waitFor(() => expect(screen.getByTestId('sync-status')).toHaveTextContent('Syncing… 5 of 10'));
    backend.emit({ kind: 'syncProgress', accountId: 2, done: 3, total: null });
    await waitFor(() =>
      expect(screen.getByTestId('sync-status')).toHaveTextContent('Syncing 2 accounts… 8 items'),
    );
    backend.emit({ kind: 'syncProgress', accountId: 1, done: 10, total: 10 });
    backend.emit({ kind: 'syncProgress', accountId: 2, done: 7, total: 7 });
    await waitFor(() => expect(screen.getByTestId('sync-status')).toHaveTextContent(/Up to date/));
  });

  it('shows when the machine is offline', async () => {
    await renderApp();
    expect(screen.queryByTestId('offline-indicator')).toBeNull();
    window.dispatchEvent(new Event('offline'));
    expect(await screen.findByTestId('offline-indicator')).toHaveTextContent(
      'Offline — showing what is cached',
    );
    window.dispatchEvent(new Event('online'));
    await waitFor(() => expect(screen.queryByTestId('offline-indicator')).toBeNull());
  });

  it('offers new items and shows core alerts', async () => {
    const { user, backend } = await renderApp();
    backend.emit({ kind: 'itemsIngested', inserted: 3 });
    const banner = await screen.findByTestId('new-items');
    expect(banner).toHaveTextContent('3 new items');
    await user.click(banner);
    await waitFor(() => expect(screen.queryByTestId('new-items')).toBeNull());

    backend.emit({ kind: 'alert', message: 'Mastodon rate limit: retrying in 5 minutes' });
    const alert = await screen.findByTestId('core-alert');
    expect(alert).toHaveTextContent('Mastodon rate limit');
    await user.click(within(alert).getByRole('button', { name: /dismiss/i }));
    expect(screen.queryByTestId('core-alert')).toBeNull();
  });

  it('shows the search index being built as the workspace opens, until it is done', async () => {
    const { backend } = await renderApp();
    backend.emit({ kind: 'searchIndex', done: 250000, total: 1000000 });
    const status = await screen.findByTestId('search-index');
    expect(status).toHaveTextContent('Building the search index: 250,000 of 1,000,000 items');
    expect(within(status).getByRole('progressbar')).toHaveAttribute('value', '250000');
    backend.emit({ kind: 'searchIndex', done: 1000000, total: 1000000 });
    await waitFor(() => expect(screen.queryByTestId('search-index')).toBeNull());

    backend.emit({ kind: 'searchIndex', done: 0, total: null });
    expect(await screen.findByTestId('search-index')).toHaveTextContent(
      'Checking the search index',
    );
    backend.emit({ kind: 'searchIndex', done: 0, total: 0 });
    await waitFor(() => expect(screen.queryByTestId('search-index')).toBeNull());
  });

  it('stops listening for events when closed', async () => {
    const { backend, unmount } = await renderApp();
    await waitFor(() => expect(backend.listenerCount).toBe(1));
    unmount();
    expect(backend.listenerCount).toBe(0);
  });
});

describe('Empty states', () => {
  it('teaches how to get conversations in when there is no account', async () => {
    const { user } = await renderApp({ conversations: [] });
    const empty = screen.getByTestId('empty-inbox');
    expect(empty).toHaveTextContent(/no conversations yet/i);

    const demo = within(empty).getByTestId('setup-demo');
    await user.click(demo);
    const demoDetail = document.getElementById(demo.getAttribute('aria-controls')!)!;
    expect(demoDetail).toBeVisible();
    expect(demoDetail).toHaveTextContent(/no accounts/);
    expect(demoDetail).toHaveTextContent('earshot-cli demo');

    // "Add an account" opens the form in Settings → Accounts.
    await user.click(within(screen.getByTestId('empty-inbox')).getByTestId('setup-add-account'));
    expect(currentView()).toBe('settings');
    await screen.findByTestId('add-account');
    await waitFor(() => expect(screen.getByTestId('add-network-bluesky')).toHaveFocus());
  });

  it('does not offer setup in the demo workspace', async () => {
    await renderApp({ conversations: [], status: { demo: true } });
    expect(screen.queryByTestId('inbox-setup')).toBeNull();
  });
});

describe('Links in threads', () => {
  it('open in the system browser, never in the app', async () => {
    const data = sampleData(0);
    data.conversations.push(
      conversation(1, {}, [
        item('11', {
          html: '<p>See <a href="https://status.example.org/incident">the status page</a>, <a href="mailto:help@example.org">mail us</a> or <a href="javascript:alert(1)">this</a> and <a href="/relative">that</a>.</p>',
          url: 'https://example.social/@someone/11',
        }),
      ]),
    );
    const { user, backend } = await renderApp(data);
    const href = window.location.href;
    await user.keyboard('o');
    const pane = screen.getByTestId('thread-pane');
    await within(pane).findByText('the status page');

    await user.click(within(pane).getByText('the status page'));
    await user.click(within(pane).getByText('mail us'));
    await user.click(within(pane).getByText('this'));
    await user.click(within(pane).getByText('that'));
    await user.click(within(pane).getByRole('link', { name: /view original/i }));

    await waitFor(() =>
      expect(backend.openedUrls).toEqual([
        'https://status.example.org/incident',
        'mailto:help@example.org',
        'https://example.social/@someone/11',
      ]),
    );
    expect(window.location.href).toBe(href);
  });
});
