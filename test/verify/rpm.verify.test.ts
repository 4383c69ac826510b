/**
 * The rpm packager's output checked with tools we did not write: rpm (query, digests, trial install,
 * verify, erase), rpm2cpio + cpio, rpmlint, sh -n. Both architectures, both compressions, corrupted
 * copies, and reproducibility. Set UPDATE_GOLDEN=1 to rewrite the golden listings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, rmSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runOk, sh, tools } from '../helpers/tools.js';
import { fakeContext } from '../helpers/fake-context.js';
import type { BuildContext } from '../../src/packaging/types.js';
import { createRpmPackager, rpmPackager } from '../../src/packaging/rpm/packager.js';
import { parseRpm } from '../unit/formats/rpm/rpm-reader.js';

const GOLDEN = fileURLToPath(new URL('../golden/rpm/', import.meta.url));
const RPMLINTRC = fileURLToPath(new URL('../rpmlintrc', import.meta.url));
/** Fixed locale and zone so listings do not depend on the machine. */
const ENV = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };

function rpm(args: string[]): string {
  return runOk('rpm', args, { env: ENV });
}

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** Copies `pkg` with one byte inverted at `offset` and returns the copy's path. */
function corrupt(pkg: string, offset: number, tag: string): string {
  const buf = readFileSync(pkg);
  buf[offset] = (buf[offset] ?? 0) ^ 0xff;
  const out = `${pkg}.${tag}.rpm`;
  writeFileSync(out, buf);
  return out;
}

/** Scratch directories removed after the suite. */
const scratch: string[] = [];
function scratchDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(d);
  return d;
}
afterAll(() => {
  for (const d of scratch) {
    rmSync(d, { recursive: true, force: true });
  }
});

function context(...args: Parameters<typeof fakeContext>): BuildContext {
  const ctx = fakeContext(...args);
  scratch.push(ctx.tmpDir);
  return ctx;
}

const ARCHES = [
  { arch: 'amd64', platform: 'linux', rpmArch: 'x86_64' },
  { arch: 'arm64', platform: 'linux-arm64', rpmArch: 'aarch64' },
] as const;

describe.runIf(tools('rpm', 'rpmlint', 'cpio', 'rpm2cpio'))('rpm packager, verified with rpm tools', () => {
  for (const a of ARCHES) {
    describe(a.arch, () => {
      let ctx: BuildContext;
      let pkg: string;

      beforeAll(async () => {
        ctx = context('rpm', { platform: a.platform, options: { arch: a.arch } });
        pkg = join(ctx.tmpDir, rpmPackager.fileName(ctx.version, ctx.options));
        await rpmPackager.build({ ...ctx, outPath: pkg });
      });

      it('is named as Fleet names it', () => {
        expect(rpmPackager.fileName(ctx.version, ctx.options)).toBe(`fleet-osquery-1.38.0.${a.rpmArch}.rpm`);
      });

      it('rpm -qpi shows Fleet metadata', () => {
        const info = rpm(['-qpi', pkg]);
        const field = (name: string): string => {
          const m = new RegExp(`^${name}\\s*: (.*)$`, 'm').exec(info);
          return m?.[1]?.trim() ?? '';
        };
        expect(field('Name')).toBe('fleet-osquery');
        expect(field('Version')).toBe('1.38.0');
        expect(field('Release')).toBe('1');
        expect(field('Architecture')).toBe(a.rpmArch);
        expect(field('Vendor')).toBe('Fleet Device Management');
        expect(field('Packager')).toBe('Fleet Device Management');
        expect(field('License')).toBe('https://github.com/fleetdm/fleet/blob/main/LICENSE');
        expect(field('URL')).toBe('https://fleetdm.com');
        expect(field('Summary')).toBe('Fleet osquery -- runtime and autoupdater');
        expect(field('Source RPM')).toBe('fleet-osquery-1.38.0-1.src.rpm');
        expect(field('Build Date')).toBe('Tue Nov 14 22:13:20 2023');
        expect(info).toMatch(/^Description :\nFleet osquery -- runtime and autoupdater$/m);
        expect(
          rpm(['-qp', '--qf', '%{PAYLOADFORMAT} %{PAYLOADCOMPRESSOR} %{PAYLOADFLAGS} %{FILEDIGESTALGO} %{PAYLOADDIGESTALGO}', pkg]),
        ).toBe('cpio gzip 6 8 8');
      });

      it('rpm -qplv matches the golden listing', () => {
        golden(`qplv-${a.arch}.txt`, rpm(['-qplv', pkg]));
      });

      it('declares rpmlib() features, scriptlet interpreters and self-provides', () => {
        golden(
          `deps-${a.arch}.txt`,
          rpm([
            '-qp',
            '--qf',
            '[R %{REQUIRENAME} %{REQUIREFLAGS} %{REQUIREVERSION}\n][P %{PROVIDENAME} %{PROVIDEFLAGS} %{PROVIDEVERSION}\n]',
            pkg,
          ]),
        );
        const progs = rpm(['-qp', '--qf', '%{POSTINPROG} %{PREUNPROG} %{POSTUNPROG} %{POSTTRANSPROG} %{PREINPROG}', pkg]);
        expect(progs).toBe('/bin/sh /bin/sh /bin/sh /bin/sh (none)');
      });

      it('rpm -Kv reports every digest OK', () => {
        const out = rpm(['-Kv', pkg]);
        for (const line of ['Header SHA256 digest: OK', 'Header SHA1 digest: OK', 'Payload SHA256 digest: OK', 'MD5 digest: OK']) {
          expect(out).toContain(line);
        }
        expect(out).not.toMatch(/BAD|NOTFOUND|NOKEY/);
      });

      it('rpm2cpio | cpio -itv lists the same tree as the header, with ./ names', () => {
        const cpio = sh(`rpm2cpio '${pkg}' | cpio -itv --quiet 2>/dev/null`).trim().split('\n');
        const names = cpio.map((l) =>
          l
            .replace(/ -> .*$/, '')
            .split(/\s+/)
            .pop(),
        );
        const header = rpm(['-qpl', pkg])
          .trim()
          .split('\n')
          .map((p) => `.${p}`);
        expect(names).toEqual(header);
        expect(cpio.find((l) => l.endsWith('./usr/local/bin/orbit -> /opt/orbit/bin/orbit/orbit'))).toMatch(/^lrwxrwxrwx/);
        expect(cpio.find((l) => l.endsWith('./etc/default/orbit'))).toMatch(/^-rw------- +1 root +root/);
      });

      it('rpmlint finds no errors (filters justified in test/rpmlintrc)', () => {
        const r = run('rpmlint', ['-r', RPMLINTRC, pkg], { env: ENV });
        expect(r.stdout).not.toMatch(/ E: /);
        expect(r.stdout).toMatch(/0 errors/);
        expect(r.status).toBe(0);
      });

      it('scriptlets parse with sh -n', () => {
        for (const tag of ['POSTIN', 'PREUN', 'POSTUN', 'POSTTRANS']) {
          const body = rpm(['-qp', '--qf', `%{${tag}}`, pkg]);
          expect(body.startsWith('#!/bin/sh\n')).toBe(true);
          const file = join(ctx.tmpDir, `${tag}.sh`);
          writeFileSync(file, body);
          runOk('sh', ['-n', file]);
        }
      });

      it('pre-uninstall stops orbit on erase ($1=0) and keeps it on upgrade ($1=1)', () => {
        // Fleet's own script inverts this on rpm; see the decision in src/packaging/rpm/packager.ts.
        const dir = scratchDir('rpm-preun-');
        const bin = join(dir, 'bin');
        mkdirSync(bin);
        for (const tool of ['pkill', 'systemctl']) {
          writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${dir}/calls'\n`);
          chmodSync(join(bin, tool), 0o755);
        }
        const script = join(dir, 'preun.sh');
        writeFileSync(script, rpm(['-qp', '--qf', '%{PREUN}', pkg]));
        const env = { ...ENV, PATH: `${bin}:/usr/bin:/bin` };
        runOk('sh', [script, '1'], { env });
        expect(existsSync(join(dir, 'calls'))).toBe(false);
        runOk('sh', [script, '0'], { env });
        expect(readFileSync(join(dir, 'calls'), 'utf8')).toContain('pkill fleet-desktop');
      });

      it('installs into a root, verifies clean and erases', () => {
        const root = scratchDir('rpm-root-');
        // --ignorearch: the aarch64 package is installed on whatever machine runs the tests.
        rpm(['-i', '--root', root, '--nodeps', '--noscripts', '--ignorearch', pkg]);
        expect(rpm(['--root', root, '-qa'])).toContain(`fleet-osquery-1.38.0-1.${a.rpmArch}`);
        const v = run('rpm', ['--root', root, '-V', '--nodeps', 'fleet-osquery'], { env: ENV });
        expect(v.stdout).toBe('');
        expect(v.status).toBe(0);
        const orbitBin = readFileSync(join(root, 'opt/orbit', ctx.targets.orbit.relPath));
        expect(orbitBin.length).toBe(4096);
        expect(readdirSync(join(root, 'var/log'))).toEqual(['orbit', 'osquery']);
        rpm(['--root', root, '-e', '--noscripts', 'fleet-osquery']);
        expect(existsSync(join(root, 'opt/orbit'))).toBe(false);
        expect(existsSync(join(root, 'etc/default/orbit'))).toBe(false);
        expect(rpm(['--root', root, '-qa'])).toBe('');
      });

      it('a flipped byte anywhere in the main header or the payload makes rpm -K fail', () => {
        const parsed = parseRpm(readFileSync(pkg));
        const headerAt = parsed.header.start;
        const payloadAt = headerAt + parsed.header.length;
        const spread = (from: number, length: number, n: number): number[] =>
          Array.from({ length: n }, (_, i) => from + Math.floor((i * (length - 1)) / (n - 1)));
        // Header: from the magic through index, data and region trailer; payload: gzip header to trailer.
        const offsets = [...spread(headerAt, parsed.header.length, 12), ...spread(payloadAt, parsed.payload.length, 12)];
        for (const offset of offsets) {
          const bad = corrupt(pkg, offset, String(offset));
          const r = run('rpm', ['-K', bad], { env: ENV });
          expect(r.status, `byte ${offset}: ${r.stdout}${r.stderr}`).not.toBe(0);
          rmSync(bad);
        }
      });

      it('two builds with the same mtime are byte-identical', async () => {
        const again = join(ctx.tmpDir, 'again.rpm');
        await rpmPackager.build({ ...ctx, outPath: again });
        expect(readFileSync(again).equals(readFileSync(pkg))).toBe(true);
      });
    });
  }

  it('a pre-release orbit version becomes an rpm ~ version that installs', async () => {
    const base = context('rpm', { platform: 'linux' });
    const ctx = { ...base, version: '1.40.0-rc1' };
    const pkg = join(ctx.tmpDir, rpmPackager.fileName(ctx.version, ctx.options));
    expect(pkg.endsWith('fleet-osquery-1.40.0~rc1.x86_64.rpm')).toBe(true);
    await rpmPackager.build({ ...ctx, outPath: pkg });
    expect(rpm(['-qp', '--qf', '%{VERSION}-%{RELEASE}', pkg])).toBe('1.40.0~rc1-1');
    expect(rpm(['-qp', '--requires', pkg])).toContain('rpmlib(TildeInVersions) <= 4.10.0-1');
    const root = scratchDir('rpm-root-');
    rpm(['-i', '--root', root, '--nodeps', '--noscripts', pkg]);
    expect(rpm(['--root', root, '-q', 'fleet-osquery'])).toBe('fleet-osquery-1.40.0~rc1-1.x86_64\n');
  });

  // rpm runs scriptlets chrooted into --root, which needs root privileges and a shell inside the root.
  it.runIf(process.getuid?.() === 0 && tools('ldd', 'dash'))('scriptlets run under rpm with their $1 (install, erase)', async () => {
    const ctx = context('rpm', { platform: 'linux' });
    const pkg = join(ctx.tmpDir, 'scripts.rpm');
    await rpmPackager.build({ ...ctx, outPath: pkg });
    const root = scratchDir('rpm-chroot-');
    // A minimal userland: dash as /bin/sh plus rm (used by post-uninstall), with their libraries.
    for (const [bin, as] of [
      ['/bin/dash', 'bin/sh'],
      ['/bin/rm', 'bin/rm'],
    ] as const) {
      const libs = sh(`ldd ${bin}`).match(/\/\S+/g) ?? [];
      for (const f of [bin, ...libs]) {
        const dest = join(root, f === bin ? as : f.slice(1));
        mkdirSync(dirname(dest), { recursive: true });
        copyFileSync(f, dest);
        chmodSync(dest, 0o755);
      }
    }
    const install = run('rpm', ['-i', '--root', root, '--nodeps', pkg], { env: ENV });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/scriptlet failed/);
    expect(existsSync(join(root, 'opt/orbit/certs.pem'))).toBe(true);
    // files orbit creates at run time: rpm -e alone would leave them (and their directories) behind
    writeFileSync(join(root, 'opt/orbit/osquery.db'), 'state');
    writeFileSync(join(root, 'var/log/orbit/orbit.log'), 'log');
    const erase = run('rpm', ['--root', root, '-e', '--nodeps', 'fleet-osquery'], { env: ENV });
    expect(erase.status, erase.stderr).toBe(0);
    expect(erase.stderr).not.toMatch(/scriptlet failed/);
    // only post-uninstall ($1 = 0) removes those
    expect(existsSync(join(root, 'opt/orbit'))).toBe(false);
    expect(existsSync(join(root, 'var/log/orbit'))).toBe(false);
  });

  it('an uncompressed payload (--compression none) verifies and installs', async () => {
    const ctx = context('rpm', { platform: 'linux' });
    const pkg = join(ctx.tmpDir, 'none.rpm');
    await createRpmPackager({ compression: 'none' }).build({ ...ctx, outPath: pkg });
    expect(rpm(['-qp', '--qf', '%{PAYLOADCOMPRESSOR}', pkg])).toBe('(none)');
    const k = rpm(['-Kv', pkg]);
    expect(k).toContain('Payload SHA256 digest: OK');
    expect(k).not.toMatch(/BAD|NOTFOUND/);
    expect(sh(`rpm2cpio '${pkg}' | cpio -it --quiet 2>/dev/null`)).toContain('./opt/orbit/certs.pem');
    const root = scratchDir('rpm-root-');
    rpm(['-i', '--root', root, '--nodeps', '--noscripts', pkg]);
    expect(run('rpm', ['--root', root, '-V', '--nodeps', 'fleet-osquery'], { env: ENV }).status).toBe(0);
  });

  it('a package with multi-MiB files (several gzip segments) verifies and installs', async () => {
    const ctx = context('rpm', { platform: 'linux', binarySize: 5 * 1024 * 1024 + 3 });
    const pkg = join(ctx.tmpDir, 'big.rpm');
    await rpmPackager.build({ ...ctx, outPath: pkg });
    expect(rpm(['-Kv', pkg])).not.toMatch(/BAD|NOTFOUND/);
    const root = scratchDir('rpm-root-');
    rpm(['-i', '--root', root, '--nodeps', '--noscripts', pkg]);
    expect(run('rpm', ['--root', root, '-V', '--nodeps', 'fleet-osquery'], { env: ENV }).stdout).toBe('');
  });
});
