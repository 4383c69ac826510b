import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeRpm } from '../../../../src/formats/rpm/writer.js';
import { FileFlag, SigTag, Tag } from '../../../../src/formats/rpm/tags.js';
import { bin, nums, parseRpm, str, strs } from './rpm-reader.js';
import { bytesFile, cleanupSamples, dir, MTIME, sampleSpec, sampleTree } from './sample.js';

afterAll(cleanupSamples);

interface CpioMember {
  name: string;
  mode: number;
  ino: number;
  mtime: number;
  data: Buffer;
}

/** A minimal newc reader, independent of the writer. */
function readCpio(buf: Buffer): CpioMember[] {
  const out: CpioMember[] = [];
  let p = 0;
  for (;;) {
    expect(buf.subarray(p, p + 6).toString('ascii')).toBe('070701');
    const f = (i: number): number => parseInt(buf.subarray(p + 6 + i * 8, p + 14 + i * 8).toString('ascii'), 16);
    const nameSize = f(11);
    const size = f(6);
    const [mode, ino, mtime] = [f(1), f(0), f(5)];
    const name = buf.subarray(p + 110, p + 110 + nameSize - 1).toString('utf8');
    p += 110 + nameSize;
    p += (4 - (p % 4)) % 4;
    const data = buf.subarray(p, p + size);
    p += size;
    p += (4 - (p % 4)) % 4;
    if (name === 'TRAILER!!!') {
      expect(p).toBe(buf.length);
      return out;
    }
    out.push({ name, mode, ino, mtime, data });
  }
}

async function build(over: Parameters<typeof sampleSpec>[1] = {}, compression: 'gzip' | 'none' = 'gzip') {
  const { tmp, entries } = sampleTree();
  const outPath = join(tmp, 'out.rpm');
  const result = await writeRpm(sampleSpec(entries, over), { outPath, tmpDir: tmp, compression });
  return { tmp, outPath, result, bytes: readFileSync(outPath) };
}

describe('rpm writer', () => {
  it('writes lead, padded signature header, main header and payload that agree with each other', async () => {
    const { bytes, result, tmp } = await build();
    expect(result.size).toBe(bytes.length);
    const rpm = parseRpm(bytes);
    // lead
    expect(rpm.lead.readUInt32BE(0)).toBe(0xedabeedb);
    expect(rpm.lead.readUInt16BE(8)).toBe(1); // x86_64
    expect(rpm.lead.readUInt16BE(78)).toBe(5);
    expect(rpm.lead.subarray(10, 76).toString('latin1').replace(/\0+$/, '')).toBe('sample-1.2.3-1');
    // signature header padded to 8, main header right after
    expect(rpm.header.start % 8).toBe(0);
    const sig = rpm.signature;
    expect(str(sig, SigTag.SHA1)).toBe(createHash('sha1').update(rpm.headerBytes).digest('hex'));
    expect(str(sig, SigTag.SHA256)).toBe(createHash('sha256').update(rpm.headerBytes).digest('hex'));
    expect(bin(sig, SigTag.MD5)).toEqual(createHash('md5').update(rpm.headerBytes).update(rpm.payload).digest());
    expect(nums(sig, SigTag.SIZE)).toEqual([rpm.headerBytes.length + rpm.payload.length]);
    expect(bin(sig, SigTag.RESERVEDSPACE)).toEqual(Buffer.alloc(4128));
    const cpio = gunzipSync(rpm.payload);
    expect(nums(sig, SigTag.PAYLOADSIZE)).toEqual([cpio.length]);
    // payload digests
    const h = rpm.header;
    expect(strs(h, Tag.PAYLOADDIGEST)).toEqual([createHash('sha256').update(rpm.payload).digest('hex')]);
    expect(strs(h, Tag.PAYLOADDIGESTALT)).toEqual([createHash('sha256').update(cpio).digest('hex')]);
    expect(nums(h, Tag.PAYLOADDIGESTALGO)).toEqual([8]);
    expect(str(h, Tag.PAYLOADCOMPRESSOR)).toBe('gzip');
    expect(str(h, Tag.PAYLOADFLAGS)).toBe('6');
    // the spool file is gone
    expect(readdirSync(tmp).filter((f) => f.includes('spool'))).toEqual([]);
  });

  it('lists files sorted, split into dir/base names, with modes, sizes, digests and link targets', async () => {
    const { bytes } = await build();
    const h = parseRpm(bytes).header;
    const dirs = strs(h, Tag.DIRNAMES);
    const paths = nums(h, Tag.DIRINDEXES).map((d, i) => `${dirs[d]}${strs(h, Tag.BASENAMES)[i]}`);
    expect(paths).toEqual([
      '/opt/sample',
      '/opt/sample/bin',
      '/opt/sample/bin/agent',
      '/opt/sample/conf',
      '/opt/sample/current',
      '/opt/sample/empty',
      '/var/log/sample',
    ]);
    expect(dirs.every((d) => d.endsWith('/'))).toBe(true);
    expect(new Set(dirs).size).toBe(dirs.length);
    expect(nums(h, Tag.FILEMODES)).toEqual([0o40755, 0o40755, 0o100755, 0o100600, 0o120777, 0o100644, 0o40750]);
    expect(nums(h, Tag.FILESIZES)).toEqual([0, 0, 300_000, 10, 21, 0, 0]);
    expect(nums(h, Tag.SIZE)).toEqual([300_031]);
    expect(strs(h, Tag.FILELINKTOS)).toEqual(['', '', '', '', '/opt/sample/bin/agent', '', '']);
    const digests = strs(h, Tag.FILEDIGESTS);
    expect(digests[3]).toBe(createHash('sha256').update('KEY=value\n').digest('hex'));
    expect(digests[5]).toBe(createHash('sha256').digest('hex'));
    expect([digests[0], digests[4], digests[6]]).toEqual(['', '', '']);
    expect(nums(h, Tag.FILEDIGESTALGO)).toEqual([8]);
    expect(nums(h, Tag.FILEINODES)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(nums(h, Tag.FILEMTIMES).every((t) => t === MTIME)).toBe(true);
    expect(nums(h, Tag.FILEVERIFYFLAGS).every((t) => t === -1)).toBe(true);
    expect(strs(h, Tag.FILEUSERNAME).every((u) => u === 'root')).toBe(true);
    expect(strs(h, Tag.FILEGROUPNAME).every((u) => u === 'root')).toBe(true);
    // every per-file array has one value per file
    for (const tag of [Tag.FILERDEVS, Tag.FILEFLAGS, Tag.FILEDEVICES, Tag.FILELANGS, Tag.FILEUSERNAME]) {
      expect((h.values.get(tag) as unknown[]).length).toBe(7);
    }
  });

  it('puts every header file in the cpio payload with ./ names, file bodies and link targets', async () => {
    const { bytes } = await build();
    const rpm = parseRpm(bytes);
    const members = readCpio(gunzipSync(rpm.payload));
    expect(members.map((m) => m.name)).toEqual([
      './opt/sample',
      './opt/sample/bin',
      './opt/sample/bin/agent',
      './opt/sample/conf',
      './opt/sample/current',
      './opt/sample/empty',
      './var/log/sample',
    ]);
    expect(members.map((m) => m.mode)).toEqual(nums(rpm.header, Tag.FILEMODES));
    expect(members[3]?.data.toString()).toBe('KEY=value\n');
    expect(members[4]?.data.toString()).toBe('/opt/sample/bin/agent');
    expect(
      createHash('sha256')
        .update(members[2]?.data ?? Buffer.alloc(0))
        .digest('hex'),
    ).toBe(strs(rpm.header, Tag.FILEDIGESTS)[2]);
  });

  it('declares metadata, scriptlets with /bin/sh, rpmlib() features and self-provides', async () => {
    const { bytes } = await build();
    const h = parseRpm(bytes).header;
    expect(str(h, Tag.NAME)).toBe('sample');
    expect(strs(h, Tag.SUMMARY)).toEqual(['A sample package']);
    expect(strs(h, Tag.HEADERI18NTABLE)).toEqual(['C']);
    expect(str(h, Tag.ARCH)).toBe('x86_64');
    expect(str(h, Tag.OS)).toBe('linux');
    expect(str(h, Tag.SOURCERPM)).toBe('sample-1.2.3-1.src.rpm');
    expect(nums(h, Tag.BUILDTIME)).toEqual([MTIME]);
    expect(str(h, Tag.POSTIN)).toContain('echo post');
    expect(str(h, Tag.POSTTRANSPROG)).toBe('/bin/sh');
    expect(h.values.has(Tag.PREIN)).toBe(false);
    expect(strs(h, Tag.REQUIRENAME)).toEqual([
      '/bin/sh',
      '/bin/sh',
      '/bin/sh',
      '/bin/sh',
      'rpmlib(CompressedFileNames)',
      'rpmlib(FileDigests)',
      'rpmlib(PayloadFilesHavePrefix)',
    ]);
    expect(nums(h, Tag.REQUIREFLAGS)).toEqual([288, 1280, 2304, 4352, 16777226, 16777226, 16777226]);
    expect(strs(h, Tag.PROVIDENAME)).toEqual(['sample', 'sample(x86-64)']);
    expect(strs(h, Tag.PROVIDEVERSION)).toEqual(['1.2.3-1', '1.2.3-1']);
    // none of the tags rpm derives from the signature header may be in the main header
    for (const t of [257, 259, 261, 262, 267, 268, 269, 270, 271, 273, 276, 277, 1046]) {
      expect(h.values.has(t)).toBe(false);
    }
  });

  it('is byte-identical for identical input', async () => {
    const { tmp, entries } = sampleTree();
    const a = join(tmp, 'a.rpm');
    const b = join(tmp, 'b.rpm');
    await writeRpm(sampleSpec(entries), { outPath: a, tmpDir: tmp, compression: 'gzip' });
    await writeRpm(sampleSpec(entries), { outPath: b, tmpDir: tmp, compression: 'gzip', concurrency: 1 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('stores an uncompressed payload without a compressor tag', async () => {
    const { bytes } = await build({}, 'none');
    const rpm = parseRpm(bytes);
    expect(rpm.header.values.has(Tag.PAYLOADCOMPRESSOR)).toBe(false);
    expect(rpm.header.values.has(Tag.PAYLOADFLAGS)).toBe(false);
    expect(readCpio(rpm.payload).length).toBe(7);
    expect(nums(rpm.signature, SigTag.PAYLOADSIZE)).toEqual([rpm.payload.length]);
  });

  it('applies file flags, epoch and extra dependencies', async () => {
    const { bytes } = await build({
      epoch: 2,
      fileFlags: new Map([['opt/sample/conf', FileFlag.CONFIG | FileFlag.NOREPLACE]]),
      requires: [{ name: 'bash', flags: 0, version: '' }],
    });
    const h = parseRpm(bytes).header;
    expect(nums(h, Tag.FILEFLAGS)[3]).toBe(17);
    expect(nums(h, Tag.EPOCH)).toEqual([2]);
    expect(strs(h, Tag.PROVIDEVERSION)).toEqual(['2:1.2.3-1', '2:1.2.3-1']);
    expect(strs(h, Tag.REQUIRENAME)).toContain('bash');
  });

  it('requires rpmlib(TildeInVersions) for a pre-release version', async () => {
    const { bytes } = await build({ version: '1.40.0~rc1' });
    const h = parseRpm(bytes).header;
    expect(strs(h, Tag.REQUIRENAME)).toContain('rpmlib(TildeInVersions)');
    expect(str(h, Tag.VERSION)).toBe('1.40.0~rc1');
  });

  it('rejects bad paths, duplicates, missing link targets and dashes in the version', async () => {
    const { tmp } = sampleTree(10);
    const go = (files: Parameters<typeof sampleSpec>[0], over = {}) =>
      writeRpm(sampleSpec(files, over), { outPath: join(tmp, 'x.rpm'), tmpDir: tmp, compression: 'gzip' });
    await expect(go([dir('/abs')])).rejects.toThrow(/invalid entry path/);
    await expect(go([dir('a/../b')])).rejects.toThrow(/invalid entry path/);
    await expect(go([dir('a'), dir('a')])).rejects.toThrow(/duplicate/);
    await expect(go([{ ...dir('l'), type: 'symlink' }])).rejects.toThrow(/no target/);
    await expect(go([dir('a')], { version: '1.0-rc1' })).rejects.toThrow(/must not contain/);
  });

  it('fails when a file on disk does not match its declared size', async () => {
    const { tmp } = sampleTree(10);
    const p = join(tmp, 'f');
    writeFileSync(p, 'abcdef');
    const entry = { ...bytesFile('f', ''), size: 3, content: { kind: 'path' as const, path: p } };
    await expect(writeRpm(sampleSpec([entry]), { outPath: join(tmp, 'x.rpm'), tmpDir: tmp, compression: 'gzip' })).rejects.toThrow(
      /larger than its declared size/,
    );
    const short = { ...entry, size: 100 };
    await expect(writeRpm(sampleSpec([short]), { outPath: join(tmp, 'x.rpm'), tmpDir: tmp, compression: 'gzip' })).rejects.toThrow(
      /smaller/,
    );
    expect(readdirSync(tmp).filter((f) => f.includes('spool'))).toEqual([]);
  });

  it('builds a package without files', async () => {
    const { tmp } = sampleTree(10);
    const out = join(tmp, 'empty.rpm');
    await writeRpm(sampleSpec([], { scripts: {} }), { outPath: out, tmpDir: tmp, compression: 'gzip' });
    const rpm = parseRpm(readFileSync(out));
    expect(rpm.header.values.has(Tag.BASENAMES)).toBe(false);
    expect(readCpio(gunzipSync(rpm.payload))).toEqual([]);
    expect(strs(rpm.header, Tag.REQUIRENAME)).toHaveLength(3);
  });
});
