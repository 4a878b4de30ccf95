import { describe, expect, it } from 'vitest';
import { MARK_END, MARK_START, splitMarks } from './highlight';
import { MARK_END as CORE_END, MARK_START as CORE_START } from '../backend/memory';

describe('splitMarks', () => {
  it('splits a snippet into plain and marked text', () => {
    expect(splitMarks(`…was ${MARK_START}charged${MARK_END} ${MARK_START}twice${MARK_END}!`)).toEqual([
      { text: '…was ', mark: false },
      { text: 'charged', mark: true },
      { text: ' ', mark: false },
      { text: 'twice', mark: true },
      { text: '!', mark: false },
    ]);
  });

  it('keeps text without marks whole, and never interprets HTML', () => {
    expect(splitMarks('<img src=x onerror=alert(1)>')).toEqual([
      { text: '<img src=x onerror=alert(1)>', mark: false },
    ]);
    expect(splitMarks('')).toEqual([]);
  });

  it('survives unbalanced marks', () => {
    expect(splitMarks(`a${MARK_START}b`)).toEqual([
      { text: 'a', mark: false },
      { text: 'b', mark: true },
    ]);
    expect(splitMarks(`a${MARK_END}b`)).toEqual([
      { text: 'a', mark: false },
      { text: 'b', mark: false },
    ]);
  });

  it('uses the same characters as the core', () => {
    expect([MARK_START, MARK_END]).toEqual([CORE_START, CORE_END]);
    expect(MARK_START.codePointAt(0)).toBe(0xe000);
  });
});
