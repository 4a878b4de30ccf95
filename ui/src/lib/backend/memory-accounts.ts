import type { AccountOrigin, AccountSyncStatus, CoreEvent } from '../types';
import { applySyncState, emptySyncStatus } from '../shell/sync';
import { BackendError } from './backend';

/** An account as tests and the demo describe it; missing fields get defaults. */
export interface MemoryAccount {
  id: number;
  handle: string;
  network?: string;
  server?: string;
  displayName?: string | null;
  origin?: AccountOrigin;
  remoteUserId?: string | null;
  /** The network refused its credentials (as the core's `needs_sign_in`). */
  needsSignIn?: boolean;
}

/** What a sign-in was asked to do; the secret is there for test handlers to judge. */
export interface MemorySignIn {
  network: 'bluesky' | 'mastodon';
  /** The server, normalised to an https URL. */
  server: string;
  method: 'app-password' | 'token' | 'browser';
  /** The handle typed (Bluesky); null when the server names the account (Mastodon). */
  handle: string | null;
  secret: string | null;
}

export interface MemorySignedIn {
  handle: string;
  displayName?: string | null;
}

/** Decides how a sign-in ends; reject with a {@link BackendError} to refuse it. */
export type MemorySignInHandler = (request: MemorySignIn) => Promise<MemorySignedIn>;

/** `mastodon.social` → `https://mastodon.social`, as the connectors read a server. */
export function normaliseServer(server: string): string {
  const trimmed = server.trim().replace(/\/+$/, '');
  const withScheme = /^[a-z]+:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new BackendError(null, `'${server}' is not a server address, e.g. https://mastodon.social`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BackendError(null, `'${server}' is not a server address, e.g. https://mastodon.social`);
  }
  return `${url.protocol}//${url.host}`;
}

function refused(network: string, who: string, message: string): BackendError {
  return new BackendError(
    'needs_sign_in',
    `${network} refused the sign-in for ${who}: ${message}. Sign in again (Settings → Accounts, or \`earshot-cli account add\`).`,
  );
}

/** Accepts any non-empty secret, naming the Mastodon account `manager@<host>`. */
export const acceptSignIn: MemorySignInHandler = (request) => {
  const host = new URL(request.server).host;
  if (request.method !== 'browser' && !request.secret?.trim()) {
    const what = request.method === 'token' ? 'the access token is empty' : 'the app password is empty';
    return Promise.reject(refused(request.network, request.handle ?? host, what));
  }
  return Promise.resolve({ handle: request.handle ?? `manager@${host}`, displayName: null });
};

/**
 * The accounts side of {@link MemoryBackend}: sign-ins (cancellable), the upsert the
 * core does (signing in again keeps the id and clears the flag), removal, and sync
 * status that follows the `syncState` events it is shown, as the core's does.
 */
export class MemoryAccounts {
  accounts: MemoryAccount[];
  readonly #signIn: MemorySignInHandler;
  readonly #sync = new Map<number, AccountSyncStatus>();
  #cancel: ((err: BackendError) => void) | null = null;
  readonly #now: () => number;

  constructor(accounts: MemoryAccount[], signIn: MemorySignInHandler, now: () => number) {
    this.accounts = accounts;
    this.#signIn = signIn;
    this.#now = now;
  }

  /** Runs a sign-in until it ends or {@link cancel} is called. */
  async signIn(request: MemorySignIn): Promise<MemorySignedIn> {
    this.#cancel?.(new BackendError('cancelled', 'the sign-in was cancelled'));
    const cancelled = new Promise<never>((_, reject) => {
      this.#cancel = reject;
    });
    try {
      return await Promise.race([this.#signIn(request), cancelled]);
    } finally {
      this.#cancel = null;
    }
  }

  cancel(): void {
    this.#cancel?.(new BackendError('cancelled', 'the sign-in was cancelled'));
  }

  /** Adds the account, or signs in again the one with the same network, server and handle. */
  upsert(network: string, server: string, signedIn: MemorySignedIn): MemoryAccount {
    const same = this.accounts.find(
      (a) =>
        a.network === network &&
        a.server === server &&
        a.handle.toLowerCase() === signedIn.handle.toLowerCase(),
    );
    if (same) {
      same.needsSignIn = false;
      same.origin = 'signed-in';
      same.displayName = signedIn.displayName ?? same.displayName ?? null;
      this.#sync.delete(same.id);
      return same;
    }
    const account: MemoryAccount = {
      id: Math.max(0, ...this.accounts.map((a) => a.id)) + 1,
      network,
      server,
      handle: signedIn.handle,
      displayName: signedIn.displayName ?? null,
      origin: 'signed-in',
      needsSignIn: false,
    };
    this.accounts.push(account);
    return account;
  }

  find(id: number): MemoryAccount {
    const account = this.accounts.find((a) => a.id === id);
    if (!account) throw new BackendError('not_found', `account ${id} does not exist`);
    return account;
  }

  remove(id: number): void {
    this.find(id);
    this.accounts = this.accounts.filter((a) => a.id !== id);
    this.#sync.delete(id);
  }

  /** The status of each signed-in account, as `sync_status` reports it. */
  status(signedIn: (a: MemoryAccount) => boolean): AccountSyncStatus[] {
    return this.accounts.filter(signedIn).map((a) => {
      const known = this.#sync.get(a.id);
      const status = known ? structuredClone(known) : emptySyncStatus(a.id);
      if (a.needsSignIn) status.state = 'needsSignIn';
      return status;
    });
  }

  /** Sets an account's status outright (tests). */
  setStatus(status: AccountSyncStatus): void {
    this.#sync.set(status.accountId, structuredClone(status));
  }

  /** Follows a `syncState` event the way the core's status does. */
  observe(event: CoreEvent): void {
    if (event.kind !== 'syncState') return;
    const before = this.status(() => true).find((s) => s.accountId === event.accountId);
    if (!before) return;
    this.#sync.set(event.accountId, applySyncState(before, event, this.#now()));
    if (event.state === 'needsSignIn') this.find(event.accountId).needsSignIn = true;
  }
}
