import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type {
  Account,
  AccountLimits,
  ComposeInfo,
  ComposeLimits,
  Draft,
  OutboxEntry,
  ReplySettings,
  SavedReply,
  AccountSyncStatus,
  CachedAvatar,
  ItemAttachments,
  ConversationDetail,
  InboxFilter,
  InboxPage,
  SavedView,
  SearchHit,
  Snooze,
  TriageState,
  WaitingToSync,
  WorkspaceOpened,
  WorkspaceStatus,
} from '../types';
import {
  BackendError,
  CORE_EVENT,
  WORKSPACE_EVENT,
  type Backend,
  type BlueskySignIn,
  type CoreEvent,
} from './backend';
import { TauriListening } from './tauri-listening';
import { MARKED_DONE_EVENT, OPEN_EVENT, URGENT_EVENT } from './rules';
import type { NotifySettings, Rule, Trial } from '../types';

type InvokeArgs = Record<string, unknown>;

/**
 * Start-up reads begun by `TauriBackend.startUp` before the UI mounts, so their
 * round trips overlap with loading it. The first call with the same command and
 * arguments takes each, once; what is not taken soon is let go.
 */
const early = new Map<string, Promise<unknown>>();
/** How long a start-up read waits to be taken. */
const EARLY_KEEP_MS = 5_000;

/** A command and its arguments as one string, whatever the order of their keys. */
function requestKey(command: string, args?: InvokeArgs): string {
  const sorted = (_key: string, value: unknown): unknown =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value;
  return `${command} ${JSON.stringify(args ?? {}, sorted)}`;
}

function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  if (early.size > 0) {
    const key = requestKey(command, args);
    const started = early.get(key);
    if (started) {
      early.delete(key);
      return started as Promise<T>;
    }
  }
  return send(command, args);
}

async function send<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw BackendError.from(err);
  }
}

async function subscribe<T>(name: string, handler: (payload: T) => void): Promise<() => void> {
  try {
    return await listen<T>(name, (event) => handler(event.payload));
  } catch (err) {
    throw BackendError.from(err);
  }
}

/** The real backend: Tauri commands implemented by the Rust core. */
export class TauriBackend extends TauriListening implements Backend {
  protected call<T>(command: string, args?: InvokeArgs): Promise<T> {
    return call<T>(command, args);
  }

  /**
   * Begins the reads the first screen makes, before it is mounted (see
   * `early`): the first inbox page, with `firstInbox` as its filter (the
   * inbox's first), the workspace's status, accounts, syncs, urgent count and
   * saved views.
   */
  startUp(firstInbox: InboxFilter): void {
    const reads: [string, InvokeArgs?][] = [
      ['inbox_list', { filter: firstInbox }],
      ['workspace_status'],
      ['accounts_list'],
      ['sync_status'],
      ['urgent_count'],
      ['views_list'],
    ];
    const started = reads.map(([command, args]) => {
      const read = send(command, args);
      early.set(requestKey(command, args), read);
      return read;
    });
    setTimeout(() => early.clear(), EARLY_KEEP_MS);
    // A read's failure reaches the call that takes it; untaken, it is nobody's.
    for (const read of started) read.catch(() => {});
  }

  workspaceStatus(): Promise<WorkspaceStatus> {
    return call('workspace_status');
  }

  inboxList(filter: InboxFilter): Promise<InboxPage> {
    return call('inbox_list', { filter });
  }

  conversationGet(id: number): Promise<ConversationDetail> {
    return call('conversation_get', { id });
  }

  tagsList(): Promise<string[]> {
    return call('tags_list');
  }

  viewsList(): Promise<SavedView[]> {
    return call('views_list');
  }

  viewSave(name: string, filter: InboxFilter): Promise<SavedView> {
    return call('view_save', { name, filter });
  }

  viewRename(from: string, to: string): Promise<void> {
    return call('view_rename', { from, to });
  }

  viewDelete(name: string): Promise<void> {
    return call('view_delete', { name });
  }

  search(query: string, limit?: number): Promise<SearchHit[]> {
    return call('search', { query, limit: limit ?? null });
  }

  accountsList(): Promise<Account[]> {
    return call('accounts_list');
  }

  addBlueskyAccount({ server, handle, appPassword }: BlueskySignIn): Promise<Account> {
    return call('account_add_bluesky', { server, handle, appPassword });
  }

  addMastodonAccountWithToken(server: string, token: string): Promise<Account> {
    return call('account_add_mastodon_token', { server, token });
  }

  addMastodonAccountWithBrowser(server: string): Promise<Account> {
    return call('account_add_mastodon_browser', { server });
  }

  cancelSignIn(): Promise<void> {
    return call('account_sign_in_cancel');
  }

  removeAccount(id: number): Promise<void> {
    return call('account_remove', { id });
  }

  syncNow(accountId?: number | null): Promise<void> {
    return call('sync_now', { accountId: accountId ?? null });
  }

  syncStatus(): Promise<AccountSyncStatus[]> {
    return call('sync_status');
  }

  setState(conversationId: number, state: TriageState, snooze?: Snooze | null): Promise<void> {
    return call('triage_set_state', { id: conversationId, state, snooze: snooze ?? null });
  }

  tag(conversationId: number, add: string[], remove: string[]): Promise<void> {
    return call('triage_tag', { id: conversationId, add, remove });
  }

  setSaved(conversationId: number, saved: boolean): Promise<void> {
    return call('triage_set_saved', { id: conversationId, saved });
  }

  refreshSaved(conversationId: number): Promise<void> {
    return call('saved_refresh', { id: conversationId });
  }

  conversationAvatars(conversationId: number): Promise<CachedAvatar[]> {
    return call('conversation_avatars', { id: conversationId });
  }

  fetchAttachments(itemIds: string[]): Promise<ItemAttachments[]> {
    return call('attachments_fetch', { itemIds });
  }

  syncWaiting(): Promise<WaitingToSync> {
    return call('sync_waiting');
  }

  markRead(conversationId: number): Promise<void> {
    return call('conversation_mark_read', { id: conversationId });
  }

  openExternal(url: string): Promise<void> {
    return call('open_external', { url });
  }

  onEvent(handler: (event: CoreEvent) => void): Promise<() => void> {
    return subscribe(CORE_EVENT, handler);
  }

  onWorkspaceOpened(handler: (opened: WorkspaceOpened) => void): Promise<() => void> {
    return subscribe(WORKSPACE_EVENT, handler);
  }

  reportPainted(marks: Record<string, number>): Promise<void> {
    // When the page's HTML had arrived and its scripts had run (DOMContentLoaded).
    const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    const loaded = nav ? { html: nav.responseEnd, parsed: nav.domContentLoadedEventStart } : {};
    return call('ui_painted', { marks: { ...loaded, ...marks } });
  }

  composeOpen(id: number): Promise<ComposeInfo> {
    return call('compose_open', { id });
  }

  composeLimits(accountId: number): Promise<AccountLimits> {
    return call('compose_limits', { accountId });
  }

  composeMeasure(text: string, limits: ComposeLimits): Promise<number> {
    return call('compose_measure', { text, limits });
  }

  draftSave(id: number, accountId: number | null, body: string): Promise<Draft | null> {
    return call('draft_save', { id, accountId, body });
  }

  savedRepliesList(): Promise<SavedReply[]> {
    return call('saved_replies_list');
  }

  savedReplySave(name: string, body: string): Promise<SavedReply> {
    return call('saved_reply_save', { name, body });
  }

  savedReplyDelete(name: string): Promise<void> {
    return call('saved_reply_delete', { name });
  }

  savedReplyFill(
    id: number,
    accountId: number | null,
    body: string,
    answers: Record<string, string>,
  ): Promise<string> {
    return call('saved_reply_fill', { id, accountId, body, answers });
  }

  replySend(id: number, accountId: number | null, body: string): Promise<OutboxEntry> {
    return call('reply_send', { id, accountId, body });
  }

  replyUndo(outboxId: number): Promise<OutboxEntry> {
    return call('reply_undo', { outboxId });
  }

  outboxList(id: number): Promise<OutboxEntry[]> {
    return call('outbox_list', { id });
  }

  replySettings(): Promise<ReplySettings> {
    return call('reply_settings_get');
  }

  setReplySettings(settings: ReplySettings): Promise<void> {
    return call('reply_settings_set', { settings });
  }

  rulesList(): Promise<Rule[]> {
    return call('rules_list');
  }

  ruleSave(rule: Rule): Promise<Rule> {
    return call('rule_save', { rule });
  }

  ruleDelete(id: number): Promise<void> {
    return call('rule_delete', { id });
  }

  rulesReorder(ids: number[]): Promise<void> {
    return call('rules_reorder', { ids });
  }

  ruleTrial(rule: Rule, days: number): Promise<Trial> {
    return call('rule_trial', { rule, days });
  }

  conversationReasons(id: number): Promise<string[]> {
    return call('conversation_reasons', { id });
  }

  onOpenConversation(handler: (conversationId: number) => void): Promise<() => void> {
    return subscribe<number>(OPEN_EVENT, handler);
  }

  onMarkedDone(handler: (conversationId: number) => void): Promise<() => void> {
    return subscribe<number>(MARKED_DONE_EVENT, handler);
  }

  urgentCount(): Promise<number | null> {
    return call('urgent_count');
  }

  onUrgentCount(handler: (count: number) => void): Promise<() => void> {
    return subscribe<number>(URGENT_EVENT, handler);
  }

  notifySettings(): Promise<NotifySettings> {
    return call('notify_settings_get');
  }

  setNotifySettings(settings: NotifySettings): Promise<void> {
    return call('notify_settings_set', { settings });
  }
}
