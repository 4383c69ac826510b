import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, parseRateLimits, RateLimiter } from '../../../src/packager-service/rate-limit.js';
import { parseRange } from '../../../src/packager-service/range.js';

describe('rate limits', () => {
  it('allows a burst, then answers with the seconds until the next token', () => {
    let t = 0;
    const l = new RateLimiter({ ...DEFAULT_RATE_LIMITS, create: { count: 3, windowMs: 60_000 } }, () => t);
    expect([l.take('create', 'a'), l.take('create', 'a'), l.take('create', 'a')]).toEqual([undefined, undefined, undefined]);
    expect(l.take('create', 'a')).toBe(20);
    expect(l.take('create', 'b')).toBeUndefined();
    t += 20_000;
    expect(l.take('create', 'a')).toBeUndefined();
    expect(l.take('create', 'a')).toBe(20);
  });

  it('forgets refilled buckets', () => {
    let t = 0;
    const l = new RateLimiter(DEFAULT_RATE_LIMITS, () => t);
    l.take('status', 'x');
    l.take('download', 'y');
    expect(l.size).toBe(2);
    t += 60_000;
    l.sweep();
    expect(l.size).toBe(0);
  });

  it('parses --rate-limit and rejects nonsense', () => {
    expect(parseRateLimits('create=5/10s,status=off')).toEqual({
      create: { count: 5, windowMs: 10_000 },
      status: undefined,
      download: DEFAULT_RATE_LIMITS.download,
    });
    expect(() => parseRateLimits('create=5')).toThrow(/route=count\/window/);
    expect(() => parseRateLimits('upload=5/1m')).toThrow();
    expect(() => parseRateLimits('create=0/1m')).toThrow(/positive/);
  });
});

describe('Range header', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-9', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=90-', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-10', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-1000', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=50-5000', { kind: 'partial', start: 50, end: 99 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=9-3', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
  ])('%s', (h, expected) => {
    expect(parseRange(h, 100)).toEqual(expected);
  });
});
