import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import CFB from 'cfb';
import { CompoundFileWriter } from '../../../../src/formats/cfb/writer.js';
import { compareNames } from '../../../../src/formats/cfb/directory.js';

const MSI_CLSID = Buffer.from('84100c0000000000c000000000000046', 'hex');

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** SheetJS leaves `content` undefined for empty streams. */
function content(e: CFB.CFB$Entry | null): Buffer {
  expect(e).toBeTruthy();
  return Buffer.from((e!.content as Uint8Array | undefined) ?? new Uint8Array(0));
}

function tmp(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'cfb-test-')), name);
}

interface ParsedEntry {
  name: string;
  type: number;
  color: number;
  left: number;
  right: number;
  child: number;
  start: number;
  size: number;
}

/** Minimal directory parser (independent of the writer) to check the red-black tree invariants. */
function parseDirectory(buf: Buffer): ParsedEntry[] {
  const fat: number[] = [];
  const fatSectors = buf.readUInt32LE(44);
  const difat: number[] = [];
  for (let i = 0; i < 109 && difat.length < fatSectors; i++) {
    difat.push(buf.readUInt32LE(76 + i * 4));
  }
  let d = buf.readUInt32LE(68);
  while (difat.length < fatSectors) {
    for (let i = 0; i < 127 && difat.length < fatSectors; i++) {
      difat.push(buf.readUInt32LE(512 + d * 512 + i * 4));
    }
    d = buf.readUInt32LE(512 + d * 512 + 127 * 4);
  }
  for (const s of difat) {
    for (let i = 0; i < 128; i++) {
      fat.push(buf.readUInt32LE(512 + s * 512 + i * 4));
    }
  }
  const out: ParsedEntry[] = [];
  for (let s = buf.readUInt32LE(48); s !== 0xfffffffe; s = fat[s]!) {
    for (let i = 0; i < 4; i++) {
      const o = 512 + s * 512 + i * 128;
      const len = buf.readUInt16LE(o + 64);
      out.push({
        name: buf.subarray(o, o + Math.max(0, len - 2)).toString('utf16le'),
        type: buf[o + 66]!,
        color: buf[o + 67]!,
        left: buf.readUInt32LE(o + 68),
        right: buf.readUInt32LE(o + 72),
        child: buf.readUInt32LE(o + 76),
        start: buf.readUInt32LE(o + 116),
        size: buf.readUInt32LE(o + 120),
      });
    }
  }
  return out;
}

/** Returns the black height; throws on a red-black or ordering violation. */
function checkTree(entries: ParsedEntry[], id: number, lo?: string, hi?: string, parentRed = false): number {
  if (id === 0xffffffff) {
    return 1;
  }
  const e = entries[id]!;
  if (lo !== undefined) {
    expect(compareNames(lo, e.name)).toBeLessThan(0);
  }
  if (hi !== undefined) {
    expect(compareNames(e.name, hi)).toBeLessThan(0);
  }
  const red = e.color === 0;
  expect(parentRed && red).toBe(false);
  const l = checkTree(entries, e.left, lo, e.name, red);
  const r = checkTree(entries, e.right, e.name, hi, red);
  expect(l).toBe(r);
  return l + (red ? 0 : 1);
}

async function build(path: string, streams: Record<string, Buffer>, large: Record<string, Buffer> = {}): Promise<void> {
  const w = await CompoundFileWriter.create(path, { rootClsid: MSI_CLSID });
  for (const [name, data] of Object.entries(large)) {
    const s = w.beginStream(name);
    for (let off = 0; off < data.length; off += 100_000) {
      await s.append(data.subarray(off, off + 100_000));
    }
    await s.end();
  }
  for (const [name, data] of Object.entries(streams)) {
    w.addStream(name, data);
  }
  await w.close();
}

describe('CompoundFileWriter', () => {
  it('writes mini, boundary, regular and empty streams that SheetJS cfb reads back', async () => {
    const path = tmp('a.cfb');
    const streams: Record<string, Buffer> = {
      empty: Buffer.alloc(0),
      one: Buffer.from('x'),
      mini63: pattern(63, 1),
      mini64: pattern(64, 2),
      justBelow: pattern(4095, 3),
      cutoff: pattern(4096, 4),
      regular: pattern(10_000, 5),
      '\u0005SummaryInformation': pattern(400, 6),
    };
    await build(path, streams);
    const buf = readFileSync(path);
    expect(buf.length % 512).toBe(0);
    const c = CFB.read(buf, { type: 'buffer' });
    for (const [name, data] of Object.entries(streams)) {
      expect(content(CFB.find(c, '/' + name)).equals(data), name).toBe(true);
    }
    expect(buf.subarray(512 + buf.readUInt32LE(48) * 512 + 80, 512 + buf.readUInt32LE(48) * 512 + 96).equals(MSI_CLSID)).toBe(true);
    const entries = parseDirectory(buf);
    expect(entries[0]!.type).toBe(5);
    checkTree(entries, entries[0]!.child);
  });

  it('builds a valid red-black tree for every child count up to 40', async () => {
    for (let n = 1; n <= 40; n++) {
      const path = tmp(`t${n}.cfb`);
      const streams: Record<string, Buffer> = {};
      for (let i = 0; i < n; i++) {
        streams[`s${(i * 7919) % 1000}_${'x'.repeat(i % 5)}`] = Buffer.from([i]);
      }
      await build(path, streams);
      const entries = parseDirectory(readFileSync(path));
      expect(entries[entries[0]!.child]!.color).toBe(1);
      checkTree(entries, entries[0]!.child);
      expect(entries.filter((e) => e.type === 2)).toHaveLength(n);
    }
  });

  it('streams a large stream through FAT and DIFAT sectors (> 109 FAT sectors)', async () => {
    const path = tmp('big.cfb');
    const big = pattern(9 * 1024 * 1024 + 123, 7);
    await build(path, { small: pattern(100, 8), mid: pattern(5000, 9) }, { 'big.cab': big });
    const buf = readFileSync(path);
    expect(buf.readUInt32LE(44)).toBeGreaterThan(109); // FAT sectors
    expect(buf.readUInt32LE(72)).toBeGreaterThan(0); // DIFAT sectors
    const c = CFB.read(buf, { type: 'buffer' });
    const e = CFB.find(c, '/big.cab')!;
    expect(
      createHash('sha256')
        .update(e.content as Uint8Array)
        .digest('hex'),
    ).toBe(createHash('sha256').update(big).digest('hex'));
    expect(Buffer.from(CFB.find(c, '/mid')!.content as Uint8Array).equals(pattern(5000, 9))).toBe(true);
    expect(statSync(path).size).toBe(buf.length);
  });

  it('moves a short "large" stream into the mini stream', async () => {
    const path = tmp('short.cfb');
    await build(path, { other: pattern(3000, 1) }, { tiny: pattern(1000, 2), none: Buffer.alloc(0) });
    const buf = readFileSync(path);
    const c = CFB.read(buf, { type: 'buffer' });
    expect(Buffer.from(CFB.find(c, '/tiny')!.content as Uint8Array).equals(pattern(1000, 2))).toBe(true);
    expect(content(CFB.find(c, '/none')).length).toBe(0);
    const entries = parseDirectory(buf);
    expect(entries.find((e) => e.name === 'none')!.start).toBe(0xfffffffe);
  });

  it('supports patching reserved bytes and reading them back', async () => {
    const path = tmp('patch.cfb');
    const w = await CompoundFileWriter.create(path);
    const s = w.beginStream('data');
    await s.reserve(16);
    await s.append(pattern(8000, 3));
    await s.writeAt(0, Buffer.from('0123456789abcdef'));
    expect((await s.readAt(0, 4)).toString()).toBe('0123');
    await s.end();
    await w.close();
    const c = CFB.read(readFileSync(path), { type: 'buffer' });
    const data = Buffer.from(CFB.find(c, '/data')!.content as Uint8Array);
    expect(data.subarray(0, 16).toString()).toBe('0123456789abcdef');
    expect(data.subarray(16).equals(pattern(8000, 3))).toBe(true);
  });

  it('rejects bad names and duplicates', async () => {
    const w = await CompoundFileWriter.create(tmp('bad.cfb'));
    expect(() => w.addStream('x'.repeat(32), Buffer.alloc(1))).toThrow(/1\.\.31/);
    expect(() => w.addStream('a/b', Buffer.alloc(1))).toThrow(/illegal/);
    w.addStream('Name', Buffer.alloc(1));
    expect(() => w.addStream('NAME', Buffer.alloc(1))).toThrow(/duplicate/);
    await w.abort();
  });
});
