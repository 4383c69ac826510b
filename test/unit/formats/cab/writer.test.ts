import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { writeCabinet, type CabFile } from '../../../../src/formats/cab/writer.js';
import { FileCabSink } from '../../../../src/formats/cab/file-sink.js';
import { cabChecksum } from '../../../../src/formats/cab/checksum.js';
import { mszipBlock, storedBlock, MSZIP_MAX_PAYLOAD } from '../../../../src/formats/cab/mszip.js';
import { dosDateTime } from '../../../../src/formats/cab/dos-time.js';
import { readCab } from '../../../helpers/readers/cab-reader.js';

function memFile(name: string, data: Buffer, extra: Partial<CabFile> = {}): CabFile {
  return {
    name,
    size: data.length,
    mtime: 1_700_000_000,
    content: async function* () {
      for (let i = 0; i < data.length; i += 10_000) {
        yield data.subarray(i, i + 10_000);
      }
    },
    ...extra,
  };
}

export async function buildCab(files: CabFile[], level = 6): Promise<{ path: string; buf: Buffer }> {
  const path = join(mkdtempSync(join(tmpdir(), 'cab-test-')), 'test.cab');
  const sink = await FileCabSink.create(path);
  await writeCabinet(files, sink, { level });
  await sink.close();
  return { path, buf: readFileSync(path) };
}

describe('cab checksum', () => {
  it('folds trailing bytes big-endian', () => {
    expect(cabChecksum(Buffer.from([1, 2, 3, 4]))).toBe(0x04030201);
    expect(cabChecksum(Buffer.from([1, 2, 3, 4, 5]))).toBe(0x04030201 ^ 5);
    expect(cabChecksum(Buffer.from([1, 2, 3, 4, 5, 6]))).toBe(0x04030201 ^ 0x0506);
    expect(cabChecksum(Buffer.from([1, 2, 3, 4, 5, 6, 7]))).toBe(0x04030201 ^ 0x050607);
    expect(cabChecksum(Buffer.from([0xff, 0xff, 0xff, 0xff]), 1)).toBe(0xfffffffe);
  });
});

describe('MSZIP', () => {
  it('falls back to a stored block for incompressible data, within the size cap', async () => {
    const raw = randomBytes(32_768);
    const p = await mszipBlock(raw, 9);
    expect(p.length).toBeLessThanOrEqual(MSZIP_MAX_PAYLOAD);
    expect(p.equals(storedBlock(raw))).toBe(true);
    expect(inflateRawSync(p.subarray(2)).equals(raw)).toBe(true);
  });

  it('deflates compressible data into a complete stream', async () => {
    const raw = Buffer.alloc(32_768, 'fleet osquery ');
    const p = await mszipBlock(raw, 6);
    expect(p.length).toBeLessThan(1000);
    expect(inflateRawSync(p.subarray(2)).equals(raw)).toBe(true);
  });
});

describe('dosDateTime', () => {
  it('converts in UTC and clamps before 1980', () => {
    // 2023-11-14T22:13:20Z
    expect(dosDateTime(1_700_000_000)).toEqual({ date: ((2023 - 1980) << 9) | (11 << 5) | 14, time: (22 << 11) | (13 << 5) | 10 });
    expect(dosDateTime(0)).toEqual({ date: (1 << 5) | 1, time: 0 });
  });
});

describe('writeCabinet', () => {
  it('writes one folder per file, shares folders for duplicates and handles empty files', async () => {
    const text = Buffer.from('orbit '.repeat(30_000));
    const rnd = randomBytes(100_000);
    const files = [
      memFile('empty_first', Buffer.alloc(0)),
      memFile('text', text),
      memFile('rnd', rnd),
      memFile('empty', Buffer.alloc(0)),
      memFile('rnd_copy', rnd, {
        sameAs: 2,
        content: () => {
          throw new Error('must not be read');
        },
      }),
      memFile('exact', Buffer.alloc(65_536, 7)),
    ];
    const { buf } = await buildCab(files);
    const cab = readCab(buf);
    expect(cab.folders).toBe(3);
    expect(cab.files.map((f) => f.name)).toEqual(['empty_first', 'text', 'rnd', 'empty', 'rnd_copy', 'exact']);
    expect(cab.contents.get('text')!.equals(text)).toBe(true);
    expect(cab.contents.get('rnd')!.equals(rnd)).toBe(true);
    expect(cab.contents.get('rnd_copy')!.equals(rnd)).toBe(true);
    expect(cab.contents.get('empty')!.length).toBe(0);
    expect(cab.contents.get('exact')!.equals(Buffer.alloc(65_536, 7))).toBe(true);
    expect(cab.files[4]!.folder).toBe(cab.files[2]!.folder);
  });

  it('is deterministic', async () => {
    const data = Buffer.from('x'.repeat(100_000) + 'y'.repeat(50_000));
    const a = await buildCab([memFile('a', data), memFile('b', data.subarray(0, 777))]);
    const b = await buildCab([memFile('a', data), memFile('b', data.subarray(0, 777))]);
    expect(a.buf.equals(b.buf)).toBe(true);
  });

  it('rejects files whose size changed', async () => {
    await expect(buildCab([{ ...memFile('a', Buffer.alloc(10)), size: 11 }])).rejects.toThrow(/10 bytes, 11 declared/);
    await expect(buildCab([{ ...memFile('a', Buffer.alloc(10)), size: 9 }])).rejects.toThrow(/larger/);
  });
});
