import type { TriageState } from '../types';

export interface StateTab {
  state: TriageState;
  label: string;
}

export const STATE_TABS: readonly StateTab[] = [
  { state: 'open', label: 'Open' },
  { state: 'pending', label: 'Pending' },
  { state: 'snoozed', label: 'Snoozed' },
  { state: 'done', label: 'Done' },
];
