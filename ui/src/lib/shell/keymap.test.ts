import { afterEach, describe, expect, it, vi } from 'vitest';
import { Keymap } from './keymap';
import { isTypingTarget, keyCaps, keyOf, keysLabel, SHORTCUTS } from './shortcuts';

function press(keymap: Keymap, key: string, init: KeyboardEventInit = {}, target?: HTMLElement): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, cancelable: true, bubbles: true, ...init });
  if (target) Object.defineProperty(event, 'target', { value: target });
  keymap.handle(event);
  return event;
}

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('shortcut registry', () => {
  it('has unique ids and no key sequence bound twice in one scope', () => {
    expect(new Set(SHORTCUTS.map((s) => s.id)).size).toBe(SHORTCUTS.length);
    const seen = new Set<string>();
    for (const s of SHORTCUTS.filter((s) => s.scope !== 'local')) {
      for (const keys of s.keys) {
        const key = keys.join(' ');
        expect(seen.has(key), `${key} bound twice`).toBe(false);
        seen.add(key);
      }
    }
  });

  it('never lets a chord prefix also be a shortcut of its own', () => {
    const dispatched = SHORTCUTS.filter((s) => s.scope !== 'local').flatMap((s) => s.keys);
    const prefixes = new Set(dispatched.filter((k) => k.length > 1).map((k) => k[0]));
    for (const keys of dispatched) {
      if (keys.length === 1) expect(prefixes.has(keys[0])).toBe(false);
    }
  });

  it('names keys for people', () => {
    expect(keysLabel(['g', 'i'])).toBe('g then i');
    expect(keyCaps('Escape')).toEqual(['Esc']);
    expect(keyCaps('mod+k')[1]).toBe('K');
    expect(keyOf(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true }))).toBe('mod+k');
    expect(keyOf(new KeyboardEvent('keydown', { key: 'k', metaKey: true }))).toBe('mod+k');
    expect(keyOf(new KeyboardEvent('keydown', { key: 'k', altKey: true }))).toBeNull();
    expect(keyOf(new KeyboardEvent('keydown', { key: 'Shift' }))).toBeNull();
  });

  it('knows when the user is typing', () => {
    document.body.innerHTML =
      '<input id="i"><textarea id="t"></textarea><select id="s"></select><div id="e" contenteditable="true"><b id="b">x</b></div><button id="btn"></button>';
    for (const id of ['i', 't', 's', 'e', 'b']) expect(isTypingTarget(document.getElementById(id))).toBe(true);
    expect(isTypingTarget(document.getElementById('btn'))).toBe(false);
    expect(isTypingTarget(document.body)).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe('Keymap', () => {
  it('runs single keys and chords, and prevents their default', () => {
    const keymap = new Keymap();
    const ran: string[] = [];
    keymap.bindAll({ 'inbox.next': () => void ran.push('next'), 'go.reports': () => void ran.push('reports') });
    expect(press(keymap, 'j').defaultPrevented).toBe(true);
    expect(press(keymap, 'g').defaultPrevented).toBe(true);
    press(keymap, 'r');
    expect(ran).toEqual(['next', 'reports']);
  });

  it('forgets a chord after the timeout', () => {
    vi.useFakeTimers();
    const keymap = new Keymap({ chordTimeoutMs: 1000 });
    const reports = vi.fn();
    keymap.bind('go.reports', reports);
    press(keymap, 'g');
    vi.advanceTimersByTime(1001);
    press(keymap, 'r');
    expect(reports).not.toHaveBeenCalled();
  });

  it('ignores keys typed into fields, and while blocked', () => {
    let blocked = false;
    const keymap = new Keymap({ blocked: () => blocked });
    const next = vi.fn();
    keymap.bind('inbox.next', next);
    const input = document.createElement('input');
    document.body.append(input);
    expect(press(keymap, 'j', {}, input).defaultPrevented).toBe(false);
    blocked = true;
    press(keymap, 'j');
    expect(next).not.toHaveBeenCalled();
  });

  it('lets a handler decline, keeping the default', () => {
    const keymap = new Keymap();
    keymap.bind('inbox.open', () => false);
    expect(press(keymap, 'Enter').defaultPrevented).toBe(false);
    expect(press(keymap, 'q').defaultPrevented).toBe(false);
  });

  it('uses the latest binding, and the previous one after unbinding', () => {
    const keymap = new Keymap();
    const calls: string[] = [];
    keymap.bind('escape', () => void calls.push('outer'));
    const unbind = keymap.bind('escape', () => void calls.push('inner'));
    press(keymap, 'Escape');
    unbind();
    press(keymap, 'Escape');
    expect(calls).toEqual(['inner', 'outer']);
    expect(keymap.run('escape')).toBe(true);
    expect(keymap.run('go.inbox')).toBe(false);
  });

  it('skips events something else already handled', () => {
    const keymap = new Keymap();
    const next = vi.fn();
    keymap.bind('inbox.next', next);
    const event = new KeyboardEvent('keydown', { key: 'j', cancelable: true });
    event.preventDefault();
    keymap.handle(event);
    expect(next).not.toHaveBeenCalled();
  });
});
