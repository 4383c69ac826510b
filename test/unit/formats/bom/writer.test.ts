import { describe, expect, it } from 'vitest';
import { buildBom, type BomEntry } from '../../../../src/formats/bom/writer.js';
import { readBom } from '../../../helpers/readers/bom-reader.js';
import { cksum } from '../../../../src/formats/cksum.js';

const own = { uid: 0, gid: 80, mtime: 1_700_000_000 };
const dir = (path: string): BomEntry => ({ path, type: 'dir', mode: 0o755, size: 0, checksum: 0, ...own });
const file = (path: string, content: string, mode = 0o644): BomEntry => ({
  path,
  type: 'file',
  mode,
  size: Buffer.byteLength(content),
  checksum: cksum(Buffer.from(content)),
  ...own,
});

describe('BOM writer', () => {
  it('round-trips a small tree through the independent reader', () => {
    const entries: BomEntry[] = [
      dir('.'),
      dir('./opt'),
      dir('./opt/orbit'),
      file('./opt/orbit/secret.txt', 'abc', 0o600),
      file('./opt/orbit/a b é.txt', ''),
      dir('./Library'),
      {
        path: './opt/orbit/link',
        type: 'symlink',
        mode: 0o755,
        size: 6,
        checksum: cksum(Buffer.from('target')),
        linkTarget: 'target',
        ...own,
      },
    ];
    const bom = readBom(buildBom(entries));
    expect([...bom.vars.keys()]).toEqual(['BomInfo', 'Paths', 'HLIndex', 'VIndex', 'Size64']);
    expect(bom.bomInfo.numberOfPaths).toBe(entries.length + 1);
    expect(bom.vIndex.blockSize).toBe(128);
    expect(
      bom.paths.map((p) => [p.path, p.id, p.parent, p.type, p.mode.toString(8), p.uid, p.gid, p.mtime, p.size, p.checksum, p.linkName]),
    ).toEqual([
      ['.', 1, 0, 2, '40755', 0, 80, own.mtime, 0, 0, ''],
      ['./Library', 2, 1, 2, '40755', 0, 80, own.mtime, 0, 0, ''],
      ['./opt', 3, 1, 2, '40755', 0, 80, own.mtime, 0, 0, ''],
      ['./opt/orbit', 4, 3, 2, '40755', 0, 80, own.mtime, 0, 0, ''],
      ['./opt/orbit/a b é.txt', 5, 4, 1, '100644', 0, 80, own.mtime, 0, 4294967295, ''],
      ['./opt/orbit/link', 6, 4, 3, '120755', 0, 80, own.mtime, 6, cksum(Buffer.from('target')), 'target'],
      ['./opt/orbit/secret.txt', 7, 4, 1, '100600', 0, 80, own.mtime, 3, cksum(Buffer.from('abc')), ''],
    ]);
    // Regular-file records carry Apple's 4 trailing bytes; directories do not.
    expect(bom.paths.find((p) => p.type === 1)?.recordLength).toBe(35);
    expect(bom.paths[0]?.recordLength).toBe(31);
  });

  it('splits large trees into chained leaves under branch nodes (two levels)', () => {
    const entries: BomEntry[] = [dir('.'), dir('./d')];
    for (let i = 0; i < 70_000; i++) {
      entries.push(file(`./d/f${String(i).padStart(6, '0')}`, String(i)));
    }
    const bom = readBom(buildBom(entries));
    expect(bom.pathsTree.pathCount).toBe(70_002);
    expect(bom.pathsTree.leaves).toBe(Math.ceil(70_002 / 256));
    expect(bom.paths.length).toBe(70_002);
    expect(bom.paths[70_001]?.path).toBe('./d/f069999');
  });

  it('handles one exactly full leaf without a branch', () => {
    const entries: BomEntry[] = [dir('.')];
    for (let i = 0; i < 255; i++) {
      entries.push(file(`./f${String(i).padStart(3, '0')}`, ''));
    }
    const bom = readBom(buildBom(entries));
    expect(bom.pathsTree.leaves).toBe(1);
    expect(bom.paths.length).toBe(256);
  });

  it('is deterministic and rejects a missing parent or root', () => {
    const entries = [dir('.'), file('./x', 'y')];
    expect(buildBom(entries).equals(buildBom(entries))).toBe(true);
    expect(() => buildBom([dir('.'), file('./a/x', 'y')])).toThrow(/no parent/);
    expect(() => buildBom([file('./x', 'y')])).toThrow(/root/);
  });
});
