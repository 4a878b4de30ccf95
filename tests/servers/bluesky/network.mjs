// A full local Bluesky network (PLC, PDS, AppView on PostgreSQL, Ozone, bsync)
// from @atproto/dev-env, started by tests/servers/start.sh as
//   node --import ./loopback.mjs ./network.mjs
// Inputs (environment): EARSHOT_BSKY_MODULES (the node_modules holding
// @atproto/dev-env, installed in the cache, not in the git clone),
// EARSHOT_BSKY_{PDS,APPVIEW,PLC}_PORT, EARSHOT_BSKY_DB_URL, EARSHOT_BSKY_READY
// (file to write when ready), EARSHOT_BSKY_ENV (env fragment to write).
// It seeds the test accounts through the PDS's HTTP API, checks that Alice's
// app password logs in and reads her notifications, writes the env fragment,
// then the ready file, and runs until SIGTERM/SIGINT.
import { writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const started = Date.now();
const log = (msg) => console.log(`[earshot ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

// ESM resolves bare imports next to this file (the git clone); the packages live
// in the cache, so resolve the entry point from there.
const require = createRequire(path.join(env('EARSHOT_BSKY_MODULES'), 'resolve-from-here.js'));
const { TestNetwork } = await import(pathToFileURL(require.resolve('@atproto/dev-env')).href);

const pdsPort = Number(env('EARSHOT_BSKY_PDS_PORT'));
const appviewPort = Number(env('EARSHOT_BSKY_APPVIEW_PORT'));
const plcPort = Number(env('EARSHOT_BSKY_PLC_PORT'));
// TestNetwork requires REDIS_HOST to be set, but nothing in this set-up uses Redis.
process.env.REDIS_HOST ||= 'unused-redis-host';

let network;
let closing = false;
async function shutdown(signal) {
  if (closing) return;
  closing = true;
  log(`${signal}: closing the network`);
  // close() waits for queued events; never hang a test run on it.
  const timer = setTimeout(() => {
    log('close() took over 15 s, exiting anyway');
    process.exit(1);
  }, 15_000);
  timer.unref();
  try {
    if (network) await network.close();
  } catch (err) {
    log(`close failed: ${err?.stack ?? err}`);
    process.exit(1);
  }
  log('closed');
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

network = await TestNetwork.create({
  dbPostgresUrl: env('EARSHOT_BSKY_DB_URL'),
  dbPostgresSchema: 'earshot',
  pds: { port: pdsPort, hostname: 'localhost', enableDidDocWithSession: true },
  bsky: { port: appviewPort, publicUrl: `http://localhost:${appviewPort}`, dbPostgresSchema: 'bsky' },
  plc: { port: plcPort },
  ozone: { chatUrl: 'http://localhost:1', chatDid: 'did:example:chat' },
});
log(`network up: PDS ${network.pds.url}, AppView ${network.bsky.url}, PLC ${network.plc.url}`);

// Everything below goes through HTTP, as a client would, on 127.0.0.1.
const pds = `http://127.0.0.1:${pdsPort}`;
async function xrpc(method, nsid, body, token) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${pds}/xrpc/${nsid}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${nsid}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

const people = {
  alice: { handle: 'alice.test', password: 'alice-test-password' },
  bob: { handle: 'bob.test', password: 'bob-test-password' },
  carol: { handle: 'carol.test', password: 'carol-test-password' },
};
for (const [name, p] of Object.entries(people)) {
  const acct = await xrpc('POST', 'com.atproto.server.createAccount', {
    handle: p.handle,
    email: `${name}@earshot.test`,
    password: p.password,
  });
  p.did = acct.did;
  p.accessJwt = acct.accessJwt;
  // A profile record, so the AppView has a display name to show.
  await xrpc(
    'POST',
    'com.atproto.repo.createRecord',
    {
      repo: acct.did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName: name[0].toUpperCase() + name.slice(1) },
    },
    acct.accessJwt,
  );
}
const appPw = await xrpc(
  'POST',
  'com.atproto.server.createAppPassword',
  { name: 'earshot-tests' },
  people.alice.accessJwt,
);
people.alice.appPassword = appPw.password;
log(`seeded ${Object.values(people).map((p) => `${p.handle} (${p.did})`).join(', ')}`);

// Alice logs in with the app password and reads her notifications through the
// PDS (which proxies app.bsky.* to the AppView): what Earshot will do.
const session = await xrpc('POST', 'com.atproto.server.createSession', {
  identifier: people.alice.handle,
  password: people.alice.appPassword,
});
const notes = await xrpc('GET', 'app.bsky.notification.listNotifications?limit=1', undefined, session.accessJwt);
if (!Array.isArray(notes.notifications)) throw new Error('listNotifications gave no notifications array');
log('alice: createSession with the app password and listNotifications work');

const lines = {
  EARSHOT_TEST_BSKY_PDS: pds,
  EARSHOT_TEST_BSKY_APPVIEW: `http://127.0.0.1:${appviewPort}`,
  EARSHOT_TEST_BSKY_PLC: `http://127.0.0.1:${plcPort}`,
  EARSHOT_TEST_BSKY_ALICE_HANDLE: people.alice.handle,
  EARSHOT_TEST_BSKY_ALICE_DID: people.alice.did,
  EARSHOT_TEST_BSKY_ALICE_PASSWORD: people.alice.password,
  EARSHOT_TEST_BSKY_ALICE_APP_PASSWORD: people.alice.appPassword,
  EARSHOT_TEST_BSKY_BOB_HANDLE: people.bob.handle,
  EARSHOT_TEST_BSKY_BOB_DID: people.bob.did,
  EARSHOT_TEST_BSKY_BOB_PASSWORD: people.bob.password,
  EARSHOT_TEST_BSKY_CAROL_HANDLE: people.carol.handle,
  EARSHOT_TEST_BSKY_CAROL_DID: people.carol.did,
  EARSHOT_TEST_BSKY_CAROL_PASSWORD: people.carol.password,
};
const envFile = env('EARSHOT_BSKY_ENV');
writeFileSync(
  `${envFile}.tmp`,
  Object.entries(lines)
    .map(([k, v]) => `export ${k}='${v}'\n`)
    .join(''),
);
renameSync(`${envFile}.tmp`, envFile);
const ready = env('EARSHOT_BSKY_READY');
writeFileSync(`${ready}.tmp`, `${JSON.stringify({ pid: process.pid, ms: Date.now() - started })}\n`);
renameSync(`${ready}.tmp`, ready);
log('ready');
