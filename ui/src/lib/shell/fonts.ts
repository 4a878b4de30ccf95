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

/** Applies [`trimmedFontStacks`] to the document, measuring with a canvas. */
export function applyFontStacks(doc: Document = document): void {
  let context: CanvasRenderingContext2D | null = null;
  try {
    context = doc.createElement('canvas').getContext('2d');
  } catch {
    // No canvas (tests): the stacks stay as they are.
  }
  if (!context) return;
  const ctx = context;
  const stacks = trimmedFontStacks((font) => {
    ctx.font = font;
    return ctx.measureText(PROBE).width;
  });
  for (const [variable, stack] of Object.entries(stacks)) {
    doc.documentElement.style.setProperty(variable, stack);
  }
}
