import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { conversation, item, sampleData } from '../../test/fixtures';
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

  it('explains what to do when the inbox is empty', async () => {
    render(App, { backend: new MemoryBackend({ conversations: [] }) });
    const empty = await screen.findByTestId('empty-inbox');
    expect(empty).toHaveTextContent(/no conversations yet/i);
    expect(empty).toHaveTextContent(/connect an account/i);
  });
});

describe('Inbox triage keys', () => {
  it('saves and unsaves with s, and z undoes it', async () => {
    const { user, backend } = await renderInbox();
    const row = () => rows().find((r) => r.dataset.conversationId === '21')!;
    expect(row()).toHaveAttribute('data-saved', 'false');

    await user.keyboard('s');
    await waitFor(() => expect(row()).toHaveAttribute('data-saved', 'true'));
    expect((await backend.conversationGet(21)).conversation.saved).toBe(true);
    expect(within(row()).getByTestId('saved-indicator')).toBeInTheDocument();
    expect(row()).toHaveAccessibleName(/Saved/);
    expect(screen.getByTestId('inbox-notice')).toHaveTextContent('Saved conversation with Author 21');

    await user.keyboard('z');
    await waitFor(() => expect(row()).toHaveAttribute('data-saved', 'false'));
    expect((await backend.conversationGet(21)).conversation.saved).toBe(false);
    expect(screen.getByTestId('inbox-notice')).toHaveTextContent(/Undone/);
    await waitFor(() => expect(row()).toHaveFocus());

    await user.keyboard('z');
    expect(screen.getByTestId('inbox-notice')).toHaveTextContent('Nothing to undo');
  });

  it('marks pending with p and keeps focus on the next row', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('p');
    await waitFor(() => expect(rows().map((r) => r.dataset.conversationId)).not.toContain('21'));
    expect((await backend.conversationGet(21)).conversation.state).toBe('pending');
    expect(selectedRow()?.dataset.conversationId).toBe('17');
    await waitFor(() => expect(selectedRow()).toHaveFocus());
  });

  it('checks rows with x, applies e to all of them, and z puts them back', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('x');
    expect(rows()[0]).toHaveAttribute('aria-checked', 'true');
    await user.keyboard('jjx');
    expect(rows()[2]).toHaveAttribute('aria-checked', 'true');
    expect(rows().filter((r) => r.getAttribute('aria-checked') === 'true')).toHaveLength(2);
    await user.keyboard('jx');
    await user.keyboard('x'); // unchecks again
    expect(rows()[3]).toHaveAttribute('aria-checked', 'false');

    // The selection is on 9; done applies to the checked rows (21 and 13), not to it.
    expect(selectedRow()?.dataset.conversationId).toBe('9');
    await user.keyboard('e');
    await waitFor(() => expect(rows().map((r) => r.dataset.conversationId)).toEqual(['17', '9', '5', '1']));
    expect((await backend.conversationGet(21)).conversation.state).toBe('done');
    expect((await backend.conversationGet(13)).conversation.state).toBe('done');
    expect((await backend.conversationGet(9)).conversation.state).toBe('open');
    expect(screen.getByTestId('inbox-notice')).toHaveTextContent('Marked 2 conversations done');
    expect(selectedRow()?.dataset.conversationId).toBe('9');
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    expect(rows().every((r) => r.getAttribute('aria-checked') === 'false')).toBe(true);

    await user.keyboard('z');
    await waitFor(() =>
      expect(rows().map((r) => r.dataset.conversationId)).toEqual(['21', '17', '13', '9', '5', '1']),
    );
    expect((await backend.conversationGet(21)).conversation.state).toBe('open');
    expect((await backend.conversationGet(13)).conversation.state).toBe('open');
    expect(selectedRow()?.dataset.conversationId).toBe('21');
    await waitFor(() => expect(selectedRow()).toHaveFocus());
  });

  it('checks a row by clicking its box', async () => {
    const { user } = await renderInbox();
    const box = rows()[1]!.querySelector('.check')!;
    await user.click(box);
    expect(rows()[1]).toHaveAttribute('aria-checked', 'true');
    // Checking is not opening.
    expect(within(screen.getByTestId('thread-pane')).queryAllByTestId('thread-item')).toHaveLength(0);
  });

  it('undoes a state change, putting the row back where it was', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('jje');
    await waitFor(() => expect(rows()).toHaveLength(5));
    await user.keyboard('z');
    await waitFor(() => expect(rows()).toHaveLength(6));
    expect(rows()[2]?.dataset.conversationId).toBe('13');
    expect((await backend.conversationGet(13)).conversation.state).toBe('open');
  });

  it('marks a conversation read when it is opened', async () => {
    const { user, backend } = await renderInbox();
    // sampleData: odd ids have one unread item.
    expect(rows()[0]).toHaveClass('unread');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(rows()[0]).not.toHaveClass('unread'));
    expect((await backend.conversationGet(21)).conversation.unreadCount).toBe(0);

    await user.keyboard('jo');
    await waitFor(() => expect(rows()[1]).not.toHaveClass('unread'));
    expect((await backend.conversationGet(17)).conversation.unreadCount).toBe(0);
  });

  it('offers Done, Pending and Save in the thread pane, and focus lands on the next row', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('o');
    const pane = screen.getByTestId('thread-pane');
    await user.click(await within(pane).findByTestId('thread-save'));
    await waitFor(() => expect(within(pane).getByTestId('thread-save')).toHaveAttribute('aria-pressed', 'true'));
    expect((await backend.conversationGet(21)).conversation.saved).toBe(true);

    await user.click(within(pane).getByTestId('thread-done'));
    await waitFor(() => expect(rows().map((r) => r.dataset.conversationId)).not.toContain('21'));
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    expect(selectedRow()?.dataset.conversationId).toBe('17');
  });
});

describe('Inbox search', () => {
  function searchData() {
    const data = sampleData(0);
    data.conversations.push(
      conversation(1, {}, [
        item('11', {
          text: 'I was charged twice for the annual plan',
          html: '<p>I was charged twice for the annual plan</p>',
          createdAt: 100,
          author: { handle: '@maria@fosstodon.example', name: 'Maria Okafor', followers: 1, url: null },
        }),
      ]),
      conversation(2, {}, [
        item('21', { text: 'Refund <b>please</b>, charged again', createdAt: 200, network: 'bluesky' }),
      ]),
      conversation(3),
    );
    return data;
  }

  it('focuses with /, runs on Enter, highlights matches, opens a result, and Escape returns', async () => {
    const { user } = await renderInbox(new MemoryBackend(searchData()));
    const input = screen.getByTestId('search-input');
    expect(screen.getByTestId('search-hint')).toHaveTextContent(/from:.*network:.*tag:.*is:saved/);

    await user.keyboard('/');
    expect(input).toHaveFocus();
    await user.keyboard('charged{Enter}');
    const results = await screen.findAllByTestId('search-result');
    expect(rows()).toHaveLength(0);
    expect(results.map((r) => r.dataset.conversationId)).toEqual(['2', '1']);
    expect(screen.getByTestId('search-summary')).toHaveTextContent('2 results for “charged”');

    const maria = results[1]!;
    expect(maria).toHaveTextContent('Maria Okafor');
    expect(maria).toHaveTextContent('Mastodon');
    const marks = maria.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['charged']);
    expect(within(maria).getByTestId('search-snippet')).toHaveTextContent(
      'I was charged twice for the annual plan',
    );
    // Snippets are text: markup in them is shown, never parsed.
    expect(results[0]!.querySelector('b')).toBeNull();
    expect(results[0]).toHaveTextContent('Refund <b>please</b>');

    await user.keyboard('{ArrowDown}');
    expect(results[0]).toHaveFocus();
    await user.keyboard('{ArrowDown}{Enter}');
    const pane = screen.getByTestId('thread-pane');
    await waitFor(() => expect(pane).toHaveTextContent('I was charged twice for the annual plan'));

    await user.keyboard('{Escape}');
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(screen.queryAllByTestId('search-result')).toHaveLength(0);
    expect(input).toHaveValue('');
    await waitFor(() => expect(selectedRow()).toHaveFocus());
  });

  it('passes field filters through and shows the error for a bad query', async () => {
    const { user } = await renderInbox(new MemoryBackend(searchData()));
    await user.keyboard('/');
    await user.keyboard('charged network:bluesky{Enter}');
    const results = await screen.findAllByTestId('search-result');
    expect(results.map((r) => r.dataset.conversationId)).toEqual(['2']);

    await user.clear(screen.getByTestId('search-input'));
    await user.keyboard('refund state:x{Enter}');
    expect(await screen.findByTestId('search-error')).toHaveTextContent(
      "state: is open, pending, snoozed or done, not 'x'",
    );
    expect(screen.queryAllByTestId('search-result')).toHaveLength(0);

    // Escape in the box clears the search and brings the list back.
    await user.keyboard('{Escape}');
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(screen.queryByTestId('search-error')).toBeNull();
  });

  it('says when nothing matches', async () => {
    const { user } = await renderInbox(new MemoryBackend(searchData()));
    await user.keyboard('/nothing-like-this{Enter}');
    expect(await screen.findByTestId('search-empty')).toHaveTextContent(/Nothing matches/);
  });
});
