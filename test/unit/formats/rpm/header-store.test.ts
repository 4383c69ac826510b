import { describe, expect, it } from 'vitest';
import { HeaderStore, signaturePadding } from '../../../../src/formats/rpm/header-store.js';
import { HEADER_IMMUTABLE, TagType } from '../../../../src/formats/rpm/tags.js';
import { parseHeader } from './rpm-reader.js';

describe('rpm header store', () => {
  it('sorts the index by tag and aligns each value for its type', () => {
    const h = new HeaderStore()
      .int32(1100, [7, -1])
      .string(1000, 'ab')
      .int16(1050, [0o100644, 0o120777])
      .stringArray(1200, ['x', '', 'yz'])
      .bin(1300, Buffer.from([1, 2, 3]))
      .i18nString(1004, 'summary');
    const bytes = h.build(HEADER_IMMUTABLE);
    const parsed = parseHeader(bytes, 0); // throws on any layout violation
    expect(parsed.length).toBe(bytes.length);
    expect(parsed.entries.map((e) => e.tag)).toEqual([63, 1000, 1004, 1050, 1100, 1200, 1300]);
    const at = new Map(parsed.entries.map((e) => [e.tag, e]));
    // "ab\0" + "summary\0" = 11 bytes, so the INT16 array starts after one pad byte
    expect(at.get(1050)?.offset).toBe(12);
    expect(at.get(1050)?.type).toBe(TagType.INT16);
    // 12 + 2 * 2 = 16: already aligned for INT32
    expect(at.get(1100)?.offset).toBe(16);
    expect(bytes[16 + parsed.entries.length * 16 + 11]).toBe(0);
    expect(parsed.values.get(1100)).toEqual([7, -1]);
    expect(parsed.values.get(1050)).toEqual([0o100644, 0o120777]);
    expect(parsed.values.get(1200)).toEqual(['x', '', 'yz']);
    expect(parsed.values.get(1004)).toEqual(['summary']);
    expect(parsed.values.get(1300)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('seals the region: trailer last, offset -16 * il', () => {
    const bytes = new HeaderStore().string(1000, 'n').build(HEADER_IMMUTABLE);
    const il = bytes.readUInt32BE(8);
    const dl = bytes.readUInt32BE(12);
    expect(il).toBe(2);
    const trailer = bytes.subarray(bytes.length - 16);
    expect(trailer.readUInt32BE(0)).toBe(63);
    expect(trailer.readUInt32BE(4)).toBe(TagType.BIN);
    expect(trailer.readInt32BE(8)).toBe(-32);
    expect(trailer.readUInt32BE(12)).toBe(16);
    expect(bytes.readUInt32BE(16 + 8)).toBe(dl - 16);
  });

  it('refuses empty arrays, duplicate tags, NULs and out-of-range integers', () => {
    expect(() => new HeaderStore().stringArray(1000, [])).toThrow(RangeError);
    expect(() => new HeaderStore().string(1000, 'a').string(1000, 'b')).toThrow(RangeError);
    expect(() => new HeaderStore().string(1000, 'a\0')).toThrow(RangeError);
    expect(() => new HeaderStore().int32(1000, [2 ** 32])).toThrow(RangeError);
    expect(() => new HeaderStore().int32(1000, [1.5])).toThrow(RangeError);
    expect(() => new HeaderStore().string(50, 'a').build(HEADER_IMMUTABLE)).toThrow(RangeError);
  });

  it('pads the signature header to 8 bytes', () => {
    expect([16, 17, 23, 24].map((n) => signaturePadding(n).length)).toEqual([0, 7, 1, 0]);
  });
});
