import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createBackend, TauriBackend } from './lib/backend';
import { PAGE_SIZE } from './lib/inbox/inbox.svelte';
import { applyFontStacks } from './lib/shell/fonts';
import { applyTheme, loadTheme } from './lib/shell/theme.svelte';

performance.mark('earshot-script');

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

// Before the first paint, so a stored light/dark choice never flashes the other theme.
applyTheme(loadTheme());
// Before the first style too: a font family the platform lacks costs a lookup per size and weight.
applyFontStacks();

void createBackend().then((backend) => {
  performance.mark('earshot-backend');
  // The first screen's reads go out now, to overlap with mounting the UI.
  if (backend instanceof TauriBackend) {
    void backend.startUp({ state: 'open', accountId: null, cursor: null, limit: PAGE_SIZE });
  }
  mount(App, { target, props: { backend } });
  performance.mark('earshot-mounted');
});
