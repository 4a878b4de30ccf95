import { getContext, setContext } from 'svelte';

/** How a panel anywhere in the app shows a person or a conversation in its own view. */
export interface PeopleNavigation {
  /** Shows the contact's page in the Contacts view. */
  openContact(contactId: number): void;
  /** Opens the conversation in the Inbox. */
  openConversation(conversationId: number): void;
}

const KEY = Symbol('people-navigation');

export function setPeopleNavigation(navigation: PeopleNavigation): void {
  setContext(KEY, navigation);
}

/** Undefined where nothing set it (a component rendered on its own in a test). */
export function getPeopleNavigation(): PeopleNavigation | undefined {
  return getContext<PeopleNavigation | undefined>(KEY);
}
