import type {
  Account,
  AccountLimits,
  ComposeInfo,
  ComposeLimits,
  Draft,
  OutboxEntry,
  ReplySettings,
  NotifySettings,
  Rule,
  SavedReply,
  Trial,
  AccountSyncStatus,
  CachedAvatar,
  ItemAttachments,
  ConversationDetail,
  CoreEvent,
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
import type { ListeningBackend } from './listening';
import type { ContactsBackend } from './people';

/** What the Rust core pushes to the UI on the {@link CORE_EVENT} channel. */
export type { CoreEvent };

/** The Tauri event name {@link CoreEvent}s arrive on. */
export const CORE_EVENT = 'earshot://event';

/** The Tauri event name {@link WorkspaceOpened} arrives on. */
export const WORKSPACE_EVENT = 'earshot://workspace';

/** A Bluesky sign-in: the PDS (https://bsky.social for most people) and an app password. */
export interface BlueskySignIn {
  server: string;
  /** Handle, DID or e-mail. */
  handle: string;
  appPassword: string;
}

/**
 * Everything the UI asks of the Rust core. Components talk to this interface only,
 * never to `@tauri-apps/api` directly, so they run unchanged against
 * {@link MemoryBackend} in tests and in a plain browser.
 *
 * Every method rejects with a {@link BackendError}.
 */
export interface Backend extends ContactsBackend, ListeningBackend {
  workspaceStatus(): Promise<WorkspaceStatus>;
  inboxList(filter: InboxFilter): Promise<InboxPage>;
  conversationGet(id: number): Promise<ConversationDetail>;
  /** Every tag in use, the most used first. */
  tagsList(): Promise<string[]>;
  /** Saved views (named filter sets kept in the workspace), by name. */
  viewsList(): Promise<SavedView[]>;
  /** Saves `filter` (without paging) as `name`, replacing a view of that name. */
  viewSave(name: string, filter: InboxFilter): Promise<SavedView>;
  viewRename(from: string, to: string): Promise<void>;
  viewDelete(name: string): Promise<void>;
  search(query: string, limit?: number): Promise<SearchHit[]>;
  accountsList(): Promise<Account[]>;
  /**
   * Signs in to Bluesky and adds the account (or signs an existing one in again, keeping
   * its id). While the demo is shown, the account goes into the real workspace, which is
   * then shown instead ({@link onWorkspaceOpened}). Secrets go to the OS keyring only.
   */
  addBlueskyAccount(signIn: BlueskySignIn): Promise<Account>;
  /** Like {@link addBlueskyAccount}, with a Mastodon access token pasted by the manager. */
  addMastodonAccountWithToken(server: string, token: string): Promise<Account>;
  /**
   * Like {@link addBlueskyAccount}: opens the server's sign-in page in the system browser
   * and waits (up to five minutes) for the manager to approve Earshot there.
   */
  addMastodonAccountWithBrowser(server: string): Promise<Account>;
  /** Stops a sign-in that is waiting; it then rejects with the code `cancelled`. */
  cancelSignIn(): Promise<void>;
  /** Stops the account's sync, removes it and deletes its credentials; conversations stay. */
  removeAccount(id: number): Promise<void>;
  /** Syncs one account (or all) now rather than at the next poll. */
  syncNow(accountId?: number | null): Promise<void>;
  /** Every signed-in account's sync status (none in the demo workspace). */
  syncStatus(): Promise<AccountSyncStatus[]>;
  /** `snooze` is required for `snoozed` and ignored otherwise. */
  setState(conversationId: number, state: TriageState, snooze?: Snooze | null): Promise<void>;
  /** Adds and removes tags; tags are normalised (trimmed, lower case) by the core. */
  tag(conversationId: number, add: string[], remove: string[]): Promise<void>;
  /** Saving fetches the conversation whole (replies, avatars) for offline reading. */
  setSaved(conversationId: number, saved: boolean): Promise<void>;
  /** The thread pane opened a conversation: a saved one is fetched again for new replies. */
  refreshSaved(conversationId: number): Promise<void>;
  /** The cached avatars of a conversation's authors, served from the encrypted cache. */
  conversationAvatars(conversationId: number): Promise<CachedAvatar[]>;
  /**
   * The attachments of these items, after fetching the previews not cached yet
   * (into the encrypted cache; offline, what is cached).
   */
  fetchAttachments(itemIds: string[]): Promise<ItemAttachments[]>;
  /** What is waiting to reach the networks (queued replies, read positions, saved fetches). */
  syncWaiting(): Promise<WaitingToSync>;
  /** Sets the conversation's unread count to 0. */
  markRead(conversationId: number): Promise<void>;
  /** What the composer needs to open on a conversation: senders, draft, people to mention. */
  composeOpen(conversationId: number): Promise<ComposeInfo>;
  /** The account's limits from its server, or the network's usual ones (`fromServer: false`). */
  composeLimits(accountId: number): Promise<AccountLimits>;
  /** A reply's length, counted the way its network counts. */
  composeMeasure(text: string, limits: ComposeLimits): Promise<number>;
  /** Saves what is typed so far (encrypted); an empty body deletes the draft. */
  draftSave(conversationId: number, accountId: number | null, body: string): Promise<Draft | null>;
  savedRepliesList(): Promise<SavedReply[]>;
  /** Adds a saved reply, or replaces the one of that name. */
  savedReplySave(name: string, body: string): Promise<SavedReply>;
  savedReplyDelete(name: string): Promise<void>;
  /** A saved reply's text filled for this conversation; `answers` by prompt. */
  savedReplyFill(
    conversationId: number,
    accountId: number | null,
    body: string,
    answers: Record<string, string>,
  ): Promise<string>;
  /** Queues a reply behind the undo window; it is then sent, exactly once. */
  replySend(conversationId: number, accountId: number | null, body: string): Promise<OutboxEntry>;
  /** Takes back a reply still waiting; its text becomes the draft again. */
  replyUndo(outboxId: number): Promise<OutboxEntry>;
  /** The conversation's replies in the outbox (waiting, sending, sent, refused). */
  outboxList(conversationId: number): Promise<OutboxEntry[]>;
  replySettings(): Promise<ReplySettings>;
  setReplySettings(settings: ReplySettings): Promise<void>;
  /** Every rule, in evaluation order. */
  rulesList(): Promise<Rule[]>;
  /** Adds a rule (`id` 0, at the end) or replaces one; a query that does not parse is refused. */
  ruleSave(rule: Rule): Promise<Rule>;
  ruleDelete(id: number): Promise<void>;
  /** Puts the rules in this order. */
  rulesReorder(ids: number[]): Promise<void>;
  /** Where `rule` would have fired on the items of the last `days` days. */
  ruleTrial(rule: Rule, days: number): Promise<Trial>;
  /** Why rules fired on the conversation's items, each reason once, newest first ("urgent: a mention and 'refund'"). */
  conversationReasons(conversationId: number): Promise<string[]>;
  /** A notification's "Open" (or a click on it) asks for a conversation. */
  onOpenConversation(handler: (conversationId: number) => void): Promise<() => void>;
  /** A notification's "Mark done" marked a conversation done (in the core, already). */
  onMarkedDone(handler: (conversationId: number) => void): Promise<() => void>;
  /** Unread urgent conversations (open or pending): the tray's count; null while first counted. */
  urgentCount(): Promise<number | null>;
  /** The unread urgent count changed. */
  onUrgentCount(handler: (count: number) => void): Promise<() => void>;
  /** The digest window and quiet hours of desktop notifications. */
  notifySettings(): Promise<NotifySettings>;
  /** Saves them; they apply at once. */
  setNotifySettings(settings: NotifySettings): Promise<void>;
  /** Opens an http(s) or mailto URL in the system browser; never in the webview. */
  openExternal(url: string): Promise<void>;
  /** Subscribes to core events; resolves to the unsubscribe function. */
  onEvent(handler: (event: CoreEvent) => void): Promise<() => void>;
  /** Subscribes to the app switching workspace (everything must reload). */
  onWorkspaceOpened(handler: (opened: WorkspaceOpened) => void): Promise<() => void>;
  /**
   * Tells the shell the first inbox rows are on screen (start-up benchmark),
   * with the page's own marks (ms since navigation start) to show where time went.
   */
  reportPainted(marks: Record<string, number>): Promise<void>;
}

/** The error shape the Rust commands serialise: `{ code, message }`. */
export interface BackendErrorPayload {
  code: string | null;
  message: string;
}

export class BackendError extends Error {
  readonly code: string | null;

  /** The raw value the command rejected with, for logging. */
  readonly detail: unknown;

  constructor(code: string | null, message: string, detail?: unknown) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
    this.detail = detail;
  }

  /** Normalises anything a command may reject with into a BackendError. */
  static from(err: unknown): BackendError {
    if (err instanceof BackendError) return err;
    if (typeof err === 'string') return new BackendError(null, err, err);
    if (err instanceof Error) return new BackendError(null, err.message, err);
    if (typeof err === 'object' && err !== null && 'message' in err) {
      const payload = err as Partial<BackendErrorPayload>;
      const code = typeof payload.code === 'string' ? payload.code : null;
      const message =
        typeof payload.message === 'string' ? payload.message : JSON.stringify(payload.message);
      return new BackendError(code, message, err);
    }
    return new BackendError(null, 'Unknown error from the backend', err);
  }
}
