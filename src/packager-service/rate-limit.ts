/**
 * Token-bucket rate limits: `create` per client IP, `status` and `download` per package id (as the
 * API specifies). A bucket holds `count` tokens (the burst) and refills at count/window; a request
 * without a token gets 429 with Retry-After = seconds until the next token. Buckets that are full
 * again are dropped, so memory tracks only recently active keys.
 *
 * Spec syntax (`--rate-limit`): comma-separated `route=count/window`, window a Go duration, e.g.
 * `create=30/1m,status=120/1m,download=20/1m`; `route=off` disables one route's limit.
 */
import { parseGoDuration } from '../core/duration.js';
import { UsageError } from '../core/errors.js';

export type LimitedRoute = 'create' | 'status' | 'download';
export interface Limit {
  readonly count: number;
  readonly windowMs: number;
}
export type RateLimits = Readonly<Record<LimitedRoute, Limit | undefined>>;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  create: { count: 30, windowMs: 60_000 },
  status: { count: 120, windowMs: 60_000 },
  download: { count: 20, windowMs: 60_000 },
};

export function parseRateLimits(spec: string | undefined): RateLimits {
  const out: Record<LimitedRoute, Limit | undefined> = { ...DEFAULT_RATE_LIMITS };
  if (spec === undefined || spec.trim() === '') {
    return out;
  }
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const m = /^(create|status|download)=(?:(off)|(\d+)\/(.+))$/.exec(part);
    if (m === null) {
      throw new UsageError('E_USAGE', `--rate-limit "${part}" is not route=count/window or route=off`, {
        hint: 'e.g. --rate-limit create=30/1m,status=120/1m,download=20/1m',
      });
    }
    const route = m[1] as LimitedRoute;
    if (m[2] === 'off') {
      out[route] = undefined;
      continue;
    }
    const count = Number(m[3]);
    const windowMs = parseGoDuration(m[4] ?? '');
    if (count <= 0 || windowMs === undefined || windowMs <= 0) {
      throw new UsageError('E_USAGE', `--rate-limit "${part}" needs a positive count and window`);
    }
    out[route] = { count, windowMs };
  }
  return out;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token: undefined when allowed, else the seconds to wait (Retry-After). */
  take(route: LimitedRoute, key: string): number | undefined {
    const limit = this.limits[route];
    if (limit === undefined) {
      return undefined;
    }
    const t = this.now();
    const rate = limit.count / limit.windowMs;
    const id = `${route}\0${key}`;
    const b = this.buckets.get(id) ?? { tokens: limit.count, at: t };
    b.tokens = Math.min(limit.count, b.tokens + (t - b.at) * rate);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.buckets.set(id, b);
      return undefined;
    }
    this.buckets.set(id, b);
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }

  /** Drops buckets that have refilled completely (they behave exactly like absent ones). */
  sweep(): void {
    const t = this.now();
    for (const [id, b] of this.buckets) {
      const route = id.slice(0, id.indexOf('\0')) as LimitedRoute;
      const limit = this.limits[route];
      if (limit === undefined || b.tokens + (t - b.at) * (limit.count / limit.windowMs) >= limit.count) {
        this.buckets.delete(id);
      }
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
