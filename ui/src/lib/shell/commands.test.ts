import { describe, expect, it } from 'vitest';
import { CommandRegistry, filterCommands, fuzzyScore, type Command } from './commands.svelte';

const cmd = (id: string, label: string, group = 'Go to', keywords?: string): Command => ({
  id,
  label,
  group,
  keywords,
  run: () => {},
});

describe('fuzzyScore', () => {
  it('matches letters in order, case-insensitively', () => {
    expect(fuzzyScore('gts', 'Go to Settings')).not.toBeNull();
    expect(fuzzyScore('SET', 'Go to Settings')).not.toBeNull();
    expect(fuzzyScore('stg', 'Go to Settings')).not.toBeNull();
    expect(fuzzyScore('xyz', 'Go to Settings')).toBeNull();
    expect(fuzzyScore('', 'anything')).toBe(0);
  });

  it('prefers consecutive letters and word starts', () => {
    expect(fuzzyScore('set', 'Go to Settings')!).toBeGreaterThan(fuzzyScore('set', 'Show the shortcuts')!);
  });
});

describe('filterCommands', () => {
  const commands = [
    cmd('inbox', 'Go to Inbox'),
    cmd('contacts', 'Go to Contacts'),
    cmd('theme', 'Toggle light and dark theme', 'Appearance', 'colour mode'),
    cmd('done', 'Mark the selected conversation done', 'Conversation'),
  ];

  it('keeps the order for an empty query and ranks the best match first', () => {
    expect(filterCommands(commands, '').map((c) => c.id)).toEqual(['inbox', 'contacts', 'theme', 'done']);
    expect(filterCommands(commands, 'cont')[0]?.id).toBe('contacts');
    expect(filterCommands(commands, 'done')[0]?.id).toBe('done');
  });

  it('also matches the group and keywords, below label matches', () => {
    expect(filterCommands(commands, 'colour').map((c) => c.id)).toEqual(['theme']);
    expect(filterCommands(commands, 'appearance').map((c) => c.id)).toEqual(['theme']);
  });
});

describe('CommandRegistry', () => {
  it('collects commands from live sources and drops them when unregistered', () => {
    const registry = new CommandRegistry();
    let selected = false;
    registry.register(() => [cmd('a', 'A')]);
    const unregister = registry.register(() => (selected ? [cmd('b', 'B')] : []));
    expect(registry.all.map((c) => c.id)).toEqual(['a']);
    selected = true;
    expect(registry.all.map((c) => c.id)).toEqual(['a', 'b']);
    unregister();
    expect(registry.all.map((c) => c.id)).toEqual(['a']);
  });
});
