import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createBackend } from './lib/backend';
import { applyTheme, loadTheme } from './lib/shell/theme.svelte';

performance.mark('earshot-script');

const target = document.getElementById('app');
if (!target) throw new Error('#app element missing from index.html');

// Before the first paint, so a stored light/dark choice never flashes the other theme.
applyTheme(loadTheme());

void createBackend().then((backend) => {
  performance.mark('earshot-backend');
  mount(App, { target, props: { backend } });
  performance.mark('earshot-mounted');
});
