import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { conversation, sampleData } from '../../test/fixtures';
import InboxHarness from '../../test/InboxHarness.svelte';
import { MemoryBackend } from '../backend/memory';

/** Where nothing lays out (jsdom) the list assumes a 900 px viewport of 66 px rows, 4 rows of overscan each way. */
const SCREENFUL = Math.ceil(900 / 66) + 1;
const MAX_ROWS_IN_DOM = SCREENFUL + 2 * 4;

function rows(): HTMLElement[] {
  return screen.queryAllByTestId('conversation-row');
}

function selectedRow(): HTMLElement | undefined {
  return rows().find((r) => r.getAttribute('aria-selected') === 'true');
}

/** `count` open conversations, newest (highest id) first. */
function openConversations(count: number): MemoryBackend {
  const data = sampleData(0);
  for (let id = 1; id <= count; id++) data.conversations.push(conversation(id));
  return new MemoryBackend(data);
}

async function renderList(backend: MemoryBackend, pageSize?: number) {
  const user = userEvent.setup();
  render(InboxHarness, { backend, pageSize });
  await waitFor(() => expect(rows().length).toBeGreaterThan(0));
  return user;
}

describe('the virtual conversation list', () => {
  it('holds at most a screenful of rows plus overscan in the DOM, with 10,000 conversations', async () => {
    const user = await renderList(openConversations(10_000));
    expect(rows().length).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
    expect(rows()[0]).toHaveAttribute('aria-posinset', '1');
    // The total is not known until the last page is in: ARIA's "unknown".
    expect(rows()[0]).toHaveAttribute('aria-setsize', '-1');

    await user.keyboard('j'.repeat(30));
    expect(selectedRow()?.dataset.conversationId).toBe(String(10_000 - 30));
    expect(selectedRow()).toHaveAttribute('aria-posinset', '31');
    expect(rows().length).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
    // The first rows scrolled out of the DOM.
    expect(rows().some((r) => r.dataset.conversationId === '10000')).toBe(false);
    const list = screen.getByTestId('conversation-list');
    expect(parseFloat(list.style.paddingTop)).toBeGreaterThan(0);
  });

  it('moves with j and k across page boundaries, fetching pages by cursor, focus on the selected row', async () => {
    const user = await renderList(openConversations(10_000), 10);
    await user.keyboard('j'.repeat(45));
    await waitFor(() => expect(selectedRow()?.dataset.conversationId).toBe(String(10_000 - 45)));
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    expect(selectedRow()).toHaveAttribute('aria-posinset', '46');
    expect(rows().length).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);

    await user.keyboard('k'.repeat(40));
    await waitFor(() => expect(selectedRow()?.dataset.conversationId).toBe(String(10_000 - 5)));
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    const ids = rows().map((r) => Number(r.dataset.conversationId));
    // Rendered rows are consecutive, in inbox order.
    expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) - i));

    await user.keyboard('{End}');
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    await user.keyboard('{Home}');
    await waitFor(() => expect(selectedRow()?.dataset.conversationId).toBe('10000'));
    await waitFor(() => expect(selectedRow()).toHaveFocus());
  });

  it('keeps focus on the next row after done, and on the restored row after undo, deep in the list', async () => {
    const backend = openConversations(10_000);
    const user = await renderList(backend, 10);
    await user.keyboard('j'.repeat(25));
    await waitFor(() => expect(selectedRow()?.dataset.conversationId).toBe('9975'));

    await user.keyboard('e');
    await waitFor(() => expect(selectedRow()?.dataset.conversationId).toBe('9974'));
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    expect(selectedRow()).toHaveAttribute('aria-posinset', '26');
    expect((await backend.conversationGet(9975)).conversation.state).toBe('done');
    expect(rows().some((r) => r.dataset.conversationId === '9975')).toBe(false);

    await user.keyboard('z');
    await waitFor(() => expect(selectedRow()?.dataset.conversationId).toBe('9975'));
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    expect(rows().filter((r) => r.tabIndex === 0)).toHaveLength(1);
  });

  it('keeps rows checked with x as they scroll out of the DOM and back', async () => {
    const user = await renderList(openConversations(500), 20);
    await user.keyboard('x');
    await user.keyboard('j'.repeat(40));
    expect(rows().some((r) => r.dataset.conversationId === '500')).toBe(false);
    await user.keyboard('{Home}');
    await waitFor(() => expect(selectedRow()?.dataset.conversationId).toBe('500'));
    expect(selectedRow()).toHaveAttribute('aria-checked', 'true');
  });

  it('loads the next page as the viewport nears the end, and knows the size at the end', async () => {
    await renderList(openConversations(25), 10);
    // The last rows in view are within the prefetch distance: every page comes in.
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull());
    expect(rows()[0]).toHaveAttribute('aria-setsize', '25');
    const ids = rows().map((r) => Number(r.dataset.conversationId));
    expect(ids).toEqual([...Array(ids.length).keys()].map((i) => 25 - i));
    expect(ids.length).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
  });

  it('renders the rows in view when scrolled', async () => {
    await renderList(openConversations(2_000), 50);
    const scroller = screen.getByTestId('conversation-list').parentElement!;
    scroller.scrollTop = 66 * 30;
    await fireEvent.scroll(scroller);
    await waitFor(() => expect(rows().some((r) => r.getAttribute('aria-posinset') === '31')).toBe(true));
    expect(rows().length).toBeLessThanOrEqual(MAX_ROWS_IN_DOM);
    expect(rows().some((r) => r.getAttribute('aria-posinset') === '1')).toBe(false);
  });

  it('names each row with the words it shows, in order (WCAG 2.5.3, as axe checks in the window)', async () => {
    const data = sampleData(0);
    data.conversations.push(
      conversation(1, { urgent: true, tags: ['praise', 'vip'] }),
      conversation(2, { hasDraft: true, unreadCount: 2 }),
      conversation(3, { saved: true, tags: ['bug'] }),
      conversation(4),
    );
    await renderList(new MemoryBackend(data));
    // As axe compares them: words without punctuation, what is in parentheses left out.
    const words = (text: string) =>
      text
        .replace(/\([^()]*\)/g, ' ')
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean)
        .join(' ');
    expect(rows()).toHaveLength(4);
    for (const row of rows()) {
      expect(words(row.getAttribute('aria-label') ?? '')).toContain(words(row.textContent ?? ''));
    }
    expect(rows().some((r) => /Urgent/.test(r.textContent ?? ''))).toBe(true);
    expect(rows().some((r) => (r.textContent ?? '').includes('praise vip'))).toBe(true);
  });
});
