// Shapes shared with the Rust core across the Tauri IPC boundary.
//
// Generated from the Rust types by ts-rs into ./generated (`cargo test` writes
// them; `make test` fails when the committed copies drift). Never edit those
// files by hand: change the Rust type and run `cargo test`.

export type { Account } from './generated/Account';
export type { AccountSyncStatus } from './generated/AccountSyncStatus';
export type { AccountOrigin } from './generated/AccountOrigin';
export type { AuthorPanel } from './generated/AuthorPanel';
export type { AuthorRef } from './generated/AuthorRef';
export type { CachedAvatar } from './generated/CachedAvatar';
export type { ConversationDetail } from './generated/ConversationDetail';
export type { CoreEvent } from './generated/CoreEvent';
export type { ErrorCode } from './generated/ErrorCode';
export type { ConversationSummary } from './generated/ConversationSummary';
export type { InboxFilter } from './generated/InboxFilter';
export type { InboxPage } from './generated/InboxPage';
export type { IngestReport } from './generated/IngestReport';
export type { ItemKind } from './generated/ItemKind';
export type { ItemView } from './generated/ItemView';
export type { RateBudget } from './generated/RateBudget';
export type { SavedView } from './generated/SavedView';
export type { SearchHit } from './generated/SearchHit';
export type { Sentiment } from './generated/Sentiment';
export type { SearchOptions } from './generated/SearchOptions';
export type { SearchOrder } from './generated/SearchOrder';
export type { Snooze } from './generated/Snooze';
export type { SyncState } from './generated/SyncState';
export type { TriageState } from './generated/TriageState';
export type { UiError } from './generated/UiError';
export type { WaitingToSync } from './generated/WaitingToSync';
export type { WorkspaceOpened } from './generated/WorkspaceOpened';
export type { WorkspaceStatus } from './generated/WorkspaceStatus';
export type { AccountLimits } from './generated/AccountLimits';
export type { AfterFirstReply } from './generated/AfterFirstReply';
export type { ComposeInfo } from './generated/ComposeInfo';
export type { ComposeLimits } from './generated/ComposeLimits';
export type { Draft } from './generated/Draft';
export type { OutboxEntry } from './generated/OutboxEntry';
export type { OutboxState } from './generated/OutboxState';
export type { Participant } from './generated/Participant';
export type { ReplySettings } from './generated/ReplySettings';
export type { SavedReply } from './generated/SavedReply';
export type { Actions } from './generated/Actions';
export type { Conditions } from './generated/Conditions';
export type { Rule } from './generated/Rule';
export type { Trial } from './generated/Trial';
export type { TrialHit } from './generated/TrialHit';
export type { Advocate } from './generated/Advocate';
export type { BusinessHours } from './generated/BusinessHours';
export type { Contact } from './generated/Contact';
export type { ContactFilter } from './generated/ContactFilter';
export type { ContactHandle } from './generated/ContactHandle';
export type { ContactPanel } from './generated/ContactPanel';
export type { Figures } from './generated/Figures';
export type { Person } from './generated/Person';
export type { Report } from './generated/Report';
export type { ReportQuery } from './generated/ReportQuery';
export type { SavedExport } from './generated/SavedExport';
export type { ScopeFigures } from './generated/ScopeFigures';
export type { ScopeKind } from './generated/ScopeKind';
export type { Suggestion } from './generated/Suggestion';
export type { TagCount } from './generated/TagCount';
export type { Timeline } from './generated/Timeline';
export type { TrendPoint } from './generated/TrendPoint';
export type { VoiceShare } from './generated/VoiceShare';
