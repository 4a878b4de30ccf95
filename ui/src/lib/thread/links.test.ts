import { describe, expect, it } from 'vitest';
import { externalUrl } from './links';

describe('externalUrl', () => {
  it('accepts http, https and mailto only', () => {
    expect(externalUrl('https://example.org/a?b=1')).toBe('https://example.org/a?b=1');
    expect(externalUrl('http://example.org')).toBe('http://example.org/');
    expect(externalUrl('mailto:me@example.org')).toBe('mailto:me@example.org');
    expect(externalUrl('javascript:alert(1)')).toBeNull();
    expect(externalUrl('/relative/path')).toBeNull();
    expect(externalUrl('file:///etc/passwd')).toBeNull();
    expect(externalUrl('')).toBeNull();
    expect(externalUrl(null)).toBeNull();
  });
});
