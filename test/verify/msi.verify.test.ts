/**
 * Checks our MSI output with tools we did not write: msitools (msiinfo, msidump, msiextract), gcab and
 * cabextract. Table dumps are compared with golden files (regenerate with UPDATE_GOLDEN=1).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fakeContext } from '../helpers/fake-context.js';
import { runOk, sh, tools } from '../helpers/tools.js';
import { createMsiPackager } from '../../src/packaging/msi/index.js';
import type { BuildContext } from '../../src/packaging/types.js';
import { seededRandom } from '../unit/packaging/msi/seeded-random.js';

const GOLDEN = join(import.meta.dirname, '..', 'golden', 'msi');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const env = { ...process.env, TZ: 'UTC' };

function md5(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        walk(p);
      } else {
        out.push(relative(dir, p));
      }
    }
  };
  walk(dir);
  return out.sort();
}

async function buildMsi(ctx: BuildContext, seed: string): Promise<string> {
  await createMsiPackager({ random: seededRandom(seed) }).build(ctx);
  return ctx.outPath;
}

/** Source file of each installed path, relative to the install dir. */
function expectedTree(ctx: BuildContext): Map<string, string | Buffer> {
  const m = new Map<string, string | Buffer>();
  for (const e of ctx.orbitRoot) {
    if (e.type === 'file' && e.content) {
      m.set(e.path, e.content.kind === 'path' ? e.content.path : Buffer.from(e.content.data));
    }
  }
  const orbit = m.get(ctx.targets.orbit.relPath)!;
  m.set('bin/orbit/orbit.exe', orbit);
  return m;
}

describe.runIf(tools('msiinfo', 'msidump', 'msiextract', 'cabextract', 'gcab'))('msi with msitools, gcab, cabextract', () => {
  for (const arch of ['amd64', 'arm64'] as const) {
    describe(arch, () => {
      let ctx: BuildContext;
      let msi: string;
      const work = mkdtempSync(join(tmpdir(), `msi-verify-${arch}-`));
      beforeAll(async () => {
        ctx = fakeContext('msi', {
          platform: arch === 'arm64' ? 'windows-arm64' : 'windows',
          exe: '.exe',
          binarySize: 200_000,
          options: { arch, enableScripts: true },
          extraFiles: { 'osquery.flags': '--verbose\n' },
        });
        msi = await buildMsi(ctx, `golden-${arch}`);
      });

      it('has the expected summary information', () => {
        const out = runOk('msiinfo', ['suminfo', msi], { env });
        expect(out).toContain(`Template: ${arch === 'arm64' ? 'Arm64' : 'x64'};1033`);
        expect(out).toContain('Version: 500');
        expect(out).toContain('Source: 2');
        expect(out).toMatch(/Revision number \(UUID\): \{[0-9A-F-]{36}\}/);
        expect(out).toContain('Subject: Fleet osquery');
      });

      it('lists its tables and streams', () => {
        const tables = runOk('msiinfo', ['tables', msi]).split('\n');
        for (const t of [
          'File',
          'Component',
          'Directory',
          'ServiceInstall',
          'ServiceControl',
          'Registry',
          'Upgrade',
          'CustomAction',
          'MsiLockPermissionsEx',
          'MsiServiceConfigFailureActions',
        ]) {
          expect(tables).toContain(t);
        }
        // The summary stream's raw name starts with U+0005, which msiinfo prints as is.
        const streams = runOk('msiinfo', ['streams', msi])
          .split('\n')
          .filter(Boolean)
          .map((s) => (s.startsWith('\u0005') ? s.slice(1) : s));
        expect(streams.sort()).toEqual(['SummaryInformation', 'orbit.cab']);
      });

      it('dumps tables equal to the golden files', () => {
        const dir = join(work, 'dump');
        mkdirSync(dir, { recursive: true });
        runOk('msidump', ['-t', '-d', dir, msi], { env });
        const golden = join(GOLDEN, arch);
        const files = readdirSync(dir)
          .filter((f) => f.endsWith('.idt'))
          .sort();
        if (UPDATE) {
          mkdirSync(golden, { recursive: true });
          for (const f of files) {
            writeFileSync(join(golden, f), readFileSync(join(dir, f)));
          }
        }
        expect(files).toEqual(readdirSync(golden).sort());
        for (const f of files) {
          expect(readFileSync(join(dir, f), 'utf8'), f).toBe(readFileSync(join(golden, f), 'utf8'));
        }
      });

      it('extracts exactly the expected tree with msiextract', () => {
        const out = join(work, 'x');
        mkdirSync(out, { recursive: true });
        runOk('msiextract', ['-C', out, msi]);
        const root = join(out, 'Orbit');
        const expected = expectedTree(ctx);
        expect(listFiles(root)).toEqual([...expected.keys(), 'osquery.man', 'secret.txt'].sort());
        for (const [rel, src] of expected) {
          const want = typeof src === 'string' ? md5(src) : createHash('md5').update(src).digest('hex');
          expect(md5(join(root, rel)), rel).toBe(want);
        }
        expect(readFileSync(join(root, 'secret.txt'), 'utf8')).toBe(ctx.options.enrollSecret);
        const man = readFileSync(join(root, 'osquery.man'), 'utf8');
        expect(man).toContain(
          `%systemdrive%\\Program Files\\Orbit\\bin\\osqueryd\\${arch === 'arm64' ? 'windows-arm64' : 'windows'}\\stable\\osqueryd.exe`,
        );
      });

      it('has a cabinet that cabextract -t and gcab accept', () => {
        const cab = join(work, 'orbit.cab');
        sh(`msiinfo extract '${msi}' orbit.cab > '${cab}'`);
        const test = runOk('cabextract', ['-t', cab]);
        expect(test).toContain('All done, no errors');
        const list = runOk('gcab', ['-lv', cab]);
        const names = list
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ')[0]);
        const fileTable = runOk('msiinfo', ['export', msi, 'File']).split('\n').slice(3).filter(Boolean);
        // CFFILE names are the File keys, in Sequence order.
        const bySeq = fileTable
          .map((l) => l.split('\t'))
          .sort((a, b) => Number(a[7]) - Number(b[7]))
          .map((c) => c[0]);
        expect(names).toEqual(bySeq);
      });
    });
  }

  it('installs a 60 MB target through multi-sector FAT/DIFAT and many CAB blocks', async () => {
    const ctx = fakeContext('msi', { platform: 'windows', exe: '.exe', binarySize: 60 * 1024 * 1024 });
    const msi = await buildMsi(ctx, 'large');
    const header = readFileSync(msi).subarray(0, 76);
    expect(header.readUInt32LE(44)).toBeGreaterThan(109); // FAT sectors beyond the header's DIFAT
    expect(header.readUInt32LE(72)).toBeGreaterThan(0); // DIFAT sectors
    const out = mkdtempSync(join(tmpdir(), 'msi-large-'));
    runOk('msiextract', ['-C', out, msi]);
    for (const t of [ctx.targets.orbit, ctx.targets.osqueryd]) {
      const src = ctx.orbitRoot.find((e) => e.path === t.relPath)!;
      expect(md5(join(out, 'Orbit', t.relPath))).toBe(md5((src.content as { path: string }).path));
    }
    expect(existsSync(join(out, 'Orbit', 'bin', 'orbit', 'orbit.exe'))).toBe(true);
    const cab = join(out, 'orbit.cab');
    sh(`msiinfo extract '${msi}' orbit.cab > '${cab}'`);
    expect(runOk('cabextract', ['-t', cab])).toContain('All done, no errors');
  });
});
