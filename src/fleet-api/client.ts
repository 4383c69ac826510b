/**
 * A small client for the Fleet REST API over undici. It knows Fleet's conventions: paths under
 * `/api/latest/fleet`, the context's url-prefix replacing the address's path, `Authorization:
 * Bearer`, custom headers from the context (explicit headers win), a private CA (`rootca`) or no
 * verification (`tls-skip-verify`), Fleet's error JSON, and retries for idempotent calls.
 */
import { readFile } from 'node:fs/promises';
import { Agent, FormData, request, type Dispatcher } from 'undici';
import { ApiError, errnoCode, UserError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import { decodeError, fleetApiError } from './errors.js';
import { backoffDelay, DEFAULT_RETRY, isIdempotent, isRetryableStatus, type RetryPolicy } from './retry.js';

export const API_BASE = '/api/latest/fleet';

export interface FleetClientOptions {
  readonly address: string;
  readonly token?: string;
  readonly urlPrefix?: string;
  /** Path of a PEM CA bundle trusted instead of the system roots. */
  readonly rootca?: string;
  readonly tlsSkipVerify?: boolean;
  readonly customHeaders?: Readonly<Record<string, string>> | null;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  /** Receives one line per request (method, URL without query secrets, status, time). */
  readonly debug?: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type Query = Readonly<Record<string, string | number | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly json?: unknown;
  readonly form?: FormData;
  /** Send the bearer token (default true). */
  readonly auth?: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly text: string;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** A connection-level failure: nothing useful came back, so an idempotent call may be retried. */
class TransportError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export class FleetClient {
  private constructor(
    private readonly opts: FleetClientOptions,
    private readonly dispatcher: Agent,
    private readonly origin: URL,
  ) {}

  static async create(opts: FleetClientOptions): Promise<FleetClient> {
    let origin: URL;
    try {
      origin = new URL(opts.address);
    } catch {
      throw new UserError('E_ADDRESS', `invalid Fleet address ${JSON.stringify(opts.address)}`, {
        hint: 'set it with: fleetctl config set --address https://fleet.example.com',
      });
    }
    let ca: string | undefined;
    if (opts.rootca !== undefined && opts.rootca !== '') {
      try {
        ca = await readFile(opts.rootca, 'utf8');
      } catch (e) {
        throw new UserError('E_ROOTCA', `read rootca ${opts.rootca}: ${errnoCode(e) ?? String(e)}`, {
          hint: 'fix the path with: fleetctl config set --rootca <file>',
        });
      }
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
        throw new UserError('E_ROOTCA', `rootca ${opts.rootca} holds no PEM certificate`);
      }
    }
    registerSecret(opts.token);
    const timeout = opts.timeoutMs ?? 60_000;
    const agent = new Agent({
      connect: { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: opts.tlsSkipVerify !== true },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    return new FleetClient(opts, agent, origin);
  }

  get hasToken(): boolean {
    return this.opts.token !== undefined && this.opts.token !== '';
  }

  /** The URL Go fleetctl builds: the address with its path replaced by url-prefix + path. */
  url(path: string, query?: Query): URL {
    const u = new URL(this.origin.href);
    const prefix = (this.opts.urlPrefix ?? '').replace(/\/+$/, '');
    u.pathname = `${prefix}${API_BASE}${path}`.replace(/\/{2,}/g, '/');
    u.search = '';
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== '') {
        u.searchParams.set(k, String(v));
      }
    }
    return u;
  }

  private headers(opts: RequestOptions): Record<string, string> {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.opts.customHeaders ?? {})) {
      h[k.toLowerCase()] = v;
    }
    h['accept'] = 'application/json';
    if (opts.json !== undefined) {
      h['content-type'] = 'application/json';
    }
    if (opts.auth !== false && this.hasToken) {
      h['authorization'] = `Bearer ${this.opts.token ?? ''}`;
    }
    return h;
  }

  private async once(method: string, url: URL, opts: RequestOptions): Promise<RawResponse> {
    const started = Date.now();
    let body: string | FormData | undefined;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
    } else if (opts.form !== undefined) {
      body = opts.form;
    }
    try {
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers: this.headers(opts),
        ...(body === undefined ? {} : { body }),
        dispatcher: this.dispatcher,
      });
      const text = await res.body.text();
      this.opts.debug?.(`${method} ${url.pathname} → ${res.statusCode} (${Date.now() - started} ms)`);
      return { status: res.statusCode, text };
    } catch (e) {
      const code = errnoCode(e) ?? errnoCode(e instanceof Error ? e.cause : undefined);
      const msg = e instanceof Error ? e.message : String(e);
      this.opts.debug?.(`${method} ${url.pathname} → ${code ?? 'error'}: ${msg}`);
      throw new TransportError(code, msg);
    }
  }

  private transportApiError(method: string, path: string, e: TransportError): ApiError {
    const where = this.origin.origin;
    if (e.code !== undefined && TLS_CODES.has(e.code)) {
      return new ApiError('E_TLS', `${method} ${API_BASE}${path}: TLS certificate verification failed for ${where}: ${e.code}`, {
        hint: 'trust the server CA with `fleetctl config set --rootca ca.pem`, or (testing only) `--tls-skip-verify`',
      });
    }
    return new ApiError(
      'E_UNREACHABLE',
      `${method} ${API_BASE}${path}: could not reach the Fleet server at ${where}: ${e.code ?? e.message}`,
      {
        hint: 'check the server is running and the address with: fleetctl config get address',
      },
    );
  }

  /** Sends a request (with retries when idempotent) and returns status and body text. */
  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const policy = this.opts.retry ?? DEFAULT_RETRY;
    const attempts = isIdempotent(method) ? Math.max(1, policy.attempts) : 1;
    const sleep = this.opts.sleep ?? defaultSleep;
    const url = this.url(path, opts.query);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.once(method, url, opts);
        if (attempt < attempts && isRetryableStatus(res.status)) {
          await sleep(backoffDelay(policy, attempt + 1));
          continue;
        }
        return res;
      } catch (e) {
        if (!(e instanceof TransportError)) {
          throw e;
        }
        if (attempt >= attempts) {
          throw this.transportApiError(method, path, e);
        }
        await sleep(backoffDelay(policy, attempt + 1));
      }
    }
  }

  /** Sends a request and decodes a 2xx JSON answer; anything else becomes Fleet's error text. */
  async json(method: string, path: string, opts: RequestOptions = {}): Promise<unknown> {
    const res = await this.raw(method, path, opts);
    const fullPath = `${API_BASE}${path}`;
    if (res.status < 200 || res.status > 299) {
      throw fleetApiError(method, fullPath, res.status, res.text);
    }
    if (res.status === 204 || res.text.trim() === '') {
      return {};
    }
    try {
      return JSON.parse(res.text) as unknown;
    } catch (e) {
      throw decodeError(method, fullPath, e, res.text);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

export { FormData };
