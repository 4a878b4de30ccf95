// Listening in the real window with real data: a query over what the local
// Mastodon server sends (alice's mentions) and what a local RSS feed brings (a
// source added in the app, served by a tiny HTTP server here on 127.0.0.1),
// hits from both on the dashboard, and a second query created afterwards that
// finds the same items at once (matched retroactively). The app runs on a data
// directory of its own (fresh-app.sh), so the other files' accounts stay apart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, driver, serversEnv, shots } from './env.mjs';
import { firstSyncDone } from './steps.mjs';
import { Session } from './webdriver.mjs';

const ENTER = '\uE007';
let s;

async function shot(name) {
  writeFileSync(join(shots, `${name}.png`), await s.screenshot());
}


async function type(css, text) {
  await (await s.waitFor(css))[0].type(text);
}

/** An RSS 2.0 feed with one item mentioning `word`. */
function feed(word) {
  const now = new Date().toUTCString();
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Fernwood news</title><link>http://127.0.0.1/</link>
<description>A local test feed</description>
<item><title>Fernwood review: the ${word} sync app we wanted</title>
<link>http://127.0.0.1/posts/1</link><guid>http://127.0.0.1/posts/1-${word}</guid>
<pubDate>${now}</pubDate>
<description>A long look at ${word}, its offline mode and its export.</description></item>
</channel></rss>`;
}

describe('listening', () => {
  const servers = serversEnv();
  const mastodon = servers.EARSHOT_TEST_MASTODON_URL;
  const word = `lumen${randomBytes(4).toString('hex')}`;
  let server;
  let feedUrl;

  before(async () => {
    assert.ok(app, 'EARSHOT_APP names the built binary');
    assert.ok(mastodon, 'the local Mastodon API server is not up: run through `make e2e`');
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      res.end(feed(word));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    feedUrl = `http://127.0.0.1:${server.address().port}/feed.xml`;
    s = await Session.start(driver, join(dirname(fileURLToPath(import.meta.url)), 'fresh-app.sh'));
  });

  after(async () => {
    await s?.end().catch(() => {});
    await new Promise((r) => server?.close(r));
  });

  test('hits from a network and a feed on the dashboard, and a new query matched retroactively', async () => {
    // Alice on the local Mastodon server: her mentions are synced into the cache.
    await s.click('[data-testid="nav-settings"]');
    await s.click('[data-testid="accounts-add"]');
    await s.click('[data-testid="add-network-mastodon"]');
    await type('[data-testid="mastodon-server"]', mastodon);
    await s.click('[data-testid="mastodon-token-toggle"]');
    await type('[data-testid="mastodon-token"]', servers.EARSHOT_TEST_MASTODON_ALICE_TOKEN);
    await s.keys(ENTER);
    await firstSyncDone(s);
    const posted = await fetch(`${mastodon}/api/v1/statuses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${servers.EARSHOT_TEST_MASTODON_BOB_TOKEN}` },
      body: new URLSearchParams({ status: `@alice is ${word} any good offline?`, visibility: 'public' }),
    });
    assert.ok(posted.ok, `posting to the Mastodon server: ${posted.status}`);

    // A query on the word, and the feed as a source.
    await s.click('[data-testid="nav-listening"]');
    await s.click('[data-testid="query-new"]');
    await type('[data-testid="query-name"]', 'Lumen');
    await type('[data-testid="query-text"]', word);
    await s.click('[data-testid="query-save"]');
    await s.waitFor('[data-testid="query-row"]');
    // An RSS or Atom feed is the kind the form starts with.
    await type('[data-testid="source-target"]', feedUrl);
    await s.click('[data-testid="source-add"]');

    // Both arrive: the mention through the stream, the feed's item through its first poll.
    await s.until(
      'hits from the network and the feed',
      async () => {
        await s.click('[data-testid="listening-refresh"]').catch(() => {});
        const hits = (await s.texts('[data-testid="latest-hit"]')).join('\n');
        return /offline\?/.test(hits) && /Fernwood review/.test(hits);
      },
      45000,
    );
    const [total] = await s.texts('[data-testid="listening-total"]');
    assert.match(total ?? '', /\b2\b/, `two hits in all: ${total}`);
    // The view from its top (the refresh button may have scrolled it).
    await s.execute('for (const e of document.querySelectorAll("*")) if (e.scrollTop) e.scrollTop = 0;');
    await new Promise((r) => setTimeout(r, 500));
    await shot('listening');

    // A second query after the items arrived: history is matched at once.
    await s.click('[data-testid="query-new"]');
    await type('[data-testid="query-name"]', 'Offline');
    await type('[data-testid="query-text"]', `${word} AND offline`);
    await s.click('[data-testid="query-save"]');
    await s.until(
      'the new query to list its past hits',
      async () => (await s.texts('[data-testid="query-row"]')).some((t) => /Offline/.test(t) && /\b2 hits/.test(t)),
      20000,
    );

    // The dashboard in the dark theme.
    await s.keys(['\uE009', 'k']);
    await s.until('the palette', () => s.visible('[data-testid="command-palette"]'));
    await s.typeText('Toggle light and dark');
    await s.keys(ENTER);
    await s.until('the palette to close', async () => !(await s.visible('[data-testid="command-palette"]')));
    await new Promise((r) => setTimeout(r, 600));
    await shot('listening-dark');
  });
});
