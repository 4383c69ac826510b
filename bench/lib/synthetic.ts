/**
 * Helpers shared by the TypeScript benches (pkg, msi): synthetic agent binaries cut from the real ELF
 * executables in /usr/bin (so they compress like real agents) and the options a benchmark build uses.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PackageOptions, PackageType } from '../../src/packaging/types.js';
import { fakeOptions } from '../../test/helpers/fake-context.js';

export const MTIME = 1_700_000_000;

/** ELF files from /usr/bin in name order, the pool synthetic binaries are cut from. */
export function elfPool(): string[] {
  return readdirSync('/usr/bin')
    .sort()
    .map((n) => join('/usr/bin', n))
    .filter((p) => {
      try {
        const st = statSync(p);
        if (!st.isFile() || st.size < 4096) {
          return false;
        }
        const fd = openSync(p, 'r');
        const head = Buffer.alloc(4);
        readSync(fd, head, 0, 4, 0);
        closeSync(fd);
        return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
      } catch {
        return false;
      }
    });
}

/** Writes `bytes` bytes made of whole ELF files (the last one truncated), starting at pool[start]. */
export function synthBinary(path: string, bytes: number, pool: readonly string[], start: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w', 0o755);
  let left = bytes;
  for (let i = start; left > 0; i++) {
    const data = readFileSync(pool[i % pool.length] as string);
    const take = Math.min(left, data.length);
    writeSync(fd, data, 0, take);
    left -= take;
  }
  closeSync(fd);
}

/** Options of a benchmark build: the test defaults with Fleet Desktop on and a fixed timestamp. */
export function benchOptions(type: PackageType): PackageOptions {
  return fakeOptions(type, { enrollSecret: 'bench-secret', fleetDesktop: true, mtime: MTIME });
}
