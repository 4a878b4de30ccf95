import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { conversation, item } from '../../test/fixtures';
import InboxHarness from '../../test/InboxHarness.svelte';
import { MemoryBackend } from '../backend/memory';
import { mentionAt, mentionSuggestions } from './composer.svelte';

const people = [
  { mention: '@maria@fosstodon.example', name: 'Maria Souza' },
  { mention: '@mario@example.social', name: null },
  { mention: '@zed@example.social', name: 'Zed Marley' },
];

function backendWithThread(): MemoryBackend {
  return new MemoryBackend({
    accounts: [
      { id: 1, handle: '@brand@example.social', network: 'mastodon', displayName: 'Lumen', origin: 'signed-in' },
      { id: 2, handle: '@support@example.social', network: 'mastodon', origin: 'signed-in' },
    ],
    conversations: [
      conversation(1, { author: { handle: '@maria@fosstodon.example', name: 'Maria', followers: 5, url: null } }, [
        item('10', { author: { handle: '@maria@fosstodon.example', name: 'Maria', followers: 5, url: null }, text: 'My order never came' }),
        item('11', {
          author: { handle: '@carol@example.social', name: 'Carol', followers: 1, url: null },
          parentId: '10',
          depth: 1,
          createdAt: Date.now() - 1000,
        }),
      ]),
    ],
  });
}

async function openComposer(backend: MemoryBackend) {
  const user = userEvent.setup();
  render(InboxHarness, { backend });
  await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(1));
  await user.keyboard('r');
  const text = await screen.findByTestId('composer-text');
  await waitFor(() => expect(text).toHaveFocus());
  return { user, text: text as HTMLTextAreaElement };
}

describe('mention completion', () => {
  it('finds the @word before the caret', () => {
    expect(mentionAt('Hi @mar', 7)).toEqual({ start: 3, query: 'mar' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAt('mail me@home', 12)).toBeNull();
    expect(mentionAt('Hi @mar and', 11)).toBeNull();
  });

  it('suggests handles and names that start with what is typed, then ones that contain it', () => {
    expect(mentionSuggestions(people, 'mar').map((p) => p.mention)).toEqual([
      '@maria@fosstodon.example',
      '@mario@example.social',
      '@zed@example.social',
    ]);
    expect(mentionSuggestions(people, 'zed@example.social')).toEqual([]);
  });
});

describe('Composer', () => {
  it('opens with r, counts as the network does, and keeps the draft', async () => {
    const backend = backendWithThread();
    const { user, text } = await openComposer(backend);
    expect(screen.getByTestId('composer')).toHaveTextContent('Reply to Carol');
    expect(screen.getByTestId('composer-sender')).toHaveValue('1');

    await user.type(text, 'Hi https://example.com/a/very/long/link/that/counts/as/23');
    // Mastodon counts a link as 23 characters: "Hi " + 23.
    await waitFor(() => expect(screen.getByTestId('composer-counter')).toHaveTextContent('26 / 500'));
    await waitFor(() => expect(screen.getByTestId('composer-draft-state')).toHaveTextContent('Draft saved'));
    expect((await backend.composeOpen(1)).draft?.body).toContain('Hi https://');

    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('composer')).toBeNull());
    await waitFor(() => expect(screen.getByTestId('draft-indicator')).toBeInTheDocument());
    await user.keyboard('r');
    expect(await screen.findByTestId('composer-text')).toHaveValue(
      'Hi https://example.com/a/very/long/link/that/counts/as/23',
    );
  });

  it('completes mentions from the thread with Tab', async () => {
    const { user, text } = await openComposer(backendWithThread());
    await user.type(text, 'Thanks @ca');
    const list = await screen.findByTestId('mention-list');
    expect(within(list).getAllByRole('option')[0]).toHaveTextContent('@carol@example.social');
    await user.keyboard('{Tab}');
    expect(text).toHaveValue('Thanks @carol@example.social ');
    expect(screen.queryByTestId('mention-list')).toBeNull();
  });

  it('inserts a saved reply with its variables and asks for its placeholders', async () => {
    const backend = backendWithThread();
    await backend.savedReplySave('order', 'Hi {author.name}, {my.name} here: order {?Order number} ships today.');
    const { user, text } = await openComposer(backend);
    await user.keyboard('{Control>}i{/Control}');
    const filter = await screen.findByTestId('saved-reply-filter');
    await waitFor(() => expect(filter).toHaveFocus());
    await user.keyboard('ord{Enter}');
    const answer = await screen.findByTestId('saved-reply-answer');
    await waitFor(() => expect(answer).toHaveFocus());
    await user.keyboard('A-1042{Enter}');
    await waitFor(() => expect(text).toHaveValue('Hi Carol, Lumen here: order A-1042 ships today.'));
  });

  it('sends with Ctrl+Enter, undoes with z, and sends again into the thread', async () => {
    const backend = backendWithThread();
    await backend.setReplySettings({ undoSeconds: 1, afterFirstReply: 'pending' });
    const { user, text } = await openComposer(backend);
    await user.type(text, 'First try');
    await user.keyboard('{Control>}{Enter}{/Control}');
    expect(await screen.findByTestId('undo-send')).toHaveTextContent('Reply to Maria sends in');
    await waitFor(() => expect(screen.queryByTestId('composer')).toBeNull());

    await user.keyboard('z');
    const again = (await screen.findByTestId('composer-text')) as HTMLTextAreaElement;
    await waitFor(() => expect(again).toHaveValue('First try'));
    expect(await backend.outboxList(1)).toEqual([]);

    await user.clear(again);
    await user.type(again, 'Sorry about that, Maria');
    await user.keyboard('{Control>}{Enter}{/Control}');
    await screen.findByTestId('undo-send');
    const pane = screen.getByTestId('thread-pane');
    await waitFor(() => expect(within(pane).getAllByTestId('thread-item')).toHaveLength(3), { timeout: 4000 });
    expect(pane).toHaveTextContent('Sorry about that, Maria');
    const sent = await backend.outboxList(1);
    expect(sent.map((e) => [e.state, e.body])).toEqual([['sent', 'Sorry about that, Maria']]);
    expect((await backend.conversationGet(1)).conversation.state).toBe('pending');
  });

  it('says why the demo workspace cannot send, and keeps the text', async () => {
    const backend = new MemoryBackend({
      status: { demo: true },
      accounts: [{ id: 1, handle: '@brand@example.social', network: 'mastodon' }],
      conversations: [conversation(1)],
    });
    const { user, text } = await openComposer(backend);
    expect(screen.getByTestId('composer-cannot-send')).toHaveTextContent('No signed-in Mastodon account');
    await user.type(text, 'Kept');
    expect(screen.getByTestId('composer-send')).toBeDisabled();
    await waitFor(() => expect(screen.getByTestId('composer-draft-state')).toHaveTextContent('Draft saved'));
  });
});
