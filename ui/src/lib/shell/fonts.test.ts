import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyFontStacks, trimmedFontStacks } from './fonts';

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

describe('applyFontStacks', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    document.documentElement.style.removeProperty('--font-sans');
    document.documentElement.style.removeProperty('--font-mono');
  });

  it('sets the trimmed stacks on <html>, measured with a canvas', () => {
    const measure = platform({ 'sans-serif': 140, monospace: 171 });
    const context = {
      font: '',
      measureText(this: { font: string }) {
        return { width: measure(this.font) };
      },
    };
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(
      context as unknown as CanvasRenderingContext2D,
    );
    applyFontStacks(document);
    expect(document.documentElement.style.getPropertyValue('--font-sans')).toBe('sans-serif');
    expect(document.documentElement.style.getPropertyValue('--font-mono')).toBe('monospace');
  });

  it('leaves the document alone without a canvas to measure with', () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    applyFontStacks(document);
    expect(document.documentElement.style.getPropertyValue('--font-sans')).toBe('');
  });
});
