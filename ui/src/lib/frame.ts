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

/** How long after the next paint idle work starts where the engine has no `requestIdleCallback` (WebKit). */
const IDLE_FALLBACK_MS = 300;

/**
 * Runs `fn` when the page is idle: through `requestIdleCallback` where the engine has
 * it, else a little after the next frame has painted. For work nobody waits for yet,
 * such as loading code ahead of its first use.
 */
export function whenIdle(fn: () => void): void {
  if (typeof requestIdleCallback === 'function') {
    requestIdleCallback(() => fn(), { timeout: 2000 });
    return;
  }
  afterPaint(() => setTimeout(fn, IDLE_FALLBACK_MS));
}
