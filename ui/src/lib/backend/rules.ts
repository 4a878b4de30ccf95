import type { Rule } from '../types';

/** The Tauri event name a notification's "Open" arrives on (a conversation id). */
export const OPEN_EVENT = 'earshot://open';

/** The Tauri event name a notification's "Mark done" is told on (a conversation id, already done). */
export const MARKED_DONE_EVENT = 'earshot://marked-done';

/** The Tauri event name the unread urgent count arrives on when it changes. */
export const URGENT_EVENT = 'earshot://urgent';

/** A new rule: every condition open, no action yet. */
export function blankRule(): Rule {
  return {
    id: 0,
    name: '',
    enabled: true,
    position: 0,
    builtin: false,
    conditions: {
      query: null,
      networks: [],
      accountIds: [],
      kinds: [],
      sentimentBelow: null,
      sentimentAbove: null,
      minFollowers: null,
      languages: [],
      question: null,
      riskWords: false,
      contactTags: [],
    },
    actions: { tags: [], priority: null, state: null, urgent: false, mute: false },
  };
}
