/**
 * Runs `fn` once the next frame has painted: in a task queued from that frame's
 * `requestAnimationFrame`, which runs after the frame's style, layout and paint. Work
 * that must not hold up what a key press shows (opening the next conversation, the
 * rest of a long thread, a write nobody waits for) goes here. A hidden window gets no
 * frames, so a timer runs `fn` anyway after `fallbackMs`.
 */
export function afterPaint(fn: () => void, fallbackMs = 100): void {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    fn();
  };
  if (typeof requestAnimationFrame !== 'function') {
    setTimeout(run, 0);
    return;
  }
  requestAnimationFrame(() => setTimeout(run, 0));
  setTimeout(run, fallbackMs);
}
