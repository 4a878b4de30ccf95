import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createBackend, TauriBackend } from './lib/backend';
import { PAGE_SIZE } from './lib/inbox/inbox.svelte';
import { applyFontStacks, recheckFontStacks } from './lib/shell/fonts';
import { later } from './lib/shell/later.svelte';
import { afterFirstPaint, firstPainted } from './lib/shell/startup';
import { applyTheme, loadTheme } from './lib/shell/theme.svelte';

performance.mark('earshot-script');

/** An inbox without rows paints none: what waits for them starts this long after the mount (as in the shell). */
const FIRST_PAINT_FALLBACK_MS = 3000;

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

// Before the first paint, so a stored light/dark choice never flashes the other theme.
applyTheme(loadTheme());
// Before the first style too: a font family the platform lacks costs a lookup per size and weight.
if (applyFontStacks()) afterFirstPaint(() => recheckFontStacks());
// The thread, search results, pickers, palette and shortcuts overlay, ahead of their first use.
afterFirstPaint(() => void later.load().catch(() => {}));

void createBackend().then((backend) => {
  performance.mark('earshot-backend');
  // The first screen's reads go out now, to overlap with mounting the UI.
  if (backend instanceof TauriBackend) {
    void backend.startUp({ state: 'open', accountId: null, cursor: null, limit: PAGE_SIZE });
  }
  mount(App, { target, props: { backend } });
  performance.mark('earshot-mounted');
  setTimeout(firstPainted, FIRST_PAINT_FALLBACK_MS);
});
