import { describe, expect, it } from 'vitest';
import { change, dayInput, duration, parseDay, percent, periodRange } from './period';

const DAY = 86_400_000;

describe('report periods', () => {
  it('ends the last N days with today, at local midnights', () => {
    const now = new Date(2026, 10, 22, 15, 30).getTime();
    const r = periodRange('7', now, { from: '', to: '' })!;
    expect(r.to).toBe(new Date(2026, 10, 23).getTime());
    expect(r.to - r.from).toBe(7 * DAY);
  });

  it('includes both custom days, and refuses a period that ends before it starts', () => {
    const r = periodRange('custom', 0, { from: '2026-11-02', to: '2026-11-08' })!;
    expect(r.from).toBe(new Date(2026, 10, 2).getTime());
    expect(r.to).toBe(new Date(2026, 10, 9).getTime());
    expect(periodRange('custom', 0, { from: '2026-11-08', to: '2026-11-02' })).toBeNull();
    expect(periodRange('custom', 0, { from: 'soon', to: '2026-11-02' })).toBeNull();
    expect(dayInput(parseDay('2026-02-28')!)).toBe('2026-02-28');
  });
});

describe('report figures', () => {
  it('writes durations and rates as people read them', () => {
    expect(duration(null)).toBe('—');
    expect(duration(42_000)).toBe('42 s');
    expect(duration(12 * 60_000)).toBe('12 min');
    expect(duration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 5 min');
    expect(duration(52 * 3_600_000)).toBe('2 d 4 h');
    expect(percent(0.5)).toBe('50%');
    expect(percent(null)).toBe('—');
  });

  it('says whether a change is good news', () => {
    expect(change(12, 10)).toEqual({ text: '▲ 20%', tone: 'better' });
    expect(change(12, 10, true)).toEqual({ text: '▲ 20%', tone: 'worse' });
    expect(change(5, 0)).toEqual({ text: 'up from 0', tone: 'better' });
    expect(change(3, 3)).toEqual({ text: 'no change', tone: 'same' });
    expect(change(null, 3)).toBeNull();
  });
});
