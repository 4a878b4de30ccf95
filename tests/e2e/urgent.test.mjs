// An urgent mention as a desktop notification, clicked, in the real window: a
// mention with a risk word posted on the local Mastodon server raises exactly one
// notification in the real notification daemon (dunst, started by
// scripts/with-notifications.sh, which `make e2e` runs), with the author, the
// network, the text and why it is urgent; its default action, invoked through the
// daemon as a click would, brings the app to that conversation from another view,
// with its row in the list; its Mark done, chosen from the daemon's context menu,
// marks the conversation done and takes its row out of the open list on screen.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, driver, serversEnv, shots } from './env.mjs';
import { signInMastodon } from './steps.mjs';
import { Session, sleep } from './webdriver.mjs';

let s;

function dunstctl(...args) {
  return execFileSync('dunstctl', args, { encoding: 'utf8' });
}

/** The notifications on screen and in the daemon's history whose text holds `mark`. */
function notificationsWith(mark) {
  const history = JSON.parse(dunstctl('history')).data[0] ?? [];
  return history
    .map((n) => ({ summary: n.summary?.data ?? '', body: n.body?.data ?? '' }))
    .filter((n) => n.summary.includes(mark) || n.body.includes(mark));
}

describe('urgent mentions on the desktop', () => {
  const servers = serversEnv();
  const mastodon = servers.EARSHOT_TEST_MASTODON_URL;

  before(async () => {
    assert.ok(app, 'EARSHOT_APP names the built binary');
    assert.ok(
      mastodon,
      'the local Mastodon API server is not up: run through `make e2e`, or tests/servers/start.sh mastodon with EARSHOT_SERVERS_DIR set',
    );
    assert.ok(
      process.env.EARSHOT_TEST_NOTIFICATIONS,
      'no notification daemon: run through `make e2e`, which starts dunst with scripts/with-notifications.sh',
    );
    s = await Session.start(driver, app);
  });

  after(async () => {
    await s?.end().catch(() => {});
  });

  /** Bob mentions alice with `status`; waits for exactly one notification on screen. */
  async function mentionAndNotification(status) {
    // What came before is put away.
    dunstctl('close-all');
    await sleep(200);
    assert.equal(Number(dunstctl('count', 'displayed').trim()), 0, 'nothing on screen before the mention');
    const response = await fetch(`${mastodon}/api/v1/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${servers.EARSHOT_TEST_MASTODON_BOB_TOKEN}` },
      body: new URLSearchParams({ status, visibility: 'public' }),
    });
    assert.ok(response.ok, `posting to the Mastodon server: ${response.status}`);
    await s.until('the notification on screen', async () => Number(dunstctl('count', 'displayed').trim()) > 0, 30000);
    // A second notification for the same mention would come within the digest window, not after it.
    await sleep(1500);
    assert.equal(Number(dunstctl('count', 'displayed').trim()), 1, 'exactly one notification');
  }

  /** The rows of an inbox tab (open, done...), loaded afresh by going through another tab. */
  async function rowsOf(tab) {
    await s.click('[data-testid="nav-inbox"]');
    await s.click(`[data-testid="state-tab-${tab === 'done' ? 'open' : 'done'}"]`);
    await s.click(`[data-testid="state-tab-${tab}"]`);
    await sleep(300);
    return s.texts('[data-testid="conversation-row"]');
  }

  test('a risk-word mention notifies once, and clicking the notification opens its conversation', async () => {
    const mark = `urgent${randomBytes(5).toString('hex')}`;
    await signInMastodon(s, mastodon, servers.EARSHOT_TEST_MASTODON_ALICE_TOKEN);
    // Somewhere else than the inbox, as a manager busy with a report would be.
    await s.click('[data-testid="nav-reports"]');
    await s.waitFor('[data-testid="view-reports"]');
    await mentionAndNotification(`@alice the export is broken, I want a refund ${mark}`);

    // What a click on the notification does: the daemon invokes its default action.
    dunstctl('action', '0');
    await s.until(
      'the conversation open in the inbox',
      async () =>
        (await s.visible('[data-testid="view-inbox"]')) &&
        (await s.texts('[data-testid="thread-item"]')).some((t) => t.includes(mark)),
      15000,
    );
    // Its row joins the list (it arrived after the list was loaded), selected.
    await s.until('its row selected in the list', async () =>
      (await s.texts('[data-testid="conversation-row"][aria-selected="true"]')).some((t) => t.includes(mark)),
    );
    // Opened, it is read: the unread urgent count on the Inbox button goes.
    await s.until('the urgent count gone', async () => (await s.findAll('[data-testid="nav-inbox-badge"]')).length === 0);
    writeFileSync(join(shots, 'notification-opened.png'), await s.screenshot());

    dunstctl('close-all');
    await sleep(200);
    const shown = notificationsWith(mark);
    assert.equal(shown.length, 1, `one notification for the mention: ${JSON.stringify(shown)}`);
    assert.match(shown[0].summary, / on Mastodon$/, `the author and network: ${shown[0].summary}`);
    assert.match(shown[0].body, /export is broken/, `the text: ${shown[0].body}`);
    assert.match(shown[0].body, /refund/i, `why it is urgent: ${shown[0].body}`);
  });

  test("a notification's Mark done marks its conversation done, and its row leaves the list", async () => {
    // A new run of the app: the last notification's digest window is not this one's.
    await s.end();
    s = await Session.start(driver, app);
    await s.waitFor('[data-testid="view-inbox"]');
    const mark = `urgent${randomBytes(5).toString('hex')}`;
    await mentionAndNotification(`@alice we have an outage, nothing loads ${mark}`);
    await s.until('its row in the open list', async () => (await rowsOf('open')).some((t) => t.includes(mark)), 15000);

    // Chosen from the daemon's context menu, as a person would.
    dunstctl('context');
    // The list on screen hears of it: no reload.
    await s.until(
      'its row gone from the open list',
      async () => !(await s.texts('[data-testid="conversation-row"]')).some((t) => t.includes(mark)),
      15000,
    );
    assert.deepEqual(await s.texts('[data-testid="inbox-notice"]'), ['Marked done from its notification.']);
    assert.ok((await rowsOf('done')).some((t) => t.includes(mark)), 'in Done');
    assert.ok(!(await rowsOf('open')).some((t) => t.includes(mark)), 'no longer open');
  });
});
