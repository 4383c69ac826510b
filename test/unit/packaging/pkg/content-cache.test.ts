import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { ContentCache } from '../../../../src/formats/content-cache.js';
import { cksum } from '../../../../src/formats/cksum.js';
import type { BuildContext } from '../../../../src/packaging/types.js';
import { readBom } from '../../../helpers/readers/bom-reader.js';
import { extractFile, readXar } from '../../../helpers/readers/xar-reader.js';
import { buildPkgFile, cleanupContexts, parseOdcGzip, pkgContext } from './fixture.js';

const SIZE = 3 << 20;

/** Agent binaries that compress (text and random data), so real deflate blocks are cached and copied. */
function compressibleBinaries(ctx: BuildContext): void {
  for (const t of [ctx.targets.orbit, ctx.targets.osqueryd]) {
    const e = ctx.orbitRoot.find((x) => x.path === t.relPath);
    if (e?.content?.kind !== 'path') {
      throw new Error(`no binary for ${t.relPath}`);
    }
    const text = Buffer.from(`${t.name} osquery orbit fleet `.repeat(Math.ceil(SIZE / 2 / 20))).subarray(0, SIZE / 2);
    writeFileSync(e.content.path, Buffer.concat([text, randomBytes(SIZE - text.length)]));
  }
}

function withSecret(ctx: BuildContext, secret: string, outPath: string): BuildContext {
  const data = Buffer.from(secret);
  return {
    ...ctx,
    outPath,
    orbitRoot: ctx.orbitRoot.map((e) => (e.path === 'secret.txt' ? { ...e, size: data.length, content: { kind: 'bytes', data } } : e)),
  };
}

describe('pkg packager with a content cache', () => {
  afterAll(cleanupContexts);

  it('writes the same bytes with and without a cache, and reuses the compressed binaries', async () => {
    const ctx = pkgContext({}, SIZE);
    compressibleBinaries(ctx);
    const cache = new ContentCache();
    try {
      const first = await buildPkgFile({ ...withSecret(ctx, 'secret-one', `${ctx.outPath}.1`), cache });
      expect(cache.misses).toBeGreaterThan(0);
      expect(cache.hits).toBe(0);
      const second = await buildPkgFile({ ...withSecret(ctx, 'secret-two', `${ctx.outPath}.2`), cache });
      expect(cache.hits).toBe(2);
      const plain = await buildPkgFile(withSecret(ctx, 'secret-two', `${ctx.outPath}.3`));
      expect(second.equals(plain)).toBe(true);
      expect(first.equals(second)).toBe(false);

      // The copied payload is a valid archive with the right content and BOM checksums.
      const x = readXar(second);
      const members = parseOdcGzip(extractFile(x, 'base.pkg/Payload'));
      expect(members.find((m) => m.name === './opt/orbit/secret.txt')?.data.toString()).toBe('secret-two');
      const orbit = members.find((m) => m.name === `./opt/orbit/${ctx.targets.orbit.relPath}`);
      expect(orbit?.data.length).toBe(SIZE);
      const bom = readBom(extractFile(x, 'base.pkg/Bom'));
      const rec = bom.paths.find((b) => b.path === `./opt/orbit/${ctx.targets.orbit.relPath}`);
      expect(rec?.checksum).toBe(cksum(orbit?.data ?? Buffer.alloc(0)));
    } finally {
      await cache.dispose();
    }
  });
});
