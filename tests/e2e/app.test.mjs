// End-to-end tests of the real app: the built binary in a real WebKitGTK window,
// driven through tauri-driver, on a fresh data directory with the real keyring.
// Started by tests/e2e/run.sh, which provides the display, keyring and driver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, driver, serversEnv, shots } from './env.mjs';
import { addMastodonAccount } from './steps.mjs';
import { Session } from './webdriver.mjs';

let s;

async function shot(name) {
  writeFileSync(join(shots, `${name}.png`), await s.screenshot());
}

describe('the Earshot window', () => {
  before(async () => {
    assert.ok(app, 'EARSHOT_APP names the built binary');
    s = await Session.start(driver, app);
  });

  after(async () => {
    await s?.end();
  });

  test('opens the demo workspace with its conversations', async () => {
    const rows = await s.waitFor('[data-testid="conversation-row"]', { min: 10 });
    assert.ok(rows.length >= 10, `the inbox lists conversations (${rows.length})`);
    const [body] = await s.texts('body');
    assert.match(body, /Demo workspace/);
    assert.match(body, /Encrypted/);
    const [first] = await s.texts('[data-testid="conversation-row"]');
    assert.ok(first.length > 20, `rows show author and snippet: ${first}`);
    await shot('inbox');
  });

  test('j / Enter open a conversation with its whole thread', async () => {
    await s.keys('j', 'k', '\uE007');
    const items = await s.waitFor('[data-testid="thread-item"]');
    assert.ok(items.length >= 1, 'the thread pane shows the items');
    // The demo's newest conversations are single posts: go down to one several
    // items deep, so the thread (and the README's picture of it) shows replies.
    const shown = () =>
      s.execute(
        'return [...document.querySelectorAll(\'[data-testid="thread-item"]\')].map((e) => e.dataset.itemId).join(" ")',
      );
    let ids = await shown();
    for (let moves = 0; moves < 15 && ids.split(' ').length < 4; moves++) {
      const before = ids;
      await s.keys('j', '\uE007');
      await s.until('the next conversation to open', async () => {
        ids = await shown();
        return ids !== '' && ids !== before;
      });
    }
    assert.ok(ids.split(' ').length >= 4, `a conversation of 4 items or more is open: ${ids}`);
    const [pane] = await s.texts('[data-testid="thread-pane"]');
    assert.ok(pane.length > 40, 'the thread has real text');
    await shot('thread');
  });

  test('e marks the selected conversation done and it moves to Done', async () => {
    const selected = async () => (await s.texts('[data-testid="conversation-row"][aria-selected="true"]'))[0];
    const chosen = await selected();
    assert.ok(chosen, 'a conversation is selected');
    await s.keys('e');
    await s.until('the row to leave the open list', async () => {
      const rows = await s.texts('[data-testid="conversation-row"]');
      return !rows.includes(chosen);
    });
    await (await s.waitFor('[data-testid="state-tab-done"]'))[0].click();
    await s.until('the done list to show it', async () =>
      (await s.texts('[data-testid="conversation-row"]')).includes(chosen),
    );
  });

  test('triage by keyboard only: open, tag with t, snooze with h, done, undo', async () => {
    await (await s.waitFor('[data-testid="state-tab-open"]'))[0].click();
    await s.waitFor('[data-testid="conversation-row"]', { min: 3 });
    const selected = async () => (await s.texts('[data-testid="conversation-row"][aria-selected="true"]'))[0];
    const rowHasFocus = () =>
      s.execute('return document.activeElement?.dataset?.testid === "conversation-row"');
    await s.keys('j', 'o');
    await s.waitFor('[data-testid="thread-item"]');
    await s.waitFor('[data-testid="author-panel"]');

    await s.keys('t');
    await s.until('the tag editor', () => s.visible('[data-testid="tag-editor"]'));
    await s.typeText('e2e-triage');
    await s.keys('\uE007');
    await s.until('the tag to be added', async () =>
      (await s.texts('[data-testid="tag-chip"]')).some((t) => t.includes('e2e-triage')),
    );
    // Let the dialog's opening transition finish before its picture is taken.
    await new Promise((r) => setTimeout(r, 400));
    await shot('tag-editor');
    await s.keys('\uE007');
    await s.until('the editor to close', async () => !(await s.visible('[data-testid="tag-editor"]')));
    await s.until('the row to show the tag', async () => /e2e-triage/.test((await selected()) ?? ''));
    await s.until('focus back on the row', rowHasFocus);

    const snoozed = await selected();
    await s.keys('h');
    await s.until('the snooze picker', () => s.visible('[data-testid="snooze-picker"]'));
    await new Promise((r) => setTimeout(r, 400));
    await shot('snooze-picker');
    await s.keys('1');
    await s.until('the snoozed row to leave the open list', async () =>
      !(await s.texts('[data-testid="conversation-row"]')).includes(snoozed),
    );
    await s.until('focus back on the list', rowHasFocus);

    const done = await selected();
    await s.keys('e');
    await s.until('the done row to leave', async () =>
      !(await s.texts('[data-testid="conversation-row"]')).includes(done),
    );
    await s.keys('z');
    await s.until('undo to bring it back', async () =>
      (await s.texts('[data-testid="conversation-row"]')).includes(done),
    );
    await (await s.waitFor('[data-testid="state-tab-snoozed"]'))[0].click();
    await s.until('the snoozed list to show it', async () =>
      (await s.texts('[data-testid="conversation-row"]')).includes(snoozed),
    );
    await (await s.waitFor('[data-testid="state-tab-open"]'))[0].click();
  });

  test('bulk: x checks two conversations and e marks both done', async () => {
    await s.waitFor('[data-testid="conversation-row"]', { min: 3 });
    const [first, second] = await s.texts('[data-testid="conversation-row"]');
    await (await s.findAll('[data-testid="conversation-row"]'))[0].click();
    await s.keys('x', 'j', 'x', 'e');
    await s.until('both rows to leave the open list', async () => {
      const rows = await s.texts('[data-testid="conversation-row"]');
      return !rows.includes(first) && !rows.includes(second);
    });
    const [notice] = await s.texts('[data-testid="inbox-notice"]');
    assert.match(notice, /2 conversations done/);
    await (await s.waitFor('[data-testid="state-tab-done"]'))[0].click();
    await s.until('the done list to show both', async () => {
      const rows = await s.texts('[data-testid="conversation-row"]');
      return rows.includes(first) && rows.includes(second);
    });
    await (await s.waitFor('[data-testid="state-tab-open"]'))[0].click();
  });

  test('f filters the inbox, and the filters are kept as a saved view', async () => {
    await s.waitFor('[data-testid="conversation-row"]');
    await s.keys('f');
    await s.until('the filters', () => s.visible('[data-testid="filter-network"]'));
    await s.execute(`
      const select = document.querySelector('[data-testid="filter-network"]');
      select.value = 'bluesky';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    `);
    await s.until('only Bluesky conversations', async () => {
      const rows = await s.texts('[data-testid="conversation-row"]');
      return rows.length > 0 && rows.every((r) => /bluesky/i.test(r));
    });
    await (await s.findAll('[data-testid="view-name"]'))[0].type('Bluesky only');
    await (await s.findAll('[data-testid="view-save"]'))[0].click();
    await s.until('the view to be listed', async () =>
      (await s.execute('return document.querySelector(\'[data-testid="view-select"]\').value')) === 'Bluesky only',
    );
    await shot('filters');
    await (await s.findAll('[data-testid="view-delete"]'))[0].click();
    await s.until('the view to be deleted', async () =>
      !(await s.execute(
        'return [...document.querySelectorAll(\'[data-testid="view-select"] option\')].map((o) => o.value)',
      )).includes('Bluesky only'),
    );
    await (await s.findAll('[data-testid="filters-clear"]'))[0].click();
    await s.until('other networks again', async () =>
      (await s.texts('[data-testid="conversation-row"]')).some((r) => !/bluesky/i.test(r)),
    );
    await (await s.findAll('[data-testid="filters-toggle"]'))[0].click();
  });

  test('every view is reachable by click and by g-chords, with a screenshot of each', async () => {
    for (const view of ['listening', 'contacts', 'reports', 'settings', 'inbox']) {
      await (await s.waitFor(`[data-testid="nav-${view}"]`))[0].click();
      await s.until(`the ${view} view`, () => s.visible(`[data-testid="view-${view}"]`));
      const [current] = await s.texts('[aria-current="page"]');
      assert.match(current.toLowerCase(), new RegExp(view), `the rail marks ${view} as current`);
      if (view === 'settings') {
        await s.until('the workspace facts', async () =>
          /620/.test((await s.texts('[data-testid="settings-workspace"]'))[0] ?? ''),
        );
      }
      await shot(`view-${view}`);
    }
    const chords = { l: 'listening', c: 'contacts', r: 'reports', s: 'settings', i: 'inbox' };
    for (const [key, view] of Object.entries(chords)) {
      await s.keys('g', key);
      await s.until(`g ${key} to show ${view}`, () => s.visible(`[data-testid="view-${view}"]`));
    }
  });

  test('Ctrl+K opens the palette, which runs a command', async () => {
    await s.keys(['\uE009', 'k']);
    await s.until('the palette', () => s.visible('[data-testid="command-palette"]'));
    await s.typeText('settings');
    const items = await s.texts('[data-testid="palette-item"]');
    assert.ok(items.length >= 1 && /settings/i.test(items[0]), `palette filters: ${items}`);
    // Let the opening transition finish so the picture shows what a person sees.
    await new Promise((r) => setTimeout(r, 600));
    await shot('palette');
    await s.keys('\uE007');
    await s.until('settings after the palette', () => s.visible('[data-testid="view-settings"]'));
    assert.equal(await s.visible('[data-testid="command-palette"]'), false, 'the palette closes');
    await s.keys('g', 'i');
  });

  test('? lists every shortcut, Escape closes it', async () => {
    await s.keys('?');
    await s.until('the shortcuts overlay', () => s.visible('[data-testid="shortcuts-overlay"]'));
    const rows = await s.texts('[data-testid="shortcut-row"]');
    assert.ok(rows.length >= 15, `shortcuts listed: ${rows.length}`);
    for (const key of ['Ctrl', '/', 'j', 'k', 'e', 'z']) {
      assert.ok(rows.some((r) => r.includes(key)), `the overlay lists ${key}`);
    }
    await shot('shortcuts');
    await s.keys('\uE00C');
    await s.until('the overlay to close', async () => !(await s.visible('[data-testid="shortcuts-overlay"]')));
  });

  test('/ searches with a field filter and opens a result', async () => {
    await s.keys('/');
    await s.until('the search box to have focus', () =>
      s.execute('return document.activeElement?.dataset?.testid === "search-input"'),
    );
    await s.typeText('sync network:bluesky');
    await s.keys('\uE007');
    const results = await s.waitFor('[data-testid="search-result"]');
    assert.ok(results.length >= 1, 'the demo has Bluesky posts about sync');
    const texts = await s.texts('[data-testid="search-result"]');
    assert.ok(texts.every((t) => /bluesky/i.test(t)), 'every result is from Bluesky');
    const marks = await s.texts('[data-testid="search-result"] mark');
    assert.ok(marks.some((m) => /sync/i.test(m)), 'the match is highlighted');
    await shot('search');
    await results[0].click();
    await s.keys('\uE007');
    await s.waitFor('[data-testid="thread-item"]');
    await s.keys('\uE00C');
  });

  test('links open outside the app, never in its window', async () => {
    const before = await s.execute('return location.href');
    const link = await s.findAll('[data-testid="thread-pane"] a[href^="http"]');
    assert.ok(link.length >= 1, 'the thread has a link to the original');
    await link[0].click();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await s.execute('return location.href'), before, 'the webview stays on the app');
  });

  test('Settings → Accounts: a sign-in goes through the shell to the network, and an unreachable server is named', async () => {
    await s.keys('g', 's');
    await s.until('the accounts section', () => s.visible('[data-testid="settings-accounts-section"]'));
    const [note] = await s.texts('[data-testid="accounts-demo-note"]');
    assert.match(note ?? '', /demo workspace/, 'the demo says the first account creates your own');
    await (await s.waitFor('[data-testid="accounts-add"]'))[0].click();
    await s.until('the Bluesky form', () => s.visible('[data-testid="add-bluesky"]'));
    assert.equal(
      await s.execute('return document.querySelector(\'[data-testid="bluesky-app-password"]\').type'),
      'password',
      'the app password is masked',
    );
    // Nothing listens on port 9: the connector must report the server unreachable.
    const [server] = await s.findAll('[data-testid="bluesky-server"]');
    await server.click();
    await s.keys(['\uE009', 'a']);
    await s.typeText('http://127.0.0.1:9');
    await (await s.findAll('[data-testid="bluesky-handle"]'))[0].type('e2e.example');
    await (await s.findAll('[data-testid="bluesky-app-password"]'))[0].type('xxxx-xxxx-xxxx-xxxx');
    await new Promise((r) => setTimeout(r, 400));
    await shot('accounts-add');
    await (await s.findAll('[data-testid="bluesky-sign-in"]'))[0].click();
    const [error] = await s.waitFor('[data-testid="sign-in-error"]');
    assert.equal(await error.attribute('data-code'), 'offline', 'the error carries the offline code');
    assert.match(await error.text(), /cannot reach/i);
    const [badge] = await s.texts('[data-testid="workspace-badge"]');
    assert.match(badge, /Demo/, 'a failed sign-in leaves the demo in place');
    // Let the window paint the error before its picture is taken.
    await new Promise((r) => setTimeout(r, 400));
    await shot('accounts-error');
    await s.keys('\uE00C');
    await s.until('the form to close', async () => !(await s.visible('[data-testid="add-account"]')));
    await s.keys('g', 'i');
  });

  test('the dark theme applies everywhere and is remembered', async () => {
    await (await s.waitFor('[data-testid="nav-settings"]'))[0].click();
    await s.until('settings', () => s.visible('[data-testid="view-settings"]'));
    await (await s.waitFor('label:has([data-testid="theme-dark"])'))[0].click();
    await s.until('the dark theme', async () =>
      (await s.execute('return document.documentElement.dataset.theme')) === 'dark',
    );
    await (await s.waitFor('[data-testid="nav-inbox"]'))[0].click();
    await (await s.waitFor('[data-testid="state-tab-open"]'))[0].click();
    await s.waitFor('[data-testid="conversation-row"]');
    await s.keys('j', '\uE007');
    await s.waitFor('[data-testid="thread-item"]');
    const bg = await s.execute('return getComputedStyle(document.body).backgroundColor');
    assert.notEqual(bg, 'rgb(255, 255, 255)', `the page is dark (${bg})`);
    await shot('inbox-dark');
    await (await s.waitFor('[data-testid="nav-settings"]'))[0].click();
    await s.until('settings', () => s.visible('[data-testid="view-settings"]'));
    await (await s.waitFor('label:has([data-testid="theme-system"])'))[0].click();
    await s.keys('g', 'i');
  });

  // Needs the local Mastodon API server: its variables in the environment, or its env
  // file in $EARSHOT_SERVERS_DIR (`make e2e` starts it through scripts/with-servers.sh).
  // Last, because it moves the app off the demo.
  test('the first account moves the app from the demo to your workspace, syncs, and can be removed', async () => {
    const servers = serversEnv();
    const mastodon = servers.EARSHOT_TEST_MASTODON_URL;
    const token = servers.EARSHOT_TEST_MASTODON_ALICE_TOKEN;
    assert.ok(
      mastodon && token,
      'the local Mastodon API server is not up: run through `make e2e`, or tests/servers/start.sh mastodon with EARSHOT_SERVERS_DIR set',
    );
    await s.keys('g', 's');
    await addMastodonAccount(s, mastodon, token);
    await s.until('the sign-in to finish', async () =>
      /Signed in as alice@/.test((await s.texts('[data-testid="accounts-notice"]'))[0] ?? ''),
    );
    await s.until('your own workspace to be shown', async () =>
      !/Demo/.test((await s.texts('[data-testid="workspace-badge"]'))[0] ?? 'Demo'),
    );
    const rows = await s.waitFor('[data-testid="settings-account"]');
    assert.equal(rows.length, 1, 'the new workspace holds only the new account');
    await s.until('its first sync to finish', async () =>
      /Up to date|Streaming/.test((await s.texts('[data-testid="account-state"]'))[0] ?? ''),
    );
    const [indicator] = await s.texts('[data-testid="sync-status"]');
    assert.match(indicator, /Up to date|Syncing/, `the top bar follows the sync: ${indicator}`);
    await new Promise((r) => setTimeout(r, 400));
    await shot('accounts');

    await (await s.findAll('[data-testid="account-sync-now"]'))[0].click();
    await (await s.findAll('[data-testid="account-remove"]'))[0].click();
    const [confirm] = await s.texts('[data-testid="account-remove-confirm"]');
    assert.match(confirm, /Kept: its conversations stay/);
    await (await s.findAll('[data-testid="account-remove-confirm-button"]'))[0].click();
    await s.until('the account to go', async () => (await s.findAll('[data-testid="settings-account"]')).length === 0);
    assert.match((await s.texts('[data-testid="accounts-notice"]'))[0], /deleted from the OS keyring/);
  });
});
