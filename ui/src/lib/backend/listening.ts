import type {
  Dashboard,
  DashboardRequest,
  ListeningQuery,
  PanelKind,
  PollReport,
  QueryError,
  QueryInput,
  RunProgress,
  RunReport,
  SavedExport,
  Source,
  SourceInput,
} from '../types';

/** The Tauri event a retroactive run's progress arrives on. */
export const LISTENING_PROGRESS_EVENT = 'earshot://listening-progress';

/**
 * Listening: saved queries over everything synced, their dashboard, and the sources
 * read without an account (feeds, Hacker News, searches). Part of `Backend`; every
 * method rejects with a `BackendError`.
 */
export interface ListeningBackend {
  /** Every query, by name, with its hit count. */
  listeningQueries(): Promise<ListeningQuery[]>;
  /** Null when the query parses, else where it is wrong and what was expected. */
  listeningCheck(text: string): Promise<QueryError | null>;
  /** Creates a query and matches it over the whole cache ({@link onListeningProgress} reports how far). */
  listeningAdd(input: QueryInput): Promise<[ListeningQuery, RunReport]>;
  /** Edits a query; a changed text is matched over the whole cache again (else the report is null). */
  listeningEdit(id: number, input: QueryInput): Promise<[ListeningQuery, RunReport | null]>;
  /** Matches a query over the whole cache again. */
  listeningRun(id: number): Promise<RunReport>;
  /** Deletes a query and its hits. */
  listeningRemove(id: number): Promise<void>;
  listeningDashboard(request: DashboardRequest): Promise<Dashboard>;
  /** One panel as a CSV file in Downloads; `queryId` null for the panel of all queries. */
  listeningExportCsv(request: DashboardRequest, kind: PanelKind, queryId: number | null): Promise<SavedExport>;
  /** Whether spikes also become desktop notifications (quiet hours still apply). */
  listeningSpikeNotify(): Promise<boolean>;
  listeningSetSpikeNotify(on: boolean): Promise<void>;
  /** Progress of the retroactive runs; resolves to a function that stops listening. */
  onListeningProgress(handler: (progress: RunProgress) => void): Promise<() => void>;

  /** Every source with its state (last poll, error, items). */
  sourcesList(): Promise<Source[]>;
  sourceAdd(input: SourceInput): Promise<Source>;
  /** Removes a source; what it brought stays. */
  sourceRemove(id: number): Promise<void>;
  /** Polls one source now, whatever its interval. */
  sourcePoll(id: number): Promise<PollReport[]>;
}
