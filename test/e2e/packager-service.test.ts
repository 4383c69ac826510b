/**
 * `fleetctl packager serve` and `fleetctl package --remote`, as operators run them: the built CLI
 * serves a real TUF repository of fake agents over loopback; installers of every type are built,
 * downloaded and checked with the tools of their platforms; dedup, retry, expiry, a crash
 * mid-build, rate limits, hostile paths and oversized bodies are exercised over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { makeTestRepo, type TestRepo } from '../helpers/tuf-fixture.js';
import { BIN, runCli } from '../helpers/cli.js';
import { runOk, tools } from '../helpers/tools.js';
import { supportedTypes } from '../../src/packaging/registry.js';
import type { PackageType } from '../../src/packaging/types.js';

const SECRET = 'e2e-packager-secret-0123456789';
const FLEET = 'https://fleet.example.com';
const EPOCH = '1700000000';
let base: string;
let repo: TestRepo;
let tuf: GatedServer;

interface GatedServer {
  readonly url: string;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** Serves the TUF repository; hold() makes target downloads wait (a build stuck "downloading"). */
async function serveRepo(dir: string): Promise<GatedServer> {
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const file = normalize(join(dir, path));
    const send = (): void => {
      if (!file.startsWith(dir) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const body = readFileSync(file);
      res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    };
    if (path.startsWith('/targets/') && gate !== undefined) {
      void gate.then(send);
    } else {
      send();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`,
    hold: () => {
      gate = new Promise<void>((r) => {
        open = r;
      });
    },
    release: () => {
      open();
      gate = undefined;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

interface Service {
  readonly url: string;
  readonly dataDir: string;
  readonly logs: string[];
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts the built CLI's service. The TUF source defaults to the repository directory: the tests
 * call the CLI with spawnSync, which blocks this process, so a build must not depend on an HTTP
 * server living here (only the crash test, which never blocks, uses the gated server).
 */
async function serve(dataDir: string, extra: string[] = [], cache = join(base, 'cache'), updateUrl = repo.repository): Promise<Service> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'packager',
      'serve',
      '--listen=127.0.0.1:0',
      `--data-dir=${dataDir}`,
      `--cache-dir=${cache}`,
      `--update-url=${updateUrl}`,
      `--update-roots=${repo.rootJson}`,
      ...extra,
    ],
    { env: { ...process.env, NO_COLOR: '1', CI: 'true', SOURCE_DATE_EPOCH: EPOCH }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const logs: string[] = [];
  let buf = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        const m = /"msg":"listening","url":"([^"]+)"/.exec(line);
        if (m !== null) {
          resolve(m[1] as string);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`packager serve exited ${code}: ${logs.join('\n')}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    dataDir,
    logs,
    child,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      await exited;
    },
  };
}

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function http(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request line sent byte for byte (no URL normalization by a client library). */
function rawGet(url: string, path: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
    s.on('error', reject);
  });
}

const json = (r: Res): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;

async function create(svc: Service, body: Record<string, unknown>): Promise<Res> {
  return http('POST', `${svc.url}/create`, JSON.stringify(body), { 'content-type': 'application/json' });
}

async function createId(svc: Service, body: Record<string, unknown>): Promise<string> {
  const r = await create(svc, body);
  expect(r.status, r.body.toString()).toBe(200);
  return json(r)['package_id'] as string;
}

async function until(
  svc: Service,
  id: string,
  done: (s: Record<string, unknown>) => boolean,
  ms = 60_000,
): Promise<Record<string, unknown>> {
  const end = Date.now() + ms;
  for (;;) {
    const s = json(await http('GET', `${svc.url}/status?package_id=${id}`));
    if (done(s) || Date.now() > end) {
      return s;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const finished = (s: Record<string, unknown>): boolean => s['status'] !== 'in-progress';

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'packager-e2e-'));
  repo = await makeTestRepo(join(base, 'repo'), { platforms: ['linux', 'macos', 'windows'] });
  tuf = await serveRepo(repo.repository);
});
afterAll(async () => {
  await tuf.close();
  rmSync(base, { recursive: true, force: true });
});

const CHECKS: Record<PackageType, { tool: string; check: (file: string) => void }> = {
  deb: { tool: 'dpkg-deb', check: (f) => expect(runOk('dpkg-deb', ['--info', f])).toMatch(/Package: fleet-osquery/) },
  rpm: { tool: 'rpm', check: (f) => expect(runOk('rpm', ['-qpi', f])).toMatch(/Name\s*: fleet-osquery/) },
  pkg: { tool: 'bsdtar', check: (f) => expect(runOk('bsdtar', ['-tf', f])).toMatch(/Distribution/) },
  msi: { tool: 'msiinfo', check: (f) => expect(runOk('msiinfo', ['suminfo', f])).toMatch(/Subject: Fleet osquery/) },
};

describe('packager serve + package --remote', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await serve(join(base, 'data-main'));
  });
  afterAll(async () => {
    await svc.stop();
  });

  for (const type of ['deb', 'rpm', 'pkg', 'msi'] as const) {
    it(`${type}: package --remote downloads what a local build makes, checked by ${CHECKS[type].tool}`, (ctx) => {
      if (!supportedTypes().includes(type)) {
        ctx.skip(`${type} is not in the packager registry of this build yet`);
        return;
      }
      if (!tools(CHECKS[type].tool)) {
        ctx.skip(`${CHECKS[type].tool} is not installed`);
        return;
      }
      const remoteDir = join(base, `remote-${type}`);
      const localDir = join(base, `local-${type}`);
      mkdirSync(remoteDir);
      mkdirSync(localDir);
      const args = ['package', `--type=${type}`, `--fleet-url=${FLEET}`, `--enroll-secret=${SECRET}`];
      const r = runCli([...args, `--remote=${svc.url}`, '--json'], { cwd: remoteDir });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toContain(SECRET);
      const out = JSON.parse(r.stdout) as { path: string; size: number; package_id: string };
      const l = runCli([...args, `--update-url=${repo.repository}`, `--update-roots=${repo.rootJson}`], {
        cwd: localDir,
        env: { XDG_CACHE_HOME: join(base, 'local-cache'), SOURCE_DATE_EPOCH: EPOCH },
      });
      expect(l.status, l.stderr).toBe(0);
      const remoteFiles = readdirSync(remoteDir);
      expect(remoteFiles).toEqual(readdirSync(localDir));
      expect(out.path).toBe(join(remoteDir, remoteFiles[0] as string));
      expect(readFileSync(out.path).length).toBe(out.size);
      CHECKS[type].check(out.path);
      if (type === 'deb') {
        // Deterministic builds (same SOURCE_DATE_EPOCH): the service's .deb is the local one, byte for byte.
        expect(readFileSync(out.path).equals(readFileSync(join(localDir, remoteFiles[0] as string)))).toBe(true);
      }
    });
  }

  it('create → poll → download over HTTP; identical requests share an id; Range resumes', async () => {
    const body = { type: 'deb', fleet_url: FLEET, enroll_secret: SECRET, 'osquery-flagfile': '--verbose\n' };
    const id = await createId(svc, body);
    expect(await createId(svc, { ...body, 'orbit-channel': 'stable', service: true })).toBe(id);
    const s = await until(svc, id, finished);
    expect(s).toEqual({ status: 'success', download_url: `${svc.url}/download/${id}` });
    const d = await http('GET', s['download_url'] as string);
    expect(d.status).toBe(200);
    expect(d.headers['content-type']).toBe('application/vnd.debian.binary-package');
    expect(d.headers['content-disposition']).toBe('attachment; filename="fleet-osquery_1.38.0_amd64.deb"');
    expect(Number(d.headers['content-length'])).toBe(d.body.length);
    const tail = await http('GET', s['download_url'] as string, undefined, { range: `bytes=${d.body.length - 1000}-` });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(d.body.subarray(d.body.length - 1000))).toBe(true);
    const deb = join(base, 'http.deb');
    writeFileSync(deb, d.body);
    expect(runOk('dpkg-deb', ['--field', deb, 'Package'])).toBe('fleet-osquery\n');
    expect(runOk('dpkg-deb', ['--fsys-tarfile', deb]).length).toBeGreaterThan(0);
  });

  it('a failed build comes back with logs; retry builds again under a new id', async () => {
    const body = { type: 'deb', fleet_url: FLEET, enroll_secret: SECRET, 'orbit-channel': 'nightly' };
    const id = await createId(svc, body);
    const s = await until(svc, id, finished);
    expect(s['status']).toBe('fail');
    expect((s['logs'] as string[]).join('\n')).toMatch(/orbit\/linux\/nightly\/orbit is not in the update repository/);
    expect(JSON.stringify(s)).not.toContain(SECRET);
    expect(await createId(svc, body)).toBe(id);
    const again = await createId(svc, { ...body, retry: true });
    expect(again).not.toBe(id);
    expect((await until(svc, again, finished))['status']).toBe('fail');
  });

  it('bad fields are 400s naming the field; oversized bodies 413; hostile paths 400/404', async () => {
    const bad = await create(svc, { type: 'deb', fleet_url: FLEET, enroll_secret: SECRET, 'update-interval': 'often' });
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ errors: [{ name: 'update-interval' }] });
    expect(json(await create(svc, { type: 'exe', fleet_url: FLEET, enroll_secret: SECRET }))).toMatchObject({ errors: [{ name: 'type' }] });
    expect(json(await create(svc, { type: 'deb', fleet_url: FLEET }))).toMatchObject({ errors: [{ name: 'enroll_secret' }] });
    const big = await create(svc, { type: 'deb', fleet_url: FLEET, enroll_secret: SECRET, 'osquery-flagfile': 'x'.repeat(300_000) });
    expect(big.status).toBe(413);
    for (const [path, want] of [
      ['/download/../../../../etc/passwd', [404]],
      ['/download/..%2F..%2Fserver.key', [400]],
      ['/download/%2e%2e%2fserver.key', [400]],
      ['/download/../server.key', [404]],
      ['/download/records', [400]],
      ['/download/00000000-0000-4000-8000-000000000000', [404]],
      ['/download/00000000-0000-4000-8000-00000000000G', [400]],
      ['/status?package_id=..%2Fserver.key', [400]],
    ] as const) {
      expect(want, path).toContain(await rawGet(svc.url, path));
    }
  });

  it('request logs are JSON lines without secrets or whole ids', () => {
    const lines = svc.logs.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l['msg'] === 'request' && l['route'] === '/create' && l['status'] === 200)).toBe(true);
    const text = svc.logs.join('\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/);
  });
});

describe('packager serve lifecycle', () => {
  it('expiry: status says expired, the file and its key are gone', async () => {
    const svc = await serve(join(base, 'data-ttl'), ['--ttl=1s']);
    try {
      const id = await createId(svc, { type: 'deb', fleet_url: FLEET, enroll_secret: SECRET });
      expect((await until(svc, id, finished))['status']).toBe('success');
      expect(existsSync(join(svc.dataDir, 'keys', `${id}.key`))).toBe(true);
      expect(existsSync(join(svc.dataDir, 'packages', `${id}.sealed`))).toBe(true);
      await new Promise((r) => setTimeout(r, 1_600));
      expect(existsSync(join(svc.dataDir, 'keys', `${id}.key`))).toBe(false);
      expect(existsSync(join(svc.dataDir, 'packages', `${id}.sealed`))).toBe(false);
      expect(json(await http('GET', `${svc.url}/status?package_id=${id}`))).toEqual({ status: 'expired' });
      expect((await http('GET', `${svc.url}/download/${id}`)).status).toBe(410);
    } finally {
      await svc.stop();
    }
  });

  it('a crash mid-build ends in fail with logs after restart, and a retry succeeds', async () => {
    const dataDir = join(base, 'data-crash');
    const cache = join(base, 'cache-crash');
    tuf.hold();
    let svc = await serve(dataDir, [], cache, tuf.url);
    const body = { type: 'deb', fleet_url: FLEET, enroll_secret: SECRET };
    const id = await createId(svc, body);
    expect(await until(svc, id, (s) => s['stage'] === 'downloading', 20_000)).toEqual({ status: 'in-progress', stage: 'downloading' });
    await svc.stop('SIGKILL');
    tuf.release();
    svc = await serve(dataDir, [], cache, tuf.url);
    try {
      const s = json(await http('GET', `${svc.url}/status?package_id=${id}`));
      expect(s['status']).toBe('fail');
      expect((s['logs'] as string[]).join('\n')).toMatch(/interrupted/);
      expect(readdirSync(join(dataDir, 'work'))).toEqual([]);
      expect(await createId(svc, body)).toBe(id);
      const again = await createId(svc, { ...body, retry: true });
      expect((await until(svc, again, finished))['status']).toBe('success');
    } finally {
      await svc.stop();
    }
  });

  it('rate limits: 429 with Retry-After', async () => {
    const svc = await serve(join(base, 'data-limits'), ['--rate-limit=create=2/1m,status=3/1m']);
    try {
      const body = { type: 'deb', fleet_url: FLEET, enroll_secret: SECRET };
      const id = await createId(svc, body);
      await createId(svc, body);
      const r = await create(svc, body);
      expect(r.status).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push((await http('GET', `${svc.url}/status?package_id=${id}`)).status);
      }
      expect(codes).toEqual([200, 200, 200, 429]);
    } finally {
      await svc.stop();
    }
  });

  it('package --remote refuses flags the service cannot honour', () => {
    const r = runCli(
      ['package', '--type=deb', `--fleet-url=${FLEET}`, `--enroll-secret=${SECRET}`, '--remote=http://127.0.0.1:9', '--arch=arm64'],
      { cwd: base },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--arch cannot be used with --remote/);
  });
});
