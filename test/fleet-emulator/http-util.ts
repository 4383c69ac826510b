/** Request/response helpers for the emulator: JSON bodies and Fleet's error JSON. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly fleetMessage: string,
    readonly reason: string,
    readonly field = 'base',
  ) {
    super(reason);
  }
}

/** Fleet's mapping of error kinds to status and top-level message (transport_error.go). */
export const fleetErrors = {
  validation: (field: string, reason: string): HttpError => new HttpError(422, 'Validation Failed', reason, field),
  badRequest: (reason: string): HttpError => new HttpError(400, 'Bad request', reason),
  notFound: (reason: string): HttpError => new HttpError(404, 'Resource Not Found', reason),
  exists: (reason: string): HttpError => new HttpError(409, 'Resource Already Exists', reason),
  conflict: (reason: string): HttpError => new HttpError(409, 'Conflict', reason),
  forbidden: (): HttpError => new HttpError(403, 'Permission Denied', 'forbidden'),
  unauthenticated: (): HttpError => new HttpError(401, 'Authentication required', 'Authentication required'),
  status: (status: number, reason: string, field = 'base'): HttpError => new HttpError(status, reason, reason, field),
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  sendJson(res, e.status, { message: e.fleetMessage, errors: [{ name: e.field, reason: e.reason }], uuid: randomUUID() });
}

export async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > limit) {
      throw fleetErrors.status(413, 'request body too large');
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  if (body.length === 0) {
    return {};
  }
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw fleetErrors.badRequest(`json decoder error: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw fleetErrors.badRequest('json decoder error: expected an object');
  }
  return v as Record<string, unknown>;
}

/** Parses a multipart body with the platform's own parser (fetch Response.formData). */
export async function readForm(req: IncomingMessage): Promise<FormData> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) {
    throw fleetErrors.badRequest('failed to parse multipart form');
  }
  const body = await readBody(req);
  try {
    return await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    throw fleetErrors.badRequest('failed to parse multipart form');
  }
}
