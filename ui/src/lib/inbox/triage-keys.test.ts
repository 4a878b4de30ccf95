import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { sampleData } from '../../test/fixtures';
import { MemoryBackend } from '../backend/memory';

function rows(): HTMLElement[] {
  return screen.queryAllByTestId('conversation-row');
}

function ids(): string[] {
  return rows().map((r) => r.dataset.conversationId ?? '');
}

function selectedRow(): HTMLElement | undefined {
  return rows().find((r) => r.getAttribute('aria-selected') === 'true');
}

async function renderInbox(backend = new MemoryBackend(sampleData(24))) {
  const user = userEvent.setup();
  render(App, { backend });
  await waitFor(() => expect(rows().length).toBeGreaterThan(0));
  return { user, backend };
}

describe('h snoozes with a picker', () => {
  it('snoozes the selected conversation by number, returns focus to the list, and z undoes it', async () => {
    const { user, backend } = await renderInbox();
    expect(ids()).toEqual(['21', '17', '13', '9', '5', '1']);
    await user.keyboard('h');
    const picker = await screen.findByTestId('snooze-picker');
    expect(picker).toHaveTextContent('Snooze the conversation with Author 21');
    expect(within(picker).getByTestId('snooze-1h')).toHaveFocus();
    await user.keyboard('2'); // 4 hours
    await waitFor(() => expect(screen.queryByTestId('snooze-picker')).toBeNull());
    await waitFor(() => expect(ids()).toEqual(['17', '13', '9', '5', '1']));
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    const snoozed = (await backend.conversationGet(21)).conversation;
    expect(snoozed.state).toBe('snoozed');
    expect(snoozed.snoozeUntil).toBeGreaterThan(Date.now() + 3.9 * 3_600_000);

    await user.keyboard('z');
    await waitFor(() => expect(ids()[0]).toBe('21'));
    expect((await backend.conversationGet(21)).conversation.state).toBe('open');
  });

  it('snoozes until the next reply with the arrows and Enter, and Escape changes nothing', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('h');
    await screen.findByTestId('snooze-picker');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('snooze-picker')).toBeNull());
    expect(ids()[0]).toBe('21');
    await waitFor(() => expect(selectedRow()).toHaveFocus());

    await user.keyboard('h');
    await screen.findByTestId('snooze-picker');
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}{ArrowDown}');
    expect(screen.getByTestId('snooze-reply')).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(ids()[0]).toBe('17'));
    expect((await backend.conversationGet(21)).conversation).toMatchObject({ state: 'snoozed', snoozeUntil: null });
  });

  it('snoozes every checked conversation', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('xjx');
    await user.keyboard('h');
    expect(await screen.findByTestId('snooze-picker')).toHaveTextContent('Snooze 2 conversations');
    await user.keyboard('3');
    await waitFor(() => expect(ids()).toEqual(['13', '9', '5', '1']));
    for (const id of [21, 17]) expect((await backend.conversationGet(id)).conversation.state).toBe('snoozed');
  });
});

describe('t edits tags', () => {
  it('adds a typed tag and a suggested one, removes one, and z puts them back', async () => {
    const { user, backend } = await renderInbox();
    // Conversation 21 has the tag "bug"; "praise" and "vip" are in use elsewhere.
    await user.keyboard('t');
    const editor = await screen.findByTestId('tag-editor');
    expect(screen.getByTestId('tag-input')).toHaveFocus();
    expect(within(editor).getAllByTestId('tag-chip').map((c) => c.textContent?.replace('×', '').trim())).toEqual(['bug']);
    await user.keyboard('Billing Issue{Enter}');
    await user.keyboard('v');
    expect(within(editor).getAllByTestId('tag-suggestion').map((s) => s.textContent?.trim())).toEqual(['vip']);
    await user.keyboard('{ArrowDown}{Enter}');
    await user.click(within(editor).getByRole('button', { name: 'Remove bug' }));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByTestId('tag-editor')).toBeNull());
    await waitFor(() => expect(selectedRow()).toHaveFocus());
    expect((await backend.conversationGet(21)).conversation.tags).toEqual(['billing-issue', 'vip']);
    expect(screen.getByTestId('inbox-notice')).toHaveTextContent('Changed the tags of conversation with Author 21');

    await user.keyboard('z');
    await waitFor(async () => expect((await backend.conversationGet(21)).conversation.tags).toEqual(['bug']));
  });

  it('tags every checked conversation, and Escape cancels', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('t');
    await screen.findByTestId('tag-editor');
    await user.keyboard('never{Enter}{Escape}');
    await waitFor(() => expect(screen.queryByTestId('tag-editor')).toBeNull());
    expect((await backend.conversationGet(21)).conversation.tags).toEqual(['bug']);

    await user.keyboard('xjx');
    await user.keyboard('t');
    expect(await screen.findByTestId('tag-editor')).toHaveTextContent('Tags on 2 conversations');
    await user.keyboard('urgent{Enter}{Enter}');
    await waitFor(async () => expect((await backend.conversationGet(17)).conversation.tags).toContain('urgent'));
    expect((await backend.conversationGet(21)).conversation.tags).toContain('urgent');
  });
});

describe('filters and saved views', () => {
  it('filters with f, saves the filters as a view, and applies, renames and deletes it', async () => {
    const { user, backend } = await renderInbox();
    await user.keyboard('f');
    expect(await screen.findByTestId('filter-network')).toHaveFocus();
    const sentiment = screen.getByTestId('filter-sentiment');
    await user.selectOptions(sentiment, 'negative');
    // Open and negative in sampleData(24): 21 and 9.
    await waitFor(() => expect(ids()).toEqual(['21', '9']));
    expect(screen.getByTestId('filters-toggle')).toHaveTextContent('Filters (1)');

    await user.type(screen.getByTestId('view-name'), 'Unhappy');
    await user.click(screen.getByTestId('view-save'));
    await waitFor(() => expect(screen.getByTestId('view-select')).toHaveValue('Unhappy'));
    expect((await backend.viewsList()).map((v) => v.filter)).toEqual([
      expect.objectContaining({ state: 'open', sentiment: 'negative' }),
    ]);

    await user.click(screen.getByTestId('filters-clear'));
    await waitFor(() => expect(ids()).toHaveLength(6));
    expect(screen.getByTestId('view-select')).toHaveValue('');

    await user.selectOptions(screen.getByTestId('view-select'), 'Unhappy');
    await waitFor(() => expect(ids()).toEqual(['21', '9']));

    const name = screen.getByTestId('view-name');
    await user.clear(name);
    await user.type(name, 'Angry');
    expect(screen.getByTestId('view-save')).toHaveTextContent('Rename view');
    await user.click(screen.getByTestId('view-save'));
    await waitFor(async () => expect((await backend.viewsList()).map((v) => v.name)).toEqual(['Angry']));
    await waitFor(() => expect(screen.getByTestId('view-select')).toHaveValue('Angry'));

    await user.click(screen.getByTestId('view-delete'));
    await waitFor(async () => expect(await backend.viewsList()).toEqual([]));
  });

  it('narrows a search to the filters shown', async () => {
    const { user } = await renderInbox();
    await user.keyboard('f');
    const tag = await screen.findByTestId('filter-tag');
    await user.type(tag, 'bug{Enter}');
    await user.tab();
    await waitFor(() => expect(ids()).toEqual(['21', '9']));
    await user.keyboard('{Escape}');
    await user.keyboard('/');
    expect(screen.getByTestId('search-input')).toHaveFocus();
    await user.keyboard('Snippet{Enter}');
    const results = await screen.findAllByTestId('search-result');
    // Every state, but only the conversations tagged "bug": 3, 6, 9, … 24.
    expect(results.map((r) => Number(r.dataset.conversationId) % 3)).toEqual(results.map(() => 0));
    expect(results).toHaveLength(8);
  });
});

describe('z after e on the open conversation', () => {
  it('puts the row back, selected, and its conversation back in the thread pane', async () => {
    const { user } = await renderInbox();
    const pane = () => screen.getByTestId('thread-pane');
    await user.keyboard('jo');
    await waitFor(() => expect(pane()).toHaveTextContent('Author 17'));
    await user.keyboard('e');
    // The next conversation takes its place, as in the list.
    await waitFor(() => expect(ids()).toEqual(['21', '13', '9', '5', '1']));
    await waitFor(() => expect(pane()).toHaveTextContent('Author 13'));

    await user.keyboard('z');
    await waitFor(() => expect(ids()).toEqual(['21', '17', '13', '9', '5', '1']));
    expect(selectedRow()?.dataset.conversationId).toBe('17');
    await waitFor(() => expect(pane()).toHaveTextContent('Author 17'));
    await waitFor(() => expect(selectedRow()).toHaveFocus());
  });

  it('leaves the thread pane alone when the undone action did not take its conversation', async () => {
    const { user } = await renderInbox();
    const pane = () => screen.getByTestId('thread-pane');
    await user.keyboard('o');
    await waitFor(() => expect(pane()).toHaveTextContent('Author 21'));
    // Done on another row than the open one.
    await user.keyboard('jje');
    await waitFor(() => expect(ids()).toEqual(['21', '17', '9', '5', '1']));
    await user.keyboard('z');
    await waitFor(() => expect(ids()).toEqual(['21', '17', '13', '9', '5', '1']));
    expect(selectedRow()?.dataset.conversationId).toBe('13');
    expect(pane()).toHaveTextContent('Author 21');
  });
});
