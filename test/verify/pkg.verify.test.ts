/**
 * The macOS .pkg checked by tools we did not write: bsdtar (libarchive) and 7-Zip read the xar and
 * check every member's checksum, GNU cpio reads Payload and Scripts, Python's XML and plistlib
 * parsers read the metadata, and the `cksum` tool recomputes the BOM CRCs. The BOM itself has no
 * Linux tool; the independent reader in test/helpers/readers is checked against Apple's own Bom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { parse as parsePlist } from 'plist';
import { run, runOk, sh, tools } from '../helpers/tools.js';
import { readBom } from '../helpers/readers/bom-reader.js';
import { extractFile, readXar, type XarArchive } from '../helpers/readers/xar-reader.js';
import type { XarSigner } from '../../src/formats/xar/writer.js';
import { cleanupContexts, buildPkgFile, expectGolden, pkgContext } from '../unit/packaging/pkg/fixture.js';
import { distributionEntry, xarBytes } from '../helpers/xar-fixtures.js';

const APPLE = '../shared/fixtures/apple-pkg-samples/valid.pkg';
const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8' };

function walkFiles(root: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) {
      out.push(...walkFiles(p));
    } else {
      out.push(p);
    }
  }
  return out;
}

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/** bsdtar and our reader must extract the same member contents (as a multiset of hashes). */
function expectSameContents(pkg: string, x: XarArchive, into: string): void {
  mkdirSync(into, { recursive: true });
  runOk('bsdtar', ['-xf', pkg, '-C', into]);
  const ours = x.files
    .filter((f) => f.type === 'file')
    .map((f) => sha1(extractFile(x, f.path)))
    .sort();
  const theirs = walkFiles(into)
    .map((p) => sha1(readFileSync(p)))
    .sort();
  expect(theirs).toEqual(ours);
}

function sevenZipOk(pkg: string): void {
  const r = run('7zz', ['t', pkg]);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toContain('Everything is Ok');
  // 7-Zip only warns about a bad TOC checksum, so warnings must be absent too.
  expect(r.stdout + r.stderr).not.toMatch(/WARNING|CRC Failed|Data Error|Headers Error/i);
}

describe.runIf(tools('bsdtar', '7zz', 'cpio', 'python3', 'cksum'))('macOS pkg verified with third-party tools', () => {
  let work: string;
  let pkg: string;
  let x: XarArchive;
  let flat: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pkg-verify-'));
    const ctx = pkgContext({ fleetUrl: 'https://fleet.example.com/?a=1&b=2' }, 64 * 1024);
    pkg = join(work, 'fleet-osquery.pkg');
    writeFileSync(pkg, await buildPkgFile(ctx));
    x = readXar(readFileSync(pkg));
    flat = join(work, 'flat');
    mkdirSync(flat);
    runOk('bsdtar', ['-xf', pkg, '-C', flat]);
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    cleanupContexts();
  });

  it('bsdtar lists the xar as our reader does', () => {
    const lines = runOk('bsdtar', ['-tvf', pkg], { env }).trim().split('\n');
    const listed = lines.map((l) => {
      const f = l.split(/\s+/);
      return { perms: f[0], owner: `${f[2]}/${f[3]}`, size: Number(f[4]), name: f.slice(8).join(' ') };
    });
    const ours = x.files.map((f) => ({ name: f.path, size: f.data?.size ?? 0 }));
    expect(listed.map((l) => ({ name: l.name, size: l.size })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      ours.sort((a, b) => a.name.localeCompare(b.name)),
    );
    expectGolden('xar-listing.txt', `${listed.map((l) => `${l.perms} ${l.owner} ${l.name}`).join('\n')}\n`);
  });

  it('7zz tests every member checksum without warnings', () => {
    sevenZipOk(pkg);
  });

  it('bsdtar and our reader extract the same bytes', () => {
    expectSameContents(pkg, x, join(work, 'ours-bsdtar'));
  });

  it('GNU cpio lists Payload and Scripts as the golden listings', () => {
    const listing = (member: string): string =>
      sh(`gzip -dc '${join(flat, 'base.pkg', member)}' | cpio -itv --quiet`)
        .trim()
        .split('\n')
        .map((l) => {
          const f = l.split(/\s+/);
          // perms, links, owner, group, size, name (dates vary with the cpio version's format).
          return [f[0], f[1], f[2], f[3], f[4], f.slice(8).join(' ')].join(' ');
        })
        .join('\n');
    expectGolden('payload-listing.txt', `${listing('Payload')}\n`);
    expectGolden('scripts-listing.txt', `${listing('Scripts')}\n`);
    // GNU cpio decodes the odc mtime as the build's fixed timestamp.
    expect(sh(`gzip -dc '${join(flat, 'base.pkg', 'Payload')}' | cpio -itv --quiet | head -1`)).toMatch(/Nov 14\s+2023/);
  });

  it('the BOM matches what cpio extracts, CRCs recomputed by the cksum tool', () => {
    const root = join(work, 'root');
    mkdirSync(root);
    sh(`gzip -dc '${join(flat, 'base.pkg', 'Payload')}' | cpio -idm --quiet --no-absolute-filenames --no-preserve-owner`, root);
    const bom = readBom(readFileSync(join(flat, 'base.pkg', 'Bom')));
    const cpioList = sh(`gzip -dc '${join(flat, 'base.pkg', 'Payload')}' | cpio -itv --quiet`, root)
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    const permsOf = (mode: number): string => {
      const t = (mode & 0o170000) === 0o040000 ? 'd' : (mode & 0o170000) === 0o120000 ? 'l' : '-';
      const rwx = (m: number): string => `${m & 4 ? 'r' : '-'}${m & 2 ? 'w' : '-'}${m & 1 ? 'x' : '-'}`;
      return t + rwx((mode >> 6) & 7) + rwx((mode >> 3) & 7) + rwx(mode & 7);
    };
    const fromBom = bom.paths.map((p) => {
      const size = p.type === 1 ? p.size : 0;
      return `${permsOf(p.mode)} ${p.uid === 0 ? 'root' : p.uid} ${p.gid} ${size} ${p.path}`;
    });
    const fromCpio = cpioList.map((f) => `${f[0]} ${f[2]} ${f[3]} ${f[4]} ${f.slice(8).join(' ')}`);
    expect(fromBom.sort()).toEqual(fromCpio.sort());
    for (const p of bom.paths.filter((e) => e.type === 1)) {
      const out = runOk('cksum', [join(root, p.path)]);
      expect(Number(out.split(' ')[0]), p.path).toBe(p.checksum);
    }
  });

  it('PackageInfo and Distribution parse as XML and match the golden files', () => {
    for (const [member, golden] of [
      ['base.pkg/PackageInfo', 'PackageInfo.xml'],
      ['Distribution', 'Distribution.xml'],
    ] as const) {
      const path = join(flat, member);
      runOk('python3', ['-c', 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])', path]);
      expectGolden(golden, readFileSync(path, 'utf8'));
    }
    const root = runOk('python3', [
      '-c',
      'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); print(r.tag, r.get("identifier"))',
      join(flat, 'base.pkg/PackageInfo'),
    ]);
    expect(root.trim()).toBe('pkg-info com.fleetdm.orbit.base.pkg');
  });

  it('postinstall is valid bash and matches the golden file', () => {
    const dir = join(work, 'scripts');
    mkdirSync(dir);
    sh(`gzip -dc '${join(flat, 'base.pkg', 'Scripts')}' | cpio -idm --quiet --no-preserve-owner`, dir);
    runOk('bash', ['-n', join(dir, 'postinstall')]);
    expectGolden('postinstall', readFileSync(join(dir, 'postinstall'), 'utf8'));
  });

  it('the launchd plist parses with the plist library and with Python plistlib, escaped', () => {
    const text = sh(
      `gzip -dc '${join(flat, 'base.pkg', 'Payload')}' | cpio -i --quiet --to-stdout ./Library/LaunchDaemons/com.fleetdm.orbit.plist`,
    );
    expectGolden('com.fleetdm.orbit.plist', text);
    const file = join(work, 'orbit.plist');
    writeFileSync(file, text);
    const py = JSON.parse(
      runOk('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', file]),
    ) as unknown;
    expect(py).toEqual(parsePlist(text));
    expect((py as { EnvironmentVariables: Record<string, string> }).EnvironmentVariables['ORBIT_FLEET_URL']).toBe(
      'https://fleet.example.com/?a=1&b=2',
    );
  });

  it('reserved signature space does not disturb bsdtar or 7-Zip', async () => {
    const signer: XarSigner = {
      slots: [
        { element: 'signature', style: 'RSA', size: 256, certificates: [randomBytes(64)] },
        { element: 'x-signature', style: 'CMS', size: 9216, certificates: [randomBytes(64)] },
      ],
      sign: async () => [randomBytes(256), randomBytes(1000)],
    };
    const archive = await xarBytes([distributionEntry()], { signer });
    const signed = join(work, 'signed.xar');
    writeFileSync(signed, archive);
    expect(runOk('bsdtar', ['-xOf', signed, 'Distribution'])).toBe('<x/>');
    sevenZipOk(signed);
  });
});

describe.runIf(existsSync(APPLE) && tools('bsdtar', '7zz'))('our xar reader and bsdtar agree on the Apple-made sample', () => {
  it('lists and extracts the same members', () => {
    const work = mkdtempSync(join(tmpdir(), 'pkg-apple-'));
    try {
      const x = readXar(readFileSync(APPLE));
      expectSameContents(APPLE, x, join(work, 'x'));
      const names = runOk('bsdtar', ['-tf', APPLE]).trim().split('\n');
      expect(names.length).toBe(x.files.length);
      // Apple repeats <name>; bsdtar concatenates the repeats, so compare the last path component.
      for (const f of x.files) {
        const last = f.path.split('/').pop() ?? '';
        expect(
          names.some((n) => n.endsWith(last)),
          f.path,
        ).toBe(true);
      }
      const extracted = walkFiles(join(work, 'x')).map((p) => relative(join(work, 'x'), p));
      expect(extracted.length).toBe(x.files.filter((f) => f.type === 'file').length);
      sevenZipOk(APPLE);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
