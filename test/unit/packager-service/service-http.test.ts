/**
 * The service and its HTTP shell in-process, with a fake build step (the real pipeline is covered
 * by the e2e test): dedup, retry, expiry, restart recovery, downloads with Range, the limits, and
 * hostile paths.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPackagerService, type RunningService } from '../../../src/packager-service/serve.js';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../../../src/packager-service/rate-limit.js';
import type { BuildFn } from '../../../src/packager-service/service.js';
import type { LogLevel } from '../../../src/packager-service/log.js';

const SECRET = 'unit-secret-0123456789';
const BODY = { type: 'deb', fleet_url: 'https://fleet.example.com', enroll_secret: SECRET };
const PAYLOAD = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));

let base: string;
let dataDir: string;
let running: RunningService | undefined;
let logs: string[];
let builds: number;
let gate: Promise<void> | undefined;
let failNext: boolean;

const fakeBuild: BuildFn = async (req) => {
  builds++;
  req.report('staging', 'fetching orbit/linux/stable/orbit');
  if (gate !== undefined) {
    await gate;
  }
  if (failNext) {
    failNext = false;
    throw new Error(`boom with ${req.options.enrollSecret}`);
  }
  req.report('compressing', 'data.tar.gz');
  const path = join(req.outDir, 'fleet-osquery_1.38.0_amd64.deb');
  writeFileSync(path, PAYLOAD);
  return { path, version: '1.38.0', size: PAYLOAD.length };
};

async function start(o: { ttlMs?: number; limits?: RateLimits; now?: () => number } = {}): Promise<RunningService> {
  running = await startPackagerService({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    cacheRoot: join(base, 'cache'),
    ttlMs: o.ttlMs ?? 60_000,
    concurrency: 2,
    rateLimits: o.limits ?? { create: undefined, status: undefined, download: undefined },
    maxBodyBytes: 4096,
    tuf: { updateUrl: 'https://updates.example.com' },
    env: {},
    build: fakeBuild,
    log: (level: LogLevel, msg: string, fields?: Record<string, unknown>) => logs.push(JSON.stringify({ level, msg, ...fields })),
    ...(o.now !== undefined ? { now: o.now } : {}),
  });
  return running;
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function http(method: string, url: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (r: Res): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;

async function create(body: unknown = BODY): Promise<string> {
  const r = await http('POST', `${running?.url}/create`, JSON.stringify(body), { 'content-type': 'application/json' });
  expect(r.status, r.body.toString()).toBe(200);
  return json(r)['package_id'] as string;
}

async function status(id: string): Promise<Record<string, unknown>> {
  const r = await http('GET', `${running?.url}/status?package_id=${id}`);
  expect(r.status).toBe(200);
  return json(r);
}

async function until(id: string, want: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const s = await status(id);
    if (s['status'] === want) {
      return s;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`package never reached ${want}`);
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'packager-svc-'));
  dataDir = join(base, 'data');
  logs = [];
  builds = 0;
  gate = undefined;
  failNext = false;
});
afterEach(async () => {
  await running?.close();
  running = undefined;
  rmSync(base, { recursive: true, force: true });
});

describe('packager service', () => {
  it('create → status → download, and identical requests share one package', async () => {
    await start();
    const id = await create();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const done = await until(id, 'success');
    expect(done['download_url']).toBe(`${running?.url}/download/${id}`);
    expect(await create({ ...BODY, 'orbit-channel': 'stable', 'update-interval': '15m' })).toBe(id);
    expect(await create({ ...BODY, debug: true })).not.toBe(id);
    const d = await http('GET', `${running?.url}/download/${id}`);
    expect(d.status).toBe(200);
    expect(d.body.equals(PAYLOAD)).toBe(true);
    expect(d.headers['content-type']).toBe('application/vnd.debian.binary-package');
    expect(d.headers['content-length']).toBe(String(PAYLOAD.length));
    expect(d.headers['content-disposition']).toBe('attachment; filename="fleet-osquery_1.38.0_amd64.deb"');
    expect(d.headers['accept-ranges']).toBe('bytes');
    const part = await http('GET', `${running?.url}/download/${id}`, undefined, { range: 'bytes=70000-140009' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 70000-140009/${PAYLOAD.length}`);
    expect(part.body.equals(PAYLOAD.subarray(70000, 140010))).toBe(true);
    const stale = await http('GET', `${running?.url}/download/${id}`, undefined, { range: 'bytes=10-', 'if-range': '"other"' });
    expect(stale.status).toBe(200);
    expect((await http('GET', `${running?.url}/download/${id}`, undefined, { range: 'bytes=999999-' })).status).toBe(416);
    expect(builds).toBe(2);
  });

  it('stores neither arguments nor plaintext, and logs no secret', async () => {
    await start();
    const id = await create({ ...BODY, 'osquery-flagfile': '--verbose\n' });
    await until(id, 'success');
    const everything = readdirSync(dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name)));
    for (const f of everything) {
      expect(f.includes(Buffer.from(SECRET))).toBe(false);
      expect(f.includes(Buffer.from('fleet.example.com'))).toBe(false);
      expect(f.includes(PAYLOAD.subarray(1000, 1100))).toBe(false);
    }
    expect(statSync(join(dataDir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dataDir, 'work'))).toEqual([]);
    expect(logs.join('\n')).not.toContain(SECRET);
    expect(logs.join('\n')).not.toContain(id);
  });

  it('a failed build is returned again unless retry is true, which builds under a new id', async () => {
    await start();
    failNext = true;
    const id = await create();
    const failed = await until(id, 'fail');
    expect((failed['logs'] as string[]).join('\n')).toMatch(/boom with \*\*\*/);
    expect(JSON.stringify(failed)).not.toContain(SECRET);
    expect(await create()).toBe(id);
    const again = await create({ ...BODY, retry: true });
    expect(again).not.toBe(id);
    await until(again, 'success');
    expect(await create()).toBe(again);
    expect(await create({ ...BODY, retry: true })).toBe(again);
  });

  it('expiry destroys the key and the file, and the next request builds anew', async () => {
    let t = 1_000_000;
    await start({ ttlMs: 5_000, now: () => t });
    const id = await create();
    await until(id, 'success');
    expect(existsSync(join(dataDir, 'keys', `${id}.key`))).toBe(true);
    expect(existsSync(join(dataDir, 'packages', `${id}.sealed`))).toBe(true);
    t += 5_001;
    expect((await status(id))['status']).toBe('expired');
    expect(existsSync(join(dataDir, 'keys', `${id}.key`))).toBe(false);
    expect(existsSync(join(dataDir, 'packages', `${id}.sealed`))).toBe(false);
    expect((await http('GET', `${running?.url}/download/${id}`)).status).toBe(410);
    expect(await create()).not.toBe(id);
  });

  it('a restart marks an interrupted build failed with logs, and a retry succeeds', async () => {
    let release: () => void = () => {};
    gate = new Promise<void>((r) => {
      release = r;
    });
    await start();
    const id = await create();
    for (let i = 0; i < 100 && (await status(id))['stage'] !== 'downloading'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await status(id)).toEqual({ status: 'in-progress', stage: 'downloading' });
    await running?.close();
    release();
    gate = undefined;
    await start();
    const s = await status(id);
    expect(s['status']).toBe('fail');
    expect((s['logs'] as string[]).join('\n')).toMatch(/interrupted/);
    const again = await create({ ...BODY, retry: true });
    await until(again, 'success');
  });

  it('rate limits answer 429 with Retry-After', async () => {
    await start({ limits: { ...DEFAULT_RATE_LIMITS, create: { count: 2, windowMs: 60_000 }, status: { count: 3, windowMs: 60_000 } } });
    const id = await create();
    await create();
    const r = await http('POST', `${running?.url}/create`, JSON.stringify(BODY));
    expect(r.status).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    const codes = [];
    for (let i = 0; i < 5; i++) {
      codes.push((await http('GET', `${running?.url}/status?package_id=${id}`)).status);
    }
    expect(codes).toEqual([200, 200, 200, 429, 429]);
  });

  it('rejects bad bodies with the field, oversized ones with 413', async () => {
    await start();
    const bad = await http('POST', `${running?.url}/create`, JSON.stringify({ ...BODY, 'update-interval': 'soon' }));
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ errors: [{ name: 'update-interval' }] });
    const notJson = await http('POST', `${running?.url}/create`, '{');
    expect(notJson.status).toBe(400);
    const big = await http('POST', `${running?.url}/create`, JSON.stringify({ ...BODY, 'osquery-flagfile': 'x'.repeat(5000) }));
    expect(big.status).toBe(413);
    expect(readdirSync(join(dataDir, 'work'))).toEqual([]);
  });

  it('hostile download paths and ids never reach the file system', async () => {
    await start();
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'secret.txt'), 'nope');
    const cases: Array<[string, number[]]> = [
      ['/download/..%2f..%2foutside%2fsecret.txt', [400]],
      ['/download/../../outside/secret.txt', [404]],
      ['/download/%2e%2e/%2e%2e/etc/passwd', [400, 404]],
      ['/download/00000000-0000-4000-8000-000000000000', [404]],
      ['/download/not-an-id', [400]],
      ['/download/', [400]],
      ['/status?package_id=../../x', [400]],
      ['/status', [400]],
    ];
    for (const [path, want] of cases) {
      const r = await http('GET', `${running?.url}${path}`);
      expect(want, path).toContain(r.status);
      expect(r.body.toString()).not.toContain('nope');
    }
    expect((await http('DELETE', `${running?.url}/create`)).status).toBe(405);
    expect(json(await http('GET', `${running?.url}/healthz`))).toMatchObject({ status: 'ok' });
  });

  it('refuses a second server on the same data dir', async () => {
    await start();
    const first = running;
    await expect(start()).rejects.toThrow(/another packager service/);
    running = first;
  });
});
