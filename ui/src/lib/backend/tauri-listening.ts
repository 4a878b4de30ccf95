import { listen } from '@tauri-apps/api/event';
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
import { BackendError } from './backend';
import { LISTENING_PROGRESS_EVENT, type ListeningBackend } from './listening';
import { TauriPeople } from './tauri-people';

/** The listening commands (src-tauri/listening.rs), mixed into `TauriBackend`. */
export abstract class TauriListening extends TauriPeople implements ListeningBackend {
  listeningQueries(): Promise<ListeningQuery[]> {
    return this.call('listening_queries');
  }

  listeningCheck(text: string): Promise<QueryError | null> {
    return this.call('listening_query_check', { text });
  }

  listeningAdd(input: QueryInput): Promise<[ListeningQuery, RunReport]> {
    return this.call('listening_query_add', { input });
  }

  listeningEdit(id: number, input: QueryInput): Promise<[ListeningQuery, RunReport | null]> {
    return this.call('listening_query_edit', { id, input });
  }

  listeningRun(id: number): Promise<RunReport> {
    return this.call('listening_query_run', { id });
  }

  listeningRemove(id: number): Promise<void> {
    return this.call('listening_query_remove', { id });
  }

  listeningDashboard(request: DashboardRequest): Promise<Dashboard> {
    return this.call('listening_dashboard', { request });
  }

  listeningExportCsv(request: DashboardRequest, kind: PanelKind, queryId: number | null): Promise<SavedExport> {
    return this.call('listening_export_csv', { request, kind, queryId });
  }

  listeningSpikeNotify(): Promise<boolean> {
    return this.call('listening_spike_notify');
  }

  listeningSetSpikeNotify(on: boolean): Promise<void> {
    return this.call('listening_set_spike_notify', { on });
  }

  async onListeningProgress(handler: (progress: RunProgress) => void): Promise<() => void> {
    try {
      return await listen<RunProgress>(LISTENING_PROGRESS_EVENT, (event) => handler(event.payload));
    } catch (err) {
      throw BackendError.from(err);
    }
  }

  sourcesList(): Promise<Source[]> {
    return this.call('sources_list');
  }

  sourceAdd(input: SourceInput): Promise<Source> {
    return this.call('source_add', { input });
  }

  sourceRemove(id: number): Promise<void> {
    return this.call('source_remove', { id });
  }

  sourcePoll(id: number): Promise<PollReport[]> {
    return this.call('source_poll', { id });
  }
}
