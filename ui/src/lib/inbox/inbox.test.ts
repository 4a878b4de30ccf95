import { describe, expect, it, vi } from 'vitest';
import { conversation, sampleData } from '../../test/fixtures';
import { MemoryBackend } from '../backend/memory';
import { InboxController } from './inbox.svelte';

/** `count` open conversations; conversation `count` is the newest. */
function backendWith(count: number): MemoryBackend {
  const data = sampleData(0);
  for (let id = 1; id <= count; id++) data.conversations.push(conversation(id));
  return new MemoryBackend(data);
}

/** Waits for the page requests a move started. */
async function settle(inbox: InboxController): Promise<void> {
  for (let i = 0; i < 50 && (inbox.loadingMore || inbox.loadingPrevious); i++) {
    await new Promise((r) => setTimeout(r, 0));
  }
}

async function moveBy(inbox: InboxController, delta: number, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await inbox.move(delta);
    await settle(inbox);
  }
}

function selectedId(inbox: InboxController): number | undefined {
  return inbox.selected?.id;
}

describe('InboxController paging window', () => {
  it('keeps at most the window of pages in memory, dropping the farthest', async () => {
    const inbox = new InboxController(backendWith(1_000), 10, 3);
    await inbox.reload();
    await moveBy(inbox, 1, 95);
    expect(selectedId(inbox)).toBe(1_000 - 95);
    expect(inbox.conversations.length).toBeLessThanOrEqual(30);
    expect(inbox.offset).toBeGreaterThan(0);
    expect(inbox.hasPrevious).toBe(true);
    // The window is the whole list's rows at [offset, offset + length).
    const first = inbox.conversations[0]?.id;
    expect(first).toBe(1_000 - inbox.offset);
    expect(inbox.offset + inbox.selectedIndex).toBe(95);
  });

  it('fetches dropped pages again by cursor when moving back up, to the very top', async () => {
    const inbox = new InboxController(backendWith(1_000), 10, 3);
    await inbox.reload();
    await moveBy(inbox, 1, 60);
    await moveBy(inbox, -1, 60);
    expect(selectedId(inbox)).toBe(1_000);
    expect(inbox.offset).toBe(0);
    expect(inbox.hasPrevious).toBe(false);
    expect(inbox.conversations.length).toBeLessThanOrEqual(30);
    const ids = inbox.conversations.map((c) => c.id);
    expect(ids).toEqual(ids.map((_, i) => 1_000 - i));
    // The pages dropped below come back by cursor too.
    await moveBy(inbox, 1, 45);
    expect(selectedId(inbox)).toBe(1_000 - 45);
  });

  it('jumps to the top with first() without fetching every page between', async () => {
    const backend = backendWith(1_000);
    const inbox = new InboxController(backend, 10, 3);
    await inbox.reload();
    await moveBy(inbox, 1, 80);
    await inbox.first();
    expect(selectedId(inbox)).toBe(1_000);
    expect(inbox.offset).toBe(0);
    expect(inbox.conversations).toHaveLength(10);
  });

  it('knows the total only once the last page is in', async () => {
    const inbox = new InboxController(backendWith(25), 10, 3);
    await inbox.reload();
    expect(inbox.total).toBeNull();
    await moveBy(inbox, 1, 24);
    expect(inbox.total).toBe(25);
  });

  it('keeps the window consistent when triage removes rows and undo restores them', async () => {
    const inbox = new InboxController(backendWith(1_000), 10, 3);
    await inbox.reload();
    await moveBy(inbox, 1, 45);
    const id = selectedId(inbox);
    await inbox.setState('done');
    expect(selectedId(inbox)).toBe((id ?? 0) - 1);
    await inbox.undo();
    expect(selectedId(inbox)).toBe(id);
    await moveBy(inbox, -1, 45);
    expect(selectedId(inbox)).toBe(1_000);
    const ids = inbox.conversations.map((c) => c.id);
    expect(ids).toEqual(ids.map((_, i) => 1_000 - i));
  });

  it('shows a triage action at once, and puts the row back when the core refuses it', async () => {
    const backend = backendWith(20);
    let refuse: () => void = () => {};
    vi.spyOn(backend, 'setState').mockImplementation(
      () => new Promise((_, reject) => (refuse = () => reject(new Error('disk full')))),
    );
    const inbox = new InboxController(backend, 10);
    await inbox.reload();
    const applied = inbox.setState('done');
    expect(inbox.conversations.some((c) => c.id === 20)).toBe(false);
    expect(selectedId(inbox)).toBe(19);
    refuse();
    await applied;
    expect(inbox.conversations[0]?.id).toBe(20);
    expect(inbox.notice).toMatch(/Could not change the state/);
    expect(inbox.canUndo).toBe(false);
  });

  it('undoes a triage action still on its way to the core, after it, in order', async () => {
    const backend = backendWith(20);
    const real = backend.setState.bind(backend);
    const calls: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    vi.spyOn(backend, 'setState').mockImplementation(async (id, state, snooze) => {
      calls.push(`${id} ${state}`);
      if (state === 'done') await held;
      return real(id, state, snooze);
    });
    const inbox = new InboxController(backend, 10);
    await inbox.reload();
    const applied = inbox.setState('done');
    expect(inbox.canUndo).toBe(true);
    const undone = inbox.undo();
    // The row is back at once, selected, before the core has even answered the first write.
    expect(selectedId(inbox)).toBe(20);
    expect(calls).toEqual(['20 done']);
    release();
    await Promise.all([applied, undone]);
    expect(calls).toEqual(['20 done', '20 open']);
    expect(inbox.notice).toMatch(/^Undone: marked conversation with .* done$/);
    expect((await backend.inboxList({ state: 'open', limit: 50 })).conversations[0]?.id).toBe(20);
  });

  it('bumps revisionOf only for the conversations an action changed', async () => {
    const inbox = new InboxController(backendWith(20), 10);
    await inbox.reload();
    await inbox.setState('done');
    const done = inbox.revisionOf(20);
    expect(done).toBeGreaterThan(0);
    expect(inbox.revisionOf(19)).toBe(0);
    expect(inbox.revisionOf(null)).toBe(0);
    await inbox.toggleSaved();
    expect(inbox.revisionOf(19)).toBeGreaterThan(done);
    await inbox.undo();
    expect(inbox.revisionOf(20)).toBe(done);
    expect(inbox.revision).toBeGreaterThan(inbox.revisionOf(20));
  });

  it('opens the next conversation once the list has changed, when the open one leaves it', async () => {
    const inbox = new InboxController(backendWith(20), 10);
    await inbox.reload();
    inbox.open();
    expect(inbox.openId).toBe(20);
    const applied = inbox.setState('done');
    // The row is gone and the next selected at once; the thread follows after the frame.
    expect(selectedId(inbox)).toBe(19);
    expect(inbox.openId).toBe(20);
    await applied;
    await vi.waitFor(() => expect(inbox.openId).toBe(19));
    await vi.waitFor(() => expect(inbox.conversations[0]?.unreadCount).toBe(0));
  });
});
