// End-to-end tests of the real app: the built binary in a real WebKitGTK window,
// driven through tauri-driver, on a fresh data directory with the real keyring.
// Started by tests/e2e/run.sh, which provides the display, keyring and driver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './webdriver.mjs';

const driver = process.env.EARSHOT_WEBDRIVER ?? 'http://127.0.0.1:4444';
const app = process.env.EARSHOT_APP;
const shots = process.env.EARSHOT_SHOTS ?? 'target/screenshots';
mkdirSync(shots, { recursive: true });

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
});
