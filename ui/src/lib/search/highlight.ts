/** Marks around matched words in search snippets (private-use characters, never in text). */
export const MARK_START = '\u{E000}';
export const MARK_END = '\u{E001}';

export interface Segment {
  text: string;
  /** Inside a match: render as <mark>. */
  mark: boolean;
}

/**
 * Splits a snippet at its match marks into plain and marked segments, for
 * rendering as text and <mark> elements (never as HTML). Stray or unbalanced
 * marks are dropped; empty segments are left out.
 */
export function splitMarks(snippet: string): Segment[] {
  const segments: Segment[] = [];
  let mark = false;
  let text = '';
  const flush = () => {
    if (text) segments.push({ text, mark });
    text = '';
  };
  for (const ch of snippet) {
    if (ch === MARK_START || ch === MARK_END) {
      flush();
      mark = ch === MARK_START;
    } else {
      text += ch;
    }
  }
  flush();
  return segments;
}
