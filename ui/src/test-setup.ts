import '@testing-library/jest-dom/vitest';
import { configure } from '@testing-library/svelte';
import { beforeAll } from 'vitest';
import { later } from './lib/shell/later.svelte';

// waitFor/findBy give a loaded machine longer than the default second before failing.
configure({ asyncUtilTimeout: 5000 });

// The parts the app loads after its first paint (lib/shell/later.svelte.ts) are in, as they
// are by the time anyone uses the window; later.test.ts covers a use before they are.
beforeAll(() => later.load());
