import { createContext } from 'svelte';
import type { ShortcutId } from './shortcuts';

/** Something the command palette can run. */
export interface Command {
  id: string;
  label: string;
  /** Shown beside the label; also searched. */
  group: string;
  /** Extra words the filter matches ("theme" for "Use dark colours"). */
  keywords?: string;
  /** The shortcut that does the same, shown as a hint. */
  shortcut?: ShortcutId;
  run: () => void | Promise<void>;
}

/**
 * Commands contributed by whatever is mounted. A source is a function, so its
 * commands follow its state (the inbox offers triage only with a selection).
 */
export class CommandRegistry {
  #sources = $state.raw<(() => Command[])[]>([]);

  register(source: () => Command[]): () => void {
    this.#sources = [...this.#sources, source];
    return () => {
      this.#sources = this.#sources.filter((s) => s !== source);
    };
  }

  get all(): Command[] {
    return this.#sources.flatMap((source) => source());
  }
}

export const [getCommands, setCommands] = createContext<CommandRegistry>();

/**
 * Scores `text` against `query` as an in-order subsequence (case-insensitive):
 * higher for consecutive letters and word starts; null when it does not match.
 */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.trim().toLowerCase();
  if (q === '') return 0;
  const t = text.toLowerCase();
  let score = 0;
  let from = 0;
  let previous = -2;
  for (const ch of q) {
    if (ch === ' ') continue;
    const at = t.indexOf(ch, from);
    if (at < 0) return null;
    score += 1;
    if (at === previous + 1) score += 3;
    if (at === 0 || /[\s\-/:.]/.test(t[at - 1] ?? '')) score += 2;
    score -= Math.min(at - from, 5) * 0.1;
    previous = at;
    from = at + 1;
  }
  return score;
}

/** Commands matching `query`, best first (stable for equal scores). */
export function filterCommands(commands: readonly Command[], query: string): Command[] {
  return commands
    .map((command, index) => {
      const label = fuzzyScore(query, command.label);
      const extra = fuzzyScore(query, `${command.group} ${command.keywords ?? ''}`);
      const score = label ?? (extra === null ? null : extra - 5);
      return { command, index, score };
    })
    .filter((m): m is { command: Command; index: number; score: number } => m.score !== null)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((m) => m.command);
}
