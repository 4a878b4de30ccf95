// Installed in the real app's page by `earshot-cli bench inbox` (WebDriver execute).
// `arm(kind)` says what the next key press should change; the key itself comes from
// WebDriver as real input. For that press it records, in the page's own clock:
//   script  time from the keydown to the end of its dispatch and microtasks (Svelte's
//           flush included): the script the key costs before anything can paint. A
//           keydown listener of the probe's on the window, bubbling, added after the
//           app's, runs once the app's listeners and their microtasks are done. (A
//           message posted at the keydown is no measure of this: WebKit may run a due
//           frame's style, layout and paint before it, counting them as script.)
//   painted time from the keydown to just after the first frame that shows the
//           change (a task queued from that frame's requestAnimationFrame runs once
//           the frame's style, layout and paint are done);
//   frame   time from the keydown to that frame's requestAnimationFrame callback, so
//           painted − frame is the frame's own style, layout and paint;
//   marks   the page's performance marks during the press (name, ms from the keydown),
//           for tracing where the time goes (EARSHOT_BENCH_TRACE=1 prints each press),
//           with nextTask (the keydown to the next task) and, for a thread, the items
//           in the DOM at the frame.
// `take()` returns the finished measurements; `wait(done)` calls `done` with them once
// there is one (the bench waits so, in an asynchronous script, rather than polling the
// page through WebDriver while the press is timed).
(() => {
  if (window.__earshotBench) return;
  const selectedId = () =>
    document.querySelector('[data-testid="conversation-row"][aria-selected="true"]')?.dataset
      .conversationId ?? null;
  const rowShown = (id) =>
    document.querySelector(`[data-testid="conversation-row"][data-conversation-id="${id}"]`) !==
    null;
  const items = () => document.querySelectorAll('[data-testid="thread-pane"] [data-testid="thread-item"]');
  const checks = {
    // j / k: another row is selected, and it has focus.
    move: (before) => {
      const id = selectedId();
      return id !== null && id !== before.selected && document.activeElement?.dataset?.conversationId === id;
    },
    // Enter: the thread pane shows the selected conversation, and the screenful in view is
    // whole: every item of the conversation is in the DOM, or (rendered progressively,
    // from the first item down) those in the DOM reach the pane's bottom edge.
    thread: (before, want) => {
      const pane = document.querySelector('[data-testid="thread-pane"]');
      if (!pane || pane.dataset.conversationId !== before.selected || pane.scrollTop !== 0) return false;
      const shown = items();
      if (shown.length >= want) return true;
      const last = shown[shown.length - 1];
      return last !== undefined && last.getBoundingClientRect().bottom >= pane.getBoundingClientRect().bottom;
    },
    // Enter in the search box: results are listed.
    search: () => document.querySelectorAll('[data-testid="search-result"]').length > 0,
    // e: the selected row left the list and the next one is selected.
    triage: (before) => !rowShown(before.selected) && selectedId() !== null,
    // z: the row is back, and selected.
    undo: (before) => selectedId() === before.target,
  };
  const bench = {
    armed: null,
    done: [],
    arm(kind, arg) {
      performance.clearMarks();
      bench.armed = { kind, arg, before: { selected: selectedId(), target: arg } };
    },
    take() {
      const out = bench.done;
      bench.done = [];
      return out;
    },
    waiter: null,
    wait(done) {
      if (bench.done.length > 0) done(bench.take());
      else bench.waiter = done;
    },
    finish(m) {
      bench.done.push(m);
      const waiter = bench.waiter;
      bench.waiter = null;
      if (waiter) waiter(bench.take());
    },
    selectedId,
  };
  window.__earshotBench = bench;
  /** The measured keydown, while its listeners run. */
  let pressed = null;
  addEventListener(
    'keydown',
    (event) => {
      const armed = bench.armed;
      if (!armed) return;
      bench.armed = null;
      const start = performance.now();
      const m = { kind: armed.kind, script: null, nextTask: null, frame: null, painted: null, items: null, marks: [] };
      pressed = { event, m, start };
      // The next task (the old measure of script, for the trace), and script if the
      // bubbling listener never ran (propagation stopped).
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        m.nextTask = performance.now() - start;
        if (m.script === null) m.script = m.nextTask;
      };
      channel.port2.postMessage(0);
      const deadline = start + 10000;
      const frame = () => {
        if (checks[armed.kind](armed.before, armed.arg)) {
          m.frame = performance.now() - start;
          if (armed.kind === 'thread') m.items = items().length;
          setTimeout(() => {
            m.painted = performance.now() - start;
            m.marks = performance
              .getEntriesByType('mark')
              .filter((e) => e.startTime >= start)
              .map((e) => [e.name, Math.round((e.startTime - start) * 10) / 10]);
            bench.finish(m);
          }, 0);
        } else if (performance.now() < deadline) {
          requestAnimationFrame(frame);
        } else {
          m.painted = -1;
          bench.finish(m);
        }
      };
      requestAnimationFrame(frame);
    },
    true,
  );
  addEventListener('keydown', (event) => {
    if (pressed?.event !== event) return;
    pressed.m.script = performance.now() - pressed.start;
    pressed = null;
  });
})();
