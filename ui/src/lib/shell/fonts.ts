/**
 * The UI's font stacks, trimmed before the first paint to the faces the
 * platform has.
 *
 * `--font-sans` and `--font-mono` (app.css) start with `system-ui` and
 * `ui-monospace`, the desktop's own faces. WebKitGTK asks fontconfig for them;
 * where fontconfig has none of the faces it lists for `system-ui` (Cantarell,
 * Noto Sans UI, ...: a VM, a minimal or non-GNOME desktop, CI) and for
 * `ui-monospace` (never on Linux), each font size and weight the page uses
 * costs a vain lookup before the generic family after it. In the first style
 * and layout of the inbox that was ~20–40 ms of fontconfig (bench window,
 * demo workspace). A family the platform lacks falls back to the next one
 * anyway, so dropping it changes nothing on screen; where it exists, the stack
 * is left alone.
 */

/** Each stack: the variable, its first family, and the fallback it is checked against. */
const STACKS = [
  { variable: '--font-sans', family: 'system-ui', fallback: 'sans-serif' },
  { variable: '--font-mono', family: 'ui-monospace', fallback: 'monospace' },
] as const;

/** Wide and narrow letters: different faces give different widths. */
const PROBE = 'mmmmmmmmmmlllliiiWW';
const SIZE = '15px';

/**
 * The stacks to use instead of app.css's, for the families `measure` shows
 * missing. `measure(font)` is the width of a text in a CSS `font`. A family
 * is missing when putting it in front of a family of another kind (monospace
 * before a proportional one and back) changes nothing.
 */
export function trimmedFontStacks(measure: (font: string) => number): Record<string, string> {
  const trimmed: Record<string, string> = {};
  for (const { variable, family, fallback } of STACKS) {
    // The other kind of face: a missing family measures like it, a present one never does.
    const other = fallback === 'monospace' ? 'sans-serif' : 'monospace';
    const alone = measure(`${SIZE} ${other}`);
    const first = measure(`${SIZE} ${family}, ${other}`);
    if (alone > 0 && first === alone) trimmed[variable] = fallback;
  }
  return trimmed;
}

/**
 * Where the last measure is kept, with the families it checked: the faces a platform
 * has seldom change between two starts, and measuring costs ~10 ms before the mount
 * (a vain fontconfig lookup per missing family).
 */
export const FONT_STACKS_STORAGE_KEY = 'earshot.fontStacks';

const CHECKED = STACKS.map((s) => s.family).join(',');

interface Kept {
  checked: string;
  trimmed: Record<string, string>;
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function readKept(store: Storage | null): Record<string, string> | null {
  try {
    const kept = JSON.parse(store?.getItem(FONT_STACKS_STORAGE_KEY) ?? 'null') as Kept | null;
    if (kept?.checked !== CHECKED || typeof kept.trimmed !== 'object' || kept.trimmed === null) return null;
    return kept.trimmed;
  } catch {
    return null;
  }
}

function keep(store: Storage | null, trimmed: Record<string, string>): void {
  try {
    store?.setItem(FONT_STACKS_STORAGE_KEY, JSON.stringify({ checked: CHECKED, trimmed } satisfies Kept));
  } catch {
    // Storage can be full or disabled: the next start measures again.
  }
}

/** [`trimmedFontStacks`] measured with a canvas; null without one (tests). */
function measureStacks(doc: Document): Record<string, string> | null {
  let context: CanvasRenderingContext2D | null = null;
  try {
    context = doc.createElement('canvas').getContext('2d');
  } catch {
    // No canvas.
  }
  if (!context) return null;
  const ctx = context;
  return trimmedFontStacks((font) => {
    ctx.font = font;
    return ctx.measureText(PROBE).width;
  });
}

/** Sets the trimmed stacks on <html>; a stack not trimmed is app.css's again. */
function setStacks(doc: Document, trimmed: Record<string, string>): void {
  for (const { variable } of STACKS) {
    const stack = trimmed[variable];
    if (stack) doc.documentElement.style.setProperty(variable, stack);
    else doc.documentElement.style.removeProperty(variable);
  }
}

/**
 * Applies [`trimmedFontStacks`] to the document before the first style: as kept from
 * the last start when there is a kept measure, else measured now with a canvas (and
 * kept). Returns true when it used a kept measure: [`recheckFontStacks`] should then
 * run once the page is idle.
 */
export function applyFontStacks(doc: Document = document, store: Storage | null = storage()): boolean {
  const kept = readKept(store);
  if (kept) {
    setStacks(doc, kept);
    return true;
  }
  const measured = measureStacks(doc);
  if (!measured) return false;
  setStacks(doc, measured);
  keep(store, measured);
  return false;
}

/**
 * Measures again after a start that used the kept stacks: where the platform's faces
 * changed since (a desktop font installed or removed), the page takes the new stacks
 * (one restyle, once) and keeps them for the next start.
 */
export function recheckFontStacks(doc: Document = document, store: Storage | null = storage()): void {
  const measured = measureStacks(doc);
  if (!measured) return;
  if (JSON.stringify(measured) === JSON.stringify(readKept(store))) return;
  setStacks(doc, measured);
  keep(store, measured);
}
