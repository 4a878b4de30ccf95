import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from '../../App.svelte';
import { sampleData } from '../../test/fixtures';
import { MemoryBackend } from '../backend/memory';
import { later as appLater, Later, LATER_CONTEXT, type LaterParts } from './later.svelte';

/** A `Later` whose chunk arrives only when the test lets it. */
function gated(): { later: Later; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const later = new Later(async () => {
    await gate;
    return appLater.load();
  });
  return { later, release };
}

async function renderApp(later: Later) {
  const user = userEvent.setup();
  render(App, { props: { backend: new MemoryBackend(sampleData(24)) }, context: new Map([[LATER_CONTEXT, later]]) });
  await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBeGreaterThan(0));
  return user;
}

describe('Later', () => {
  it('loads the chunk once, however often it is asked for', async () => {
    const parts = {} as LaterParts;
    const importer = vi.fn(() => Promise.resolve(parts));
    const later = new Later(importer);
    expect(later.parts).toBeNull();
    const [a, b] = await Promise.all([later.load(), later.load()]);
    expect(a).toBe(parts);
    expect(b).toBe(parts);
    await later.load();
    expect(importer).toHaveBeenCalledTimes(1);
    expect(later.parts).toBe(parts);
  });

  it('tries again after a failed load', async () => {
    const parts = {} as LaterParts;
    const importer = vi
      .fn<() => Promise<LaterParts>>()
      .mockRejectedValueOnce(new Error('chunk missing'))
      .mockResolvedValueOnce(parts);
    const later = new Later(importer);
    await expect(later.load()).rejects.toThrow('chunk missing');
    expect(later.parts).toBeNull();
    await expect(later.load()).resolves.toBe(parts);
    expect(importer).toHaveBeenCalledTimes(2);
  });
});

describe('the window before the later parts are in', () => {
  it('shows the empty thread pane at first, without loading them', async () => {
    const { later } = gated();
    const load = vi.spyOn(later, 'load');
    await renderApp(later);
    expect(screen.getByTestId('thread-pane')).toHaveTextContent('Select a conversation to read it here.');
    expect(load).not.toHaveBeenCalled();
  });

  it('opens a conversation asked for with Enter once its code is in', async () => {
    const { later, release } = gated();
    const user = await renderApp(later);
    await user.keyboard('{Enter}');
    expect(await within(screen.getByTestId('thread-pane')).findByText('Loading conversation…')).toBeInTheDocument();
    release();
    await waitFor(() =>
      expect(within(screen.getByTestId('thread-pane')).getAllByTestId('thread-item').length).toBeGreaterThan(0),
    );
    expect(screen.getByTestId('thread-pane')).toHaveTextContent('Snippet for conversation 21');
  });

  it('shows the shortcuts asked for with ? once the overlay is in, the window inert meanwhile', async () => {
    const { later, release } = gated();
    const user = await renderApp(later);
    await user.keyboard('?');
    expect(screen.queryByTestId('shortcuts-overlay')).toBeNull();
    // The keys wait for the overlay: j does not move the selection behind it.
    await user.keyboard('j');
    release();
    expect(await screen.findByTestId('shortcuts-overlay')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('shortcuts-overlay')).toBeNull());
    const selected = screen.getAllByTestId('conversation-row').find((r) => r.getAttribute('aria-selected') === 'true');
    expect(selected?.dataset.conversationId).toBe('21');
  });

  it('runs a search asked for before the results are in', async () => {
    const { later, release } = gated();
    const user = await renderApp(later);
    await user.keyboard('/');
    await user.keyboard('Snippet{Enter}');
    release();
    expect((await screen.findAllByTestId('search-result')).length).toBeGreaterThan(0);
  });

  it('opens the snooze picker asked for with h once it is in', async () => {
    const { later, release } = gated();
    const user = await renderApp(later);
    await user.keyboard('h');
    release();
    expect(await screen.findByTestId('snooze-picker')).toBeInTheDocument();
  });
});
