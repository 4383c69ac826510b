/**
 * Small HTTP helpers: JSON responses in Fleet's error shape ({message, errors: [{name, reason}]},
 * `name` being the offending field), and a body reader that stops at a byte limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequest } from './create-request.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  field = 'base',
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { message, errors: [{ name: field, reason: message }] }, headers);
}

/** Reads a request body up to `max` bytes; a larger one is a 413 (by Content-Length or as it streams). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 'NaN');
  if (Number.isFinite(declared) && declared > max) {
    return Promise.reject(new BadRequest(undefined, `request body is larger than ${max} bytes`, 413));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) {
        return;
      }
      size += c.length;
      if (size > max) {
        done = true;
        reject(new BadRequest(undefined, `request body is larger than ${max} bytes`, 413));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
  });
}
