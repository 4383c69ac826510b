import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { writeXar, type XarEntry, type XarSigner } from '../../../../src/formats/xar/writer.js';
import { extractFile, heapRanges, readXar, verifyTocChecksum } from '../../../helpers/readers/xar-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'xar-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const own = { uid: 0, gid: 80, user: 'root', group: 'admin', mtime: 1_700_000_000 };
const d = (path: string): XarEntry => ({ path, type: 'directory', mode: 0o755, ...own });
const f = (path: string, data: string | Buffer, compress = false): XarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  ...own,
  content: { kind: 'bytes', data: Buffer.from(data), compress },
});

async function toBuffer(entries: XarEntry[], signer?: XarSigner): Promise<Buffer> {
  const parts: Buffer[] = [];
  const r = await writeXar(async (c) => void parts.push(Buffer.from(c)), entries, {
    creationTime: own.mtime,
    ...(signer ? { signer } : {}),
  });
  const out = Buffer.concat(parts);
  expect(out.length).toBe(r.size);
  return out;
}

describe('xar writer', () => {
  it('round-trips members, nested directories, compression and checksums', async () => {
    const big = randomBytes(3 << 20);
    const bigPath = join(dir, 'big.bin');
    writeFileSync(bigPath, big);
    const entries: XarEntry[] = [
      f('Distribution', '<installer-gui-script/>', true),
      d('base.pkg'),
      f('base.pkg/PackageInfo', '<pkg-info/>', true),
      { path: 'base.pkg/Payload', type: 'file', mode: 0o644, ...own, content: { kind: 'file', path: bigPath, length: big.length } },
      f('base.pkg/Bom', Buffer.alloc(0)),
      f('base.pkg/a & <b>', 'x'),
    ];
    const x = readXar(await toBuffer(entries));
    expect(x.headerSize).toBe(28);
    expect(x.checksumAlgorithm).toBe(1);
    expect(verifyTocChecksum(x)).toBe(true);
    expect(x.creationTime).toBe('2023-11-14T22:13:20');
    expect(x.files.map((e) => `${e.id} ${e.type} ${e.path} ${e.mode} ${e.uid}/${e.gid}`)).toEqual([
      '1 file Distribution 0644 0/80',
      '2 directory base.pkg 0755 0/80',
      '3 file base.pkg/Bom 0644 0/80',
      '4 file base.pkg/PackageInfo 0644 0/80',
      '5 file base.pkg/Payload 0644 0/80',
      '6 file base.pkg/a & <b> 0644 0/80',
    ]);
    expect(extractFile(x, 'Distribution').toString()).toBe('<installer-gui-script/>');
    expect(x.files[0]?.data?.encoding).toBe('application/x-gzip');
    expect(extractFile(x, 'base.pkg/Payload').equals(big)).toBe(true);
    expect(extractFile(x, 'base.pkg/Bom').length).toBe(0);
    // Unsigned: data starts right after the 20-byte checksum, contiguous, in id order.
    const ranges = heapRanges(x);
    expect(ranges[0]).toEqual({ name: '[checksum]', start: 0, end: 20 });
    for (let i = 1; i < ranges.length; i++) {
      expect(ranges[i]?.start).toBe(ranges[i - 1]?.end);
    }
  });

  it('uses a precomputed SHA-1 for files without re-reading them', async () => {
    const p = join(dir, 'p.bin');
    writeFileSync(p, 'payload');
    const wrong = '0'.repeat(40);
    const x = readXar(
      await toBuffer([{ path: 'P', type: 'file', mode: 0o644, ...own, content: { kind: 'file', path: p, length: 7, sha1: wrong } }]),
    );
    expect(x.files[0]?.data?.archivedChecksum.value).toBe(wrong);
  });

  it('is deterministic', async () => {
    const e = [d('x'), f('x/y', 'z', true)];
    expect((await toBuffer(e)).equals(await toBuffer(e))).toBe(true);
  });

  it('reserves signature space at heap offset 20 and writes the signer blobs there', async () => {
    let signed: Buffer | undefined;
    const cert = randomBytes(300);
    const signer: XarSigner = {
      slots: [
        { element: 'signature', style: 'RSA', size: 256, certificates: [cert] },
        { element: 'x-signature', style: 'CMS', size: 9216, certificates: [cert] },
      ],
      async sign(checksum, compressedToc) {
        expect(checksum.equals(createHash('sha1').update(compressedToc).digest())).toBe(true);
        signed = checksum;
        return [Buffer.alloc(256, 1), Buffer.alloc(100, 2)];
      },
    };
    const out = await toBuffer([d('base.pkg'), f('base.pkg/Bom', 'bom')], signer);
    const x = readXar(out);
    expect(verifyTocChecksum(x)).toBe(true);
    expect(x.signatures.map((s) => [s.element, s.style, s.offset, s.size, s.certificates])).toEqual([
      ['signature', 'RSA', 20, 256, 1],
      ['x-signature', 'CMS', 276, 9216, 1],
    ]);
    expect(x.files.find((e) => e.path === 'base.pkg/Bom')?.data?.offset).toBe(9492);
    expect(out.subarray(x.heapStart, x.heapStart + 20).equals(signed as Buffer)).toBe(true);
    expect(out[x.heapStart + 20]).toBe(1);
    expect(out[x.heapStart + 276 + 99]).toBe(2);
    expect(out[x.heapStart + 276 + 100]).toBe(0);
    expect(extractFile(x, 'base.pkg/Bom').toString()).toBe('bom');
  });

  it('rejects bad trees and oversize signatures', async () => {
    await expect(toBuffer([f('a/b', 'x')])).rejects.toThrow(/no parent/);
    await expect(toBuffer([f('../x', 'x')])).rejects.toThrow(/invalid member path/);
    await expect(toBuffer([f('x', 'x'), f('x', 'y')])).rejects.toThrow(/duplicate/);
    const signer: XarSigner = {
      slots: [{ element: 'signature', style: 'RSA', size: 4, certificates: [] }],
      sign: async () => [Buffer.alloc(5)],
    };
    await expect(toBuffer([f('x', 'x')], signer)).rejects.toThrow(/reserved/);
  });
});
