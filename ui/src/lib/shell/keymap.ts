import { createContext } from 'svelte';
import { isTypingTarget, keyOf, SHORTCUTS, type ShortcutId } from './shortcuts';

/** Return `false` to decline (the key then keeps its default meaning). */
export type ShortcutHandler = (event: KeyboardEvent) => boolean | void;

export interface KeymapOptions {
  /** While this returns true (a modal dialog is open) nothing is dispatched. */
  blocked?: () => boolean;
  /** How long the second key of a chord (`g i`) may take. */
  chordTimeoutMs?: number;
}

const DISPATCHED = SHORTCUTS.filter((s) => s.scope !== 'local');

function sameSequence(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/**
 * Turns keydowns into the shortcuts of the registry. Components bind handlers to
 * shortcut ids while they are mounted; the most recent binding of an id wins, and
 * unbinding restores the one before.
 */
export class Keymap {
  readonly #bindings = new Map<ShortcutId, ShortcutHandler[]>();
  readonly #blocked: () => boolean;
  readonly #chordTimeoutMs: number;
  #pending: string[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: KeymapOptions = {}) {
    this.#blocked = options.blocked ?? (() => false);
    this.#chordTimeoutMs = options.chordTimeoutMs ?? 1500;
  }

  /** Binds `handler` to `id`; returns the unbind function. */
  bind(id: ShortcutId, handler: ShortcutHandler): () => void {
    const stack = this.#bindings.get(id) ?? [];
    stack.push(handler);
    this.#bindings.set(id, stack);
    return () => {
      const current = this.#bindings.get(id);
      const at = current?.lastIndexOf(handler) ?? -1;
      if (current && at >= 0) current.splice(at, 1);
    };
  }

  /** Binds several at once; returns one function that unbinds them all. */
  bindAll(handlers: Partial<Record<ShortcutId, ShortcutHandler>>): () => void {
    const unbind = Object.entries(handlers).map(([id, h]) =>
      this.bind(id as ShortcutId, h as ShortcutHandler),
    );
    return () => unbind.forEach((u) => u());
  }

  /** Runs the handler bound to `id` as if its keys were pressed; false if none ran. */
  run(id: ShortcutId, event: KeyboardEvent = new KeyboardEvent('keydown')): boolean {
    const stack = this.#bindings.get(id);
    const handler = stack?.[stack.length - 1];
    if (!handler) return false;
    return handler(event) !== false;
  }

  /** The window's keydown listener. */
  handle(event: KeyboardEvent): void {
    if (event.defaultPrevented || event.isComposing) return;
    if (isTypingTarget(event.target) || this.#blocked()) {
      this.#reset();
      return;
    }
    const key = keyOf(event);
    if (key === null) return;
    const sequence = [...this.#pending, key];
    const chord = this.#pending.length > 0;
    this.#reset();

    const match = DISPATCHED.find((s) => s.keys.some((alt) => sameSequence(alt, sequence)));
    if (match) {
      if (this.run(match.id, event)) event.preventDefault();
      return;
    }
    // A broken chord ("g" then "e") does nothing rather than something unexpected.
    if (chord) return;
    const starts = DISPATCHED.some((s) =>
      s.keys.some((alt) => alt.length > 1 && alt[0] === key),
    );
    if (starts) {
      event.preventDefault();
      this.#pending = [key];
      this.#timer = setTimeout(() => this.#reset(), this.#chordTimeoutMs);
    }
  }

  #reset(): void {
    this.#pending = [];
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Stops any pending chord timer (on unmount). */
  dispose(): void {
    this.#reset();
  }
}

/** The app's Keymap, set once by App.svelte (or a test harness). */
export const [getKeymap, setKeymap] = createContext<Keymap>();
