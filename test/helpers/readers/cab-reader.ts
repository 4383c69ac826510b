/**
 * An independent MS-CAB reader for tests: parses the header records, checks every CFDATA checksum
 * against its block and inflates each MSZIP folder (with the previous block as history, as
 * extractors do).
 */
import { inflateRawSync } from 'node:zlib';
import { expect } from 'vitest';
import { cabChecksum } from '../../../src/formats/cab/checksum.js';
import { MSZIP_MAX_PAYLOAD } from '../../../src/formats/cab/mszip.js';

export interface ParsedFile {
  name: string;
  size: number;
  offset: number;
  folder: number;
  date: number;
  time: number;
}

/** An independent reader: parses the records, checks every CFDATA checksum and inflates each folder. */
export function readCab(buf: Buffer): { files: ParsedFile[]; contents: Map<string, Buffer>; folders: number } {
  expect(buf.subarray(0, 4).toString('latin1')).toBe('MSCF');
  expect(buf.readUInt32LE(8)).toBe(buf.length);
  const nFolders = buf.readUInt16LE(26);
  const nFiles = buf.readUInt16LE(28);
  const folderData: Buffer[] = [];
  for (let f = 0; f < nFolders; f++) {
    const o = 36 + f * 8;
    let p = buf.readUInt32LE(o);
    const blocks = buf.readUInt16LE(o + 4);
    expect(buf.readUInt16LE(o + 6)).toBe(1);
    const parts: Buffer[] = [];
    let history = Buffer.alloc(0);
    for (let b = 0; b < blocks; b++) {
      const csum = buf.readUInt32LE(p);
      const cb = buf.readUInt16LE(p + 4);
      const ucb = buf.readUInt16LE(p + 6);
      const payload = buf.subarray(p + 8, p + 8 + cb);
      expect(cabChecksum(buf.subarray(p + 4, p + 8), cabChecksum(payload))).toBe(csum);
      expect(cb).toBeLessThanOrEqual(MSZIP_MAX_PAYLOAD);
      expect(payload.subarray(0, 2).toString('latin1')).toBe('CK');
      const out = inflateRawSync(payload.subarray(2), history.length > 0 ? { dictionary: history } : {});
      expect(out.length).toBe(ucb);
      parts.push(out);
      history = out;
      p += 8 + cb;
    }
    folderData.push(Buffer.concat(parts));
  }
  let o = buf.readUInt32LE(16);
  const files: ParsedFile[] = [];
  const contents = new Map<string, Buffer>();
  for (let i = 0; i < nFiles; i++) {
    const end = buf.indexOf(0, o + 16);
    const f: ParsedFile = {
      size: buf.readUInt32LE(o),
      offset: buf.readUInt32LE(o + 4),
      folder: buf.readUInt16LE(o + 8),
      date: buf.readUInt16LE(o + 10),
      time: buf.readUInt16LE(o + 12),
      name: buf.subarray(o + 16, end).toString('utf8'),
    };
    files.push(f);
    contents.set(f.name, folderData[f.folder]!.subarray(f.offset, f.offset + f.size));
    o = end + 1;
  }
  return { files, contents, folders: nFolders };
}
