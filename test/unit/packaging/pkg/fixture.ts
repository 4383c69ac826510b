/**
 * Shared set-up for the pkg packager tests: a fake build context shaped like a real macOS orbit root
 * (orbit binary, an extracted osquery.app with its `.sha512` sidecar, secret, metadata), the package
 * built from it, a tiny odc cpio parser written from the POSIX spec, and golden-file comparison.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { fakeContext } from '../../../helpers/fake-context.js';
import type { BuildContext, PackageOptions } from '../../../../src/packaging/types.js';
import { pkgPackager } from '../../../../src/packaging/pkg/packager.js';

export const APP = 'bin/osqueryd/macos-app/stable/osquery.app';

const created: string[] = [];

/** Removes the temp dirs of every context made by pkgContext (call from afterAll). */
export function cleanupContexts(): void {
  for (const d of created.splice(0)) {
    rmSync(d, { recursive: true, force: true });
  }
}

export function pkgContext(options: Partial<PackageOptions> = {}, binarySize = 4096): BuildContext {
  const ctx = fakeContext('pkg', {
    platform: 'macos',
    binarySize,
    options,
    extraFiles: {
      'secret.txt': options.enrollSecret ?? 'FzRCZWTlEY2kqzIwk1BE9fru5KuhrlYP',
      [`${APP}/Contents/Info.plist`]: '<?xml version="1.0"?><plist version="1.0"><dict/></plist>\n',
      [`${APP}/Contents/MacOS/osqueryd`]: 'not really a Mach-O binary\n',
      'bin/osqueryd/macos-app/stable/osqueryd.app.tar.gz.sha512': `${'ab'.repeat(64)}\n`,
    },
  });
  created.push(ctx.tmpDir);
  return ctx;
}

export async function buildPkgFile(ctx: BuildContext): Promise<Buffer> {
  await pkgPackager.build(ctx);
  return readFileSync(ctx.outPath);
}

export interface CpioMember {
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly mtime: number;
  readonly data: Buffer;
}

/** Parses gzip(odc cpio) per POSIX pax "cpio Interchange Format"; stops at TRAILER!!!. */
export function parseOdcGzip(gz: Buffer): CpioMember[] {
  const b = gunzipSync(gz);
  const out: CpioMember[] = [];
  let p = 0;
  const oct = (off: number, len: number): number => parseInt(b.toString('latin1', p + off, p + off + len), 8);
  for (;;) {
    if (b.toString('latin1', p, p + 6) !== '070707') {
      throw new Error(`odc: bad magic at ${p}`);
    }
    const nameSize = oct(59, 6);
    const fileSize = oct(65, 11);
    const name = b.toString('utf8', p + 76, p + 76 + nameSize - 1);
    if (name === 'TRAILER!!!') {
      return out;
    }
    const start = p + 76 + nameSize;
    out.push({
      name,
      mode: oct(18, 6),
      uid: oct(24, 6),
      gid: oct(30, 6),
      nlink: oct(36, 6),
      mtime: oct(48, 11),
      data: b.subarray(start, start + fileSize),
    });
    p = start + fileSize;
  }
}

const GOLDEN = 'test/golden/pkg';

/** Compares with test/golden/pkg/<name>; UPDATE_GOLDEN=1 rewrites it (review the diff). */
export function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(path)) {
    if (process.env['CI'] === 'true' && !existsSync(path)) {
      throw new Error(`golden file ${path} is missing`);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
