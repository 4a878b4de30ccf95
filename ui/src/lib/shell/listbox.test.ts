import { describe, expect, it } from 'vitest';
import { listboxTarget } from './listbox';

const key = (k: string, mods: Partial<KeyboardEventInit> = {}) => new KeyboardEvent('keydown', { key: k, ...mods });

describe('listboxTarget', () => {
  it('moves, jumps and clamps to the list', () => {
    expect(listboxTarget(key('ArrowDown'), 0, 3)).toBe(1);
    expect(listboxTarget(key('ArrowDown'), 2, 3)).toBe(2);
    expect(listboxTarget(key('ArrowUp'), 0, 3)).toBe(0);
    expect(listboxTarget(key('ArrowUp'), -1, 3)).toBe(0);
    expect(listboxTarget(key('Home'), 2, 3)).toBe(0);
    expect(listboxTarget(key('End'), 0, 3)).toBe(2);
  });

  it('leaves other keys, modified keys and empty lists alone', () => {
    expect(listboxTarget(key('Enter'), 0, 3)).toBeNull();
    expect(listboxTarget(key('ArrowDown', { ctrlKey: true }), 0, 3)).toBeNull();
    expect(listboxTarget(key('End'), 0, 0)).toBeNull();
  });
});
