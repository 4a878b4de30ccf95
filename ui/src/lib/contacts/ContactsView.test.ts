import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { MemoryBackend } from '../backend/memory';
import { HOUR, T0, peopleFixture } from '../../test/people';

function backend(): MemoryBackend {
  return new MemoryBackend(
    {
      conversations: peopleFixture(),
      contacts: [{ name: 'Tom', tags: ['press'], handles: [{ network: 'mastodon', handle: 'tom@social.example' }] }],
    },
    { now: () => T0 + 48 * HOUR },
  );
}

async function openContacts(b = backend()) {
  const user = userEvent.setup();
  render(App, { backend: b });
  await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(4));
  await user.keyboard('gc');
  await screen.findByTestId('view-contacts');
  return { user, b };
}

describe('the contacts view', () => {
  it('accepts a suggestion with its reasons, then splits the handle out again', async () => {
    const { user, b } = await openContacts();
    await user.click(screen.getByTestId('contacts-suggestions-toggle'));
    const suggestion = await screen.findByTestId('contact-suggestion');
    expect(suggestion).toHaveTextContent("same handle 'maria' (mastodon and bluesky)");
    expect(suggestion).toHaveTextContent("same display name 'Maria Lopez'");
    expect(await b.contactsList({}), 'nothing is linked before the manager accepts').toHaveLength(1);

    await user.click(within(suggestion).getByTestId('suggestion-accept'));
    const page = await screen.findByTestId('contact-page');
    await waitFor(() => expect(within(page).getAllByTestId('contact-handle')).toHaveLength(2));
    expect(screen.getByTestId('contact-name')).toHaveValue('Maria Lopez');
    await waitFor(() => expect(within(page).getAllByTestId('timeline-conversation')).toHaveLength(3));
    expect(within(page).getAllByTestId('network-badge').map((n) => n.textContent)).toEqual(
      expect.arrayContaining(['Bluesky', 'Mastodon']),
    );

    await user.click(within(page).getAllByTestId('contact-split')[0]!);
    await waitFor(() => expect(within(page).getAllByTestId('contact-handle')).toHaveLength(1));
    await waitFor(() => expect(within(page).getAllByTestId('timeline-conversation')).toHaveLength(1));
    expect(screen.getByTestId('contact-notice')).toHaveTextContent('split out');
  });

  it('dismisses a suggestion without linking anyone', async () => {
    const { user, b } = await openContacts();
    await user.click(screen.getByTestId('contacts-suggestions-toggle'));
    await user.click(await screen.findByTestId('suggestion-dismiss'));
    await screen.findByTestId('suggestions-none');
    expect(await b.contactsList({})).toHaveLength(1);
    expect(await b.contactSuggestions(null)).toEqual([]);
  });

  it('edits tags and saves notes as they are typed; the list filters by tag and text', async () => {
    const { user, b } = await openContacts();
    const page = await screen.findByTestId('contact-page');
    expect(screen.getByTestId('contact-name')).toHaveValue('Tom');
    await user.type(within(page).getByTestId('contact-tag-input'), 'VIP{Enter}');
    await waitFor(() =>
      expect(within(page).getAllByTestId('contact-tag').map((t) => t.textContent?.replace('×', '').trim())).toEqual([
        'press',
        'vip',
      ]),
    );
    await user.click(within(page).getByRole('button', { name: 'Remove the tag press' }));
    await waitFor(() => expect(within(page).getAllByTestId('contact-tag')).toHaveLength(1));

    await user.type(screen.getByTestId('contact-notes'), 'Met at FOSDEM');
    await waitFor(() => expect(screen.getByTestId('contact-notes-state')).toHaveTextContent('Saved'), { timeout: 2000 });
    await waitFor(async () => expect((await b.contactsList({}))[0]?.notes).toBe('Met at FOSDEM'));

    await user.type(screen.getByTestId('contacts-search'), 'fosdem');
    await waitFor(() => expect(screen.getAllByTestId('contact-row')).toHaveLength(1));
    await user.clear(screen.getByTestId('contacts-search'));
    await user.type(screen.getByTestId('contacts-search'), 'nobody');
    await screen.findByTestId('contacts-empty');
  });

  it('opens a conversation of the timeline in the inbox', async () => {
    const { user } = await openContacts();
    const page = await screen.findByTestId('contact-page');
    await user.click((await within(page).findAllByTestId('timeline-conversation'))[0]!);
    await waitFor(() => expect(screen.getByTestId('view-inbox')).toBeVisible());
    await waitFor(() =>
      expect(within(screen.getByTestId('thread-pane')).getAllByTestId('thread-item')[0]).toHaveTextContent('hi'),
    );
    expect(screen.getByTestId('author-panel')).toHaveTextContent('Tom');
  });
});

describe('the contact panel beside a conversation', () => {
  it('links an author to a suggested handle, then shows the contact across networks', async () => {
    const user = userEvent.setup();
    render(App, { backend: backend() });
    await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(4));
    await user.keyboard('jo'); // conversation 3: Maria on Bluesky
    const panel = await screen.findByTestId('author-panel');
    await waitFor(() => expect(panel).toHaveTextContent('Maria Lopez'));
    await user.click(within(panel).getByTestId('author-link'));
    const suggestion = await within(panel).findByTestId('link-suggestion');
    expect(suggestion).toHaveTextContent("same handle 'maria'");
    await user.click(suggestion);
    await waitFor(() => expect(within(panel).getByTestId('author-contact')).toBeInTheDocument());
    expect(within(panel).getAllByTestId('author-contact-handle').map((h) => h.textContent)).toEqual([
      expect.stringContaining('maria@social.example'),
    ]);
    expect(within(panel).getAllByTestId('author-conversation')).toHaveLength(2);
    expect(panel).toHaveTextContent('On every handle of Maria Lopez');

    await user.click(within(panel).getByTestId('author-open-contact'));
    await waitFor(() => expect(screen.getByTestId('contact-name')).toHaveValue('Maria Lopez'));
  });

  it('shows a linked contact’s tags and notes', async () => {
    const user = userEvent.setup();
    render(App, { backend: backend() });
    await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(4));
    await user.keyboard('o'); // conversation 4: Tom
    const panel = await screen.findByTestId('author-panel');
    await waitFor(() => expect(within(panel).getAllByTestId('author-contact-tag').map((t) => t.textContent)).toEqual(['press']));
  });
});
