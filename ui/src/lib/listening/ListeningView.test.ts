import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import App from '../../App.svelte';
import { MemoryBackend } from '../backend/memory';
import { HOUR, T0, peopleFixture } from '../../test/people';

const TEXTS: Record<string, string> = {
  '1': 'Earshot charged me twice, refund please #billing',
  '2': 'Sorry, refunding now',
  '3': 'Love earshot, great launch #launch',
  '4': 'Thank you!',
  '5': 'earshot is down again, another outage',
  '6': 'Acme or earshot? acme rocks #launch',
};

async function openListening() {
  const conversations = peopleFixture();
  for (const d of conversations) for (const item of d.items) {
      item.text = TEXTS[item.id] ?? item.text;
      item.html = `<p>${item.text}</p>`;
    }
  const backend = new MemoryBackend(
    {
      conversations,
      accounts: [{ id: 1, handle: '@brand@social.example', network: 'mastodon' }],
      listening: { queries: [{ name: 'Earshot', query: 'earshot' }, { name: 'Acme', query: 'acme' }] },
    },
    { now: () => T0 + 48 * HOUR },
  );
  const user = userEvent.setup();
  render(App, { backend });
  await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(4));
  await user.keyboard('gl');
  await screen.findByTestId('view-listening');
  await screen.findByTestId('listening-dashboard');
  await range(user, '2026-11-02', '2026-11-04');
  return { user, backend };
}

/** The days of the fixture, whatever today is. */
async function range(user: ReturnType<typeof userEvent.setup>, from: string, to: string) {
  await user.selectOptions(screen.getByTestId('listening-range'), 'custom');
  await user.clear(screen.getByTestId('listening-from'));
  await user.type(screen.getByTestId('listening-from'), from);
  await user.clear(screen.getByTestId('listening-to'));
  await user.type(screen.getByTestId('listening-to'), to);
  await waitFor(() => expect(screen.getByTestId('listening-total')).not.toHaveTextContent(/^0 hits/));
}

describe('the listening view', () => {
  it('shows every query together, then one, with share of voice and the panels', async () => {
    const { user } = await openListening();
    expect(screen.getByTestId('listening-panel-title')).toHaveTextContent('All queries');
    // Four items say earshot, one of them acme too: each counted once.
    expect(screen.getByTestId('listening-total')).toHaveTextContent('4 hits, none in the previous period');
    expect(screen.getByTestId('panel-shareOfVoice')).toHaveTextContent('Acme 20% (1)');
    expect(screen.getByTestId('panel-shareOfVoice')).toHaveTextContent('Earshot 80% (4)');
    expect(screen.getByTestId('listening-sentiment-split')).toHaveTextContent('3 positive (75%), 0 neutral, 1 negative (25%)');
    expect(screen.getByTestId('panel-hashtags')).toHaveTextContent('#launch 2');
    expect(screen.getByTestId('panel-networks')).toHaveTextContent('Mastodon');
    expect(screen.getByTestId('panel-topAuthors')).toHaveTextContent('Maria Lopez');
    const latest = within(screen.getByTestId('panel-latest')).getAllByTestId('latest-hit');
    expect(latest[0]).toHaveTextContent('Acme or earshot?');

    const acme = screen.getAllByTestId('query-pick').find((b) => b.textContent?.includes('Acme'))!;
    await user.click(acme);
    expect(acme).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('listening-panel-title')).toHaveTextContent('Acme');
    expect(screen.getByTestId('listening-total')).toHaveTextContent('1 hits');
  });

  it('opens a hit’s conversation in the inbox', async () => {
    const { user } = await openListening();
    const latest = within(screen.getByTestId('panel-latest')).getAllByTestId('latest-hit');
    await user.click(latest[latest.length - 1]!);
    await waitFor(() => expect(screen.getByTestId('view-inbox')).toBeVisible());
    await waitFor(() =>
      expect(within(screen.getByTestId('thread-pane')).getAllByTestId('thread-item')[0]).toHaveTextContent('Earshot charged me twice'),
    );
  });

  it('checks a query as it is typed, then matches history when it is created', async () => {
    const { user } = await openListening();
    await user.click(screen.getByTestId('query-new'));
    await user.type(screen.getByTestId('query-name'), 'Outages');
    await user.type(screen.getByTestId('query-text'), 'outage OR (down');
    const problem = await screen.findByTestId('query-problem');
    expect(problem).toHaveTextContent('At character 11: this ( is not closed');
    expect(screen.getByTestId('query-text')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId('query-save')).toBeDisabled();
    await user.type(screen.getByTestId('query-text'), ')');
    await waitFor(() => expect(screen.queryByTestId('query-problem')).toBeNull());
    await user.click(screen.getByTestId('query-save'));
    await waitFor(() => expect(screen.getByTestId('listening-panel-title')).toHaveTextContent('Outages'));
    const row = screen.getAllByTestId('query-row').find((r) => r.textContent?.includes('Outages'))!;
    expect(within(row).getByTestId('query-hits')).toHaveTextContent('1 hits in all');
    await waitFor(() => expect(screen.getByTestId('listening-total')).toHaveTextContent('1 hits'));
  });

  it('edits and deletes a query, asking first', async () => {
    const { user } = await openListening();
    const row = () => screen.getAllByTestId('query-row').find((r) => r.textContent?.includes('Acme'))!;
    await user.click(within(row()).getByTestId('query-edit'));
    const text = screen.getByTestId('query-text');
    await user.clear(text);
    await user.type(text, 'acme OR refund');
    await user.click(screen.getByTestId('query-save'));
    await waitFor(() => expect(within(row()).getByTestId('query-hits')).toHaveTextContent('2 hits in all'));
    await user.click(within(row()).getByTestId('query-delete'));
    await user.click(within(row()).getByTestId('query-delete-confirm'));
    await waitFor(() => expect(screen.getAllByTestId('query-row')).toHaveLength(1));
  });

  it('exports a panel as CSV and says where it went', async () => {
    const { user, backend } = await openListening();
    await user.click(screen.getByTestId('export-topAuthors'));
    await screen.findByTestId('listening-saved');
    expect(backend.listeningExports.map((e) => [e.kind, e.queryId])).toEqual([['topAuthors', null]]);
    expect(screen.getByTestId('listening-saved')).toHaveTextContent('earshot-listening all queries topAuthors.csv');
  });

  it('buckets by hour over one day', async () => {
    const { user, backend } = await openListening();
    await range(user, '2026-11-03', '2026-11-03');
    await user.selectOptions(screen.getByTestId('listening-bucket'), 'hour');
    await waitFor(() => expect(screen.getByTestId('listening-total')).toHaveTextContent('2 hits'));
    const d = await backend.listeningDashboard({ queryIds: [], from: T0 + 24 * HOUR, to: T0 + 48 * HOUR, bucket: 'hour', utcOffsetMinutes: 0, top: 10, latest: 20 });
    expect(d.panels[0]!.volume).toHaveLength(24);
  });

  it('adds, polls and removes sources, showing a failing one’s reason', async () => {
    const { user } = await openListening();
    await user.type(screen.getByTestId('source-target'), 'https://blog.example/feed.xml');
    await user.click(screen.getByTestId('source-add'));
    await waitFor(() => expect(screen.getByTestId('source-state')).toHaveTextContent('Last polled'));
    expect(screen.getByTestId('source-message')).toHaveTextContent('Not modified');
    await user.selectOptions(screen.getByTestId('source-kind'), 'bluesky-search');
    await user.type(screen.getByTestId('source-target'), 'earshot');
    await user.click(screen.getByTestId('source-add'));
    await waitFor(() => expect(screen.getAllByTestId('source-state')[1]).toHaveTextContent('Failing (1×)'));
    await user.click(screen.getAllByTestId('source-remove')[1]!);
    await waitFor(() => expect(screen.getAllByTestId('source-row')).toHaveLength(1));
  });

  it('turns desktop notifications of spikes on and off, and keeps the choice', async () => {
    const { user, backend } = await openListening();
    const toggle = screen.getByTestId('spike-notify');
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).not.toBeChecked();
    await user.click(toggle);
    await waitFor(async () => expect(await backend.listeningSpikeNotify()).toBe(true));
    expect(toggle).toBeChecked();
    await user.click(toggle);
    await waitFor(async () => expect(await backend.listeningSpikeNotify()).toBe(false));
    expect(toggle).not.toBeChecked();
  });

  it('shows when a source polls next as the core says', async () => {
    // The panel's clock at the fixture's time, still running.
    const real = Date.now.bind(Date);
    const start = real();
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => T0 + 48 * HOUR + (real() - start));
    onTestFinished(() => clock.mockRestore());
    const { user, backend } = await openListening();
    await user.type(screen.getByTestId('source-target'), 'https://blog.example/feed.xml');
    await user.click(screen.getByTestId('source-add'));
    await waitFor(() => expect(screen.getByTestId('source-state')).toHaveTextContent('Last polled'));
    const [source] = await backend.sourcesList();
    const next = new Date(source!.nextPollAt).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    expect(source!.nextPollAt).toBeGreaterThan(T0 + 48 * HOUR);
    expect(screen.getByTestId('source-state')).toHaveTextContent(`next ${next}`);
  });

  it('has palette commands for its main actions', async () => {
    const { user } = await openListening();
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard('{Control>}k{/Control}');
    const palette = await screen.findByTestId('command-palette');
    await user.type(within(palette).getByTestId('palette-input'), 'new listening');
    await user.keyboard('{Enter}');
    await screen.findByTestId('query-editor');
  });
});
