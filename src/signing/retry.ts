/**
 * Retries for the network steps of signing and notarization (timestamp server, Notary API,
 * S3 upload, ticket lookup): a few attempts with exponential backoff on transient failures only
 * (network errors, timeouts, HTTP 5xx and 429). Anything else fails at once.
 */

export interface RetryPolicy {
  readonly attempts: number;
  /** Delay before the second attempt; doubles each time. */
  readonly baseDelayMs: number;
  readonly maxDelayMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 15_000 };

/** Thrown by an attempt to say "this may succeed if tried again". */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TransientError';
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export const isTransientStatus = (status: number): boolean => status >= 500 || status === 429 || status === 408;

/** Runs `attempt` until it succeeds, throws a non-transient error, or the attempts run out. */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (e: Error, n: number) => void,
): Promise<T> {
  let last: Error = new Error('no attempt made');
  for (let n = 1; n <= policy.attempts; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (!isRetryable(e)) {
        throw e;
      }
      last = e as Error;
      if (n < policy.attempts) {
        onRetry?.(last, n);
        await sleep(Math.min(policy.baseDelayMs * 2 ** (n - 1), policy.maxDelayMs ?? Number.POSITIVE_INFINITY));
      }
    }
  }
  throw last;
}

/** fetch() failures (DNS, refused, reset, timeout) surface as TypeError / AbortError / TimeoutError. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof TransientError) {
    return true;
  }
  if (e instanceof Error) {
    return (
      e.name === 'TypeError' ||
      e.name === 'AbortError' ||
      e.name === 'TimeoutError' ||
      /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up/i.test(`${e.message} ${String(e.cause ?? '')}`)
    );
  }
  return false;
}

export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? e.cause.message : undefined;
    return cause !== undefined && !e.message.includes(cause) ? `${e.message} (${cause})` : e.message;
  }
  return String(e);
}
