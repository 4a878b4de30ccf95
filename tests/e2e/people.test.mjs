// Contacts and reports in the real window, on the demo workspace: a contact
// across two networks, a suggested link accepted and split out again, the
// contact beside a conversation, and the report with its CSV export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, driver, shots } from './env.mjs';
import { Session, sleep } from './webdriver.mjs';

let s;

async function shot(name) {
  writeFileSync(join(shots, `${name}.png`), await s.screenshot());
}

/** Clicks the first element matching `css` whose text includes `text`. */
async function clickText(css, text) {
  await s.until(`${css} with "${text}"`, async () => (await s.texts(css)).some((t) => t.includes(text)));
  const texts = await s.texts(css);
  const elements = await s.findAll(css);
  await elements[texts.findIndex((t) => t.includes(text))].click();
}

const count = async (css) => (await s.findAll(css)).length;

describe('contacts and reports', () => {
  before(async () => {
    assert.ok(app, 'EARSHOT_APP names the built binary');
    // A data directory of its own, so the demo is there whatever ran before.
    s = await Session.start(driver, join(dirname(fileURLToPath(import.meta.url)), 'fresh-app.sh'));
    await s.waitFor('[data-testid="conversation-row"]', { min: 10 });
  });

  after(async () => {
    await s?.end();
  });

  test('g c shows the demo contacts; Maria has a handle on two networks and one timeline', async () => {
    await s.keys('g', 'c');
    await s.waitFor('[data-testid="contact-row"]', { min: 2 });
    await clickText('[data-testid="contact-row"]', 'Maria Okafor');
    await s.until('Maria’s page', async () =>
      (await s.execute('return document.querySelector(\'[data-testid="contact-name"]\')?.value')) === 'Maria Okafor',
    );
    await s.waitFor('[data-testid="contact-handle"]', { min: 2 });
    const badges = await s.texts('[data-testid="contact-handle"] [data-testid="network-badge"]');
    assert.deepEqual([...badges].sort(), ['Bluesky', 'Mastodon'], 'one handle on each network');
    const tags = (await s.texts('[data-testid="contact-tag"]')).map((t) => t.replace('×', '').trim());
    assert.deepEqual(tags, ['customer', 'vip']);
    const timeline = await s.waitFor('[data-testid="timeline-conversation"]', { min: 2 });
    const networks = await s.texts('[data-testid="timeline-conversation"] [data-testid="network-badge"]');
    assert.ok(new Set(networks).size === 2, `the timeline spans both networks: ${networks}`);
    assert.ok(timeline.length >= 2);
    await sleep(300);
    await shot('contact');
  });

  test('a suggestion is linked only when accepted, and splitting restores both timelines', async () => {
    await (await s.waitFor('[data-testid="contacts-suggestions-toggle"]'))[0].click();
    const before = await count('[data-testid="contact-row"]');
    const [first] = await s.texts('[data-testid="contact-suggestion"]');
    assert.match(first, /same (handle|display name)/, `a suggestion says why: ${first}`);
    const name = /same display name '([^']+)'/.exec(first)?.[1];
    assert.ok(name, `the demo's suggestions match names: ${first}`);

    await (await s.findAll('[data-testid="suggestion-accept"]'))[0].click();
    await s.until('the new contact’s page', async () =>
      (await s.execute('return document.querySelector(\'[data-testid="contact-name"]\')?.value')) === name,
    );
    await s.waitFor('[data-testid="contact-handle"]', { min: 2 });
    await s.until('the list to gain it', async () => (await count('[data-testid="contact-row"]')) === before + 1);
    const linked = await count('[data-testid="timeline-conversation"]');

    await (await s.findAll('[data-testid="contact-split"]'))[0].click();
    await s.until('one handle left', async () => (await count('[data-testid="contact-handle"]')) === 1);
    await s.until('the timeline to shrink', async () => (await count('[data-testid="timeline-conversation"]')) < linked);
    const [notice] = await s.texts('[data-testid="contact-notice"]');
    assert.match(notice, /split out/);
  });

  test('the panel beside a conversation shows the contact, and opens its page', async () => {
    await clickText('[data-testid="contact-row"]', 'Maria Okafor');
    // Her timeline holds every conversation she took part in; the panel shows the
    // person each conversation is with (who wrote last), so find one that is hers.
    const rows = (await s.waitFor('[data-testid="timeline-conversation"]')).length;
    let found = false;
    for (let i = 0; i < Math.min(rows, 8) && !found; i++) {
      if (i > 0) {
        await s.keys('g', 'c');
        await s.waitFor('[data-testid="timeline-conversation"]', { min: i + 1 });
      }
      await s.clickNth('[data-testid="timeline-conversation"]', i);
      await s.until('the inbox', () => s.visible('[data-testid="view-inbox"]'));
      await s.waitFor('[data-testid="author-panel"] h3');
      await sleep(300);
      found = /Maria Okafor/.test((await s.texts('[data-testid="author-panel"] h3'))[0] ?? '');
    }
    assert.ok(found, 'one of her conversations is with her');
    await s.waitFor('[data-testid="author-contact"]');
    const [panel] = await s.texts('[data-testid="author-panel"]');
    assert.match(panel, /Maria Okafor/);
    assert.match(panel, /Also writes as/);
    assert.match(panel, /customer/);
    await (await s.findAll('[data-testid="author-open-contact"]'))[0].click();
    await s.until('back on Maria’s page', async () =>
      (await s.execute('return document.querySelector(\'[data-testid="contact-name"]\')?.value')) === 'Maria Okafor',
    );
  });

  test('g r shows the report beside the previous period, with a chart; Export CSV writes the tables', async () => {
    await s.keys('g', 'r');
    await s.waitFor('[data-testid="kpi-received"]');
    await s.until('a count of what came in', async () => /Received\s*[1-9]/.test((await s.texts('[data-testid="kpi-received"]'))[0] ?? ''));
    const [rate] = await s.texts('[data-testid="kpi-response-rate"]');
    assert.match(rate, /%/);
    assert.match((await s.texts('[data-testid="kpi-first-response-median"]'))[0], /previous/);
    await s.waitFor('[data-testid="report-advocates"] li');
    await sleep(600);
    await shot('report');
    const chart = await s.execute(
      'const f = document.querySelector(\'[data-testid="sentiment-chart"]\'); return f && f.innerHTML.slice(0, 300)',
    );
    assert.ok((await s.findAll('[data-testid="sentiment-chart"] canvas')).length > 0, `uPlot drew the trend: ${chart}`);

    // The chart follows the theme: toggled from the palette, it is drawn again in the dark colours.
    const palette = async (command) => {
      await s.keys(['\uE009', 'k']);
      await s.until('the palette', () => s.visible('[data-testid="command-palette"]'));
      await s.typeText(command);
      await s.keys('\uE007');
      await s.until('the palette to close', async () => !(await s.visible('[data-testid="command-palette"]')));
    };
    const axisColour = () =>
      s.execute('return getComputedStyle(document.documentElement).getPropertyValue("--accent").trim()');
    const light = await axisColour();
    await palette('Toggle light and dark');
    await s.until('the dark theme', async () => (await axisColour()) !== light);
    await s.waitFor('[data-testid="sentiment-chart"] canvas');
    await sleep(600);
    await shot('report-dark');
    await palette('Use the system theme');

    await (await s.findAll('[data-testid="report-export-csv"]'))[0].click();
    await s.waitFor('[data-testid="report-saved"]');
    const [saved] = await s.texts('[data-testid="report-saved"]');
    const dir = process.env.EARSHOT_EXPORT_DIR;
    if (dir) {
      const [folder] = readdirSync(dir).filter((f) => f.startsWith('earshot-report '));
      assert.ok(folder, `a folder named after the period in ${dir}`);
      assert.ok(saved.includes(folder), `the view says where: ${saved}`);
      const summary = readFileSync(join(dir, folder, 'summary.csv'), 'utf8');
      assert.ok(summary.startsWith('\uFEFF'), 'UTF-8 with a byte-order mark, for spreadsheets');
      assert.ok(existsSync(join(dir, folder, 'conversations.csv')));
    }
  });
});
