import { describe, expect, it } from 'vitest';
import { gunzipSync, crc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { ParallelGzip } from '../../../src/formats/gzip/parallel-gzip.js';

async function gz(parts: Buffer[], opts: { segmentSize?: number; flushEach?: boolean } = {}): Promise<Buffer> {
  const out: Buffer[] = [];
  const g = new ParallelGzip(async (b) => { out.push(b); }, { segmentSize: opts.segmentSize ?? 1000, concurrency: 3 });
  for (const p of parts) {
    await g.write(p);
    if (opts.flushEach) {
      await g.flush();
    }
  }
  const r = await g.end();
  const all = Buffer.concat(out);
  expect(r.compressedSize).toBe(all.length);
  expect(r.uncompressedSize).toBe(parts.reduce((n, p) => n + p.length, 0));
  return all;
}

describe('ParallelGzip', () => {
  it('round-trips through zlib as a single member across many segments', async () => {
    const text = Buffer.from('fleet osquery orbit '.repeat(5000));
    const bin = randomBytes(12345);
    const out = await gz([text, bin, Buffer.alloc(0), text]);
    expect(gunzipSync(out).equals(Buffer.concat([text, bin, text]))).toBe(true);
    // one member: the trailer CRC is the CRC of the whole input
    expect(out.readUInt32LE(out.length - 8)).toBe(crc32(Buffer.concat([text, bin, text])));
  });

  it('handles empty input and explicit flushes', async () => {
    expect(gunzipSync(await gz([])).length).toBe(0);
    const parts = [Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')];
    expect(gunzipSync(await gz(parts, { flushEach: true })).toString()).toBe('abbccc');
  });

  it('is deterministic', async () => {
    const data = randomBytes(50_000);
    expect((await gz([data])).equals(await gz([data]))).toBe(true);
  });

  it('is accepted by GNU gzip -t', async () => {
    const out = await gz([Buffer.from('x'.repeat(100_000)), randomBytes(5000)]);
    execFileSync('gzip', ['-t'], { input: out });
  });
});

describe('ParallelGzip.writeFile with a content cache', () => {
  it('produces the same bytes from the cache as from a fresh compression, and a valid single member', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createHash } = await import('node:crypto');
    const { ContentCache, hashDigester } = await import('../../../src/formats/content-cache.js');
    const dir = mkdtempSync(join(tmpdir(), 'gzcache-'));
    const big = join(dir, 'agent');
    const content = Buffer.concat([randomBytes(30_000), Buffer.from('x'.repeat(50_000))]);
    writeFileSync(big, content);
    const cache = new ContentCache();
    const build = async (tail: string): Promise<{ out: Buffer; md5: string }> => {
      const parts: Buffer[] = [];
      const g = new ParallelGzip(async (b) => {
        parts.push(b);
      }, { segmentSize: 8192, concurrency: 2 });
      await g.write(Buffer.from('header-bytes'));
      const d = await g.writeFile(big, content.length, { cache, digests: { md5: hashDigester('md5') } });
      await g.write(Buffer.from(tail));
      await g.end();
      return { out: Buffer.concat(parts), md5: d['md5'] as string };
    };
    const first = await build('tail-one');
    const second = await build('tail-one');
    const third = await build('tail-two');
    expect(cache.hits).toBe(2);
    expect(second.out.equals(first.out)).toBe(true);
    expect(second.md5).toBe(createHash('md5').update(content).digest('hex'));
    expect(gunzipSync(third.out).equals(Buffer.concat([Buffer.from('header-bytes'), content, Buffer.from('tail-two')]))).toBe(true);
    execFileSync('gzip', ['-t'], { input: third.out });
    await cache.dispose();
  });
});
