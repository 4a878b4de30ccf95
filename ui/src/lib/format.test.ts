import { describe, expect, it } from 'vitest';
import { relativeTime, relativeTimeLong, relativeTimeSpoken, sentimentTone } from './format';

describe('format', () => {
  const now = Date.UTC(2025, 4, 20, 12, 0, 0);

  it('formats short relative times', () => {
    expect(relativeTime(now - 10_000, now)).toBe('now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5m');
    expect(relativeTime(now - 3 * 3_600_000, now)).toBe('3h');
    expect(relativeTime(now - 2 * 86_400_000, now)).toBe('2d');
    expect(relativeTimeLong(now - 60_000, now)).toBe('1 minute ago');
    expect(relativeTimeLong(now - 2 * 3_600_000, now)).toBe('2 hours ago');
    expect(relativeTimeSpoken(now - 3 * 3_600_000, now)).toBe('3h (3 hours ago)');
    expect(relativeTimeSpoken(now - 10_000, now)).toBe('now (just now)');
  });

  it('buckets sentiment', () => {
    expect(sentimentTone(null)).toBeNull();
    expect(sentimentTone(-0.8)).toBe('negative');
    expect(sentimentTone(0.1)).toBe('neutral');
    expect(sentimentTone(0.9)).toBe('positive');
  });
});
