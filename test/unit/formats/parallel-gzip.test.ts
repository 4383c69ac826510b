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
