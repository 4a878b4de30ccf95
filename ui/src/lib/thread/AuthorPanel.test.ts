import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { conversation, item } from '../../test/fixtures';
import { MemoryBackend } from '../backend/memory';
import App from '../../App.svelte';

const maria = { handle: '@maria@fosstodon.example', name: 'Maria Okafor', followers: 12_300, url: 'https://fosstodon.example/@maria' };

function data() {
  const by = (id: number, author = maria) =>
    conversation(id, { network: 'mastodon', author, snippet: `Maria's post ${id}` }, [
      item(`${id}01`, { author, text: `Maria's post ${id}`, html: `<p>Maria's post ${id}</p>` }),
    ]);
  return {
    conversations: [
      by(1),
      by(3),
      conversation(5),
      by(7),
    ],
  };
}

describe('the author panel', () => {
  it('shows the author, their reach and initials, and opens their other conversations', async () => {
    const user = userEvent.setup();
    render(App, { backend: new MemoryBackend(data()) });
    await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(4));
    await user.keyboard('o'); // conversation 7, by Maria
    const panel = await screen.findByTestId('author-panel');
    await waitFor(() => expect(panel).toHaveTextContent('Maria Okafor'));
    expect(panel).toHaveTextContent('@@maria@fosstodon.example'.slice(1));
    expect(panel).toHaveTextContent('Mastodon');
    expect(within(panel).getByTestId('author-reach')).toHaveTextContent(/12\.3K followers/);
    expect(panel).toHaveTextContent('MO');
    expect(within(panel).getByTestId('author-profile')).toHaveAttribute('href', maria.url);
    const others = within(panel).getAllByTestId('author-conversation');
    expect(others.map((o) => o.textContent)).toEqual([
      expect.stringContaining("Maria's post 3"),
      expect.stringContaining("Maria's post 1"),
    ]);

    await user.click(others[1]!);
    await waitFor(() =>
      expect(within(screen.getByTestId('thread-pane')).getAllByTestId('thread-item')[0]).toHaveTextContent("Maria's post 1"),
    );
    await waitFor(() =>
      expect(within(screen.getByTestId('author-panel')).getAllByTestId('author-conversation').map((o) => o.textContent)).toEqual([
        expect.stringContaining("Maria's post 7"),
        expect.stringContaining("Maria's post 3"),
      ]),
    );
  });

  it('says when there is no earlier conversation', async () => {
    const user = userEvent.setup();
    render(App, { backend: new MemoryBackend({ conversations: [conversation(5)] }) });
    await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(1));
    await user.keyboard('o');
    expect(await screen.findByTestId('author-none')).toHaveTextContent('None before this one.');
  });

  it('refreshes when one of the conversations it lists changes, not when another person’s does', async () => {
    const user = userEvent.setup();
    const backend = new MemoryBackend(data());
    render(App, { backend });
    await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(4));
    await user.keyboard('o'); // conversation 7, by Maria
    await waitFor(() => expect(screen.getByTestId('author-panel')).toHaveTextContent("Maria's post 3"));
    const panels = vi.spyOn(backend, 'contactPanel');
    const select = async (id: number) => {
      const selected = () =>
        screen.getAllByTestId('conversation-row').find((r) => r.getAttribute('aria-selected') === 'true');
      while (selected()?.dataset.conversationId !== String(id)) await user.keyboard('j');
    };
    await select(5);
    await user.keyboard('e');
    await waitFor(() => expect(screen.queryByText(/Marked conversation .* done/)).toBeInTheDocument());
    await new Promise((r) => setTimeout(r, 150));
    expect(panels).not.toHaveBeenCalled();
    await select(3);
    await user.keyboard('e');
    await waitFor(() => expect(panels).toHaveBeenCalledWith(7));
    const three = within(screen.getByTestId('author-panel'))
      .getAllByTestId('author-conversation')
      .find((o) => o.textContent?.includes("Maria's post 3"));
    await waitFor(() => expect(three).toHaveTextContent('done'));
  });
});
