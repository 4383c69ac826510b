/**
 * A local S3 API server (s3rver) for tests, optionally behind a fault-injecting proxy that answers
 * some requests with 500 and drops some connections, deterministically and a bounded number of times.
 */
import { createRequire } from 'node:module';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

export const S3_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

export interface LocalS3 {
  readonly endpoint: string;
  readonly directory: string;
  close(): Promise<void>;
}

export async function startS3(buckets: string[]): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
  const addr = await s3.run();
  return { endpoint: `http://127.0.0.1:${addr.port}`, directory, close: () => s3.close() };
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly injected: { errors: number; drops: number };
  close(): Promise<void>;
}

/**
 * Forwards to `target`; of the write requests (PUT/POST), every `errorEvery`-th gets a 500 and every
 * `dropEvery`-th has its connection destroyed, up to `maxFaults` faults in total.
 */
export async function startFaultProxy(target: string, o: { errorEvery: number; dropEvery: number; maxFaults: number }): Promise<FaultProxy> {
  const t = new URL(target);
  let writes = 0;
  const injected = { errors: 0, drops: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isWrite = req.method === 'PUT' || req.method === 'POST';
    if (isWrite) {
      writes += 1;
      const budget = injected.errors + injected.drops < o.maxFaults;
      if (budget && writes % o.dropEvery === 0) {
        injected.drops += 1;
        req.socket.destroy();
        return;
      }
      if (budget && writes % o.errorEvery === 0) {
        injected.errors += 1;
        req.resume();
        res.writeHead(500, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>injected</Message></Error>');
        return;
      }
    }
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
