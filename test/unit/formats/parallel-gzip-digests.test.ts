import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ContentCache, hashDigester } from '../../../src/formats/content-cache.js';
import { cksum, cksumDigester } from '../../../src/formats/cksum.js';
import { ParallelGzip } from '../../../src/formats/gzip/parallel-gzip.js';

describe('ParallelGzip.writeFile digests across writers', () => {
  it('computes the digests a cache entry lacks (another writer made it) and records them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gzdigests-'));
    const path = join(dir, 'agent');
    const content = Buffer.concat([randomBytes(20_000), Buffer.alloc(40_000, 'orbit ')]);
    writeFileSync(path, content);
    const cache = new ContentCache();
    const write = async (digests: Parameters<ParallelGzip['writeFile']>[2]): Promise<{ out: Buffer; d: Record<string, string> }> => {
      const parts: Buffer[] = [];
      const g = new ParallelGzip(async (b) => {
        parts.push(b);
      }, { segmentSize: 8192 });
      const d = await g.writeFile(path, content.length, digests);
      await g.end();
      return { out: Buffer.concat(parts), d };
    };
    try {
      const md5 = createHash('md5').update(content).digest('hex');
      const sha256 = createHash('sha256').update(content).digest('hex');
      const a = await write({ cache, digests: { md5: hashDigester('md5') } });
      expect(a.d).toEqual({ md5 });
      const b = await write({ cache, digests: { sha256: hashDigester('sha256'), cksum: cksumDigester } });
      expect(cache.hits).toBe(1);
      expect(b.d).toEqual({ md5, sha256, cksum: String(cksum(content)) });
      expect(b.out.equals(a.out)).toBe(true);
      expect(gunzipSync(b.out).equals(content)).toBe(true);
      // Recorded: a third writer gets every digest without reading the file.
      const c = await write({ cache, digests: { md5: hashDigester('md5'), sha256: hashDigester('sha256') } });
      expect(c.d).toEqual({ md5, sha256, cksum: String(cksum(content)) });
    } finally {
      await cache.dispose();
    }
  });
});
