import { formatCount, onFirstUse } from '../format';
import type {
  Account,
  AccountSyncStatus,
  CoreEvent,
  WaitingToSync,
  WorkspaceStatus,
} from '../types';

/** Latest `syncProgress` event of one account. */
export interface SyncProgress {
  done: number;
  total: number | null;
}

export interface SyncSummary {
  text: string;
  state:
    | 'demo'
    | 'no-accounts'
    | 'idle'
    | 'syncing'
    | 'synced'
    | 'unknown'
    | 'needs-sign-in'
    | 'offline'
    | 'rate-limited'
    | 'failing';
}

function finished(p: SyncProgress): boolean {
  return p.total !== null && p.done >= p.total;
}

const timeFmt = onFirstUse(() => new Intl.DateTimeFormat(undefined, { timeStyle: 'short' }));

/** "10:42", for retry and refill times. */
export function clockTime(ms: number): string {
  return timeFmt().format(ms);
}

function accountsWord(n: number): string {
  return n === 1 ? '' : ` (${n} accounts)`;
}

/** The soonest retry among `states`, as " · retrying at 10:45". */
function retrying(states: AccountSyncStatus[]): string {
  const at = states.map((s) => s.retryAt).filter((t): t is number => t !== null);
  return at.length > 0 ? ` · retrying at ${clockTime(Math.min(...at))}` : '';
}

/**
 * What the top bar says about syncing: what needs the manager first (sign in again),
 * then what is going wrong (offline, rate limited, failing), then progress.
 */
export function syncSummary(
  status: WorkspaceStatus | null,
  progress: ReadonlyMap<number, SyncProgress>,
  lastSyncedAt: number | null,
  states: Iterable<AccountSyncStatus> = [],
): SyncSummary {
  if (!status) return { text: '', state: 'unknown' };
  if (status.demo) return { text: 'Demo workspace — not syncing', state: 'demo' };
  if (status.accounts === 0) return { text: 'No accounts', state: 'no-accounts' };
  const all = [...states];
  const inState = (s: AccountSyncStatus['state']) => all.filter((a) => a.state === s);
  const signIn = inState('needsSignIn');
  if (signIn.length > 0) {
    return { text: `Needs sign-in${accountsWord(signIn.length)}`, state: 'needs-sign-in' };
  }
  const offline = inState('offline');
  if (offline.length > 0) {
    return { text: `Offline${accountsWord(offline.length)}${retrying(offline)}`, state: 'offline' };
  }
  const limited = inState('rateLimited');
  if (limited.length > 0) {
    return { text: `Rate limited${retrying(limited)}`, state: 'rate-limited' };
  }
  const failing = inState('failing');
  if (failing.length > 0) {
    return { text: `Server failing${retrying(failing)}`, state: 'failing' };
  }
  const running = [...progress.values()].filter((p) => !finished(p));
  if (running.length > 0) {
    const done = running.reduce((n, p) => n + p.done, 0);
    const totals = running.map((p) => p.total);
    const accounts = running.length === 1 ? '' : ` ${running.length} accounts`;
    const count = totals.every((t): t is number => t !== null)
      ? ` ${formatCount(done)} of ${formatCount(totals.reduce((n, t) => n + t, 0))}`
      : ` ${formatCount(done)} items`;
    return { text: `Syncing${accounts}…${count}`, state: 'syncing' };
  }
  if (inState('syncing').length > 0) return { text: 'Syncing…', state: 'syncing' };
  const lastOk = Math.max(
    lastSyncedAt ?? -Infinity,
    ...all.map((s) => s.lastOkAt ?? -Infinity),
  );
  if (Number.isFinite(lastOk)) {
    return { text: `Up to date · ${clockTime(lastOk)}`, state: 'synced' };
  }
  return { text: 'Idle', state: 'idle' };
}

/**
 * Whether every account whose sync runs says its server cannot be reached (the app
 * is offline even when the machine thinks it has a network).
 */
export function allOffline(states: Iterable<AccountSyncStatus>): boolean {
  const running = [...states].filter((s) => s.state !== null && s.state !== 'needsSignIn');
  return running.length > 0 && running.every((s) => s.state === 'offline');
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Everything waiting to reach the networks. */
export function waitingTotal(w: WaitingToSync): number {
  return w.replies + w.actions + w.savedFetches;
}

/** "1 reply queued", "2 read positions", …: one line per kind that is waiting. */
export function waitingLines(w: WaitingToSync): string[] {
  const lines: string[] = [];
  if (w.replies > 0) lines.push(`${plural(w.replies, 'reply', 'replies')} queued`);
  if (w.actions > 0) lines.push(`${plural(w.actions, 'read position', 'read positions')} to send`);
  if (w.savedFetches > 0) {
    lines.push(
      `${plural(w.savedFetches, 'saved conversation', 'saved conversations')} to fetch whole`,
    );
  }
  return lines;
}

/** What is known of an account that has not synced yet. */
export function emptySyncStatus(accountId: number): AccountSyncStatus {
  return {
    accountId,
    state: null,
    detail: null,
    lastOkAt: null,
    retryAt: null,
    failures: 0,
    rateBudget: null,
  };
}

/** An account's status after a `syncState` event, as the core's status would read. */
export function applySyncState(
  before: AccountSyncStatus | undefined,
  event: Extract<CoreEvent, { kind: 'syncState' }>,
  now: number,
): AccountSyncStatus {
  const base = before ?? emptySyncStatus(event.accountId);
  const ok = event.state === 'idle';
  const failed = !ok && event.state !== 'syncing';
  return {
    ...base,
    state: event.state,
    detail: event.detail,
    retryAt: event.retryAt,
    lastOkAt: ok ? now : base.lastOkAt,
    failures: ok ? 0 : base.failures + (failed ? 1 : 0),
  };
}

export type AccountTone = 'ok' | 'busy' | 'warn' | 'error' | 'muted';

export interface AccountSyncView {
  /** One or two words: "Up to date", "Offline (retrying at 10:45)". */
  label: string;
  tone: AccountTone;
  /** Why, when it is not going well. */
  detail: string | null;
}

/** How the accounts list shows one account's sync. */
export function accountSyncView(account: Account, status: AccountSyncStatus | undefined): AccountSyncView {
  if (account.origin === 'import') return { label: 'Imported (never syncs)', tone: 'muted', detail: null };
  if (account.origin === 'demo') return { label: 'Demo (never syncs)', tone: 'muted', detail: null };
  const detail = status?.detail ?? null;
  if (account.needsSignIn || status?.state === 'needsSignIn') {
    return { label: 'Needs sign-in', tone: 'error', detail };
  }
  const retry = status?.retryAt != null ? ` (retrying at ${clockTime(status.retryAt)})` : '';
  switch (status?.state) {
    case 'syncing':
      return { label: 'Syncing…', tone: 'busy', detail: null };
    case 'idle':
      return detail === 'streaming'
        ? { label: 'Streaming', tone: 'ok', detail: null }
        : { label: 'Up to date', tone: 'ok', detail: null };
    case 'offline':
      return { label: `Offline${retry}`, tone: 'warn', detail };
    case 'rateLimited':
      return { label: `Rate limited${retry}`, tone: 'warn', detail };
    case 'failing':
      return { label: `Server failing${retry}`, tone: 'warn', detail };
    default:
      return status?.lastOkAt != null
        ? { label: 'Not syncing', tone: 'muted', detail }
        : { label: 'Waiting to sync', tone: 'muted', detail };
  }
}

/** "280 of 300 requests left · refills at 10:50", when the server says. */
export function budgetText(status: AccountSyncStatus | undefined): string | null {
  const b = status?.rateBudget;
  if (!b) return null;
  return `${formatCount(b.remaining)} of ${formatCount(b.limit)} requests left · refills at ${clockTime(b.resetAt)}`;
}
