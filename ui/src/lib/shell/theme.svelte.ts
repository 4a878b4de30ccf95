export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_STORAGE_KEY = 'earshot.theme';
export const THEME_CHOICES: readonly { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

function isChoice(value: unknown): value is ThemeChoice {
  return value === 'system' || value === 'light' || value === 'dark';
}

/** The stored choice, `system` when none (or storage is unavailable). */
export function loadTheme(): ThemeChoice {
  try {
    const stored = globalThis.localStorage?.getItem(THEME_STORAGE_KEY);
    return isChoice(stored) ? stored : 'system';
  } catch {
    return 'system';
  }
}

/** Sets `data-theme` on <html>; app.css picks the palette from it. */
export function applyTheme(choice: ThemeChoice): void {
  document.documentElement.dataset.theme = choice;
}

export function systemPrefersDark(): boolean {
  return typeof window.matchMedia === 'function' &&
    window.matchMedia('(prefers-color-scheme: dark)').matches;
}

/** The theme choice: stored in localStorage, applied to <html>. */
export class ThemePreference {
  choice = $state<ThemeChoice>(loadTheme());

  constructor() {
    applyTheme(this.choice);
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    applyTheme(choice);
    try {
      globalThis.localStorage?.setItem(THEME_STORAGE_KEY, choice);
    } catch {
      // Storage can be disabled; the choice then lasts for this session only.
    }
  }

  /** Flips between light and dark, starting from what is on screen now. */
  toggle(): void {
    const dark = this.choice === 'dark' || (this.choice === 'system' && systemPrefersDark());
    this.set(dark ? 'light' : 'dark');
  }
}
