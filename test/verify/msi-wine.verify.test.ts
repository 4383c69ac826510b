/**
 * Real install of our MSI with Wine's msiexec in a fresh, private prefix: install, service + registry
 * environment, secret from the command line, major upgrade in place, uninstall.
 *
 * The fake agent binaries are not Windows services and StartServices would fail (rolling the install
 * back), so orbit.exe is Wine's own do-nothing service, wuauserv.exe. osqueryd is 60 MB of random bytes
 * so the large-file path (FAT/DIFAT, thousands of CAB blocks, stored MSZIP blocks) is installed for real.
 *
 * Wine differences that shape the assertions: exit codes are truncated to 8 bits; Wine's
 * RemoveExistingProducts does not pass UPGRADINGPRODUCTCODE to the old product (Windows does), so the
 * "keep orbit's state on upgrade" condition cannot be observed here; Wine logs hidden properties.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fakeContext } from '../helpers/fake-context.js';
import { run, runOk, tools } from '../helpers/tools.js';
import { createMsiPackager } from '../../src/packaging/msi/index.js';
import type { BuildContext } from '../../src/packaging/types.js';
import { seededRandom } from '../unit/packaging/msi/seeded-random.js';

const SERVICE = 'Fleet osquery';
const WINE_TIMEOUT = 240_000;

function findStubService(): string | undefined {
  const r = spawnSync('sh', ['-c', 'dpkg -L libwine 2>/dev/null | grep -m1 "x86_64-windows/wuauserv.exe$"'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return p !== '' && existsSync(p) ? p : undefined;
}

function md5(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

describe.runIf(tools('wine', 'wineboot', 'wineserver', 'msiinfo'))('msi under Wine', () => {
  const work = mkdtempSync(join(tmpdir(), 'msi-wine-'));
  const prefix = join(work, 'prefix');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    WINEARCH: 'win64',
    DISPLAY: '',
  };
  const orbitDir = join(prefix, 'drive_c', 'Program Files', 'Orbit');
  let v1: { msi: string; ctx: BuildContext; productCode: string };
  let v2: { msi: string; ctx: BuildContext; productCode: string };

  const wine = (args: string[]): { status: number | null; stdout: string; stderr: string } => run('wine', args, { env });
  /** msiexec with a verbose log; returns the (8-bit) exit status and the log. */
  const msiexec = (args: string[], log: string): { status: number | null; log: string } => {
    const r = wine(['msiexec', ...args, '/qn', '/l*v', `Z:${log.replaceAll('/', '\\')}`]);
    run('wineserver', ['-w'], { env });
    return { status: r.status, log: existsSync(log) ? readFileSync(log, 'latin1') : r.stderr };
  };

  async function build(version: string, seed: string, flags: string): Promise<{ msi: string; ctx: BuildContext; productCode: string }> {
    const stub = findStubService()!;
    const base = fakeContext('msi', {
      platform: 'windows',
      exe: '.exe',
      binarySize: 60 * 1024 * 1024,
      extraFiles: { 'osquery.flags': flags },
    });
    const ctx: BuildContext = {
      ...base,
      version,
      orbitRoot: base.orbitRoot.map((e) =>
        e.path === base.targets.orbit.relPath ? { ...e, size: statSync(stub).size, content: { kind: 'path', path: stub } } : e,
      ),
    };
    await createMsiPackager({ random: seededRandom(seed) }).build(ctx);
    const msi = join(work, `fleet-osquery-${version}.msi`);
    copyFileSync(ctx.outPath, msi);
    const props = runOk('msiinfo', ['export', msi, 'Property']);
    const productCode = /^ProductCode\t(\{[0-9A-F-]+\})/m.exec(props)![1]!;
    return { msi, ctx, productCode };
  }

  beforeAll(async () => {
    expect(findStubService(), 'wuauserv.exe from libwine').toBeDefined();
    v1 = await build('1.38.0', 'wine-v1', '--v1\n');
    v2 = await build('1.39.0', 'wine-v2', '--v2\n');
    // A fresh prefix; waiting for wineserver matters: without it the first StartServices races the
    // prefix's own startup.
    runOk('wineboot', ['--init'], { env });
    runOk('wineserver', ['-w'], { env });
  }, WINE_TIMEOUT);

  afterAll(() => {
    run('wineserver', ['-k'], { env });
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'installs files, the service and its registry environment',
    () => {
      const r = msiexec(['/i', `Z:${v1.msi.replaceAll('/', '\\')}`], join(work, 'install.log'));
      expect(r.status, r.log.slice(-3000)).toBe(0);
      expect(readFileSync(join(orbitDir, 'osquery.flags'), 'utf8')).toBe('--v1\n');
      expect(readFileSync(join(orbitDir, 'secret.txt'), 'utf8')).toBe(v1.ctx.options.enrollSecret);
      const osq = v1.ctx.orbitRoot.find((e) => e.path === v1.ctx.targets.osqueryd.relPath)!;
      expect(md5(join(orbitDir, ...v1.ctx.targets.osqueryd.relPath.split('/')))).toBe(md5((osq.content as { path: string }).path));
      expect(md5(join(orbitDir, 'bin', 'orbit', 'orbit.exe'))).toBe(md5(findStubService()!));
      expect(existsSync(join(orbitDir, 'staging'))).toBe(true);
      expect(existsSync(join(orbitDir, 'osquery.man'))).toBe(true);

      const reg = wine(['reg', 'query', `HKLM\\System\\CurrentControlSet\\Services\\${SERVICE}`]).stdout;
      expect(reg).toMatch(/ImagePath\s+REG_(EXPAND_)?SZ\s+"?C:\\Program Files\\Orbit\\bin\\orbit\\orbit\.exe/);
      expect(reg).toMatch(/ObjectName\s+REG_SZ\s+LocalSystem/);
      expect(reg).toMatch(/Start\s+REG_DWORD\s+0x2/);
      expect(reg).toMatch(/Environment\s+REG_MULTI_SZ\s+ORBIT_ROOT_DIR=C:\\Program Files\\Orbit\\\.\\0/);
      expect(reg).toContain('ORBIT_FLEET_URL=https://fleet.example.com\\0');
      expect(reg).toContain('ORBIT_ENROLL_SECRET_PATH=C:\\Program Files\\Orbit\\secret.txt\\0');
      expect(reg).toContain(
        'ORBIT_LOG_FILE=C:\\windows\\system32\\config\\systemprofile\\AppData\\Local\\FleetDM\\Orbit\\Logs\\orbit-osquery.log',
      );
      expect(reg).toContain('ORBIT_FLEET_DESKTOP=False');
      expect(wine(['sc', 'query', SERVICE]).stdout).toMatch(/STATE\s+:\s+4\s+RUNNING/);
      expect(wine(['uninstaller', '--list']).stdout).toContain(`${v1.productCode}|||Fleet osquery`);
    },
    WINE_TIMEOUT,
  );

  it(
    'upgrades in place to a newer version, taking FLEET_SECRET and FLEET_URL from the command line',
    () => {
      // Shell metacharacters reach the file intact: the value travels as a property, not a command line.
      // (Quotes are left out only because msiexec's own command-line parsing would need them escaped.)
      const secret = 'new&secret|x;y%z^<>';
      const r = msiexec(
        ['/i', `Z:${v2.msi.replaceAll('/', '\\')}`, `FLEET_SECRET=${secret}`, 'FLEET_URL=https://other.example.com'],
        join(work, 'upgrade.log'),
      );
      expect(r.status, r.log.slice(-3000)).toBe(0);
      expect(r.log).toContain(`Found application: ${v1.productCode}`);
      const list = wine(['uninstaller', '--list'])
        .stdout.split(/\r?\n/)
        .filter((l) => l.includes('Fleet osquery'));
      expect(list).toEqual([`${v2.productCode}|||Fleet osquery`]);
      expect(readFileSync(join(orbitDir, 'osquery.flags'), 'utf8')).toBe('--v2\n');
      expect(readFileSync(join(orbitDir, 'secret.txt'), 'utf8')).toBe(secret);
      const reg = wine(['reg', 'query', `HKLM\\System\\CurrentControlSet\\Services\\${SERVICE}`]).stdout;
      expect(reg).toContain('ORBIT_FLEET_URL=https://other.example.com\\0');
      expect(wine(['sc', 'query', SERVICE]).stdout).toMatch(/STATE\s+:\s+4\s+RUNNING/);
    },
    WINE_TIMEOUT,
  );

  it(
    'uninstalls everything',
    () => {
      const r = msiexec(['/x', v2.productCode], join(work, 'uninstall.log'));
      expect(r.status, r.log.slice(-3000)).toBe(0);
      expect(existsSync(orbitDir)).toBe(false);
      expect(wine(['reg', 'query', `HKLM\\System\\CurrentControlSet\\Services\\${SERVICE}`]).status).not.toBe(0);
      expect(wine(['uninstaller', '--list']).stdout).not.toContain('Fleet osquery');
    },
    WINE_TIMEOUT,
  );
});
