/**
 * Client of Apple's Notary API (developer.apple.com/documentation/notaryapi), base
 * https://appstoreconnect.apple.com/notary/v2:
 *   POST /submissions            {submissionName, sha256} → id + temporary S3 credentials, bucket, object
 *   GET  /submissions/{id}       → attributes.status: "In Progress" | "Accepted" | "Invalid" | "Rejected"
 *   GET  /submissions/{id}/logs  → attributes.developerLogUrl (short-lived, fetched without auth)
 * Every call sends a fresh-enough ES256 bearer token and is retried on network errors, 5xx and 429.
 */
import { ApiError } from '../../core/errors.js';
import { DEFAULT_RETRY, describeError, isTransientStatus, TransientError, withRetry, type RetryPolicy } from '../retry.js';

export const NOTARY_API_URL = 'https://appstoreconnect.apple.com/notary/v2';

export type SubmissionStatus = 'In Progress' | 'Accepted' | 'Invalid' | 'Rejected';

export interface NewSubmission {
  readonly id: string;
  readonly awsAccessKeyId: string;
  readonly awsSecretAccessKey: string;
  readonly awsSessionToken: string;
  readonly bucket: string;
  readonly object: string;
  /**
   * Not part of Apple's response: an S3 endpoint a test double may return so uploads go to a local
   * S3 server. Apple's uploads go to AWS S3 (us-west-2).
   */
  readonly endpoint?: string;
}

export interface NotaryLogIssue {
  readonly severity?: string;
  readonly code?: number | string | null;
  readonly path?: string;
  readonly message?: string;
  readonly docUrl?: string | null;
  readonly architecture?: string;
}

export interface NotaryLog {
  readonly status?: string;
  readonly statusSummary?: string;
  readonly issues?: readonly NotaryLogIssue[] | null;
  readonly [k: string]: unknown;
}

export interface NotaryClientOptions {
  readonly baseUrl?: string;
  readonly token: () => string;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly userAgent?: string;
  readonly onRetry?: (message: string) => void;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

export class NotaryClient {
  private readonly base: string;

  constructor(private readonly o: NotaryClientOptions) {
    this.base = (o.baseUrl ?? NOTARY_API_URL).replace(/\/+$/, '');
  }

  async submit(submissionName: string, sha256: string): Promise<NewSubmission> {
    const body = await this.call('POST', '/submissions', { submissionName, sha256, notifications: [] });
    const data = obj(obj(body)['data']);
    const a = obj(data['attributes']);
    const id = str(data['id']);
    const fields = ['awsAccessKeyId', 'awsSecretAccessKey', 'awsSessionToken', 'bucket', 'object'] as const;
    if (id === undefined || fields.some((f) => str(a[f]) === undefined)) {
      throw new ApiError('E_NOTARY_RESPONSE', 'the Notary API answered the submission without an id or upload location');
    }
    const endpoint = str(a['endpoint']);
    return {
      id,
      awsAccessKeyId: a['awsAccessKeyId'] as string,
      awsSecretAccessKey: a['awsSecretAccessKey'] as string,
      awsSessionToken: a['awsSessionToken'] as string,
      bucket: a['bucket'] as string,
      object: a['object'] as string,
      ...(endpoint !== undefined ? { endpoint } : {}),
    };
  }

  async status(id: string): Promise<{ status: string; name?: string }> {
    const body = await this.call('GET', `/submissions/${encodeURIComponent(id)}`);
    const a = obj(obj(obj(body)['data'])['attributes']);
    const status = str(a['status']);
    if (status === undefined) {
      throw new ApiError('E_NOTARY_RESPONSE', `the Notary API returned no status for submission ${id}`);
    }
    const name = str(a['name']);
    return { status, ...(name !== undefined ? { name } : {}) };
  }

  /** Fetches the developer log (JSON) of a finished submission. */
  async log(id: string): Promise<NotaryLog> {
    const body = await this.call('GET', `/submissions/${encodeURIComponent(id)}/logs`);
    const url = str(obj(obj(obj(body)['data'])['attributes'])['developerLogUrl']);
    if (url === undefined) {
      throw new ApiError('E_NOTARY_RESPONSE', `the Notary API returned no log URL for submission ${id}`);
    }
    // The log URL is pre-signed: no Authorization header.
    const text = await this.fetchText('GET', url, undefined, false);
    try {
      return JSON.parse(text) as NotaryLog;
    } catch {
      return { statusSummary: text.slice(0, 2000) };
    }
  }

  private async call(method: string, path: string, json?: unknown): Promise<unknown> {
    const text = await this.fetchText(method, `${this.base}${path}`, json, true);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError('E_NOTARY_RESPONSE', `the Notary API answered ${method} ${path} with something that is not JSON`);
    }
  }

  private async fetchText(method: string, url: string, json: unknown, auth: boolean): Promise<string> {
    const doFetch = this.o.fetch ?? fetch;
    const what = auth ? `${method} ${new URL(url).pathname}` : 'the notarization log';
    try {
      return await withRetry(
        async () => {
          const res = await doFetch(url, {
            method,
            headers: {
              accept: 'application/json',
              ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
              ...(auth ? { authorization: `Bearer ${this.o.token()}` } : {}),
              'user-agent': this.o.userAgent ?? 'fleetctl-ts',
            },
            ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
            signal: AbortSignal.timeout(this.o.timeoutMs ?? 60_000),
          });
          const text = await res.text();
          if (isTransientStatus(res.status)) {
            throw new TransientError(`HTTP ${res.status}`, res.status);
          }
          if (!res.ok) {
            throw new ApiError('E_NOTARY_HTTP', `Notary API ${what} failed: HTTP ${res.status}${apiErrorDetail(text)}`, {
              status: res.status,
              ...(res.status === 401 || res.status === 403
                ? { hint: 'check the App Store Connect API key id, issuer id and key content, and that the key has access to notarization' }
                : {}),
            });
          }
          return text;
        },
        this.o.retry ?? DEFAULT_RETRY,
        (e, n) => this.o.onRetry?.(`${what}: ${describeError(e)}, retrying (attempt ${n + 1})`),
      );
    } catch (e) {
      if (e instanceof ApiError) {
        throw e;
      }
      throw new ApiError('E_NOTARY_UNAVAILABLE', `Notary API ${what} failed after retries: ${describeError(e)}`, {
        ...(e instanceof TransientError && e.status !== undefined ? { status: e.status } : {}),
        hint: "Apple's notary service may be unavailable; try again later",
      });
    }
  }
}

/** Apple errors look like {"errors":[{"status","code","title","detail"}]}. */
function apiErrorDetail(text: string): string {
  try {
    const errors = obj(JSON.parse(text) as unknown)['errors'];
    if (Array.isArray(errors) && errors.length > 0) {
      const e = obj(errors[0]);
      const parts = [str(e['title']), str(e['detail'])].filter((s) => s !== undefined);
      return parts.length > 0 ? `: ${parts.join(' — ')}` : '';
    }
  } catch {
    // not JSON: no detail
  }
  return '';
}
