import type {
  BusinessHours,
  Contact,
  ContactFilter,
  ContactPanel,
  Person,
  Report,
  ReportQuery,
  SavedExport,
  Suggestion,
  Timeline,
} from '../types';

/**
 * Contacts (one person across networks) and reports (what the work is worth).
 * Part of {@link Backend}; every method rejects with a `BackendError`.
 */
export interface ContactsBackend {
  /** The person beside a conversation: their handle, their contact if linked, their timeline. */
  contactPanel(conversationId: number): Promise<ContactPanel>;
  /** Contacts matching a tag and/or text (name, handle, notes), by name. */
  contactsList(filter: ContactFilter): Promise<Contact[]>;
  contactGet(id: number): Promise<Contact>;
  /** Every conversation with any of a person's handles, newest first, a page at a time. */
  contactTimeline(person: Person, cursor?: string | null, limit?: number | null): Promise<Timeline>;
  /** Handles that may be one person, with why; only those involving `authorId` if given. */
  contactSuggestions(authorId?: number | null): Promise<Suggestion[]>;
  /** Every contact tag in use, the most used first. */
  contactTags(): Promise<string[]>;
  /** Links people into one contact (the oldest contact keeps its name and takes the rest). */
  contactsLink(people: Person[]): Promise<Contact>;
  /** Takes one handle out of its contact; returns what is left of the contact. */
  contactSplit(authorId: number): Promise<Contact>;
  /** Tags a person (an author gets a contact first); tags are normalised by the core. */
  contactTag(person: Person, add: string[], remove: string[]): Promise<Contact>;
  contactSetNotes(person: Person, notes: string): Promise<Contact>;
  contactRename(person: Person, name: string): Promise<Contact>;
  /** The contact of a person, made for an author that has none. */
  contactOf(person: Person): Promise<Contact>;
  /** Removes a contact; its handles stay, unlinked. */
  contactDelete(id: number): Promise<void>;
  /** Never suggests these two handles as one person again. */
  contactDismiss(a: number, b: number): Promise<void>;

  /** The report for a period, compared with the period of the same length before it. */
  reportBuild(query: ReportQuery): Promise<Report>;
  /** The workspace's business hours; null counts around the clock. */
  businessHours(): Promise<BusinessHours | null>;
  setBusinessHours(hours: BusinessHours | null): Promise<void>;
  /** Reads `Mon-Fri 09:00-17:00 +01:00`; rejects saying how to write it. */
  parseBusinessHours(text: string): Promise<BusinessHours>;
  /** Every table as CSV in a new folder where the manager chooses (a dialog); null if they cancel. */
  reportExportCsv(query: ReportQuery): Promise<SavedExport | null>;
  /** The one-page printable report saved where the manager chooses, opened in the system browser; null if they cancel. */
  reportExportHtml(query: ReportQuery, title: string): Promise<SavedExport | null>;
  /** Shows what an export wrote in the file manager. */
  revealExport(path: string): Promise<void>;
}
