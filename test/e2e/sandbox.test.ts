/**
 * `sandbox provision` end to end: a local S3 server (s3rver) started by the test, real installers
 * checked with real tools, idempotent re-runs, and an S3 endpoint that fails some requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { makeTestRepo, type TestRepo } from '../helpers/tuf-fixture.js';
import { runCliAsync, hasStackTrace, type CliResult } from '../helpers/cli.js';
import { runOk, sh, tools } from '../helpers/tools.js';
import { startS3, startFaultProxy, S3_ENV, type LocalS3 } from '../helpers/s3-server.js';
import { supportedTypes } from '../../src/packaging/registry.js';

const BUCKET = 'fleet-sandbox-test';
const TYPES = supportedTypes();
let base: string;
let repo: TestRepo;
let s3: LocalS3;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'sandbox-e2e-'));
  repo = await makeTestRepo(join(base, 'repo'));
  s3 = await startS3([BUCKET]);
}, 300_000);
afterAll(async () => {
  await s3.close();
  rmSync(base, { recursive: true, force: true });
});

function provision(args: string[], cwd: string): Promise<CliResult> {
  return runCliAsync(
    ['sandbox', 'provision', '--fleet-url=https://sandbox.example.com', `--update-url=${repo.repository}`, `--update-roots=${repo.rootJson}`, `--types=${TYPES.join(',')}`, ...args],
    { cwd, env: { ...S3_ENV, XDG_CACHE_HOME: join(base, 'cache'), SOURCE_DATE_EPOCH: '1700000000' } },
  );
}

function s3client(endpoint: string): S3Client {
  return new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
}

async function download(endpoint: string, key: string, dest: string): Promise<void> {
  const r = await s3client(endpoint).send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  writeFileSync(dest, Buffer.from(await (r.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()));
}

/** The enroll secret and Fleet URL as the installer ships them, read with the format's own tools. */
function shippedConfig(file: string, type: string, dir: string): string {
  switch (type) {
    case 'deb':
      runOk('dpkg-deb', ['--info', file]);
      runOk('dpkg-deb', ['-x', file, dir]);
      return readFileSync(join(dir, 'etc/default/orbit'), 'utf8');
    case 'rpm':
      runOk('rpm', ['-qpi', file]);
      sh(`cd ${dir} && rpm2cpio ${file} | cpio -idm --quiet`);
      return readFileSync(join(dir, 'etc/default/orbit'), 'utf8');
    case 'pkg': {
      runOk('bsdtar', ['-tf', file]);
      sh(`cd ${dir} && bsdtar -xf ${file} && mkdir p && cd p && gzip -dc ../base.pkg/Payload | cpio -idm --quiet`);
      const secret = readFileSync(join(dir, 'p/opt/orbit/secret.txt'), 'utf8');
      const plist = readFileSync(join(dir, 'p/Library/LaunchDaemons/com.fleetdm.orbit.plist'), 'utf8');
      return `${secret}\n${plist}`;
    }
    case 'msi': {
      runOk('msiinfo', ['suminfo', file]);
      const files = runOk('msiextract', ['-C', dir, file]).split('\n').filter((l) => l.endsWith('secret.txt'));
      expect(files).toHaveLength(1);
      return `${readFileSync(join(dir, files[0] as string), 'utf8')}\n${runOk('msiinfo', ['export', file, 'Property'])}`;
    }
    default:
      throw new Error(`no check for ${type}`);
  }
}

const TOOLS: Record<string, string[]> = { deb: ['dpkg-deb'], rpm: ['rpm', 'rpm2cpio', 'cpio'], pkg: ['bsdtar', 'cpio'], msi: ['msiinfo', 'msiextract'] };

describe.runIf(tools(...TYPES.flatMap((t) => TOOLS[t] ?? [])))('sandbox provision', () => {
  it('T=3 to S3: 4 secrets × every type at the right keys, each a valid installer with its own secret; a re-run uploads nothing', async () => {
    const cwd = mkdtempSync(join(base, 'run-'));
    const args = [`--teams=3`, `--dest=s3://${BUCKET}/sandbox`, `--s3-endpoint=${s3.endpoint}`, '--s3-force-path-style', '--s3-checksum-when-required', '--secrets-file=pool.txt', '--json'];
    const r = await provision(args, cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const summary = JSON.parse(r.stdout) as { env: Record<string, string>; objects: Array<{ key: string; type: string; status: string }> };
    const pool = summary.env['FLEET_ENROLL_POOL']?.split(',') ?? [];
    expect(pool).toHaveLength(4);
    expect(new Set(pool).size).toBe(4);
    for (const s of pool) {
      expect(s).toMatch(/^[A-Za-z0-9]{32}$/);
    }
    expect(summary.env['FLEET_PACKAGING_GLOBAL_ENROLL_SECRET']).toBe(pool[0]);
    expect(summary.env['FLEET_MAX_TEAMS']).toBe('3');
    expect(summary.env['FLEET_DISABLE_ENROLL_CHANGE']).toBe('true');
    expect(summary.env['FLEET_PACKAGING_S3_BUCKET']).toBe(BUCKET);
    expect(summary.env['FLEET_PACKAGES_S3_PREFIX']).toBe('sandbox/fleet-installers');
    expect(statSync(join(cwd, 'fleet-sandbox.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(cwd, 'pool.txt')).mode & 0o777).toBe(0o600);
    // Secrets never in the human log.
    for (const s of pool) {
      expect(r.stderr).not.toContain(s);
    }

    const listed = await s3client(s3.endpoint).send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const keys = (listed.Contents ?? []).map((c) => c.Key ?? '').sort();
    const expected = pool.flatMap((s) => TYPES.map((t) => `sandbox/fleet-installers/${s}/fleet-osquery.${t}`)).sort();
    expect(keys).toEqual(expected);

    for (const s of pool) {
      for (const t of TYPES) {
        const dir = mkdtempSync(join(base, `check-${t}-`));
        const file = join(dir, `fleet-osquery.${t}`);
        await download(s3.endpoint, `sandbox/fleet-installers/${s}/fleet-osquery.${t}`, file);
        const shipped = shippedConfig(file, t, dir);
        expect(shipped, `${t} carries its own secret`).toContain(s);
        expect(shipped).toContain('https://sandbox.example.com');
        for (const other of pool.filter((x) => x !== s)) {
          expect(shipped).not.toContain(other);
        }
      }
    }

    const again = await provision(args, cwd);
    expect(again.status, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as { env: Record<string, string>; objects: Array<{ status: string }> };
    expect(second.env['FLEET_ENROLL_POOL']).toBe(summary.env['FLEET_ENROLL_POOL']);
    expect(second.objects.every((o) => o.status === 'skipped')).toBe(true);
  });

  it('an S3 endpoint that fails some requests still ends in a complete, verified set', async () => {
    const proxy = await startFaultProxy(s3.endpoint, { errorEvery: 3, dropEvery: 5, maxFaults: 6 });
    try {
      const cwd = mkdtempSync(join(base, 'faulty-'));
      const r = await provision(['--teams=1', `--dest=s3://${BUCKET}/faulty`, `--s3-endpoint=${proxy.endpoint}`, '--s3-force-path-style', '--s3-checksum-when-required', '--json'], cwd);
      expect(r.status, r.stderr).toBe(0);
      expect(proxy.injected.errors + proxy.injected.drops).toBeGreaterThan(0);
      const listed = await s3client(s3.endpoint).send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'faulty/' }));
      expect(listed.Contents ?? []).toHaveLength(2 * TYPES.length);
    } finally {
      await proxy.close();
    }
  });

  it('writes the same layout to a local directory (embedded default), with --installers-dir empty', async () => {
    const cwd = mkdtempSync(join(base, 'local-'));
    const r = await provision(['--teams=0', '--dest=out', '--installers-dir=', '--json'], cwd);
    expect(r.status, r.stderr).toBe(0);
    const pool = (JSON.parse(r.stdout) as { env: Record<string, string> }).env['FLEET_ENROLL_POOL'] ?? '';
    expect(readdirSync(join(cwd, 'out', pool)).sort()).toEqual(TYPES.map((t) => `fleet-osquery.${t}`).sort());
  });

  it('bad input: a secrets file for another team count', async () => {
    const cwd = mkdtempSync(join(base, 'bad-'));
    writeFileSync(join(cwd, 'pool.txt'), 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n');
    const r = await provision(['--teams=2', '--dest=out', '--secrets-file=pool.txt'], cwd);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--secrets-file pool.txt has 1 secrets, but --teams 2 needs 3/);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
