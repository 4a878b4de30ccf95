/**
 * The one list of keyboard shortcuts. The {@link Keymap} dispatches the `global` and
 * `inbox` ones, and the `?` overlay lists all of them, so neither can drift from the
 * other. `local` entries are keys a focused control handles itself (lists, tabs,
 * dialogs); they are here so the overlay stays complete.
 */

export type ShortcutScope = 'global' | 'inbox' | 'local';

export type ShortcutGroup = 'Go to' | 'General' | 'Inbox' | 'Lists and dialogs';

export interface Shortcut {
  readonly id: string;
  /**
   * Alternatives, each a sequence of keys pressed one after another: `['g', 'i']`
   * is "g then i". A key is a `KeyboardEvent.key`, or `mod+k` for Ctrl+K (⌘K on macOS).
   */
  readonly keys: readonly (readonly string[])[];
  readonly description: string;
  readonly group: ShortcutGroup;
  readonly scope: ShortcutScope;
}

const DEFINITIONS = [
  { id: 'go.inbox', keys: [['g', 'i']], description: 'Go to Inbox', group: 'Go to', scope: 'global' },
  { id: 'go.listening', keys: [['g', 'l']], description: 'Go to Listening', group: 'Go to', scope: 'global' },
  { id: 'go.contacts', keys: [['g', 'c']], description: 'Go to Contacts', group: 'Go to', scope: 'global' },
  { id: 'go.reports', keys: [['g', 'r']], description: 'Go to Reports', group: 'Go to', scope: 'global' },
  { id: 'go.settings', keys: [['g', 's']], description: 'Go to Settings', group: 'Go to', scope: 'global' },

  { id: 'search.focus', keys: [['/']], description: 'Search conversations', group: 'General', scope: 'global' },
  { id: 'palette.open', keys: [['mod+k']], description: 'Open the command palette', group: 'General', scope: 'global' },
  { id: 'help.shortcuts', keys: [['?']], description: 'Show keyboard shortcuts', group: 'General', scope: 'global' },
  { id: 'escape', keys: [['Escape']], description: 'Close a dialog, or leave search results', group: 'General', scope: 'global' },

  { id: 'inbox.next', keys: [['j']], description: 'Next conversation', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.previous', keys: [['k']], description: 'Previous conversation', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.open', keys: [['Enter'], ['o']], description: 'Open the conversation and mark it read', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.done', keys: [['e']], description: 'Mark done (every checked conversation, if any)', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.pending', keys: [['p']], description: 'Mark pending (every checked conversation, if any)', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.snooze', keys: [['h']], description: 'Snooze (every checked conversation, if any): pick how long', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.tag', keys: [['t']], description: 'Add or remove tags (every checked conversation, if any)', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.filters', keys: [['f']], description: 'Filters and saved views', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.save', keys: [['s']], description: 'Save or unsave the conversation', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.check', keys: [['x']], description: 'Check or uncheck the conversation for a bulk action', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.undo', keys: [['z']], description: 'Undo the last action (a reply just sent, or triage)', group: 'Inbox', scope: 'inbox' },
  { id: 'inbox.reply', keys: [['r']], description: 'Reply to the conversation (the draft is kept)', group: 'Inbox', scope: 'inbox' },

  { id: 'list.move', keys: [['ArrowDown'], ['ArrowUp']], description: 'Move in a list, search results or the palette', group: 'Lists and dialogs', scope: 'local' },
  { id: 'list.ends', keys: [['Home'], ['End']], description: 'First or last row of a list', group: 'Lists and dialogs', scope: 'local' },
  { id: 'tabs.move', keys: [['ArrowLeft'], ['ArrowRight']], description: 'Previous or next triage tab', group: 'Lists and dialogs', scope: 'local' },
  { id: 'search.run', keys: [['Enter']], description: 'In the search box: run the search; on a result: open it', group: 'Lists and dialogs', scope: 'local' },
  { id: 'search.results', keys: [['ArrowDown']], description: 'In the search box: move to the results', group: 'Lists and dialogs', scope: 'local' },
  { id: 'picker.choose', keys: [['1'], ['2'], ['3'], ['4'], ['5'], ['6']], description: 'In the snooze picker: choose by number', group: 'Lists and dialogs', scope: 'local' },
  { id: 'tags.commit', keys: [['Enter']], description: 'In the tag editor: add the tag typed (or apply the changes when empty)', group: 'Lists and dialogs', scope: 'local' },
  { id: 'search.clear', keys: [['Escape']], description: 'In the search box: clear the search', group: 'Lists and dialogs', scope: 'local' },
  { id: 'compose.send', keys: [['mod+Enter']], description: 'In the composer: send the reply (it can be undone for a few seconds)', group: 'Lists and dialogs', scope: 'local' },
  { id: 'compose.saved', keys: [['mod+i']], description: 'In the composer: insert a saved reply', group: 'Lists and dialogs', scope: 'local' },
  { id: 'compose.mention', keys: [['@']], description: 'In the composer: mention someone from the thread (Tab or Enter to pick)', group: 'Lists and dialogs', scope: 'local' },
  { id: 'compose.close', keys: [['Escape']], description: 'In the composer: close it, keeping the draft', group: 'Lists and dialogs', scope: 'local' },
] as const satisfies readonly Shortcut[];

export type ShortcutId = (typeof DEFINITIONS)[number]['id'];

export const SHORTCUTS: readonly (Shortcut & { readonly id: ShortcutId })[] = DEFINITIONS;

export const SHORTCUT_GROUPS: readonly ShortcutGroup[] = ['Go to', 'General', 'Inbox', 'Lists and dialogs'];

const BY_ID = new Map<string, Shortcut>(SHORTCUTS.map((s) => [s.id, s]));

export function shortcut(id: ShortcutId): Shortcut {
  const found = BY_ID.get(id);
  if (!found) throw new Error(`unknown shortcut ${id}`);
  return found;
}

/** The shortcut key a keydown stands for (`g`, `?`, `Escape`, `mod+k`), or null. */
export function keyOf(event: KeyboardEvent): string | null {
  if (event.altKey) return null;
  if (['Shift', 'Control', 'Meta', 'Alt', 'AltGraph', 'CapsLock', 'Dead'].includes(event.key)) {
    return null;
  }
  if (event.ctrlKey || event.metaKey) return `mod+${event.key.toLowerCase()}`;
  return event.key;
}

/** True while the user types: in a form field or anything contenteditable. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])') !==
      null
  );
}

function isApple(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform ?? '');
}

const KEY_LABELS: Record<string, string> = {
  Escape: 'Esc',
  ArrowDown: '↓',
  ArrowUp: '↑',
  ArrowLeft: '←',
  ArrowRight: '→',
};

const KEY_NAMES: Record<string, string> = {
  Escape: 'Escape',
  ArrowDown: 'Down arrow',
  ArrowUp: 'Up arrow',
  ArrowLeft: 'Left arrow',
  ArrowRight: 'Right arrow',
  '/': 'Slash',
  '?': 'Question mark',
};

/** The key after `mod+`: a letter in capitals, a named key as it is named (`Enter`). */
function modKey(key: string): string {
  const rest = key.slice(4);
  return rest.length === 1 ? rest.toUpperCase() : (KEY_LABELS[rest] ?? rest);
}

/** Visible caps for one key: `mod+k` → `['Ctrl', 'K']` (or `['⌘', 'K']`). */
export function keyCaps(key: string): string[] {
  if (key.startsWith('mod+')) return [isApple() ? '⌘' : 'Ctrl', modKey(key)];
  return [KEY_LABELS[key] ?? key];
}

/** Spoken form of one alternative: `['g', 'i']` → "g then i". */
export function keysLabel(sequence: readonly string[]): string {
  return sequence
    .map((k) =>
      k.startsWith('mod+')
        ? `${isApple() ? 'Command' : 'Control'}+${modKey(k)}`
        : (KEY_NAMES[k] ?? k),
    )
    .join(' then ');
}
