/**
 * A one-member xar archive in memory, for tests of the xar writer and its signatures.
 */
import { writeXar, type XarEntry, type XarWriteOptions } from '../../src/formats/xar/writer.js';

/** A `Distribution` member owned root:admin, as in a flat package. */
export function distributionEntry(xml = '<x/>'): XarEntry {
  return {
    path: 'Distribution',
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 80,
    user: 'root',
    group: 'admin',
    mtime: 0,
    content: { kind: 'bytes', data: Buffer.from(xml), compress: true },
  };
}

export async function xarBytes(entries: readonly XarEntry[], opts: XarWriteOptions = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  await writeXar(async (c) => void parts.push(Buffer.from(c)), entries, opts);
  return Buffer.concat(parts);
}
