// The BOM and xar readers against Apple's own output (a productbuild + productsign sample), so that
// the readers used to check our writers are themselves checked against a real reference.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readBom } from '../../../helpers/readers/bom-reader.js';
import { extractFile, heapRanges, readXar, verifyTocChecksum } from '../../../helpers/readers/xar-reader.js';
import { cksum } from '../../../../src/formats/cksum.js';

const SAMPLE = '../shared/fixtures/apple-pkg-samples/valid.pkg';
const COMPONENT = 'Nudge_LaunchAgent-1.0.1.pkg';

describe.runIf(existsSync(SAMPLE))('readers on the Apple-made valid.pkg', () => {
  const x = readXar(readFileSync(SAMPLE));

  it('parses the xar header, TOC and signatures', () => {
    expect(x.headerSize).toBe(28);
    expect(x.version).toBe(1);
    expect(x.checksumAlgorithm).toBe(1);
    expect(verifyTocChecksum(x)).toBe(true);
    expect(x.checksum).toEqual({ style: 'sha1', offset: 0, size: 20 });
    expect(x.signatures.map((s) => [s.element, s.style, s.offset, s.size, s.certificates])).toEqual([
      ['signature', 'RSA', 20, 256, 3],
      ['x-signature', 'CMS', 276, 9216, 3],
    ]);
    expect(x.files.map((f) => `${f.id} ${f.type} ${f.path}`)).toEqual([
      '6 file Distribution',
      `1 directory ${COMPONENT}`,
      `2 file ${COMPONENT}/Bom`,
      `3 file ${COMPONENT}/Payload`,
      `4 file ${COMPONENT}/Scripts`,
      `5 file ${COMPONENT}/PackageInfo`,
    ]);
    const ranges = heapRanges(x);
    for (let i = 1; i < ranges.length; i++) {
      expect((ranges[i] as { start: number }).start).toBeGreaterThanOrEqual((ranges[i - 1] as { end: number }).end);
    }
    expect(ranges.find((r) => r.name.endsWith('/Bom'))?.start).toBe(9492);
  });

  it('reads the Apple Bom: paths, modes, ownership, sizes and cksum CRCs', () => {
    const bom = readBom(extractFile(x, `${COMPONENT}/Bom`));
    expect([...bom.vars.keys()]).toEqual(['BomInfo', 'Paths', 'HLIndex', 'VIndex', 'Size64']);
    expect(bom.numberOfBlocks).toBe(24);
    expect(bom.bomInfo).toEqual({ version: 1, numberOfPaths: 3, entries: [[0, 0, 948, 0]] });
    expect(bom.pathsTree).toMatchObject({ blockSize: 4096, pathCount: 2, leaves: 1, entries: 2 });
    expect(bom.vIndex.blockSize).toBe(128);
    expect(bom.hlIndex.entries).toBe(0);
    expect(bom.paths.map((p) => ({ ...p, mtime: 0 }))).toEqual([
      {
        path: '.',
        id: 1,
        parent: 0,
        type: 2,
        arch: 0xf,
        mode: 0o40755,
        uid: 0,
        gid: 0,
        mtime: 0,
        size: 96,
        checksum: 0,
        linkName: '',
        recordLength: 31,
      },
      {
        path: './com.github.macadmins.Nudge.plist',
        id: 2,
        parent: 1,
        type: 1,
        arch: 0xf,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        mtime: 0,
        size: 948,
        checksum: 2189680907,
        linkName: '',
        recordLength: 35,
      },
    ]);
  });

  it('agrees with the Payload: the recorded CRC is the cksum of the extracted file', () => {
    const cpio = gunzipSync(extractFile(x, `${COMPONENT}/Payload`));
    // odc: 76-byte ASCII header; second entry is the plist.
    const first = 76 + parseInt(cpio.toString('latin1', 59, 65), 8) + parseInt(cpio.toString('latin1', 65, 76), 8);
    const nameSize = parseInt(cpio.toString('latin1', first + 59, first + 65), 8);
    const fileSize = parseInt(cpio.toString('latin1', first + 65, first + 76), 8);
    const dataStart = first + 76 + nameSize;
    expect(cksum(cpio.subarray(dataStart, dataStart + fileSize))).toBe(2189680907);
  });
});
