import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { MemoryBackend } from '../backend/memory';
import { HOUR, T0, peopleFixture } from '../../test/people';

async function openReports() {
  const backend = new MemoryBackend(
    {
      conversations: peopleFixture(),
      accounts: [
        { id: 1, handle: '@brand@social.example', network: 'mastodon' },
        { id: 2, handle: 'brand.bsky.social', network: 'bluesky' },
      ],
    },
    { now: () => T0 + 7 * 24 * HOUR },
  );
  const user = userEvent.setup();
  render(App, { backend });
  await waitFor(() => expect(screen.getAllByTestId('conversation-row')).toHaveLength(4));
  await user.keyboard('gr');
  await screen.findByTestId('view-reports');
  // The week of the fixture, whatever today is.
  await user.selectOptions(screen.getByTestId('report-period'), 'custom');
  await user.clear(screen.getByTestId('report-from'));
  await user.type(screen.getByTestId('report-from'), '2026-11-02');
  await user.clear(screen.getByTestId('report-to'));
  await user.type(screen.getByTestId('report-to'), '2026-11-08');
  return { user, backend };
}

describe('the reports view', () => {
  it('shows the period’s figures beside the previous period’s', async () => {
    await openReports();
    await waitFor(() => expect(screen.getByTestId('kpi-received')).toHaveTextContent('Received 4 previous 0 up from 0'));
    // Two of four conversations answered, after 1 h and 3 h.
    expect(screen.getByTestId('kpi-response-rate')).toHaveTextContent('50%');
    expect(screen.getByTestId('kpi-first-response-median')).toHaveTextContent('2 h');
    expect(screen.getByTestId('kpi-first-response-p90')).toHaveTextContent('2 h 48 min');
    expect(screen.getByTestId('report-sentiment-split')).toHaveTextContent('3 positive, 0 neutral, 1 negative');
    const tags = within(screen.getByTestId('report-tags')).getAllByRole('row').map((r) => r.textContent);
    expect(tags).toEqual(['TagThis periodPrevious', 'billing20', 'praise10']);
    expect(screen.getByTestId('report-advocates')).toHaveTextContent('Maria Lopez');
    expect(screen.getByTestId('sentiment-chart')).toBeInTheDocument();
    expect(screen.getByTestId('report-scopes')).toHaveTextContent('Bluesky');
  });

  it('narrows to one network', async () => {
    const { user } = await openReports();
    await waitFor(() => expect(screen.getByTestId('kpi-received')).toHaveTextContent('Received 4 '));
    await user.selectOptions(screen.getByTestId('report-scope'), 'network:bluesky');
    await waitFor(() => expect(screen.getByTestId('kpi-received')).toHaveTextContent('Received 2 '));
  });

  it('saves business hours, refusing what it cannot read', async () => {
    const { user, backend } = await openReports();
    const hours = screen.getByTestId('report-hours');
    await user.type(hours, 'weekdays');
    await user.click(screen.getByTestId('report-hours-save'));
    expect(await screen.findByRole('alert')).toHaveTextContent(/Mon-Fri 09:00-17:00/);
    await user.clear(hours);
    await user.type(hours, 'Mon-Fri 09:00-17:00 +01:00');
    await user.click(screen.getByTestId('report-hours-save'));
    await waitFor(async () => expect(await backend.businessHours()).toMatchObject({ utcOffsetMinutes: 60, startMinute: 540 }));
    await waitFor(() => expect(screen.getByTestId('report-period-text')).toHaveTextContent('business hours (Mon-Fri 09:00-17:00 +01:00)'));
  });

  it('exports CSV and the printable page, and shows where they went', async () => {
    const { user, backend } = await openReports();
    await waitFor(() => expect(screen.getByTestId('kpi-received')).toHaveTextContent('Received 4 '));
    await user.click(screen.getByTestId('report-export-csv'));
    expect(await screen.findByTestId('report-saved')).toHaveTextContent('earshot-report 2026-11-02 to 2026-11-08');
    await user.click(screen.getByTestId('report-export-html'));
    await waitFor(() => expect(screen.getByTestId('report-saved')).toHaveTextContent('.html'));
    expect(backend.exports.map((e) => e.kind)).toEqual(['csv', 'html']);
    await user.click(screen.getByTestId('report-reveal'));
    expect(backend.revealed).toEqual(['~/Downloads/earshot-report 2026-11-02 to 2026-11-08.html']);
  });
});
