/**
 * The parts of the UI the first screen does not show, in a chunk of their own
 * (`later-parts.ts`): an open conversation (thread, composer, author panel), search
 * results, the snooze picker and tag editor, the command palette and the shortcuts
 * overlay. The window's first paint then parses, runs and styles only the frame, the
 * list and an empty thread pane.
 *
 * main.ts fetches the chunk when the page is idle after the first rows are painted
 * (`startup.ts`), so the first conversation opened does not wait for it; a key or
 * click that needs a part before then loads it at once ([`Later.load`]) and the part
 * shows when it is in.
 */
import { getContext, hasContext } from 'svelte';
import type * as Parts from './later-parts';

export type LaterParts = typeof Parts;

/** The parts' chunk: loaded once, read reactively. */
export class Later {
  /** The parts once loaded; null before. */
  parts = $state.raw<LaterParts | null>(null);
  #pending: Promise<LaterParts> | null = null;
  readonly #importer: () => Promise<LaterParts>;

  constructor(importer: () => Promise<LaterParts>) {
    this.#importer = importer;
  }

  /** Loads the parts, once; after a failed load the next call tries again. */
  load(): Promise<LaterParts> {
    this.#pending ??= this.#importer().then(
      (parts) => (this.parts = parts),
      (err: unknown) => {
        this.#pending = null;
        throw err;
      },
    );
    return this.#pending;
  }
}

/** The app's parts. */
export const later = new Later(() => import('./later-parts'));

/** The context key under which a component tree may be given another `Later` (tests do). */
export const LATER_CONTEXT = Symbol('later');

/** The `Later` of the component tree: the app's, unless one was set under [`LATER_CONTEXT`]. */
export function getLater(): Later {
  return hasContext(LATER_CONTEXT) ? getContext<Later>(LATER_CONTEXT) : later;
}
