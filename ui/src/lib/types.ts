// Shapes shared with the Rust core (earshot-core) across the Tauri IPC boundary.
//
// Hand-written for now; they will be generated from Rust with ts-rs later, so keep
// the names and field spellings exactly as they are (camelCase on the wire).

export type TriageState = 'open' | 'pending' | 'snoozed' | 'done';

export type ItemKind = 'mention' | 'reply' | 'dm' | 'comment' | 'post';

export interface AuthorRef {
  handle: string;
  name: string | null;
  followers: number | null;
  url: string | null;
}

export interface ConversationSummary {
  id: number;
  network: string;
  accountHandle: string | null;
  state: TriageState;
  /** 0 = low … 3 = urgent */
  priority: number;
  saved: boolean;
  unreadCount: number;
  urgent: boolean;
  tags: string[];
  /** Unix epoch milliseconds. */
  lastActivityAt: number;
  itemCount: number;
  snippet: string;
  author: AuthorRef;
  /** -1 (negative) … 1 (positive), null when unknown. */
  sentiment: number | null;
}

export interface InboxFilter {
  state?: TriageState | null;
  accountId?: number | null;
  tag?: string | null;
  saved?: boolean | null;
  cursor?: string | null;
  limit?: number | null;
}

export interface InboxPage {
  conversations: ConversationSummary[];
  nextCursor: string | null;
}

export interface ItemView {
  /** 64-bit id, carried as a string so it survives JSON numbers. */
  id: string;
  network: string;
  remoteId: string;
  kind: ItemKind;
  author: AuthorRef;
  /** Already sanitised by the Rust core. */
  html: string;
  text: string;
  /** Unix epoch milliseconds. */
  createdAt: number;
  url: string | null;
  lang: string | null;
  sentiment: number | null;
  parentId: string | null;
  depth: number;
}

export interface ConversationDetail {
  conversation: ConversationSummary;
  items: ItemView[];
}

export interface SearchHit {
  item: ItemView;
  conversationId: number;
  snippet: string;
}

export interface WorkspaceStatus {
  path: string;
  encrypted: boolean;
  demo: boolean;
  items: number;
  conversations: number;
  authors: number;
  accounts: number;
}
