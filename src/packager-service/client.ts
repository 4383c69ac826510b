/**
 * Client of the Packager service (used by `fleetctl package --remote`): create → poll status →
 * download, with the service's own rules applied on this side: 429s wait for Retry-After, a create
 * is safely repeated after a transport error (the server dedups identical requests), and a
 * download that breaks off resumes with Range/If-Range instead of starting over. The downloaded
 * bytes are checked against Content-Length and, when the server sends it, Repr-Digest (SHA-256).
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { request } from 'undici';
import { ApiError, UserError } from '../core/errors.js';
import { isHttpUrl, parseUrl } from '../core/url.js';

export interface RemoteStatus {
  readonly status: 'success' | 'fail' | 'in-progress' | 'expired';
  readonly stage?: string;
  readonly download_url?: string;
  readonly logs?: readonly string[];
}

export interface DownloadResult {
  readonly size: number;
  /** File name from Content-Disposition, when it is a plain, safe name. */
  readonly fileName: string | undefined;
}

export interface ClientOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  /** Attempts for one call when the server is unreachable, answers 5xx or 429 (default 6). */
  readonly attempts?: number;
}

type Headers = Record<string, string | string[] | undefined>;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const header = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Fleet-style error body → "reason (field)" text. */
function errorText(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; errors?: Array<{ name?: unknown; reason?: unknown }> };
    const e = j.errors?.[0];
    if (e !== undefined && typeof e.reason === 'string') {
      return typeof e.name === 'string' && e.name !== 'base' ? `${e.reason} (field ${e.name})` : e.reason;
    }
    if (typeof j.message === 'string') {
      return j.message;
    }
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200) || 'no details';
}

/** `attachment; filename="x.deb"` → x.deb, only if it is a plain file name. */
export function dispositionName(value: string | undefined): string | undefined {
  const m = value === undefined ? null : /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(value);
  const name = m?.[1] ?? m?.[2];
  return name !== undefined && /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name) ? name : undefined;
}

export class PackagerClient {
  private readonly base: URL;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly attempts: number;

  constructor(baseUrl: string, o: ClientOptions = {}) {
    const u = parseUrl(baseUrl);
    if (u === undefined) {
      throw new UserError('E_REMOTE', `--remote "${baseUrl}" is not a URL`, { hint: 'e.g. --remote https://packager.example.com' });
    }
    if (!isHttpUrl(u)) {
      throw new UserError('E_REMOTE', `--remote must be an http(s) URL, got ${u.protocol}`);
    }
    this.base = new URL(u.href.endsWith('/') ? u.href : `${u.href}/`);
    this.sleep = o.sleep ?? defaultSleep;
    this.attempts = o.attempts ?? 6;
  }

  get origin(): string {
    return this.base.origin;
  }

  /** One JSON call with retries on transport errors, 5xx and 429 (the calls are idempotent). */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const url = new URL(path, this.base);
    let lastError = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let status: number;
      let text: string;
      let headers: Headers;
      try {
        const r = await request(url, {
          method,
          headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        status = r.statusCode;
        headers = r.headers;
        text = await r.body.text();
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        await this.sleep(Math.min(8_000, 250 * 2 ** attempt));
        continue;
      }
      if (status === 429) {
        const wait = Number(header(headers, 'retry-after') ?? '1');
        lastError = 'rate limited';
        await this.sleep(Math.min(60, Number.isFinite(wait) && wait > 0 ? wait : 1) * 1000);
        continue;
      }
      if (status >= 500) {
        lastError = `HTTP ${status}: ${errorText(text)}`;
        await this.sleep(Math.min(8_000, 250 * 2 ** attempt));
        continue;
      }
      return { status, text };
    }
    throw new ApiError('E_REMOTE', `the packager service at ${this.origin} did not answer ${method} ${url.pathname}: ${lastError}`, {
      hint: 'check --remote and that the service is running',
    });
  }

  async create(body: Record<string, unknown>): Promise<string> {
    const r = await this.call('POST', 'create', body);
    if (r.status !== 200) {
      throw new ApiError('E_REMOTE', `the packager service refused the request: ${errorText(r.text)}`, { status: r.status });
    }
    const id = (JSON.parse(r.text) as { package_id?: unknown }).package_id;
    if (typeof id !== 'string') {
      throw new ApiError('E_REMOTE', 'the packager service answered /create without a package_id');
    }
    return id;
  }

  async status(id: string): Promise<RemoteStatus> {
    const r = await this.call('GET', `status?package_id=${encodeURIComponent(id)}`);
    if (r.status !== 200) {
      throw new ApiError('E_REMOTE', `status of package ${id} failed: ${errorText(r.text)}`, { status: r.status });
    }
    return JSON.parse(r.text) as RemoteStatus;
  }

  /**
   * Downloads the package. `openDest` is called once, with the server's file name, before the first
   * byte is written; it returns where the bytes go. Breaks resume from the bytes already written
   * (Range + If-Range, so a changed package restarts from zero instead of mixing two files).
   */
  async download(
    url: string,
    openDest: (fileName: string | undefined) => Promise<FileHandle>,
    onProgress: (done: number, total: number) => void,
  ): Promise<DownloadResult> {
    const target = new URL(url, this.base);
    let fh: FileHandle | undefined;
    let hash = createHash('sha256');
    let written = 0;
    let total = -1;
    let etag: string | undefined;
    let digest: string | undefined;
    let fileName: string | undefined;
    let lastError = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const r = await request(target, {
          method: 'GET',
          headers: written > 0 && etag !== undefined ? { range: `bytes=${written}-`, 'if-range': etag } : {},
          headersTimeout: 30_000,
          bodyTimeout: 60_000,
        });
        if (r.statusCode === 429) {
          await r.body.dump();
          const wait = Number(header(r.headers, 'retry-after') ?? '1');
          await this.sleep(Math.min(60, wait > 0 ? wait : 1) * 1000);
          continue;
        }
        if (r.statusCode !== 200 && r.statusCode !== 206) {
          const text = await r.body.text();
          throw new ApiError('E_REMOTE', `download failed: HTTP ${r.statusCode}: ${errorText(text)}`, { status: r.statusCode });
        }
        if (r.statusCode === 200) {
          if (written > 0) {
            // The whole file again (the package changed, or the server ignored Range): start over.
            written = 0;
            hash = createHash('sha256');
            await fh?.truncate(0);
          }
          total = Number(header(r.headers, 'content-length') ?? 'NaN');
          etag = header(r.headers, 'etag');
          digest = /sha-256=:([^:]+):/.exec(header(r.headers, 'repr-digest') ?? '')?.[1];
          fileName = dispositionName(header(r.headers, 'content-disposition'));
          fh ??= await openDest(fileName);
        } else {
          const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header(r.headers, 'content-range') ?? '');
          if (cr === null || Number(cr[1]) !== written || Number(cr[3]) !== total || fh === undefined) {
            throw new ApiError('E_REMOTE', 'download resume failed: the server sent a different range');
          }
        }
        const out = fh;
        for await (const c of r.body) {
          const b = c as Buffer;
          await out.write(b, 0, b.length, written);
          hash.update(b);
          written += b.length;
          onProgress(written, total);
        }
        if (written !== total) {
          lastError = `connection closed after ${written} of ${total} bytes`;
          continue;
        }
        if (digest !== undefined && hash.digest('base64') !== digest) {
          throw new ApiError('E_REMOTE', 'the downloaded installer does not match the SHA-256 the server announced');
        }
        return { size: written, fileName };
      } catch (e) {
        if (e instanceof ApiError || e instanceof UserError) {
          throw e;
        }
        lastError = e instanceof Error ? e.message : String(e);
        await this.sleep(Math.min(8_000, 250 * 2 ** attempt));
      }
    }
    throw new ApiError('E_REMOTE', `download from ${this.origin} failed: ${lastError}`);
  }
}
