/**
 * Retry policy for Fleet API calls: only idempotent methods are retried (a POST that reached the
 * server may have taken effect), only on 5xx answers and connection failures, with exponential
 * backoff plus jitter so a restarting server is not hammered in lockstep by many clients.
 */
export interface RetryPolicy {
  /** Total attempts including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 3000 };

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

export function isRetryableStatus(status: number): boolean {
  return status >= 500 && status !== 501;
}

/** Delay before attempt `n` (n ≥ 2): base·2^(n-2), capped, with ±25 % jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 2));
  return Math.round(exp * (0.75 + random() * 0.5));
}
