/**
 * Transport for the TUF client: https/http with the operator's CA and client certificate (the
 * `--update-tls-*` flags), plus `file://` URLs and plain directory paths for air-gapped mirrors.
 * tuf-js's default fetcher uses global fetch(), which can do neither custom CAs nor mTLS.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { ApiError, UserError, errnoCode } from '../core/errors.js';

export interface TransportOptions {
  /** PEM file with the CA(s) that sign the update server's certificate. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly userAgent: string;
  readonly timeoutMs?: number;
}

/** A non-success answer (or a missing file): tuf-js needs the status to end its root walk on 403/404. */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`${url}: HTTP ${status}`);
  }
}

/** Accepts https/http/file URLs and plain directory paths; returns a URL with no trailing slash. */
export function normalizeUpdateUrl(input: string): URL {
  const trimmed = input.trim();
  if (/^https?:\/\//i.test(trimmed) || /^file:\/\//i.test(trimmed)) {
    let u: URL;
    try {
      u = new URL(trimmed);
    } catch {
      throw new UserError('E_UPDATE_URL', `--update-url "${input}" is not a valid URL`);
    }
    u.pathname = u.pathname.replace(/\/+$/, '');
    return u;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new UserError('E_UPDATE_URL', `--update-url "${input}" uses an unsupported scheme`, { hint: 'use https://, http://, file:// or a directory path' });
  }
  const abs = isAbsolute(trimmed) ? trimmed : resolve(trimmed);
  const u = pathToFileURL(abs);
  u.pathname = u.pathname.replace(/\/+$/, '');
  return u;
}

export function joinUrl(base: URL, rel: string): URL {
  const u = new URL(base.href);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${rel.split('/').map(encodeURIComponent).join('/')}`;
  return u;
}

export interface OpenedStream {
  readonly stream: Readable;
  /** Content-Length or file size, when known. */
  readonly length: number | undefined;
}

async function loadTls(t: TransportOptions): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> {
  const read = async (p: string | undefined): Promise<Buffer | undefined> => (p === undefined ? undefined : readFile(p));
  const [ca, cert, key] = await Promise.all([read(t.caFile), read(t.certFile), read(t.keyFile)]);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

export async function openUrl(url: URL, t: TransportOptions): Promise<OpenedStream> {
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url);
    const st = await stat(path).catch((e: unknown) => {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') {
        throw new HttpStatusError(url.href, 404);
      }
      throw new ApiError('E_TUF_UNREACHABLE', `cannot read update repository file ${path}: ${errnoCode(e) ?? String(e)}`);
    });
    if (!st.isFile()) {
      throw new HttpStatusError(url.href, 404);
    }
    return { stream: createReadStream(path), length: st.size };
  }
  const tls = await loadTls(t);
  const req = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OpenedStream>((resolvePromise, reject) => {
    const r = req(
      url,
      { method: 'GET', headers: { 'user-agent': t.userAgent }, timeout: t.timeoutMs ?? 60_000, ...tls },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          res.resume();
          reject(new HttpStatusError(url.href, status));
          return;
        }
        const len = res.headers['content-length'];
        resolvePromise({ stream: res, length: len === undefined ? undefined : Number(len) });
      },
    );
    r.on('timeout', () => {
      r.destroy(new Error('timed out'));
    });
    r.on('error', (e: Error) => {
      const code = errnoCode(e) ?? e.message;
      reject(
        new ApiError('E_TUF_UNREACHABLE', `cannot reach update server ${url.origin}: ${code}`, {
          hint: 'check --update-url, the network, and --update-tls-certificate for private CAs',
          cause: e,
        }),
      );
    });
    r.end();
  });
}
