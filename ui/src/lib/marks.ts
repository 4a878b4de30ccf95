/**
 * Marks a step on the page's performance timeline as `earshot-NAME`, for the
 * benches' traces (`EARSHOT_BENCH_TRACE=1` prints the marks of each measure).
 * Only the latest mark of each name is kept, so a long session does not pile
 * them up.
 */
export function mark(name: string): void {
  if (typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  const full = `earshot-${name}`;
  performance.clearMarks(full);
  performance.mark(full);
}
