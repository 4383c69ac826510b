import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADER_SIZE, openSealedRange, sealFile, TAG_SIZE } from '../../../src/packager-service/sealed-file.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(gen: AsyncGenerator<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of gen) {
    parts.push(b);
  }
  return Buffer.concat(parts);
}

const CHUNK = 1024;

async function seal(data: Buffer, name: string): Promise<{ path: string; key: Buffer }> {
  const src = join(dir, `${name}.plain`);
  const path = join(dir, `${name}.sealed`);
  writeFileSync(src, data);
  const key = randomBytes(32);
  const r = await sealFile(src, path, key, CHUNK);
  expect(r.size).toBe(data.length);
  return { path, key };
}

describe('sealed files (chunked AES-256-GCM)', () => {
  it.each([1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])('round-trips %i bytes and any range of them', async (n) => {
    const data = randomBytes(n);
    const { path, key } = await seal(data, `rt-${n}`);
    expect(readFileSync(path).length).toBe(HEADER_SIZE + n + Math.ceil(n / CHUNK) * TAG_SIZE);
    expect(await collect(openSealedRange(path, key, 0, n - 1))).toEqual(data);
    for (let i = 0; i < 20; i++) {
      const a = Math.floor(Math.random() * n);
      const b = a + Math.floor(Math.random() * (n - a));
      expect(await collect(openSealedRange(path, key, a, b))).toEqual(data.subarray(a, b + 1));
    }
  });

  it('an empty file seals to one authenticated empty chunk', async () => {
    const { path } = await seal(Buffer.alloc(0), 'empty');
    expect(readFileSync(path).length).toBe(HEADER_SIZE + TAG_SIZE);
  });

  it('does not contain the plaintext', async () => {
    const data = Buffer.from('ORBIT_ENROLL_SECRET=super-secret-value\n'.repeat(100));
    const { path } = await seal(data, 'plain-check');
    expect(readFileSync(path).includes(Buffer.from('super-secret-value'))).toBe(false);
  });

  it('rejects a flipped bit, a changed size, swapped chunks, truncation and the wrong key', async () => {
    const data = randomBytes(3 * CHUNK + 7);
    const { path, key } = await seal(data, 'tamper');
    const orig = readFileSync(path);
    const read = async (bytes: Buffer, k = key): Promise<Buffer> => {
      writeFileSync(path, bytes);
      return collect(openSealedRange(path, k, 0, data.length - 1));
    };
    const flipped = Buffer.from(orig);
    flipped[HEADER_SIZE + CHUNK + 20] = (flipped[HEADER_SIZE + CHUNK + 20] as number) ^ 1;
    await expect(read(flipped)).rejects.toThrow();
    const resized = Buffer.from(orig);
    resized.writeBigUInt64BE(BigInt(3 * CHUNK), 16);
    await expect(collect(openSealedRange((writeFileSync(path, resized), path), key, 0, 3 * CHUNK - 1))).rejects.toThrow();
    const e = CHUNK + TAG_SIZE;
    const swapped = Buffer.concat([
      orig.subarray(0, HEADER_SIZE),
      orig.subarray(HEADER_SIZE + e, HEADER_SIZE + 2 * e),
      orig.subarray(HEADER_SIZE, HEADER_SIZE + e),
      orig.subarray(HEADER_SIZE + 2 * e),
    ]);
    await expect(read(swapped)).rejects.toThrow();
    await expect(read(orig.subarray(0, orig.length - 5))).rejects.toThrow();
    await expect(read(orig, randomBytes(32))).rejects.toThrow();
    expect(await read(orig)).toEqual(data);
  });
});
