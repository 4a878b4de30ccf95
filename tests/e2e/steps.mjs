// Steps several end-to-end files take the same way.

/** Adds a Mastodon account from Settings (on screen) with a server and a token. */
export async function addMastodonAccount(s, server, token) {
  await (await s.waitFor('[data-testid="accounts-add"]'))[0].click();
  await (await s.waitFor('[data-testid="add-network-mastodon"]'))[0].click();
  await (await s.waitFor('[data-testid="mastodon-server"]'))[0].type(server);
  await (await s.findAll('[data-testid="mastodon-token-toggle"]'))[0].click();
  await (await s.waitFor('[data-testid="mastodon-token"]'))[0].type(token);
  await s.keys('\uE007');
}

/**
 * Waits for the first account's first sync to finish; on a timeout, says what the
 * accounts showed last (their states and details) and what the top bar said.
 */
export async function firstSyncDone(s) {
  let seen = [];
  try {
    await s.until(
      'the first sync to finish',
      async () => {
        seen = await s.texts('[data-testid="account-state"]');
        return /Up to date|Streaming/.test(seen[0] ?? '');
      },
      30000,
    );
  } catch (err) {
    const accounts = await s.texts('[data-testid="settings-account"]').catch(() => []);
    const sync = await s.texts('[data-testid="sync-status"]').catch(() => []);
    throw new Error(
      `${err.message}: the account states last read ${JSON.stringify(seen)}, ` +
        `the accounts ${JSON.stringify(accounts)}, the sync status ${JSON.stringify(sync)}`,
    );
  }
}

/**
 * Signs in to a Mastodon server with a token in Settings, after removing the
 * accounts already there (an earlier file's may point at a proxy that is gone),
 * and waits for the first sync to finish.
 */
export async function signInMastodon(s, server, token) {
  await (await s.waitFor('[data-testid="nav-settings"]'))[0].click();
  await s.waitFor('[data-testid="accounts-add"]');
  while ((await s.findAll('[data-testid="account-remove"]')).length > 0) {
    await (await s.findAll('[data-testid="account-remove"]'))[0].click();
    await (await s.waitFor('[data-testid="account-remove-confirm-button"]'))[0].click();
    await new Promise((r) => setTimeout(r, 300));
  }
  await addMastodonAccount(s, server, token);
  await firstSyncDone(s);
}
