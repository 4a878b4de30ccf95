// Installed in the real app's page by `earshot-cli bench listen-window` (WebDriver
// execute). It times, in the page's own clock, from an action to just after the first
// frame that shows the dashboard it asked for: every chart of the dashboard drawn anew
// (uPlot replaces its element on each draw, and draws once the new figures are in, so a
// chart drawn before the action is marked and not counted) and a total shown.
//   open(key)          arms for a key press (the `l` of `g l`, which opens the view);
//   choose(id, value)  sets one select (the range or the bucket) as a person would, and
//                      starts the clock at once;
//   take()             returns the finished measurements ({ painted } in ms, or -1;
//                      shown, when the total first changed, if it did; for the trace,
//                      marks: the page's `earshot-` performance marks since the action,
//                      and loads: the scripts and styles it fetched, each [name, ms
//                      from the action, ms it took]).
(() => {
  if (window.__earshotListenBench) return;
  const total = () => document.querySelector('[data-testid="listening-total"]')?.textContent ?? null;
  const charts = () => [...document.querySelectorAll('[data-testid="listening-dashboard"] .uplot')];
  const bench = { done: [], armed: null };

  function watch(start, before) {
    const deadline = start + 20000;
    let shown = null;
    const frame = () => {
      const now = total();
      const drawn = charts();
      if (shown === null && now !== null && now !== before) shown = performance.now() - start;
      if (now !== null && drawn.length >= 2 && drawn.every((c) => !c.hasAttribute('data-bench-old'))) {
        setTimeout(() => {
          const since = (e) => Math.round((e.startTime - start) * 10) / 10;
          bench.done.push({
            painted: performance.now() - start,
            shown: shown === null ? null : Math.round(shown),
            total: now,
            marks: performance
              .getEntriesByType('mark')
              .filter((e) => e.name.startsWith('earshot-') && e.startTime >= start)
              .map((e) => [e.name.slice(8), since(e)]),
            loads: performance
              .getEntriesByType('resource')
              .filter((e) => e.startTime >= start)
              .map((e) => [e.name.split('/').pop(), since(e), Math.round(e.duration * 10) / 10]),
          });
        }, 0);
      } else if (performance.now() < deadline) {
        requestAnimationFrame(frame);
      } else {
        bench.done.push({ painted: -1, total: now });
      }
    };
    requestAnimationFrame(frame);
  }

  function mark() {
    for (const c of charts()) c.setAttribute('data-bench-old', '');
    return total();
  }

  bench.open = (key) => {
    bench.armed = { key, before: mark() };
  };

  bench.choose = (id, value) => {
    const before = mark();
    const start = performance.now();
    const el = document.querySelector(`[data-testid="${id}"]`);
    el.value = value;
    el.dispatchEvent(new Event('change', { bubbles: true }));
    watch(start, before);
  };

  bench.take = () => {
    const out = bench.done;
    bench.done = [];
    return out;
  };

  addEventListener(
    'keydown',
    (event) => {
      const armed = bench.armed;
      if (!armed || event.key !== armed.key) return;
      bench.armed = null;
      watch(performance.now(), armed.before);
    },
    true,
  );
  window.__earshotListenBench = bench;
})();
