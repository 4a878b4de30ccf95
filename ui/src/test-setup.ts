import '@testing-library/jest-dom/vitest';
import { configure } from '@testing-library/svelte';

// waitFor/findBy give a loaded machine longer than the default second before failing.
configure({ asyncUtilTimeout: 5000 });
