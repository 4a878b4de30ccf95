import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { conversation, item } from '../../test/fixtures';
import InboxHarness from '../../test/InboxHarness.svelte';
import { MemoryBackend } from '../backend/memory';
import type { ConversationDetail } from '../types';

/** Conversation 2 (the newest, first row) has `n` items; conversation 1 has one. */
function longThread(n: number): MemoryBackend {
  const items = Array.from({ length: n }, (_, i) =>
    item(`2${String(i).padStart(3, '0')}`, { html: `<p>Reply ${i}</p>`, depth: i === 0 ? 0 : 1 }),
  );
  return new MemoryBackend({ conversations: [conversation(1), conversation(2, {}, items)] });
}

function pane(): HTMLElement {
  return screen.getByTestId('thread-pane');
}

function shownItems(): HTMLElement[] {
  return within(pane()).queryAllByTestId('thread-item');
}

async function renderInbox(backend: MemoryBackend) {
  const user = userEvent.setup();
  render(InboxHarness, { backend });
  await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBeGreaterThan(0));
  return user;
}

describe('the thread pane', () => {
  it('heads a thread with its network, account, size and state, each part whole, the separator ending the part before', async () => {
    const user = await renderInbox(longThread(5));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(pane()).toHaveAttribute('data-conversation-id', '2'));
    const parts = [...pane().querySelectorAll('.meta span')].map((s) => s.textContent);
    expect(parts).toEqual(['Bluesky ·', 'to brand.example.com ·', '5 items ·', 'open']);
  });

  it('renders a long thread’s first screenful at once, then the rest, in order', async () => {
    const user = await renderInbox(longThread(200));
    // How many items each change of the pane's DOM left there.
    const counts: number[] = [];
    const observer = new MutationObserver(() => counts.push(shownItems().length));
    observer.observe(pane(), { childList: true, subtree: true });
    await user.keyboard('{Enter}');
    await waitFor(() => expect(shownItems()).toHaveLength(200));
    observer.disconnect();
    const first = counts.find((c) => c > 0) ?? 0;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(200);
    expect(shownItems().map((el) => el.textContent)).toEqual(
      Array.from({ length: 200 }, (_, i) => expect.stringContaining(`Reply ${i}`)),
    );
    expect(pane()).toHaveAttribute('data-conversation-id', '2');
  });

  it('renders the whole thread at once for the composer, which goes below it', async () => {
    const user = await renderInbox(longThread(200));
    await user.keyboard('r');
    const composer = await screen.findByTestId('composer');
    const items = shownItems();
    expect(items).toHaveLength(200);
    const last = items[items.length - 1]!;
    expect(last.compareDocumentPosition(composer) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('keeps the conversation on screen, inert, while the next one loads, then shows that', async () => {
    const backend = longThread(3);
    const user = await renderInbox(backend);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(shownItems()).toHaveLength(3));
    const real = backend.conversationGet.bind(backend);
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    vi.spyOn(backend, 'conversationGet').mockImplementation(async (id): Promise<ConversationDetail> => {
      await held;
      return real(id);
    });
    await user.keyboard('j{Enter}');
    // Still conversation 2, and nothing in it can be clicked or focused meanwhile.
    expect(pane()).toHaveAttribute('data-conversation-id', '2');
    expect(pane()).toHaveAttribute('aria-busy', 'true');
    expect(shownItems()).toHaveLength(3);
    expect(pane().querySelector<HTMLElement>('.shown')?.inert).toBe(true);
    release();
    await waitFor(() => expect(pane()).toHaveAttribute('data-conversation-id', '1'));
    expect(shownItems()).toHaveLength(1);
    expect(pane().querySelector<HTMLElement>('.shown')?.inert).toBe(false);
    expect(pane()).toHaveAttribute('aria-busy', 'false');
  });

  it('says it is loading when the next conversation takes a while', async () => {
    const backend = longThread(3);
    const user = await renderInbox(backend);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(shownItems()).toHaveLength(3));
    vi.spyOn(backend, 'conversationGet').mockImplementation(() => new Promise(() => {}));
    await user.keyboard('j{Enter}');
    expect(await within(pane()).findByText('Loading conversation…')).toBeInTheDocument();
    expect(shownItems()).toHaveLength(0);
  });

  it('marking the open conversation done opens the next one and never fetches the old one again', async () => {
    const backend = longThread(3);
    const user = await renderInbox(backend);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(shownItems()).toHaveLength(3));
    const gets = vi.spyOn(backend, 'conversationGet');
    const panels = vi.spyOn(backend, 'contactPanel');
    await user.keyboard('e');
    await waitFor(() => expect(pane()).toHaveAttribute('data-conversation-id', '1'));
    await waitFor(() => expect(panels).toHaveBeenCalledWith(1));
    // Its copy would be thrown away: the refresh waits for the frame, and another opened by then.
    await new Promise((r) => setTimeout(r, 150));
    expect(gets.mock.calls.map(([id]) => id)).toEqual([1]);
    expect(panels.mock.calls.map(([id]) => id)).not.toContain(2);
  });
});
