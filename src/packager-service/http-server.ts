/**
 * The HTTP shell over PackagerService (node:http, no framework: four routes do not need one).
 *
 *   POST /create               → 200 {package_id}                       rate limit: per client IP
 *   GET  /status?package_id=   → 200 {status, stage | download_url | logs}  per package id
 *   GET  /download/{id}        → the installer (Range, HEAD)              per package id
 *   GET  /healthz              → 200 {status: "ok", …}
 *
 * Ids are checked against the UUIDv4 pattern before anything else, and downloads are looked up in
 * the in-memory store, so no request path ever becomes a file path. Each request is logged as one
 * JSON line without arguments or full ids.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BadRequest, parseCreateBody } from './create-request.js';
import { attachment, CONTENT_TYPES } from './content-types.js';
import { readBody, sendError, sendJson } from './http-util.js';
import { isPackageId, shortId } from './ids.js';
import type { Logger } from './log.js';
import { parseRange } from './range.js';
import type { RateLimiter } from './rate-limit.js';
import { openSealedRange } from './sealed-file.js';
import type { PackagerService } from './service.js';

export const DEFAULT_MAX_BODY = 256 * 1024;

export interface HttpOptions {
  readonly service: PackagerService;
  readonly limiter: RateLimiter;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  /** Base of download_url (e.g. behind a reverse proxy); default: from the request's Host. */
  readonly publicUrl?: string;
}

interface Ctx {
  route: string;
  id?: string;
  bytes: number;
  note?: string;
}

function tooMany(res: ServerResponse, retryAfter: number): void {
  sendError(res, 429, `rate limit exceeded; retry after ${retryAfter} s`, 'base', { 'retry-after': String(retryAfter) });
}

export function createPackagerServer(o: HttpOptions): Server {
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const ctx: Ctx = { route: 'unknown', bytes: 0 };
    res.on('close', () => {
      o.log('info', 'request', {
        method: req.method,
        route: ctx.route,
        ...(ctx.id !== undefined ? { package: ctx.id } : {}),
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        ip: req.socket.remoteAddress,
        ...(ctx.bytes > 0 ? { bytes: ctx.bytes } : {}),
        ...(ctx.note !== undefined ? { note: ctx.note } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    });
    handle(o, req, res, ctx).catch((e: unknown) => {
      ctx.note = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) {
        sendError(res, 500, 'internal error');
      } else {
        res.destroy();
      }
    });
  });
  // Slow or stuck clients must not pin sockets forever.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  return server;
}

async function handle(o: HttpOptions, req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (path === '/healthz') {
    ctx.route = '/healthz';
    if (method !== 'GET' && method !== 'HEAD') {
      return sendError(res, 405, 'method not allowed', 'base', { allow: 'GET, HEAD' });
    }
    return sendJson(res, 200, { status: 'ok', ...o.service.stats() });
  }
  if (path === '/create') {
    ctx.route = '/create';
    if (method !== 'POST') {
      return sendError(res, 405, 'method not allowed', 'base', { allow: 'POST' });
    }
    return create(o, req, res, ctx);
  }
  if (path === '/status') {
    ctx.route = '/status';
    if (method !== 'GET' && method !== 'HEAD') {
      return sendError(res, 405, 'method not allowed', 'base', { allow: 'GET' });
    }
    return status(o, req, res, ctx, url);
  }
  if (path.startsWith('/download/')) {
    ctx.route = '/download/:id';
    if (method !== 'GET' && method !== 'HEAD') {
      return sendError(res, 405, 'method not allowed', 'base', { allow: 'GET, HEAD' });
    }
    return download(o, req, res, ctx, path.slice('/download/'.length));
  }
  return sendError(res, 404, 'not found');
}

async function create(o: HttpOptions, req: IncomingMessage, res: ServerResponse, ctx: Ctx): Promise<void> {
  const wait = o.limiter.take('create', req.socket.remoteAddress ?? 'unknown');
  if (wait !== undefined) {
    req.resume();
    return tooMany(res, wait);
  }
  try {
    const raw = await readBody(req, o.maxBodyBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BadRequest(undefined, 'the body is not valid JSON');
    }
    const body = parseCreateBody(parsed);
    const { id, reused } = await o.service.create(body);
    ctx.id = shortId(id);
    ctx.note = reused ? 'existing package' : 'build dispatched';
    return sendJson(res, 200, { package_id: id });
  } catch (e) {
    if (e instanceof BadRequest) {
      ctx.note = e.field === undefined ? e.message : `field ${e.field}`;
      if (e.status === 413) {
        // Do not read the rest of an oversized body: answer and close the connection.
        sendError(res, 413, e.message, 'base', { connection: 'close' });
        req.unpipe();
        req.pause();
        return;
      }
      return sendError(res, e.status, e.message, e.field ?? 'base');
    }
    throw e;
  }
}

async function status(o: HttpOptions, req: IncomingMessage, res: ServerResponse, ctx: Ctx, url: URL): Promise<void> {
  const id = url.searchParams.get('package_id');
  if (id === null || id === '') {
    return sendError(res, 400, 'package_id is required', 'package_id');
  }
  if (!isPackageId(id)) {
    return sendError(res, 400, 'package_id is not a valid package id', 'package_id');
  }
  ctx.id = shortId(id);
  const wait = o.limiter.take('status', id);
  if (wait !== undefined) {
    return tooMany(res, wait);
  }
  const view = await o.service.status(id);
  if (view === undefined) {
    return sendError(res, 404, 'no such package', 'package_id');
  }
  const base = o.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`;
  return sendJson(res, 200, {
    status: view.status,
    ...(view.status === 'success' ? { download_url: `${base.replace(/\/+$/, '')}/download/${id}` } : {}),
    ...(view.stage !== undefined ? { stage: view.stage } : {}),
    ...(view.logs !== undefined ? { logs: view.logs } : {}),
  });
}

async function download(o: HttpOptions, req: IncomingMessage, res: ServerResponse, ctx: Ctx, id: string): Promise<void> {
  if (!isPackageId(id)) {
    return sendError(res, 400, 'not a valid package id', 'package_id');
  }
  ctx.id = shortId(id);
  const wait = o.limiter.take('download', id);
  if (wait !== undefined) {
    return tooMany(res, wait);
  }
  const h = await o.service.download(id);
  switch (h.kind) {
    case 'not-found':
      return sendError(res, 404, 'no such package', 'package_id');
    case 'expired':
      return sendError(res, 410, 'the package has expired; request it again', 'package_id');
    case 'failed':
      return sendError(res, 409, 'the build failed; see /status for its logs', 'package_id');
    case 'not-ready':
      return sendError(res, 409, 'the package is still being built; poll /status', 'package_id');
    case 'ok':
      break;
  }
  const r = h.record;
  const size = r.size ?? 0;
  const etag = `"${r.sha256 ?? r.id}"`;
  const ifRange = req.headers['if-range'];
  const range = ifRange !== undefined && ifRange !== etag ? ({ kind: 'full' } as const) : parseRange(req.headers.range, size);
  const headers: Record<string, string> = {
    'content-type': CONTENT_TYPES[r.type],
    'content-disposition': attachment(r.fileName ?? `fleet-osquery.${r.type}`),
    'accept-ranges': 'bytes',
    etag,
    'cache-control': 'no-store',
    ...(r.sha256 !== undefined ? { 'repr-digest': `sha-256=:${r.sha256}:` } : {}),
  };
  if (range.kind === 'unsatisfiable') {
    h.key.fill(0);
    return sendError(res, 416, 'range not satisfiable', 'range', { 'content-range': `bytes */${size}` });
  }
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;
  const length = end - start + 1;
  res.writeHead(range.kind === 'partial' ? 206 : 200, {
    ...headers,
    'content-length': String(length),
    ...(range.kind === 'partial' ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || length === 0) {
    h.key.fill(0);
    res.end();
    return;
  }
  const body = Readable.from(openSealedRange(h.path, h.key, start, end));
  body.on('data', (c: Buffer) => {
    ctx.bytes += c.length;
  });
  try {
    await pipeline(body, res);
  } catch (e) {
    // Headers are out, so there is no error response left to send: pipeline has already cut the
    // connection. A client that disconnects mid-download is normal (it resumes with Range); a
    // chunk that fails authentication is noted in the request log.
    ctx.note = e instanceof Error ? e.message : String(e);
  } finally {
    h.key.fill(0);
  }
}
