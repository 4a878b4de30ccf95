export {
  BackendError,
  CORE_EVENT,
  WORKSPACE_EVENT,
  type Backend,
  type BackendErrorPayload,
  type BlueskySignIn,
  type CoreEvent,
} from './backend';
export { getBackend, setBackend } from './context';
export { TauriBackend } from './tauri';

import type { Backend } from './backend';
import { TauriBackend } from './tauri';

/** True inside the Tauri webview (the runtime injects `__TAURI_INTERNALS__`). */
export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/**
 * The Rust core inside Tauri; otherwise (plain `npm run dev` in a browser) an
 * in-memory backend with generated demo data, loaded lazily so it never ships in
 * the desktop code path.
 */
export async function createBackend(): Promise<Backend> {
  if (isTauri()) return new TauriBackend();
  const [{ MemoryBackend }, { demoData }] = await Promise.all([
    import('./memory'),
    import('./demo-data'),
  ]);
  return new MemoryBackend(demoData(), { latencyMs: 120 });
}
