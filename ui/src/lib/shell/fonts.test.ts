import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyFontStacks, FONT_STACKS_STORAGE_KEY, recheckFontStacks, trimmedFontStacks } from './fonts';

/** Widths of the probe per face; a stack measures as its first face the platform has. */
function platform(faces: Record<string, number>): (font: string) => number {
  return (font) => {
    const families = font.replace(/^\S+\s+/, '').split(',').map((f) => f.trim());
    const width = families.map((f) => faces[f]).find((w) => w !== undefined);
    if (width === undefined) throw new Error(`no face for ${font}`);
    return width;
  };
}

describe('trimmedFontStacks', () => {
  it('drops system-ui and ui-monospace where the platform lacks them (WebKitGTK without the faces)', () => {
    const measure = platform({ 'sans-serif': 140, monospace: 171 });
    expect(trimmedFontStacks(measure)).toEqual({
      '--font-sans': 'sans-serif',
      '--font-mono': 'monospace',
    });
  });

  it('keeps the stacks where the desktop has its own faces', () => {
    const measure = platform({ 'system-ui': 133, 'ui-monospace': 168, 'sans-serif': 140, monospace: 171 });
    expect(trimmedFontStacks(measure)).toEqual({});
  });

  it('trims only the family that is missing', () => {
    const measure = platform({ 'system-ui': 133, 'sans-serif': 140, monospace: 171 });
    expect(trimmedFontStacks(measure)).toEqual({ '--font-mono': 'monospace' });
  });

  it('changes nothing when nothing could be measured', () => {
    expect(trimmedFontStacks(() => 0)).toEqual({});
  });
});

/** A canvas whose text measures as on a platform with `faces`; returns how many texts it measured. */
function canvasOf(faces: Record<string, number>): () => number {
  const measure = platform(faces);
  let measured = 0;
  const context = {
    font: '',
    measureText(this: { font: string }) {
      measured += 1;
      return { width: measure(this.font) };
    },
  };
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(
    context as unknown as CanvasRenderingContext2D,
  );
  return () => measured;
}

function stack(variable: string): string {
  return document.documentElement.style.getPropertyValue(variable);
}

describe('applyFontStacks', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
    document.documentElement.style.removeProperty('--font-sans');
    document.documentElement.style.removeProperty('--font-mono');
  });

  it('sets the trimmed stacks on <html>, measured with a canvas', () => {
    canvasOf({ 'sans-serif': 140, monospace: 171 });
    expect(applyFontStacks(document)).toBe(false);
    expect(stack('--font-sans')).toBe('sans-serif');
    expect(stack('--font-mono')).toBe('monospace');
  });

  it('uses the stacks kept from the last start without measuring, and the idle recheck keeps them', () => {
    canvasOf({ 'sans-serif': 140, monospace: 171 });
    applyFontStacks(document);
    document.documentElement.style.removeProperty('--font-sans');
    document.documentElement.style.removeProperty('--font-mono');
    vi.restoreAllMocks();

    const measured = canvasOf({ 'sans-serif': 140, monospace: 171 });
    expect(applyFontStacks(document)).toBe(true);
    expect(measured()).toBe(0);
    expect(stack('--font-sans')).toBe('sans-serif');
    expect(stack('--font-mono')).toBe('monospace');
    recheckFontStacks(document);
    expect(measured()).toBeGreaterThan(0);
    expect(stack('--font-sans')).toBe('sans-serif');
  });

  it('takes the new stacks at the recheck when the desktop gained a face since', () => {
    canvasOf({ 'sans-serif': 140, monospace: 171 });
    applyFontStacks(document);
    vi.restoreAllMocks();

    canvasOf({ 'system-ui': 133, 'sans-serif': 140, monospace: 171 });
    expect(applyFontStacks(document)).toBe(true);
    expect(stack('--font-sans')).toBe('sans-serif');
    recheckFontStacks(document);
    // app.css's own stack (system-ui first) applies again; ui-monospace is still missing.
    expect(stack('--font-sans')).toBe('');
    expect(stack('--font-mono')).toBe('monospace');
    expect(JSON.parse(localStorage.getItem(FONT_STACKS_STORAGE_KEY) ?? '{}')).toMatchObject({
      trimmed: { '--font-mono': 'monospace' },
    });
  });

  it('measures again when what was kept does not parse', () => {
    localStorage.setItem(FONT_STACKS_STORAGE_KEY, '{not json');
    const measured = canvasOf({ 'sans-serif': 140, monospace: 171 });
    expect(applyFontStacks(document)).toBe(false);
    expect(measured()).toBeGreaterThan(0);
    expect(stack('--font-sans')).toBe('sans-serif');
  });

  it('leaves the document alone without a canvas to measure with', () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    applyFontStacks(document);
    expect(document.documentElement.style.getPropertyValue('--font-sans')).toBe('');
  });
});
