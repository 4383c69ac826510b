import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import CFB from 'cfb';
import { CompoundFileWriter } from '../../../../src/formats/cfb/writer.js';
import { CompoundFileFormatError, CompoundFileReader } from '../../../../src/formats/cfb/reader.js';

const MSI_CLSID = Buffer.from('84100c0000000000c000000000000046', 'hex');
const work = mkdtempSync(join(tmpdir(), 'cfb-reader-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

async function readAll(path: string): Promise<{ clsid: Buffer; streams: Map<string, Buffer>; major: number }> {
  const r = await CompoundFileReader.open(path);
  try {
    const streams = new Map<string, Buffer>();
    for (const e of r.children()) {
      streams.set(e.name, await r.read(e));
    }
    return { clsid: r.root.clsid, streams, major: r.majorVersion };
  } finally {
    await r.close();
  }
}

describe('CompoundFileReader', () => {
  it('reads back what our writer wrote: mini streams, regular streams, an empty one, many names', async () => {
    const path = join(work, 'ours.cfb');
    const w = await CompoundFileWriter.create(path, { rootClsid: MSI_CLSID });
    const expected = new Map<string, Buffer>();
    const big = w.beginStream('\u4126\u3865\u41be\u4164'); // packed "cab1.cab"
    const bigData = pattern(300_000, 1);
    for (let i = 0; i < bigData.length; i += 32_768) {
      await big.append(bigData.subarray(i, i + 32_768));
    }
    await big.end();
    expected.set('\u4126\u3865\u41be\u4164', bigData);
    for (let i = 0; i < 40; i++) {
      const data = pattern(i * 97 + (i % 3 === 0 ? 4096 : 0), i + 2);
      const name = `\u4840stream${i}`;
      w.addStream(name, data);
      expected.set(name, data);
    }
    w.addStream('empty', Buffer.alloc(0));
    expected.set('empty', Buffer.alloc(0));
    w.addStream('\u0005SummaryInformation', pattern(400, 99));
    expected.set('\u0005SummaryInformation', pattern(400, 99));
    await w.close();

    const got = await readAll(path);
    expect(got.major).toBe(3);
    expect(got.clsid.equals(MSI_CLSID)).toBe(true);
    expect([...got.streams.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, data] of expected) {
      expect(got.streams.get(name)?.equals(data), name).toBe(true);
    }
  });

  it('streams a large stream in bounded chunks, through FAT and DIFAT sectors', async () => {
    // > 109 FAT sectors (about 7 MB) forces DIFAT sectors.
    const path = join(work, 'difat.cfb');
    const w = await CompoundFileWriter.create(path);
    const data = pattern(8 * 1024 * 1024 + 123, 7);
    const s = w.beginStream('big');
    await s.append(data);
    await s.end();
    w.addStream('small', Buffer.from('hello'));
    await w.close();
    const r = await CompoundFileReader.open(path);
    const entry = r.children().find((e) => e.name === 'big')!;
    let offset = 0;
    let maxChunk = 0;
    for await (const c of r.chunks(entry)) {
      expect(c.equals(data.subarray(offset, offset + c.length))).toBe(true);
      offset += c.length;
      maxChunk = Math.max(maxChunk, c.length);
    }
    await r.close();
    expect(offset).toBe(data.length);
    expect(maxChunk).toBeLessThanOrEqual(1 << 20);
  });

  it('agrees with SheetJS cfb on a file SheetJS wrote, sub-storages included', async () => {
    const c = CFB.utils.cfb_new({ CLSID: '84100c0000000000c000000000000046' });
    CFB.utils.cfb_add(c, '/alpha', Buffer.from('short stream'));
    CFB.utils.cfb_add(c, '/beta', pattern(10_000, 3));
    CFB.utils.cfb_add(c, '/sub/gamma', pattern(5000, 4));
    const path = join(work, 'sheetjs.cfb');
    writeFileSync(path, CFB.write(c, { type: 'buffer' }) as Buffer);
    const r = await CompoundFileReader.open(path);
    try {
      const top = r.children();
      expect(top.map((e) => e.name).sort()).toEqual(expect.arrayContaining(['alpha', 'beta', 'sub']));
      expect((await r.read(top.find((e) => e.name === 'alpha')!)).toString()).toBe('short stream');
      expect((await r.read(top.find((e) => e.name === 'beta')!)).equals(pattern(10_000, 3))).toBe(true);
      const sub = top.find((e) => e.name === 'sub')!;
      expect(sub.kind).toBe('storage');
      const gamma = r.children(sub).find((e) => e.name === 'gamma')!;
      expect((await r.read(gamma)).equals(pattern(5000, 4))).toBe(true);
      expect(r.root.clsid.toString('hex')).toBe('84100c0000000000c000000000000046');
    } finally {
      await r.close();
    }
  });

  it('reads version 4 files (4096-byte sectors)', async () => {
    // Hand-made: sector 0 = FAT, 1 = directory, 2-3 = one 5000-byte stream; no mini stream.
    const S = 4096;
    const file = Buffer.alloc(S * 5);
    const h = file.subarray(0, 512);
    Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(h, 0);
    h.writeUInt16LE(0x3e, 24);
    h.writeUInt16LE(4, 26);
    h.writeUInt16LE(0xfffe, 28);
    h.writeUInt16LE(12, 30);
    h.writeUInt16LE(6, 32);
    h.writeUInt32LE(1, 40); // directory sectors
    h.writeUInt32LE(1, 44); // FAT sectors
    h.writeUInt32LE(1, 48); // first directory sector
    h.writeUInt32LE(4096, 56);
    h.writeUInt32LE(0xfffffffe, 60);
    h.writeUInt32LE(0xfffffffe, 68);
    for (let i = 0; i < 109; i++) {
      h.writeUInt32LE(i === 0 ? 0 : 0xffffffff, 76 + i * 4);
    }
    const fat = file.subarray(S, 2 * S).fill(0xff);
    fat.writeUInt32LE(0xfffffffd, 0);
    fat.writeUInt32LE(0xfffffffe, 4);
    fat.writeUInt32LE(3, 8);
    fat.writeUInt32LE(0xfffffffe, 12);
    const dir = file.subarray(2 * S, 3 * S);
    const entry = (i: number, name: string, type: number, child: number, start: number, size: number): void => {
      const e = dir.subarray(i * 128, i * 128 + 128);
      Buffer.from(name, 'utf16le').copy(e, 0);
      e.writeUInt16LE((name.length + 1) * 2, 64);
      e.writeUInt8(type, 66);
      e.writeUInt8(1, 67);
      e.writeUInt32LE(0xffffffff, 68);
      e.writeUInt32LE(0xffffffff, 72);
      e.writeUInt32LE(child, 76);
      e.writeUInt32LE(start, 116);
      e.writeUInt32LE(size, 120);
    };
    entry(0, 'Root Entry', 5, 1, 0xfffffffe, 0);
    entry(1, 'data', 2, 0xffffffff, 2, 5000);
    for (let i = 2; i < 32; i++) {
      dir.writeUInt32LE(0xffffffff, i * 128 + 68);
      dir.writeUInt32LE(0xffffffff, i * 128 + 72);
      dir.writeUInt32LE(0xffffffff, i * 128 + 76);
    }
    const payload = pattern(5000, 11);
    payload.copy(file, 3 * S);
    const path = join(work, 'v4.cfb');
    writeFileSync(path, file);
    const got = await readAll(path);
    expect(got.major).toBe(4);
    expect(got.streams.get('data')?.equals(payload)).toBe(true);
  });

  describe('rejects broken input with a format error', () => {
    const valid = async (): Promise<Buffer> => {
      const path = join(work, `base-${Math.random()}.cfb`);
      const w = await CompoundFileWriter.create(path);
      const s = w.beginStream('big');
      await s.append(pattern(20_000, 5));
      await s.end();
      w.addStream('small', Buffer.from('x'));
      await w.close();
      return readFileSync(path);
    };
    const opens = async (b: Buffer): Promise<CompoundFileReader> => {
      const path = join(work, `bad-${Math.random()}.cfb`);
      writeFileSync(path, b);
      return CompoundFileReader.open(path);
    };

    it('not a compound file', async () => {
      await expect(opens(Buffer.from('MZ this is not an OLE file'.padEnd(1024, '.')))).rejects.toThrow(CompoundFileFormatError);
      await expect(opens(Buffer.from('tiny'))).rejects.toThrow(/shorter than a header/);
    });

    it('truncated file', async () => {
      const b = await valid();
      await expect(opens(b.subarray(0, 1024))).rejects.toThrow(CompoundFileFormatError);
    });

    it('a FAT chain that loops', async () => {
      const b = await valid();
      // The big stream starts at sector 0 (our writer's layout); make sector 0 point to itself.
      const fatSector = b.readUInt32LE(76);
      b.writeUInt32LE(0, 512 + fatSector * 512);
      const r = await opens(b);
      const big = r.children().find((e) => e.name === 'big')!;
      await expect(r.read(big)).rejects.toThrow(CompoundFileFormatError);
      await r.close();
    });

    it('a directory link out of range', async () => {
      const b = await valid();
      const dirSector = b.readUInt32LE(48);
      b.writeUInt32LE(999, 512 + dirSector * 512 + 76); // root child
      await expect(opens(b)).rejects.toThrow(/missing entry 999/);
    });
  });
});
