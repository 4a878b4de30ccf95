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
import type { ContactsBackend } from './people';

/** The contacts and reports commands, mixed into `TauriBackend` (which supplies `call`). */
export abstract class TauriPeople implements ContactsBackend {
  protected abstract call<T>(command: string, args?: Record<string, unknown>): Promise<T>;

  contactPanel(id: number): Promise<ContactPanel> {
    return this.call('contact_panel', { id });
  }

  contactsList(filter: ContactFilter): Promise<Contact[]> {
    return this.call('contacts_list', { filter });
  }

  contactGet(id: number): Promise<Contact> {
    return this.call('contact_get', { id });
  }

  contactTimeline(person: Person, cursor?: string | null, limit?: number | null): Promise<Timeline> {
    return this.call('contact_timeline', { person, cursor: cursor ?? null, limit: limit ?? null });
  }

  contactSuggestions(authorId?: number | null): Promise<Suggestion[]> {
    return this.call('contact_suggestions', { authorId: authorId ?? null });
  }

  contactTags(): Promise<string[]> {
    return this.call('contact_tags');
  }

  contactsLink(people: Person[]): Promise<Contact> {
    return this.call('contacts_link', { people });
  }

  contactSplit(authorId: number): Promise<Contact> {
    return this.call('contact_split', { authorId });
  }

  contactTag(person: Person, add: string[], remove: string[]): Promise<Contact> {
    return this.call('contact_tag', { person, add, remove });
  }

  contactSetNotes(person: Person, notes: string): Promise<Contact> {
    return this.call('contact_set_notes', { person, notes });
  }

  contactRename(person: Person, name: string): Promise<Contact> {
    return this.call('contact_rename', { person, name });
  }

  contactOf(person: Person): Promise<Contact> {
    return this.call('contact_of', { person });
  }

  contactDelete(id: number): Promise<void> {
    return this.call('contact_delete', { id });
  }

  contactDismiss(a: number, b: number): Promise<void> {
    return this.call('contact_dismiss', { a, b });
  }

  reportBuild(query: ReportQuery): Promise<Report> {
    return this.call('report_build', { query });
  }

  businessHours(): Promise<BusinessHours | null> {
    return this.call('business_hours_get');
  }

  setBusinessHours(hours: BusinessHours | null): Promise<void> {
    return this.call('business_hours_set', { hours });
  }

  parseBusinessHours(text: string): Promise<BusinessHours> {
    return this.call('business_hours_parse', { text });
  }

  reportExportCsv(query: ReportQuery): Promise<SavedExport | null> {
    return this.call('report_export_csv', { query });
  }

  reportExportHtml(query: ReportQuery, title: string): Promise<SavedExport | null> {
    return this.call('report_export_html', { query, title });
  }

  revealExport(path: string): Promise<void> {
    return this.call('export_reveal', { path });
  }
}
