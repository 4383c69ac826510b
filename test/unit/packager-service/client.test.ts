/**
 * The --remote client against a hand-made server: a download cut off mid-way resumes with
 * Range/If-Range and is verified against Repr-Digest; 429s wait for Retry-After.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispositionName, PackagerClient } from '../../../src/packager-service/client.js';

const DATA = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 13) % 256));
const DIGEST = createHash('sha256').update(DATA).digest('base64');
let server: Server | undefined;
let dir: string | undefined;

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server === undefined ? r() : server.close(() => r())));
  server = undefined;
  if (dir !== undefined) {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('packager client', () => {
  it('resumes a broken download and verifies the digest', async () => {
    const ranges: Array<string | undefined> = [];
    let first = true;
    const url = await serve((req, res) => {
      ranges.push(req.headers.range);
      const headers = {
        etag: '"v1"',
        'repr-digest': `sha-256=:${DIGEST}:`,
        'content-disposition': 'attachment; filename="fleet-osquery_1.38.0_amd64.deb"',
      };
      if (first) {
        first = false;
        res.writeHead(200, { ...headers, 'content-length': String(DATA.length) });
        res.write(DATA.subarray(0, 100_000));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1]);
      expect(req.headers['if-range']).toBe('"v1"');
      res.writeHead(206, {
        ...headers,
        'content-length': String(DATA.length - start),
        'content-range': `bytes ${start}-${DATA.length - 1}/${DATA.length}`,
      });
      res.end(DATA.subarray(start));
    });
    dir = mkdtempSync(join(tmpdir(), 'client-'));
    const path = join(dir, 'out');
    let name: string | undefined;
    const fh = await open(path, 'w');
    const c = new PackagerClient(url, { sleep: async () => {} });
    const r = await c.download(
      `${url}/download/x`,
      async (n) => {
        name = n;
        return fh;
      },
      () => {},
    );
    await fh.close();
    expect(name).toBe('fleet-osquery_1.38.0_amd64.deb');
    expect(r.size).toBe(DATA.length);
    expect(readFileSync(path).equals(DATA)).toBe(true);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
  });

  it('waits out 429s on create and reports 400s with the field', async () => {
    let n = 0;
    const waits: number[] = [];
    const url = await serve((_req, res) => {
      n++;
      if (n === 1) {
        res.writeHead(429, { 'retry-after': '7' }).end('{}');
      } else if (n === 2) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"package_id":"abc"}');
      } else {
        res.writeHead(400).end('{"message":"bad","errors":[{"name":"type","reason":"type must be one of pkg, msi, deb, rpm"}]}');
      }
    });
    const c = new PackagerClient(url, { sleep: async (ms) => void waits.push(ms) });
    expect(await c.create({})).toBe('abc');
    expect(waits).toEqual([7000]);
    await expect(c.create({})).rejects.toThrow(/type must be one of .* \(field type\)/);
  });

  it('takes only plain file names from Content-Disposition', () => {
    expect(dispositionName('attachment; filename="a.deb"')).toBe('a.deb');
    expect(dispositionName('attachment; filename=a.rpm')).toBe('a.rpm');
    expect(dispositionName('attachment; filename="../../etc/passwd"')).toBeUndefined();
    expect(dispositionName('attachment; filename=".bashrc"')).toBeUndefined();
    expect(dispositionName(undefined)).toBeUndefined();
  });
});
