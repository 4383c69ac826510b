/**
 * A BuildContext for packager tests that does not need TUF: fake agent binaries written to a temp dir
 * and an orbit root laid out as the shared pipeline lays it out. End-to-end tests use the real pipeline.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ArchiveEntry } from '../../src/formats/entry.js';
import { parentDirs } from '../../src/formats/entry.js';
import type { BuildContext, PackageOptions, PackageType, StagedTargets } from '../../src/packaging/types.js';

export const FAKE_MTIME = 1_700_000_000;

/**
 * Random (incompressible) bytes behind a small header with NUL bytes: random data without a NUL near
 * the start can look like text, and linters (rpmlint) then report a script without a shebang. Not
 * ELF either, so no ELF checks run on the fake.
 */
export function fakeBinary(size: number): Buffer {
  const b = randomBytes(size);
  Buffer.from('FAKEBIN\0\0\0\0\0\0\0\0\0', 'latin1').copy(b, 0, 0, Math.min(16, size));
  return b;
}

export function fakeOptions(type: PackageType, over: Partial<PackageOptions> = {}): PackageOptions {
  return {
    type,
    arch: 'amd64',
    fleetUrl: 'https://fleet.example.com',
    enrollSecret: 'FzRCZWTlEY2kqzIwk1BE9fru5KuhrlYP',
    fleetDesktopAlternativeBrowserHost: '',
    identifier: 'com.fleetdm.orbit',
    insecure: false,
    service: true,
    orbitChannel: 'stable',
    osquerydChannel: 'stable',
    desktopChannel: 'stable',
    disableUpdates: false,
    disableSetupExperience: false,
    bypassEndUserAuth: false,
    updateUrl: 'https://updates.fleetdm.com',
    debug: false,
    fleetDesktop: false,
    updateInterval: '15m0s',
    useSystemConfiguration: false,
    enableScripts: false,
    hostIdentifier: 'uuid',
    endUserEmail: '',
    disableKeystore: false,
    osqueryDb: '',
    fleetManagedHostIdentityCertificate: false,
    cpuQuota: 20,
    mtime: FAKE_MTIME,
    ...over,
  };
}

function fileEntry(path: string, mode: number, content: ArchiveEntry['content'], size: number): ArchiveEntry {
  return { path, type: 'file', mode, mtime: FAKE_MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root', size, ...(content ? { content } : {}) };
}

function dirEntry(path: string): ArchiveEntry {
  return { path, type: 'dir', mode: 0o755, mtime: FAKE_MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0 };
}

/**
 * Builds a fake context. `binarySize` sets the size of each fake agent binary (random bytes, so it
 * does not compress; use large values to exercise multi-block code paths).
 */
export function fakeContext(
  type: PackageType,
  opts: { platform: string; exe?: string; binarySize?: number; options?: Partial<PackageOptions>; extraFiles?: Record<string, string> } ,
): BuildContext {
  const dir = mkdtempSync(join(tmpdir(), 'fleetctl-fake-'));
  const size = opts.binarySize ?? 4096;
  const exe = opts.exe ?? '';
  const orbitBin = join(dir, `orbit${exe}`);
  const osqBin = join(dir, `osqueryd${exe}`);
  writeFileSync(orbitBin, fakeBinary(size));
  writeFileSync(osqBin, fakeBinary(size));
  const options = fakeOptions(type, opts.options ?? {});
  const orbitRel = `bin/orbit/${opts.platform}/stable/orbit${exe}`;
  const osqRel = `bin/osqueryd/${opts.platform}/stable/osqueryd${exe}`;
  const files: ArchiveEntry[] = [
    fileEntry(orbitRel, 0o755, { kind: 'path', path: orbitBin }, size),
    fileEntry(osqRel, 0o755, { kind: 'path', path: osqBin }, size),
    fileEntry('certs.pem', 0o644, { kind: 'bytes', data: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n') }, 0),
    fileEntry('tuf-metadata.json', 0o600, { kind: 'bytes', data: Buffer.from('{"root.json":{}}\n') }, 0),
  ];
  for (const [p, text] of Object.entries(opts.extraFiles ?? {})) {
    files.push(fileEntry(p, 0o600, { kind: 'bytes', data: Buffer.from(text) }, 0));
  }
  const fixed = files.map((f) =>
    f.content?.kind === 'bytes' ? { ...f, size: f.content.data.length } : f,
  );
  const dirs = new Set<string>(['staging']);
  for (const f of fixed) {
    for (const d of parentDirs(f.path)) {
      dirs.add(d);
    }
  }
  const orbitRoot = [...[...dirs].sort().map(dirEntry), ...fixed];
  const targets: StagedTargets = {
    orbit: { name: 'orbit', platform: opts.platform, channel: 'stable', relPath: orbitRel, version: '1.38.0', execPath: orbitRel },
    osqueryd: { name: 'osqueryd', platform: opts.platform, channel: 'stable', relPath: osqRel, version: '5.15.0', execPath: osqRel },
  };
  return {
    options,
    version: '1.38.0',
    orbitRoot,
    targets,
    outPath: join(dir, `out.${type}.partial`),
    tmpDir: dir,
    report: () => {},
  };
}
