import type { ShortcutId } from './shortcuts';

export type ViewId = 'inbox' | 'listening' | 'contacts' | 'reports' | 'settings';

export interface ViewInfo {
  id: ViewId;
  label: string;
  shortcut: ShortcutId;
}

export const VIEWS: readonly ViewInfo[] = [
  { id: 'inbox', label: 'Inbox', shortcut: 'go.inbox' },
  { id: 'listening', label: 'Listening', shortcut: 'go.listening' },
  { id: 'contacts', label: 'Contacts', shortcut: 'go.contacts' },
  { id: 'reports', label: 'Reports', shortcut: 'go.reports' },
  { id: 'settings', label: 'Settings', shortcut: 'go.settings' },
];
