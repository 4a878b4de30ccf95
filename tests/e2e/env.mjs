// What every end-to-end test file reads from its environment: the WebDriver
// address, the app binary, where screenshots go, and the local test servers.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const driver = process.env.EARSHOT_WEBDRIVER ?? 'http://127.0.0.1:4444';
export const app = process.env.EARSHOT_APP;
export const shots = process.env.EARSHOT_SHOTS ?? 'target/screenshots';
mkdirSync(shots, { recursive: true });

/** The local test servers' variables: the environment's, else the run directory's env file. */
export function serversEnv() {
  const vars = { ...process.env };
  const file = process.env.EARSHOT_SERVERS_DIR && join(process.env.EARSHOT_SERVERS_DIR, 'env');
  if (!vars.EARSHOT_TEST_MASTODON_URL && file && existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^export (EARSHOT_TEST_[A-Z_]+)='(.*)'$/.exec(line);
      if (m) vars[m[1]] = m[2];
    }
  }
  return vars;
}
