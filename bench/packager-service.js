#!/usr/bin/env node
/**
 * Packager service load test: starts `fleetctl packager serve` (the built CLI, as a separate
 * process so the load generator does not share its event loop) on loopback over a local TUF
 * repository, then measures, in this order:
 *   1. 20 concurrent POST /create with distinct arguments (builds queue at --concurrency),
 *   2. 200 concurrent GET /status spread over those packages while they build,
 *   3. the time each build takes to reach `success` (queueing included),
 *   4. 200 concurrent GET /status on ONE package (the per-package limit must answer 429s),
 *   5. concurrent downloads of every package (size checked).
 * Any status other than 200 or an intended 429 counts as an error. Bounded: --timeout seconds.
 * Usage (after `npm run build`): node bench/packager-service.js [--agents real|small] [--creates 20] [--polls 200] [--timeout 300]
 *   real: orbit + osqueryd of ~23 MB each that compress like real binaries (bench/lib/common.js)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, makeAgentBinaries } from './lib/common.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const agents = arg('agents', 'real');
const creates = Math.min(100, Number(arg('creates', '20')));
const polls = Math.min(1000, Number(arg('polls', '200')));
const timeoutS = Math.min(900, Number(arg('timeout', '300')));
const BIN = fileURLToPath(new URL('../bin/fleetctl.js', import.meta.url));
const { initRepo, addTarget, rootsOf } = await import(new URL('tuf/repo.js', DIST).href);

const work = mkdtempSync(join(tmpdir(), 'bench-packager-'));
const deadline = setTimeout(() => {
  console.error(`timed out after ${timeoutS} s`);
  cleanup();
  process.exit(2);
}, timeoutS * 1000);
let server;
function cleanup() {
  server?.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}

const agent = new Agent({ keepAlive: true, maxSockets: 512 });
function http(method, url, body) {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let n = 0;
      const parts = [];
      res.on('data', (c) => {
        n += c.length;
        if (n < 1 << 16) {
          parts.push(c);
        }
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          bytes: n,
          text: Buffer.concat(parts).toString('utf8'),
          ms: Number(process.hrtime.bigint() - t0) / 1e6,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
function summary(label, rs) {
  const ms = rs.map((r) => r.ms);
  const codes = {};
  for (const r of rs) {
    codes[r.status] = (codes[r.status] ?? 0) + 1;
  }
  const f = (x) => x.toFixed(1).padStart(8);
  console.log(
    `${label.padEnd(44)} n=${String(rs.length).padStart(4)}  p50${f(pct(ms, 50))}  p90${f(pct(ms, 90))}  p99${f(pct(ms, 99))}  max${f(Math.max(...ms))} ms  ${JSON.stringify(codes)}`,
  );
  return codes;
}
let errors = 0;
function expectOnly(codes, allowed) {
  for (const [c, n] of Object.entries(codes)) {
    if (!allowed.includes(Number(c))) {
      errors += n;
    }
  }
}

try {
  // A TUF repository with Linux agents.
  const pass = async (role) => `bench-${role}`;
  const repo = join(work, 'repo');
  await initRepo({ path: repo, passphrase: pass });
  let bins;
  if (agents === 'real') {
    bins = makeAgentBinaries(join(work, 'agents'), ['orbit', 'osqueryd']);
  } else {
    mkdirSync(join(work, 'agents'), { recursive: true });
    bins = ['orbit', 'osqueryd'].map((n) => {
      const p = join(work, 'agents', n);
      writeFileSync(p, `#!/bin/sh\necho ${n}\n`, { mode: 0o755 });
      return p;
    });
  }
  await addTarget({ path: repo, passphrase: pass, target: bins[0], name: 'orbit', platform: 'linux', version: '1.38.0', tags: ['stable'] });
  await addTarget({
    path: repo,
    passphrase: pass,
    target: bins[1],
    name: 'osqueryd',
    platform: 'linux',
    version: '5.15.0',
    tags: ['stable'],
  });
  const roots = await rootsOf(repo);

  server = spawn(
    process.execPath,
    [
      BIN,
      'packager',
      'serve',
      '--listen=127.0.0.1:0',
      `--data-dir=${join(work, 'data')}`,
      `--update-url=${join(repo, 'repository')}`,
      `--update-roots=${roots}`,
      '--rate-limit=create=100/1m,status=120/1m,download=20/1m',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const base = await new Promise((resolve, reject) => {
    let buf = '';
    server.stderr.on('data', (c) => {
      buf += c.toString();
      const m = /"msg":"listening","url":"([^"]+)"/.exec(buf);
      if (m) {
        resolve(m[1]);
      }
      // Request logs are not needed here; drop them as they come.
      if (buf.length > 1 << 20) {
        buf = buf.slice(-4096);
      }
    });
    server.once('exit', (c) => reject(new Error(`server exited ${c}: ${buf}`)));
  });
  console.log(
    `packager service at ${base}; agents=${agents}; concurrency=${availableParallelism()} builds; ${creates} creates, ${polls} polls`,
  );

  // Warm-up build: fills the TUF target cache (what every later build reuses).
  const warm = JSON.parse(
    (
      await http(
        'POST',
        `${base}/create`,
        JSON.stringify({ type: 'deb', fleet_url: 'https://fleet.example.com', enroll_secret: 'warm-up-secret' }),
      )
    ).text,
  ).package_id;
  const warmStart = Date.now();
  while (JSON.parse((await http('GET', `${base}/status?package_id=${warm}`)).text).status === 'in-progress') {
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`warm-up build (cold TUF cache): ${Date.now() - warmStart} ms`);

  // 1. Concurrent creates, distinct secrets → distinct packages.
  const t0 = Date.now();
  const created = await Promise.all(
    Array.from({ length: creates }, (_, i) =>
      http(
        'POST',
        `${base}/create`,
        JSON.stringify({ type: 'deb', fleet_url: 'https://fleet.example.com', enroll_secret: `bench-secret-${i}-0123456789` }),
      ),
    ),
  );
  expectOnly(summary(`POST /create x${creates} concurrent`, created), [200, 429]);
  const ids = created.filter((r) => r.status === 200).map((r) => JSON.parse(r.text).package_id);

  // 2. Concurrent polls spread over the packages while they build.
  const spread = await Promise.all(
    Array.from({ length: polls }, (_, i) => http('GET', `${base}/status?package_id=${ids[i % ids.length]}`)),
  );
  expectOnly(summary(`GET /status x${polls} concurrent (${ids.length} ids, building)`, spread), [200, 429]);

  // 3. Time to success for every build.
  const doneAt = new Map();
  while (doneAt.size < ids.length) {
    for (const id of ids) {
      if (doneAt.has(id)) {
        continue;
      }
      const s = JSON.parse((await http('GET', `${base}/status?package_id=${id}`)).text).status;
      if (s !== 'in-progress') {
        doneAt.set(id, { ms: Date.now() - t0, status: s === 'success' ? 200 : 500 });
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  expectOnly(summary(`build: create → success (queued at ${availableParallelism()})`, [...doneAt.values()]), [200]);

  // 4. Concurrent polls of one package: the per-package limit is meant to answer 429.
  const one = await Promise.all(Array.from({ length: polls }, () => http('GET', `${base}/status?package_id=${warm}`)));
  expectOnly(summary(`GET /status x${polls} concurrent (1 id, limit 120/1m)`, one), [200, 429]);

  // 5. Concurrent downloads, sizes checked against the first.
  const dl = await Promise.all(ids.map((id) => http('GET', `${base}/download/${id}`)));
  expectOnly(summary(`GET /download x${ids.length} concurrent`, dl), [200]);
  const mb = dl.reduce((a, r) => a + r.bytes, 0) / 1e6;
  const wall = Math.max(...dl.map((r) => r.ms)) / 1000;
  console.log(
    `downloads: ${mb.toFixed(1)} MB in ${wall.toFixed(2)} s (${(mb / wall).toFixed(0)} MB/s decrypting on the fly), each ${(dl[0].bytes / 1e6).toFixed(1)} MB`,
  );

  const health = JSON.parse((await http('GET', `${base}/healthz`)).text);
  console.log(`healthz: ${JSON.stringify(health)}`);
  console.log(errors === 0 ? 'errors: none (only intended 429s)' : `errors: ${errors}`);
  process.exitCode = errors === 0 ? 0 : 1;
} finally {
  clearTimeout(deadline);
  agent.destroy();
  cleanup();
}
