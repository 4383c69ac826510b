/** Hand-made entries for format-level rpm tests: directories, files from memory and disk, a symlink, an empty file. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveEntry } from '../../../../src/formats/entry.js';
import type { RpmSpec } from '../../../../src/formats/rpm/main-header.js';

export const MTIME = 1_700_000_000;

const base = { mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' } as const;

export function dir(path: string, mode = 0o755): ArchiveEntry {
  return { ...base, path, type: 'dir', mode, size: 0 };
}

export function bytesFile(path: string, text: string | Buffer, mode = 0o644): ArchiveEntry {
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  return { ...base, path, type: 'file', mode, size: data.length, content: { kind: 'bytes', data } };
}

export function symlink(path: string, target: string): ArchiveEntry {
  return { ...base, path, type: 'symlink', mode: 0o777, size: 0, linkTarget: target };
}

const made: string[] = [];

/** Removes every scratch dir `sampleTree` made (call from afterAll). */
export function cleanupSamples(): void {
  for (const d of made.splice(0)) {
    rmSync(d, { recursive: true, force: true });
  }
}

/** A scratch dir plus a sample tree with one on-disk file of `diskSize` bytes. */
export function sampleTree(diskSize = 300_000): { tmp: string; entries: ArchiveEntry[] } {
  const tmp = mkdtempSync(join(tmpdir(), 'rpm-test-'));
  made.push(tmp);
  const disk = join(tmp, 'agent.bin');
  const data = Buffer.alloc(diskSize);
  for (let i = 0; i < diskSize; i++) {
    data[i] = (i * 7919) % 251;
  }
  writeFileSync(disk, data);
  const entries: ArchiveEntry[] = [
    dir('opt/sample'),
    dir('opt/sample/bin'),
    { ...base, path: 'opt/sample/bin/agent', type: 'file', mode: 0o755, size: diskSize, content: { kind: 'path', path: disk } },
    bytesFile('opt/sample/empty', ''),
    bytesFile('opt/sample/conf', 'KEY=value\n', 0o600),
    symlink('opt/sample/current', '/opt/sample/bin/agent'),
    dir('var/log/sample', 0o750),
  ];
  return { tmp, entries };
}

export function sampleSpec(entries: ArchiveEntry[], over: Partial<RpmSpec> = {}): RpmSpec {
  return {
    name: 'sample',
    version: '1.2.3',
    release: '1',
    summary: 'A sample package',
    description: 'A sample package\nwith two lines.',
    license: 'MIT',
    vendor: 'Example',
    packager: 'Example <pkg@example.com>',
    group: 'Unspecified',
    url: 'https://example.com',
    buildTime: MTIME,
    buildHost: 'localhost',
    arch: 'x86_64',
    files: entries,
    scripts: {
      postIn: { body: '#!/bin/sh\necho post "$1"\n' },
      preUn: { body: '#!/bin/sh\necho preun "$1"\n' },
      postUn: { body: '#!/bin/sh\necho postun "$1"\n' },
      postTrans: { body: '#!/bin/sh\necho posttrans\n' },
    },
    ...over,
  };
}
