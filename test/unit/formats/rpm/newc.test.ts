import { describe, expect, it } from 'vitest';
import { newcHeader, newcPadLength, newcPadding, newcTrailer, S_IFREG } from '../../../../src/formats/cpio/newc.js';

describe('cpio newc framing', () => {
  it('writes the 110-byte header, the name with its NUL and pads to 4 bytes', () => {
    const h = newcHeader({ ino: 3, mode: S_IFREG | 0o644, uid: 0, gid: 0, nlink: 1, mtime: 1_700_000_000, fileSize: 10, name: './a' });
    // 110 + 4 (name + NUL) = 114 → padded to 116
    expect(h.length).toBe(116);
    const text = h.subarray(0, 110).toString('ascii');
    expect(text.slice(0, 6)).toBe('070701');
    const field = (i: number): number => parseInt(text.slice(6 + i * 8, 14 + i * 8), 16);
    expect(field(0)).toBe(3);
    expect(field(1)).toBe(0o100644);
    expect(field(4)).toBe(1);
    expect(field(5)).toBe(1_700_000_000);
    expect(field(6)).toBe(10);
    expect(field(11)).toBe(4); // namesize counts the NUL
    expect(field(12)).toBe(0);
    expect(h.subarray(110, 116)).toEqual(Buffer.from('./a\0\0\0', 'binary'));
  });

  it('needs no name padding when header + name already end on 4 bytes', () => {
    // 110 + 2 = 112
    expect(newcHeader({ ino: 1, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, fileSize: 0, name: 'x' }).length).toBe(112);
  });

  it('pads bodies to 4 bytes', () => {
    expect([0, 1, 2, 3, 4, 5].map(newcPadLength)).toEqual([0, 3, 2, 1, 0, 3]);
    expect(newcPadding(5)).toEqual(Buffer.alloc(3));
  });

  it('ends with a TRAILER!!! member', () => {
    const t = newcTrailer();
    expect(t.length % 4).toBe(0);
    expect(t.subarray(110, 120).toString('ascii')).toBe('TRAILER!!!');
    expect(parseInt(t.subarray(6 + 4 * 8, 14 + 4 * 8).toString('ascii'), 16)).toBe(1);
  });

  it('rejects values that do not fit in 8 hex digits and NULs in names', () => {
    expect(() => newcHeader({ ino: 1, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, fileSize: 2 ** 32, name: 'big' })).toThrow(RangeError);
    expect(() => newcHeader({ ino: -1, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, fileSize: 0, name: 'x' })).toThrow(RangeError);
    expect(() => newcHeader({ ino: 1, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, fileSize: 0, name: 'a\0b' })).toThrow(RangeError);
  });
});
