// Offline reading in the real window: a conversation saved while online is read
// whole and found by search once the network is gone. The account signs in to the
// local Mastodon API server through a TCP proxy this test owns; cutting the proxy
// makes the server unreachable for the app alone (other tests keep the server).
// Runs after app.test.mjs (node --test takes files in order, one at a time), on
// the same data directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { app, driver, serversEnv, shots } from './env.mjs';
import { addMastodonAccount, firstSyncDone } from './steps.mjs';
import { Session } from './webdriver.mjs';

let s;

/** A TCP proxy to `target` (host:port) that `cut()` stops dead: no listener, no connection. */
async function proxy(target) {
  const [host, port] = target.split(':');
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    for (const sock of [client, upstream]) {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const sock of sockets) sock.destroy();
      await closed;
    },
  };
}

/** A real 48×32 PNG (a gradient) the webview can decode. */
function png() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const [w, h] = [48, 32];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < h; y++) {
    rows.push(Buffer.from([0, ...Array.from({ length: w }, (_, x) => [x * 5, y * 7, 160]).flat()]));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Uploads an image as a media attachment (`/api/v2/media`); its id. */
async function upload(base, token, description) {
  const form = new FormData();
  form.set('file', new Blob([png()], { type: 'image/png' }), 'screenshot.png');
  form.set('description', description);
  const response = await fetch(`${base}/api/v2/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.ok(response.ok, `uploading to the Mastodon server: ${response.status}`);
  return (await response.json()).id;
}

async function post(base, token, status, inReplyTo, mediaIds = []) {
  const form = new URLSearchParams({ status, visibility: 'public' });
  if (inReplyTo) form.set('in_reply_to_id', inReplyTo);
  for (const id of mediaIds) form.append('media_ids[]', id);
  const response = await fetch(`${base}/api/v1/statuses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  assert.ok(response.ok, `posting to the Mastodon server: ${response.status}`);
  return response.json();
}

async function shot(name) {
  writeFileSync(join(shots, `${name}.png`), await s.screenshot());
}

/**
 * Lists the inbox afresh: the Done tab and back (which also closes the open
 * conversation, so opening it again reads it from the store anew).
 */
async function reloadInbox() {
  await (await s.waitFor('[data-testid="nav-inbox"]'))[0].click();
  await (await s.waitFor('[data-testid="state-tab-done"]'))[0].click();
  await new Promise((r) => setTimeout(r, 300));
  await (await s.waitFor('[data-testid="state-tab-open"]'))[0].click();
  await s.until(
    'the inbox to list',
    async () =>
      (await s.findAll('[data-testid="conversation-row"]')).length > 0 ||
      (await s.findAll('[data-testid="empty-inbox"]')).length > 0,
  );
}

/** Opens the conversation whose row holds `mark` (after reloading the inbox); false if not listed. */
async function openWith(mark) {
  await reloadInbox();
  const row = await rowWith(mark);
  if (!row) return false;
  await row.click();
  await s.keys('\uE007');
  await s.waitFor('[data-testid="thread-item"]');
  return true;
}

/** The inbox row whose text holds `mark`. */
async function rowWith(mark) {
  const texts = await s.texts('[data-testid="conversation-row"]');
  const index = texts.findIndex((t) => t.includes(mark));
  if (index < 0) return null;
  return (await s.findAll('[data-testid="conversation-row"]'))[index] ?? null;
}

describe('offline', () => {
  const servers = serversEnv();
  const mastodon = servers.EARSHOT_TEST_MASTODON_URL;
  let net_;

  before(async () => {
    assert.ok(app, 'EARSHOT_APP names the built binary');
    assert.ok(
      mastodon,
      'the local Mastodon API server is not up: run through `make e2e`, or tests/servers/start.sh mastodon with EARSHOT_SERVERS_DIR set',
    );
    net_ = await proxy(new URL(mastodon).host);
    s = await Session.start(driver, app);
  });

  after(async () => {
    await s?.end();
    await net_?.cut().catch(() => {});
  });

  test('a saved conversation reads whole and is found by search with the network unreachable', async () => {
    const mark = `offline${randomBytes(5).toString('hex')}`;
    // The root carries a screenshot: saving caches its preview, which then shows offline.
    const media = await upload(mastodon, servers.EARSHOT_TEST_MASTODON_BOB_TOKEN, 'The export dialog');
    const root = await post(
      mastodon,
      servers.EARSHOT_TEST_MASTODON_BOB_TOKEN,
      `@alice does the export keep accents? ${mark}`,
      null,
      [media],
    );
    // A reply that does not mention alice: only saving brings it in.
    await post(mastodon, servers.EARSHOT_TEST_MASTODON_CAROL_TOKEN, `same question, zebrafish${mark}`, root.id);

    await (await s.waitFor('[data-testid="nav-settings"]'))[0].click();
    await addMastodonAccount(s, net_.url, servers.EARSHOT_TEST_MASTODON_ALICE_TOKEN);
    await firstSyncDone(s);

    try {
      await s.until('the mention in the inbox', () => openWith(mark), 30000);
    } catch (e) {
      await reloadInbox();
      await new Promise((r) => setTimeout(r, 1000));
      await shot('offline-debug');
      console.log('rows:', mark, await s.texts('[data-testid="conversation-row"]'));
      throw e;
    }
    const before = await s.findAll('[data-testid="thread-item"]');
    assert.equal(before.length, 1, 'the sync heard only the mention');
    await s.keys('s');
    try {
      await s.until(
        'the saved conversation to be fetched whole',
        async () =>
          (await openWith(mark)) && (await s.findAll('[data-testid="thread-item"]')).length >= 2,
        30000,
      );
    } catch (e) {
      await shot('offline-debug2');
      console.log('top:', await s.texts('header'));
      throw e;
    }

    await net_.cut();
    await (await s.waitFor('[data-testid="nav-settings"]'))[0].click();
    await (await s.waitFor('[data-testid="account-sync-now"]'))[0].click();
    await s.until('the app to say it is offline', () => s.visible('[data-testid="offline-indicator"]'), 30000);

    assert.ok(await openWith(mark), 'the saved conversation is listed offline');
    await s.until('the whole thread', async () => (await s.findAll('[data-testid="thread-item"]')).length >= 2);
    const [pane] = await s.texts('[data-testid="thread-pane"]');
    assert.match(pane, /does the export keep accents/, 'the root reads offline');
    assert.match(pane, new RegExp(`zebrafish${mark}`), 'the reply only saving fetched reads offline');
    assert.ok(await s.visible('[data-testid="offline-indicator"]'), 'still offline');
    // The panel recounts every few seconds: wait for it to show the read position.
    await s.until(
      'the read position to wait for the network',
      async () => /\d+ waiting to sync/.test((await s.texts('[data-testid="waiting-to-sync"]'))[0] ?? ''),
      10000,
    );
    // The root's image preview reads from the encrypted cache, decoded, offline.
    await s.until(
      "the saved image's preview",
      async () => (await s.findAll('[data-testid="attachment-preview"]')).length > 0,
      10000,
    );
    const image = await s.execute(`
      const img = document.querySelector('[data-testid="attachment-preview"]');
      return { src: img.getAttribute('src'), width: img.naturalWidth, complete: img.complete };
    `);
    assert.match(image.src, /^earshot-media:/, 'the preview comes from the cache, never the network');
    await s.until('the preview to decode', async () =>
      (await s.execute(`return document.querySelector('[data-testid="attachment-preview"]').naturalWidth`)) > 0,
    );
    assert.equal(
      (await s.findAll('[data-testid="attachment-missing"]')).length,
      0,
      'no placeholder: the preview is cached',
    );
    await shot('offline-thread');

    // Cached images come from the encrypted cache through the app's own scheme, which
    // the content security policy lets in (an unknown id is a 404, not a violation).
    await s.execute(`
      window.__media = null;
      document.addEventListener('securitypolicyviolation', (e) => {
        if (String(e.blockedURI).startsWith('earshot-media')) window.__media = 'blocked';
      });
      const img = new Image();
      img.onload = () => { window.__media = window.__media ?? 'loaded'; };
      img.onerror = () => setTimeout(() => { window.__media = window.__media ?? 'not found'; }, 300);
      img.src = 'earshot-media://localhost/999999';
    `);
    await s.until('the image request to settle', async () => (await s.execute('return window.__media')) !== null);
    assert.equal(await s.execute('return window.__media'), 'not found', 'the CSP allows earshot-media:');

    await s.keys('\uE00C');
    await s.keys('/');
    await s.until('the search box to have focus', () =>
      s.execute('return document.activeElement?.dataset?.testid === "search-input"'),
    );
    await s.typeText(`zebrafish${mark}`);
    await s.keys('\uE007');
    const results = await s.waitFor('[data-testid="search-result"]');
    assert.equal(results.length, 1, 'the saved reply is found offline');
    assert.match((await s.texts('[data-testid="search-result"]'))[0], /same question/);
    await shot('offline-search');
  });
});
