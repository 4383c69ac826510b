import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import CFB from 'cfb';
import { fakeContext } from '../../../helpers/fake-context.js';
import { ContentCache } from '../../../../src/formats/content-cache.js';
import { createMsiPackager } from '../../../../src/packaging/msi/index.js';
import type { BuildContext } from '../../../../src/packaging/types.js';
import { readCab } from '../../../helpers/readers/cab-reader.js';
import { seededRandom } from './seeded-random.js';

const SIZE = (2 << 20) + 12_345; // several MSZIP blocks, the last one short

async function build(ctx: BuildContext): Promise<Buffer> {
  await createMsiPackager({ random: seededRandom('cache') }).build(ctx);
  return readFileSync(ctx.outPath);
}

function cabinetOf(msi: Buffer): Buffer {
  const c = CFB.read(msi, { type: 'buffer' });
  const cab = c.FileIndex.find((e) => e.type === 2 && Buffer.from(e.content as Uint8Array).subarray(0, 4).toString('latin1') === 'MSCF');
  if (cab === undefined) {
    throw new Error('no cabinet stream');
  }
  return Buffer.from(cab.content as Uint8Array);
}

describe('msi packager with a content cache', () => {
  it('writes the same bytes with and without a cache, and copies the cached cabinet folders', async () => {
    const ctx = fakeContext('msi', { platform: 'windows', exe: '.exe', binarySize: SIZE });
    const binaries = new Map<string, Buffer>();
    for (const t of [ctx.targets.orbit, ctx.targets.osqueryd]) {
      const e = ctx.orbitRoot.find((x) => x.path === t.relPath);
      if (e?.content?.kind !== 'path') {
        throw new Error(`no binary for ${t.relPath}`);
      }
      const text = Buffer.from(`${t.name} osquery orbit fleet `.repeat(SIZE / 20)).subarray(0, SIZE >> 1);
      const data = Buffer.concat([text, randomBytes(SIZE - text.length)]);
      writeFileSync(e.content.path, data);
      binaries.set(t.name, data);
    }
    const secret = (s: string, out: string): BuildContext => ({ ...ctx, outPath: out, options: { ...ctx.options, enrollSecret: s } });
    const cache = new ContentCache();
    try {
      const first = await build({ ...secret('secret-one', `${ctx.outPath}.1`), cache });
      expect(cache.hits).toBe(0);
      expect(cache.misses).toBe(2);
      const second = await build({ ...secret('secret-two', `${ctx.outPath}.2`), cache });
      expect(cache.hits).toBe(2);
      const plain = await build(secret('secret-two', `${ctx.outPath}.3`));
      expect(second.equals(plain)).toBe(true);
      expect(first.equals(second)).toBe(false);

      // The cabinet assembled from cached folders verifies block by block and holds the binaries.
      const cab = readCab(cabinetOf(second));
      const sizes = cab.files.map((f) => f.size);
      expect(sizes.filter((n) => n === SIZE)).toHaveLength(3); // orbit, its service copy, osqueryd
      const contents = [...cab.contents.values()];
      expect(contents.some((c) => c.equals(binaries.get('orbit') ?? Buffer.alloc(0)))).toBe(true);
      expect(contents.some((c) => c.equals(binaries.get('osqueryd') ?? Buffer.alloc(0)))).toBe(true);
      expect(contents.some((c) => c.toString() === 'secret-two')).toBe(true);
    } finally {
      await cache.dispose();
    }
  });
});
