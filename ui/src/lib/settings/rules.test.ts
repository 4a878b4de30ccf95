import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { conversation, item } from '../../test/fixtures';
import InboxHarness from '../../test/InboxHarness.svelte';
import { MemoryBackend } from '../backend/memory';

function data() {
  const now = Date.now();
  return {
    conversations: [
      conversation(1, { urgent: true }, [
        item('10', { text: 'I want a refund, the app is broken', createdAt: now - 3_600_000 }),
      ]),
      conversation(2, {}, [item('20', { text: 'Lovely update, thanks', createdAt: now - 7_200_000 })]),
      conversation(3, {}, [item('30', { text: 'Old refund question', createdAt: now - 20 * 86_400_000 })]),
    ],
    reasons: { 1: ["urgent: a mention and 'refund', 'broken'", "urgent: a mention and 'refund', 'broken'"] },
  };
}

async function openRules() {
  const backend = new MemoryBackend(data());
  const user = userEvent.setup();
  render(App, { backend });
  await waitFor(() => expect(screen.getByTestId('workspace-badge')).toBeInTheDocument());
  await user.keyboard('gs');
  await waitFor(() => expect(screen.getAllByTestId('rule-row')).toHaveLength(3));
  return { backend, user };
}

function names(): string[] {
  return screen.getAllByTestId('rule-row').map((r) => r.querySelector('.name')?.textContent ?? '');
}

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('Settings → Rules', () => {
  it('lists the default rules in order, each in words', async () => {
    await openRules();
    expect(names().map((n) => n.replace(/\s· .*/, ''))).toEqual([
      'Negative direct messages',
      'Mentions with risk words',
      'High-reach authors',
    ]);
    expect(screen.getAllByTestId('rule-row')[0]).toHaveTextContent(
      'direct messages, sentiment ≤ −0.3 → urgent (notify), tag upset',
    );
  });

  it('writes a rule, tries it on the last 7 days, and saves it at the end', async () => {
    const { user, backend } = await openRules();
    await user.click(screen.getByTestId('rule-add'));
    await waitFor(() => expect(screen.getByTestId('rule-name')).toHaveFocus());
    await user.keyboard('Refunds');
    await user.type(screen.getByTestId('rule-query'), 'refund');
    await user.click(screen.getByTestId('rule-urgent'));
    await user.type(screen.getByTestId('rule-tags'), 'billing, money');
    await user.click(screen.getByTestId('rule-try'));
    const trial = await screen.findByTestId('rule-trial');
    // The 20-day-old refund is outside the week.
    expect(trial).toHaveTextContent('would have fired on 1 conversation in the last 7 days (2 items looked at)');
    await user.click(screen.getByTestId('rule-save'));
    await waitFor(() => expect(screen.getAllByTestId('rule-row')).toHaveLength(4));
    expect(names()[3]).toBe('Refunds');
    const saved = (await backend.rulesList())[3]!;
    expect(saved.actions).toMatchObject({ urgent: true, tags: ['billing', 'money'] });
    expect(saved.conditions.query).toBe('refund');
  });

  it('reorders with the arrow buttons and turns a rule off', async () => {
    const { user, backend } = await openRules();
    const second = screen.getAllByTestId('rule-row')[1]!;
    await user.click(within(second).getByRole('button', { name: /Move Mentions with risk words up/ }));
    await waitFor(() => expect(names()[0]).toMatch(/^Mentions with risk words/));
    await user.click(within(screen.getAllByTestId('rule-row')[2]!).getByRole('checkbox'));
    await waitFor(async () => expect((await backend.rulesList())[2]!.enabled).toBe(false));
  });

  it('says why a query does not parse', async () => {
    const { user } = await openRules();
    await user.click(screen.getByTestId('rule-add'));
    await user.keyboard('Broken');
    await user.type(screen.getByTestId('rule-query'), '"charged twice');
    await user.click(screen.getByTestId('rule-save'));
    expect(await screen.findByTestId('rule-error')).toHaveTextContent('a phrase is not closed');
  });
});

describe('Settings → notifications', () => {
  it('keeps the digest window and quiet hours', async () => {
    const { user, backend } = await openRules();
    await screen.findByTestId('notify-settings');
    await user.selectOptions(screen.getByTestId('notify-digest'), '300');
    await waitFor(async () => expect((await backend.notifySettings()).digestSeconds).toBe(300));
    await user.click(screen.getByTestId('notify-quiet'));
    await waitFor(async () =>
      expect((await backend.notifySettings()).quiet).toMatchObject({ startMinute: 22 * 60, endMinute: 7 * 60 }),
    );
    await user.click(screen.getByTestId('notify-quiet'));
    await waitFor(async () => expect((await backend.notifySettings()).quiet).toBeNull());
  });
});

describe('Why a conversation is flagged', () => {
  it('shows each distinct reason above the thread', async () => {
    const user = userEvent.setup();
    render(InboxHarness, { backend: new MemoryBackend(data()) });
    await waitFor(() => expect(screen.getAllByTestId('conversation-row').length).toBe(3));
    // Open conversation 1 by its row.
    const row = screen.getAllByTestId('conversation-row').find((r) => r.dataset.conversationId === '1')!;
    await user.click(row);
    await user.keyboard('o');
    const why = await screen.findByTestId('thread-reasons');
    expect(within(why).getAllByRole('listitem')).toHaveLength(1);
    expect(why).toHaveTextContent("urgent: a mention and 'refund', 'broken'");
  });
});
