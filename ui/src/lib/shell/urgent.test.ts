import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { conversation } from '../../test/fixtures';
import { MemoryBackend } from '../backend/memory';

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('the unread urgent count', () => {
  it('shows on the Inbox button and in the title until the conversations are read', async () => {
    const backend = new MemoryBackend({
      conversations: [
        conversation(1, { urgent: true, unreadCount: 2 }),
        conversation(2, { urgent: true, unreadCount: 1 }),
        conversation(3, { urgent: true, unreadCount: 0 }),
        conversation(4, { urgent: false, unreadCount: 5 }),
      ],
    });
    const user = userEvent.setup();
    render(App, { backend });
    const badge = await screen.findByTestId('nav-inbox-badge');
    expect(badge).toHaveTextContent('2 urgent unread');
    expect(document.title).toBe('Earshot (2 urgent)');

    // Newest first: 4, 3, then the two urgent unread ones, 2 and 1.
    await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBe(4));
    await user.keyboard('jjo');
    await waitFor(() => expect(screen.getByTestId('nav-inbox-badge')).toHaveTextContent('1'));
    await user.keyboard('jo');
    await waitFor(() => expect(screen.queryByTestId('nav-inbox-badge')).toBeNull());
    expect(document.title).toBe('Earshot');
  });
});

describe("a notification's Open", () => {
  /** The app on two conversations, showing Settings rather than the inbox. */
  async function inSettings(): Promise<MemoryBackend> {
    const backend = new MemoryBackend({ conversations: [conversation(1), conversation(2)] });
    const user = userEvent.setup();
    render(App, { backend });
    await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBe(2));
    await user.keyboard('gs');
    await screen.findByTestId('settings-rules');
    return backend;
  }

  it('shows the inbox with its conversation open', async () => {
    const backend = await inSettings();
    backend.openFromNotification(1);
    await waitFor(() => expect(screen.getByTestId('thread-pane')).toHaveTextContent('Snippet for conversation 1'));
    expect(screen.getByTestId('nav-inbox')).toHaveAttribute('aria-current', 'page');
  });

  it('brings a conversation that arrived after the list was loaded into the list, selected', async () => {
    const backend = await inSettings();
    backend.arrive(conversation(3));
    backend.openFromNotification(3);
    await waitFor(() => expect(screen.getByTestId('thread-pane')).toHaveTextContent('Snippet for conversation 3'));
    await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBe(3));
    const selected = screen.getAllByTestId('conversation-row').find((r) => r.getAttribute('aria-selected') === 'true');
    expect(selected).toHaveTextContent('Snippet for conversation 3');
    expect(screen.queryByTestId('new-items')).toBeNull();
  });
});

describe("a notification's Mark done", () => {
  it('takes the row out of the open list at once, says so, and moves the selection on', async () => {
    const backend = new MemoryBackend({ conversations: [conversation(1), conversation(2), conversation(3)] });
    const user = userEvent.setup();
    render(App, { backend });
    await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBe(3));
    // Newest first (3, 2, 1): the second row, 2, selected and open.
    await user.keyboard('jo');
    await waitFor(() => expect(screen.getByTestId('thread-pane')).toHaveTextContent('Snippet for conversation 2'));

    await backend.markDoneFromNotification(2);
    await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBe(2));
    const rows = screen.getAllByTestId('conversation-row');
    expect(rows.map((r) => r.textContent).join(' ')).not.toContain('Snippet for conversation 2');
    expect(screen.getByText('Marked done from its notification.')).toBeInTheDocument();
    // The next conversation takes its place, as after `e`.
    await waitFor(() => expect(screen.getByTestId('thread-pane')).toHaveTextContent('Snippet for conversation 1'));
    expect(rows.find((r) => r.getAttribute('aria-selected') === 'true')).toHaveTextContent('Snippet for conversation 1');

    // The Done tab lists it.
    await user.click(screen.getByTestId('state-tab-done'));
    await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBe(1));
    expect(screen.getByTestId('conversation-row')).toHaveTextContent('Snippet for conversation 2');
  });
});
