// Installed in the real app's page by `earshot-cli bench inbox` (WebDriver execute).
// `arm(kind)` says what the next key press should change; the key itself comes from
// WebDriver as real input. For that press it records, in the page's own clock:
//   script  time from the keydown to the end of its task and microtasks (Svelte's
//           flush included): the script the key costs before anything can paint;
//   painted time from the keydown to just after the first frame that shows the
//           change (a task queued from that frame's requestAnimationFrame runs once
//           the frame's style, layout and paint are done).
// `take()` returns the finished measurements.
(() => {
  if (window.__earshotBench) return;
  const selectedId = () =>
    document.querySelector('[data-testid="conversation-row"][aria-selected="true"]')?.dataset
      .conversationId ?? null;
  const rowShown = (id) =>
    document.querySelector(`[data-testid="conversation-row"][data-conversation-id="${id}"]`) !==
    null;
  const checks = {
    // j / k: another row is selected, and it has focus.
    move: (before) => {
      const id = selectedId();
      return id !== null && id !== before.selected && document.activeElement?.dataset?.conversationId === id;
    },
    // Enter: the thread pane shows every item of the conversation.
    thread: (before, want) =>
      document.querySelectorAll('[data-testid="thread-pane"] [data-testid="thread-item"]').length >=
      want,
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
      bench.armed = { kind, arg, before: { selected: selectedId(), target: arg } };
    },
    take() {
      const out = bench.done;
      bench.done = [];
      return out;
    },
    selectedId,
  };
  window.__earshotBench = bench;
  addEventListener(
    'keydown',
    (event) => {
      const armed = bench.armed;
      if (!armed) return;
      bench.armed = null;
      const start = performance.now();
      const m = { kind: armed.kind, script: null, painted: null };
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        m.script = performance.now() - start;
      };
      channel.port2.postMessage(0);
      const deadline = start + 10000;
      const frame = () => {
        if (checks[armed.kind](armed.before, armed.arg)) {
          setTimeout(() => {
            m.painted = performance.now() - start;
            bench.done.push(m);
          }, 0);
        } else if (performance.now() < deadline) {
          requestAnimationFrame(frame);
        } else {
          m.painted = -1;
          bench.done.push(m);
        }
      };
      requestAnimationFrame(frame);
    },
    true,
  );
})();
