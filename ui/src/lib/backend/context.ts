import { createContext } from 'svelte';
import type { Backend } from './backend';

/** The Backend for the component tree, set once by App.svelte. */
export const [getBackend, setBackend] = createContext<Backend>();
