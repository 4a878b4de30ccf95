import { BackendError, type Backend } from '../backend';
import type { AccountLimits, ComposeInfo, OutboxEntry, Participant } from '../types';

/** How long typing pauses before the draft is written to the encrypted store. */
export const DRAFT_SAVE_MS = 300;

/** The `@word` being typed just before the caret, if any. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)(@[\p{L}\p{N}_.@-]*)$/u.exec(before);
  if (!m || m[2] === undefined) return null;
  return { start: caret - m[2].length, query: m[2].slice(1).toLowerCase() };
}

/** Participants whose handle or name starts with (or contains) what is typed after `@`. */
export function mentionSuggestions(people: readonly Participant[], query: string): Participant[] {
  const q = query.toLowerCase();
  const starts = (s: string | null | undefined) => !!s && s.toLowerCase().startsWith(q);
  const contains = (s: string | null | undefined) => !!s && s.toLowerCase().includes(q);
  const handle = (p: Participant) => p.mention.slice(1);
  const ranked = [
    ...people.filter((p) => starts(handle(p)) || (p.name ?? '').split(/\s+/).some(starts)),
    ...people.filter((p) => contains(handle(p)) || contains(p.name)),
  ];
  return ranked
    .filter((p, i) => ranked.indexOf(p) === i && p.mention.slice(1).toLowerCase() !== q)
    .slice(0, 6);
}

/**
 * The composer's state for one conversation: the text (saved as a draft while
 * typed), who it is sent as, the network's limits and the live count.
 */
export class ComposerController {
  readonly #backend: Backend;
  info = $state<ComposeInfo | null>(null);
  body = $state('');
  accountId = $state<number | null>(null);
  limits = $state<AccountLimits | null>(null);
  length = $state(0);
  error = $state<string | null>(null);
  /** `saved` once the store has what is typed; `saving` while it is written. */
  draftState = $state<'saved' | 'saving' | 'unsaved'>('saved');
  sending = $state(false);
  loading = $state(true);

  #saveTimer: ReturnType<typeof setTimeout> | null = null;
  #measured = 0;
  #saving: Promise<void> = Promise.resolve();

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  readonly max = $derived(this.limits?.limits.maxLength ?? null);
  readonly over = $derived(this.max !== null && this.length > this.max);
  readonly canSend = $derived(
    !!this.info && this.info.senders.length > 0 && this.body.trim() !== '' && !this.over && !this.sending,
  );

  async open(conversationId: number): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const info = await this.#backend.composeOpen(conversationId);
      this.info = info;
      this.body = info.draft?.body ?? '';
      const wanted = info.draft?.accountId ?? null;
      this.accountId = info.senders.find((a) => a.id === wanted)?.id ?? info.senders[0]?.id ?? null;
      this.draftState = 'saved';
      await this.#loadLimits();
      await this.#measure();
    } catch (err) {
      this.error = `Could not open the composer: ${BackendError.from(err).message}`;
    } finally {
      this.loading = false;
    }
  }

  async #loadLimits(): Promise<void> {
    const id = this.accountId;
    if (id === null) {
      this.limits = null;
      return;
    }
    try {
      this.limits = await this.#backend.composeLimits(id);
    } catch {
      this.limits = null;
    }
  }

  async #measure(): Promise<void> {
    const text = this.body;
    const limits = this.limits?.limits;
    const ticket = ++this.#measured;
    const length = limits ? await this.#backend.composeMeasure(text, limits).catch(() => [...text].length) : [...text].length;
    // An older answer arriving late never overwrites a newer one.
    if (ticket === this.#measured) this.length = length;
  }

  /** The text changed (typing, paste, a saved reply inserted). */
  input(text: string): void {
    this.body = text;
    this.error = null;
    this.draftState = 'unsaved';
    void this.#measure();
    if (this.#saveTimer !== null) clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => void this.flush(), DRAFT_SAVE_MS);
  }

  /** Writes the draft now if typing has not been saved yet. */
  async flush(): Promise<void> {
    if (this.#saveTimer !== null) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    const info = this.info;
    if (!info || this.draftState !== 'unsaved') return this.#saving;
    const body = this.body;
    this.draftState = 'saving';
    this.#saving = this.#saving.then(async () => {
      try {
        await this.#backend.draftSave(info.conversationId, this.accountId, body);
        if (this.body === body && this.draftState === 'saving') this.draftState = 'saved';
      } catch (err) {
        this.draftState = 'unsaved';
        this.error = `The draft could not be saved: ${BackendError.from(err).message}`;
      }
    });
    return this.#saving;
  }

  async setAccount(id: number): Promise<void> {
    this.accountId = id;
    this.draftState = 'unsaved';
    await this.#loadLimits();
    await this.#measure();
    await this.flush();
  }

  /** Queues the reply (the undo window starts); the draft is cleared by the core. */
  async send(): Promise<OutboxEntry | null> {
    const info = this.info;
    if (!info || !this.canSend) return null;
    if (this.#saveTimer !== null) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    await this.#saving;
    this.sending = true;
    this.error = null;
    try {
      const entry = await this.#backend.replySend(info.conversationId, this.accountId, this.body);
      this.body = '';
      this.length = 0;
      this.draftState = 'saved';
      return entry;
    } catch (err) {
      this.error = BackendError.from(err).message;
      // What was typed stays, and stays saved.
      this.draftState = 'unsaved';
      await this.flush();
      return null;
    } finally {
      this.sending = false;
    }
  }

  /** The composer closed: what is typed is saved at once, not after the pause. */
  dispose(): Promise<void> {
    return this.flush();
  }
}
