/**
 * The .deb checked by Debian's own tools: dpkg-deb, lintian, a real dpkg install into a scratch root
 * (with the maintainer scripts running), dpkg --verify and purge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestRepo, type TestRepo } from '../helpers/tuf-fixture.js';
import { runCli } from '../helpers/cli.js';
import { runOk, sh, tools } from '../helpers/tools.js';
import { expectGolden } from '../helpers/golden.js';
import { lintian, scratchDpkg } from '../helpers/deb-checks.js';

const EPOCH = '1700000000';
let base: string;
let repo: TestRepo;

function build(outDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): string {
  mkdirSync(outDir, { recursive: true });
  const r = runCli(
    ['package', '--type=deb', '--fleet-url=https://fleet.example.com', '--enroll-secret=deb-test-secret-0123456789', `--update-url=${repo.repository}`, `--update-roots=${repo.rootJson}`, ...extra],
    { cwd: outDir, env: { XDG_CACHE_HOME: join(base, 'cache'), SOURCE_DATE_EPOCH: EPOCH, ...env } },
  );
  if (r.status !== 0) {
    throw new Error(`package failed: ${r.stderr}`);
  }
  return join(outDir, extra.includes('--arch=arm64') ? 'fleet-osquery_1.38.0_arm64.deb' : 'fleet-osquery_1.38.0_amd64.deb');
}

/** `dpkg-deb --contents` without the sizes and dates that legitimately vary (metadata, CA bundle). */
function listing(deb: string): string {
  return runOk('dpkg-deb', ['--contents', deb])
    .trim()
    .split('\n')
    .map((l) => {
      const f = l.split(/\s+/);
      return [f[0], f[1], ...f.slice(5)].join(' ');
    })
    .join('\n') + '\n';
}

describe.runIf(tools('dpkg-deb', 'dpkg', 'lintian'))('deb verified by dpkg and lintian', () => {
  let deb: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'deb-verify-'));
    repo = await makeTestRepo(join(base, 'repo'), { platforms: ['linux', 'linux-arm64'], desktop: true });
    deb = build(join(base, 'out'), ['--fleet-desktop']);
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('dpkg-deb --info shows Fleet metadata and the control members', () => {
    const info = runOk('dpkg-deb', ['--info', deb]);
    expect(info).toMatch(/Package: fleet-osquery/);
    expect(info).toMatch(/Version: 1\.38\.0/);
    expect(info).toMatch(/Architecture: amd64/);
    for (const m of ['control', 'md5sums', 'postinst', 'prerm', 'postrm']) {
      expect(info).toContain(m);
    }
    expect(runOk('dpkg-deb', ['--field', deb, 'Package', 'Version'])).toBe('Package: fleet-osquery\nVersion: 1.38.0\n');
  });

  it('dpkg-deb --contents matches the golden listing', () => {
    expectGolden('deb/contents-desktop-amd64.txt', listing(deb));
  });

  it('ships the enroll secret only in /etc/default/orbit (0600) and the env file is correct', () => {
    const dir = join(base, 'x');
    runOk('dpkg-deb', ['-x', deb, dir]);
    const env = readFileSync(join(dir, 'etc/default/orbit'), 'utf8');
    expect(env).toContain('ORBIT_ENROLL_SECRET=deb-test-secret-0123456789\n');
    expect(env).toContain('ORBIT_FLEET_URL=https://fleet.example.com\n');
    expect(env).toContain('ORBIT_FLEET_DESKTOP=true\n');
    expect(env).toContain(`ORBIT_UPDATE_URL=${repo.repository}\n`);
    expect(existsSync(join(dir, 'opt/orbit/secret.txt'))).toBe(false);
    const meta = JSON.parse(readFileSync(join(dir, 'opt/orbit/tuf-metadata.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(meta)).toEqual(['root.json', 'snapshot.json', 'targets.json', 'timestamp.json']);
    expect(existsSync(join(dir, 'opt/orbit/updates-metadata.json'))).toBe(false);
    expect(readFileSync(join(dir, 'opt/orbit/bin/desktop/linux/stable/desktop.tar.gz.sha512'), 'utf8')).toMatch(/^[0-9a-f]{128}$/);
    expect(readFileSync(join(dir, 'usr/lib/systemd/system/orbit.service'), 'utf8')).toContain('CPUQuota=20%');
  });

  it('passes lintian with no errors', () => {
    // Suppressions and their reasons: FLEET_LINTIAN_SUPPRESSIONS in test/helpers/deb-checks.ts.
    const r = lintian(deb);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('E:'))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('installs into a scratch root with dpkg, verifies, and purges cleanly', () => {
    const root = join(base, 'root');
    const dpkg = scratchDpkg(root);
    dpkg('-i', deb);
    expect(readFileSync(join(root, 'opt/orbit/bin/orbit/linux/stable/orbit'), 'utf8')).toContain('fake orbit');
    expect(runOk('readlink', [join(root, 'usr/local/bin/orbit')]).trim()).toBe('/opt/orbit/bin/orbit/orbit');
    expect(runOk('dpkg', [`--root=${root}`, '-L', 'fleet-osquery'])).toContain('/opt/orbit/bin/osqueryd/linux/stable/osqueryd');
    dpkg('--verify', 'fleet-osquery');
    dpkg('-P', 'fleet-osquery');
    expect(existsSync(join(root, 'opt/orbit'))).toBe(false);
    expect(existsSync(join(root, 'etc/default/orbit'))).toBe(false);
  });

  it('maintainer scripts pass sh -n', () => {
    const dir = join(base, 'ctrl');
    runOk('dpkg-deb', ['-e', deb, dir]);
    for (const s of ['postinst', 'prerm', 'postrm']) {
      runOk('sh', ['-n', join(dir, s)]);
    }
  });

  it('builds arm64 too', () => {
    const arm = build(join(base, 'arm'), ['--arch=arm64']);
    expect(runOk('dpkg-deb', ['--field', arm, 'Architecture']).trim()).toBe('arm64');
    expect(runOk('dpkg-deb', ['--contents', arm])).toContain('./opt/orbit/bin/orbit/linux-arm64/stable/orbit');
  });

  it('is byte-identical across two builds with the same SOURCE_DATE_EPOCH', () => {
    const a = build(join(base, 'r1'), ['--fleet-desktop']);
    const b = build(join(base, 'r2'), ['--fleet-desktop']);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(deb))).toBe(true);
    expect(sh(`sha256sum ${a} ${b} | awk '{print $1}' | uniq | wc -l`).trim()).toBe('1');
  });
});
