/**
 * What `later.svelte.ts` loads after the first paint: everything here, and what only
 * it imports, is a chunk of its own. Import these components through `getLater()`,
 * never directly (`import type` is fine), or they land back in the first bundle.
 */
export { default as ThreadPane } from '../thread/ThreadPane.svelte';
export { default as SearchResults } from '../search/SearchResults.svelte';
export { default as SnoozePicker } from '../inbox/SnoozePicker.svelte';
export { default as TagEditor } from '../inbox/TagEditor.svelte';
export { default as CommandPalette } from './CommandPalette.svelte';
export { default as ShortcutsOverlay } from './ShortcutsOverlay.svelte';
