import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { conversation, item, sampleData } from '../../test/fixtures';
import InboxHarness from '../../test/InboxHarness.svelte';
import { MemoryBackend } from '../backend/memory';

function rows(): HTMLElement[] {
  return screen.queryAllByTestId('conversation-row');
}

function selectedRow(): HTMLElement | undefined {
  return rows().find((r) => r.getAttribute('aria-selected') === 'true');
}

async function renderInbox(backend = new MemoryBackend(sampleData(24))) {
  const user = userEvent.setup();
  const result = render(App, { backend });
  await waitFor(() => expect(rows().length).toBeGreaterThan(0));
  return { user, backend, ...result };
}

describe('Inbox', () => {
  it('shows the workspace and the open conversations, newest first', async () => {
    await renderInbox();
    expect(screen.getByTestId('workspace-badge')).toHaveTextContent('workspace.db');
    expect(screen.getByTestId('encrypted-indicator')).toHaveTextContent('Encrypted');
    expect(screen.getByTestId('state-tab-open')).toHaveAttribute('aria-selected', 'true');
    // Open conversations in sampleData(24): ids 1, 5, 9, 13, 17, 21.
    expect(rows().map((r) => r.dataset.conversationId)).toEqual(['21', '17', '13', '9', '5', '1']);
    const first = rows()[0]!;
    expect(within(first).getByText('Author 21')).toBeInTheDocument();
    expect(within(first).getByText('Snippet for conversation 21')).toBeInTheDocument();
    expect(first).toHaveAttribute('aria-selected', 'true');
  });

  it('moves the selection with j and k, and keeps focus on the selected row', async () => {
    const { user } = await renderInbox();
    expect(selectedRow()?.dataset.conversationId).toBe('21');

    await user.keyboard('j');
    expect(selectedRow()?.dataset.conversationId).toBe('17');
    await user.keyboard('jj');
    expect(selectedRow()?.dataset.conversationId).toBe('9');
    await waitFor(() => expect(selectedRow()).toHaveFocus());

    await user.keyboard('k');
    expect(selectedRow()?.dataset.conversationId).toBe('13');

    // Clamped at both ends.
    await user.keyboard('kkkkkk');
    expect(selectedRow()?.dataset.conversationId).toBe('21');
    await user.keyboard('jjjjjjjjjj');
    expect(selectedRow()?.dataset.conversationId).toBe('1');
    expect(rows().filter((r) => r.getAttribute('aria-selected') === 'true')).toHaveLength(1);
    expect(rows().filter((r) => r.tabIndex === 0)).toHaveLength(1);
  });

  it('opens the selected conversation with Enter and o', async () => {
    const backend = new MemoryBackend({
      conversations: [
        conversation(1, {}, [
          item('100', { html: '<p>Root <strong>post</strong></p>', depth: 0 }),
          item('101', { html: '<p>First reply</p>', depth: 1, parentId: '100' }),
          item('102', { html: '<p>Deep</p>', depth: 12, parentId: '101' }),
        ]),
        conversation(2),
      ],
    });
    const { user } = await renderInbox(backend);
    const pane = screen.getByTestId('thread-pane');
    expect(within(pane).queryAllByTestId('thread-item')).toHaveLength(0);

    await user.keyboard('{Enter}');
    await waitFor(() => expect(within(pane).getAllByTestId('thread-item')).toHaveLength(1));
    expect(pane).toHaveTextContent('Snippet for conversation 2');

    await user.keyboard('jo');
    await waitFor(() => expect(within(pane).getAllByTestId('thread-item')).toHaveLength(3));
    const items = within(pane).getAllByTestId('thread-item');
    expect(items[0]?.querySelector('strong')).toHaveTextContent('post');
    // Indent is capped.
    expect(items[2]?.style.getPropertyValue('--indent')).toBe('6');
    const link = within(items[0]!).getByRole('link', { name: /view original/i });
    expect(link).toHaveAttribute('href', 'https://example.social/@someone/100');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  });

  it('marks the selected conversation done with e and removes it', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('j');
    expect(selectedRow()?.dataset.conversationId).toBe('17');

    await user.keyboard('e');
    await waitFor(() => expect(rows()).toHaveLength(5));
    expect(rows().map((r) => r.dataset.conversationId)).not.toContain('17');
    expect(selectedRow()?.dataset.conversationId).toBe('13');
    expect((await backend.conversationGet(17)).conversation.state).toBe('done');
    expect(screen.getByTestId('inbox-notice')).toHaveTextContent('Marked conversation');

    await user.click(screen.getByTestId('state-tab-done'));
    await waitFor(() => expect(rows().map((r) => r.dataset.conversationId)).toContain('17'));
    expect(screen.getByTestId('state-tab-done')).toHaveAttribute('aria-selected', 'true');
  });

  it('pages in more conversations with nextCursor as the selection nears the end', async () => {
    const data = sampleData(0);
    for (let id = 1; id <= 25; id++) data.conversations.push(conversation(id));
    const user = userEvent.setup();
    render(InboxHarness, { backend: new MemoryBackend(data), pageSize: 10 });
    await waitFor(() => expect(rows()).toHaveLength(10));
    expect(screen.getByRole('button', { name: 'Load more' })).toBeInTheDocument();

    await user.keyboard('jjjj');
    expect(rows()).toHaveLength(10);
    await user.keyboard('j'); // row 6 of 10: within the prefetch distance
    await waitFor(() => expect(rows()).toHaveLength(20));
    expect(selectedRow()?.dataset.conversationId).toBe('20');

    // Scrolling near the end of the list loads the last page.
    fireEvent.scroll(screen.getByTestId('conversation-list').parentElement!);
    await waitFor(() => expect(rows()).toHaveLength(25));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    const ids = rows().map((r) => Number(r.dataset.conversationId));
    expect(ids).toEqual([...Array(25).keys()].map((i) => 25 - i));
  });

  it('explains what to do when the inbox is empty', async () => {
    render(App, { backend: new MemoryBackend({ conversations: [] }) });
    const empty = await screen.findByTestId('empty-inbox');
    expect(empty).toHaveTextContent(/no conversations yet/i);
    expect(empty).toHaveTextContent(/connect an account/i);
  });
});
