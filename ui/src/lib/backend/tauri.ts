import { invoke } from '@tauri-apps/api/core';
import type {
  ConversationDetail,
  InboxFilter,
  InboxPage,
  SearchHit,
  TriageState,
  WorkspaceStatus,
} from '../types';
import { BackendError, type Backend } from './backend';

type InvokeArgs = Record<string, unknown>;

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    throw BackendError.from(err);
  }
}

/** The real backend: Tauri commands implemented by the Rust core. */
export class TauriBackend implements Backend {
  workspaceStatus(): Promise<WorkspaceStatus> {
    return call('workspace_status');
  }

  inboxList(filter: InboxFilter): Promise<InboxPage> {
    return call('inbox_list', { filter });
  }

  conversationGet(id: number): Promise<ConversationDetail> {
    return call('conversation_get', { id });
  }

  search(query: string, limit?: number): Promise<SearchHit[]> {
    return call('search', { query, limit: limit ?? null });
  }

  setState(conversationId: number, state: TriageState): Promise<void> {
    return call('triage_set_state', { id: conversationId, state });
  }
}
