import type {
  ConversationDetail,
  InboxFilter,
  InboxPage,
  SearchHit,
  TriageState,
  WorkspaceStatus,
} from '../types';

/**
 * Everything the UI asks of the Rust core. Components talk to this interface only,
 * never to `@tauri-apps/api` directly, so they run unchanged against
 * {@link MemoryBackend} in tests and in a plain browser.
 *
 * Every method rejects with a {@link BackendError}.
 */
export interface Backend {
  workspaceStatus(): Promise<WorkspaceStatus>;
  inboxList(filter: InboxFilter): Promise<InboxPage>;
  conversationGet(id: number): Promise<ConversationDetail>;
  search(query: string, limit?: number): Promise<SearchHit[]>;
  setState(conversationId: number, state: TriageState): Promise<void>;
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
