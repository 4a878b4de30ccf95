// Replying in the real window, by keyboard only, against the local Mastodon API
// server: a saved reply with a variable and a prompt, a mention completed from the
// thread, send, undo, send again, and the reply read back from the server exactly
// once under the right parent. Then the app is killed mid-draft and the draft is
// there after the restart. Runs after offline.test.mjs on the same data directory
// (whose account went through a proxy that is gone): it signs in afresh.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, driver, serversEnv, shots } from './env.mjs';
import { signInMastodon } from './steps.mjs';
import { Session } from './webdriver.mjs';

const CONTROL = '\uE009';
const ENTER = '\uE007';
const END = '\uE010';

let s;

async function shot(name) {
  writeFileSync(join(shots, `${name}.png`), await s.screenshot());
}

async function post(base, token, status) {
  const response = await fetch(`${base}/api/v1/statuses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: new URLSearchParams({ status, visibility: 'public' }),
  });
  assert.ok(response.ok, `posting to the Mastodon server: ${response.status}`);
  return response.json();
}

async function replies(base, token, id) {
  const response = await fetch(`${base}/api/v1/statuses/${id}/context`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.ok(response.ok, `reading the thread from the Mastodon server: ${response.status}`);
  return (await response.json()).descendants;
}


/** A tab of the inbox listed afresh; its newest conversation is selected. */
async function freshInbox(tab = 'open') {
  await s.click('[data-testid="nav-inbox"]');
  await s.click('[data-testid="state-tab-done"]');
  await new Promise((r) => setTimeout(r, 300));
  await s.click(`[data-testid="state-tab-${tab}"]`);
  await s.until(
    'the inbox to list',
    async () => (await s.findAll('[data-testid="conversation-row"]')).length > 0,
    30000,
  );
}

async function topRow() {
  return (await s.texts('[data-testid="conversation-row"]'))[0] ?? '';
}

function composerText() {
  return s.execute('return document.querySelector(\'[data-testid="composer-text"]\')?.value ?? null');
}

describe('replying', () => {
  const servers = serversEnv();
  const mastodon = servers.EARSHOT_TEST_MASTODON_URL;
  const mark = `reply${randomBytes(5).toString('hex')}`;
  let root;

  before(async () => {
    assert.ok(app, 'EARSHOT_APP names the built binary');
    assert.ok(
      mastodon,
      'the local Mastodon API server is not up: run through `make e2e`, or tests/servers/start.sh mastodon with EARSHOT_SERVERS_DIR set',
    );
    s = await Session.start(driver, app);
  });

  after(async () => {
    await s?.end().catch(() => {});
  });

  test('a reply written by keyboard only is sent once, after an undo, under the right parent', async () => {
    // Set-up: the account (the earlier one's proxy is gone) and a saved reply.
    await signInMastodon(s, mastodon, servers.EARSHOT_TEST_MASTODON_ALICE_TOKEN);
    await (await s.waitFor('[data-testid="saved-reply-add"]'))[0].click();
    await (await s.waitFor('[data-testid="saved-reply-name"]'))[0].type('refund');
    await (await s.findAll('[data-testid="saved-reply-body"]'))[0].type(
      'Hi {author.name}, refund {?Refund number} is on its way.',
    );
    await (await s.findAll('[data-testid="saved-reply-save"]'))[0].click();
    await s.until('the saved reply to be listed', async () =>
      /refund/.test((await s.texts('[data-testid="saved-replies"]'))[0] ?? ''),
    );

    root = await post(mastodon, servers.EARSHOT_TEST_MASTODON_BOB_TOKEN, `@alice I was charged twice, I want a refund ${mark}`);
    try {
      await s.until(
        'the mention at the top of the inbox',
        async () => {
          await freshInbox();
          return (await topRow()).includes(mark);
        },
        30000,
      );
    } catch (e) {
      await shot('reply-debug');
      console.log('rows:', mark, await s.texts('[data-testid="conversation-row"]'));
      throw e;
    }

    // From here on, only keys.
    await s.keys('r');
    await s.until('the composer to have focus', () =>
      s.execute('return document.activeElement?.dataset?.testid === "composer-text"'),
    );
    await s.keys([CONTROL, 'i']);
    await s.waitFor('[data-testid="saved-reply-filter"]');
    await s.typeText('ref');
    await s.keys(ENTER);
    await s.until('the prompt to have focus', () =>
      s.execute('return document.activeElement?.dataset?.testid === "saved-reply-answer"'),
    );
    await s.typeText('R-77');
    await s.keys(ENTER);
    await s.until('the filled reply in the composer', async () => /refund R-77 is on its way\./.test((await composerText()) ?? ''));
    const filled = await composerText();
    assert.doesNotMatch(filled, /\{/, `every variable is filled: ${filled}`);
    await s.keys(END);
    await s.typeText(' Ping @bo');
    await s.waitFor('[data-testid="mention-list"]');
    await s.keys('\uE004'); // Tab picks the first person of the thread
    await s.until('the mention completed', async () => /Ping @bob\S* $/.test((await composerText()) ?? ''));
    const [counter] = await s.texts('[data-testid="composer-counter"]');
    assert.match(counter, /^\d+\s\/\s\d+$/, `the server's own limit, counted live: ${counter}`);
    await shot('composer');

    await s.keys([CONTROL, ENTER]);
    await s.waitFor('[data-testid="undo-send"]');
    await s.keys('z');
    await s.until('the undone reply back in the composer', async () => ((await composerText()) ?? '').includes('R-77'));

    await s.keys(END);
    await s.typeText(' Thanks!');
    await s.keys([CONTROL, ENTER]);
    await s.waitFor('[data-testid="undo-send"]');
    await shot('undo-send');
    await s.until(
      'the sent reply in the thread',
      async () => (await s.texts('[data-testid="thread-item"]')).some((t) => t.includes('Thanks!')),
      30000,
    );

    const ours = (await replies(mastodon, servers.EARSHOT_TEST_MASTODON_BOB_TOKEN, root.id)).filter((r) =>
      /R-77/.test(r.content),
    );
    assert.equal(ours.length, 1, 'the undone reply never went out; the second went out once');
    assert.equal(ours[0].in_reply_to_id, root.id, 'it answers the mention');
    assert.match(ours[0].content, /Thanks!/);
    assert.match(ours[0].content, /refund R-77 is on its way/);

    // The rules that flagged it, in Settings.
    await s.click('[data-testid="nav-settings"]');
    await s.waitFor('[data-testid="rule-row"]', { min: 3 });
    // Scrolls the view's own scroller (not the window, which must stay put).
    await s.execute(`
      const rules = document.querySelector('[data-testid="settings-rules"]');
      let box = rules.parentElement;
      while (box && !(box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY !== 'visible')) {
        box = box.parentElement;
      }
      if (box) box.scrollTop += rules.getBoundingClientRect().top - box.getBoundingClientRect().top - 16;
    `);
    await new Promise((r) => setTimeout(r, 300));
    await shot('rules');
  });

  test('a draft typed when the app is killed is there after the restart', async () => {
    // The first reply moved the conversation to Pending (the default setting).
    await freshInbox('pending');
    // Its row shows its newest item: our reply.
    const top = await topRow();
    assert.ok(top.includes('R-77'), `the conversation replied to is at the top of Pending: ${top}`);
    await s.keys('r');
    await s.until('the composer to have focus', () =>
      s.execute('return document.activeElement?.dataset?.testid === "composer-text"'),
    );
    await s.typeText('Half a thought before the crash');
    await s.until('the draft to be saved', async () =>
      /Draft saved/.test((await s.texts('[data-testid="composer-draft-state"]'))[0] ?? ''),
    );

    // SIGKILL: no shutdown, no flush; only what the store already has survives.
    execFileSync('pkill', ['-KILL', '-f', '--', app]);
    await s.end().catch(() => {});
    s = await Session.start(driver, app);

    await freshInbox('pending');
    const row = await topRow();
    assert.ok(row.includes('R-77') && /Draft/i.test(row), `the row shows the draft: ${row}`);
    await s.keys('r');
    await s.until('the draft in the composer', async () => (await composerText()) === 'Half a thought before the crash');
  });
});
