/**
 * deb and rpm built with a content cache (as sandbox provision does) are byte-identical to builds
 * without one, and the second build reuses the compressed agent binaries.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, copyFileSync } from 'node:fs';
import { ContentCache } from '../../../src/formats/content-cache.js';
import { debPackager } from '../../../src/packaging/deb/packager.js';
import { rpmPackager } from '../../../src/packaging/rpm/packager.js';
import type { BuildContext, Packager } from '../../../src/packaging/types.js';
import { fakeContext } from '../../helpers/fake-context.js';

async function build(p: Packager, ctx: BuildContext, cache?: ContentCache): Promise<Buffer> {
  await p.build({ ...ctx, ...(cache ? { cache } : {}) });
  const bytes = readFileSync(ctx.outPath);
  copyFileSync(ctx.outPath, `${ctx.outPath}.copy`);
  return bytes;
}

describe.each([
  ['deb', debPackager],
  ['rpm', rpmPackager],
] as const)('%s with a content cache', (type, packager) => {
  it('gives the same bytes as without a cache, reusing the compressed binaries', async () => {
    const ctx = fakeContext(type, { platform: 'linux', binarySize: 3 * 1024 * 1024 });
    const plain = await build(packager, ctx);
    const cache = new ContentCache();
    const first = await build(packager, ctx, cache);
    expect(cache.hits).toBe(0);
    const second = await build(packager, ctx, cache);
    expect(cache.hits).toBeGreaterThanOrEqual(2);
    expect(first.equals(plain)).toBe(true);
    expect(second.equals(plain)).toBe(true);
    // Another enroll secret: only the small per-enrollment file differs, the binaries still come from the cache.
    const hits = cache.hits;
    const other = await build(packager, { ...ctx, options: { ...ctx.options, enrollSecret: 'another-secret-0123456789abcdef' } }, cache);
    expect(cache.hits).toBeGreaterThan(hits);
    expect(other.equals(plain)).toBe(false);
    await cache.dispose();
  });
});
