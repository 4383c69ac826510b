/**
 * A Microsoft Cabinet (MS-CAB) writer with MSZIP compression, shaped for Windows Installer packages.
 *
 * Layout: CFHEADER (36 bytes), one CFFOLDER (8 bytes) per folder, one CFFILE (16 bytes + NUL-terminated
 * name) per file, then the CFDATA blocks of each folder. A folder is an independent compression unit: its
 * files are concatenated, cut into 32 KiB blocks, and each block is stored as a CFDATA record (checksum,
 * compressed and uncompressed size, MSZIP payload).
 *
 * We put every file in its own folder. That costs 8 bytes per file, but makes each file's compressed
 * blocks independent of everything else in the cabinet, so they can be compressed in parallel and are
 * relocatable: a folder's CFDATA run can be cached and copied into another cabinet unchanged, only the
 * header records (offsets, counts) are rewritten. Files with identical content may share one folder
 * (`sameAs`), like WiX's "smart cabbing". Zero-length files need no data and point at the end of the
 * preceding folder.
 *
 * With a content cache (`CabinetOptions.cache`), a large file read from disk (`CabFile.path`) has its
 * folder's CFDATA records recorded on first use, keyed by level and the file's identity; a later
 * cabinet copies them (the block count goes into CFFOLDER) instead of compressing again. Cached or
 * not, the bytes are the same.
 *
 * The header records come first in the file but depend on compressed sizes, so their space is reserved,
 * the data is streamed behind it, and the header is patched in at the end (`CabSink.writeAt`). Memory use is
 * bounded by the number of blocks in flight, independent of file sizes.
 *
 * Spec: https://learn.microsoft.com/en-us/previous-versions/ms974336(v=msdn.10) (Microsoft Cabinet
 * Format); MSZIP: MS-MCI.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { fileIdentity, type CachedFile, type ContentCache } from '../content-cache.js';
import { cfdataHeader } from './checksum.js';
import { dosDateTime } from './dos-time.js';
import { MSZIP_BLOCK, mszipBlock } from './mszip.js';

export interface CabFile {
  /** CFFILE name; for an MSI, the File table key. */
  readonly name: string;
  readonly size: number;
  /** Seconds since the Unix epoch (stored as a DOS date/time in UTC). */
  readonly mtime: number;
  /** The file's bytes, in any chunking; read once (not at all for `sameAs` or empty files). */
  readonly content: () => AsyncIterable<Buffer>;
  /** Index of an earlier file with identical bytes whose folder this file shares. */
  readonly sameAs?: number;
  /** The file on disk `content` reads, if any: with a cache, its identity keys the compressed folder. */
  readonly path?: string;
}

/** Where the cabinet goes: appended sequentially, with the reserved header patched at the end. */
export interface CabSink {
  readonly size: number;
  reserve(n: number): Promise<void>;
  append(buf: Buffer): Promise<void>;
  writeAt(offset: number, buf: Buffer): Promise<void>;
}

export interface CabinetOptions {
  /** zlib level 1-9, or 0 to store (default 6, gcab's level). */
  readonly level?: number;
  /** Blocks compressed concurrently (default 16; the work runs on libuv's thread pool). */
  readonly concurrency?: number;
  /** Called after each file with its uncompressed size (progress). */
  readonly onFile?: (index: number, bytes: number) => void;
  /** Reuses (and records) the compressed folders of large files across cabinets. */
  readonly cache?: ContentCache;
}

export interface CabinetSummary {
  readonly size: number;
  readonly folders: number;
  readonly blocks: number;
}

const CFHEADER_SIZE = 36;
const CFFOLDER_SIZE = 8;
const CFFILE_FIXED = 16;
const TYPE_MSZIP = 1;
const ATTR_ARCHIVE = 0x20;
const ATTR_NAME_IS_UTF = 0x80;
const MAX_COUNT = 0xffff;
/** Files at least this big (agent binaries) are worth a cache entry; smaller ones are just compressed. */
const CACHE_AT = 1 << 20;

interface FolderState {
  start: number;
  blocks: number;
  size: number;
}

function encodeName(name: string): { bytes: Buffer; utf: boolean } {
  const ascii = /^[\x20-\x7e]*$/.test(name);
  return { bytes: Buffer.from(name, ascii ? 'latin1' : 'utf8'), utf: !ascii };
}

export async function writeCabinet(files: readonly CabFile[], sink: CabSink, options: CabinetOptions = {}): Promise<CabinetSummary> {
  const level = options.level ?? 6;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  if (files.length === 0 || files.length > MAX_COUNT) {
    throw new RangeError(`a cabinet holds 1..${MAX_COUNT} files, got ${files.length}`);
  }

  // Assign folders: one per non-empty file that does not share another's.
  const folderOf: number[] = [];
  const offsetOf: number[] = [];
  const folders: FolderState[] = [];
  let lastFolder = -1;
  files.forEach((f, i) => {
    if (f.sameAs !== undefined) {
      const orig = files[f.sameAs];
      if (f.sameAs >= i || orig === undefined || orig.size !== f.size) {
        throw new RangeError(`cabinet file ${f.name}: sameAs must name an earlier file of the same size`);
      }
      folderOf.push(folderOf[f.sameAs]!);
      offsetOf.push(offsetOf[f.sameAs]!);
    } else if (f.size === 0) {
      folderOf.push(Math.max(lastFolder, 0));
      offsetOf.push(lastFolder < 0 ? 0 : folders[lastFolder]!.size);
    } else {
      folders.push({ start: 0, blocks: 0, size: f.size });
      lastFolder = folders.length - 1;
      folderOf.push(lastFolder);
      offsetOf.push(0);
    }
  });
  if (folders.length === 0) {
    folders.push({ start: 0, blocks: 0, size: 0 });
  }
  if (folders.length > MAX_COUNT) {
    throw new RangeError(`too many cabinet folders (${folders.length})`);
  }

  const names = files.map((f) => encodeName(f.name));
  const headerSize = CFHEADER_SIZE + CFFOLDER_SIZE * folders.length + names.reduce((s, n) => s + CFFILE_FIXED + n.bytes.length + 1, 0);
  const base = sink.size;
  await sink.reserve(headerSize);

  // Compression pipeline: blocks are compressed concurrently and appended in order.
  const inflight: { folder: number; raw: number; payload: Promise<Buffer> }[] = [];
  let totalBlocks = 0;
  // CFDATA records of the file being recorded for the cache (only its folder's blocks are captured).
  let capture: { folder: number; fh: FileHandle; size: number } | undefined;
  const drainOne = async (): Promise<void> => {
    const job = inflight.shift()!;
    const payload = await job.payload;
    const folder = folders[job.folder]!;
    if (folder.blocks === 0) {
      folder.start = sink.size - base;
    }
    if (folder.blocks === MAX_COUNT) {
      throw new RangeError('a cabinet folder holds at most 65 535 blocks (2 GiB)');
    }
    folder.blocks++;
    totalBlocks++;
    const record = Buffer.concat([cfdataHeader(payload, job.raw), payload]);
    if (capture !== undefined && capture.folder === job.folder) {
      await capture.fh.write(record);
      capture.size += record.length;
    }
    await sink.append(record);
  };
  // A cached folder: its records are copied as they are (each CFDATA checksum covers only its block).
  const copyFolder = async (folder: number, hit: CachedFile): Promise<void> => {
    while (inflight.length > 0) {
      await drainOne();
    }
    const fo = folders[folder]!;
    const blocks = hit.extra?.['blocks'] ?? 0;
    if (blocks > MAX_COUNT) {
      throw new RangeError('a cabinet folder holds at most 65 535 blocks (2 GiB)');
    }
    fo.start = sink.size - base;
    fo.blocks = blocks;
    totalBlocks += blocks;
    let copied = 0;
    for await (const c of createReadStream(hit.blob, { highWaterMark: 1 << 20 })) {
      copied += (c as Buffer).length;
      await sink.append(c as Buffer);
    }
    if (copied !== hit.compressedSize) {
      throw new Error(`cabinet cache blob ${hit.blob} has ${copied} bytes, expected ${hit.compressedSize}`);
    }
  };
  const submit = async (folder: number, block: Buffer): Promise<void> => {
    const payload = mszipBlock(block, level);
    // Avoid an unhandled rejection while the job waits in the queue; drainOne re-awaits it.
    payload.catch(() => undefined);
    inflight.push({ folder, raw: block.length, payload });
    if (inflight.length >= concurrency) {
      await drainOne();
    }
  };

  /** Cuts one file into blocks and queues them; returns the file's CRC-32 when `withCrc` (cache entries). */
  const compressFile = async (f: CabFile, folder: number, withCrc: boolean): Promise<number> => {
    let fileCrc = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    let seen = 0;
    for await (const chunk of f.content()) {
      seen += chunk.length;
      if (seen > f.size) {
        throw new Error(`cabinet file ${f.name} is larger than its declared ${f.size} bytes`);
      }
      if (withCrc) {
        fileCrc = crc32(chunk, fileCrc);
      }
      let c = chunk;
      while (c.length > 0) {
        const take = Math.min(MSZIP_BLOCK - pendingLen, c.length);
        pending.push(c.subarray(0, take));
        pendingLen += take;
        c = c.subarray(take);
        if (pendingLen === MSZIP_BLOCK) {
          // Copy: the chunk's memory may be reused by the reader once we yield.
          await submit(folder, Buffer.concat(pending, pendingLen));
          pending = [];
          pendingLen = 0;
        }
      }
    }
    if (pendingLen > 0) {
      await submit(folder, Buffer.concat(pending, pendingLen));
    }
    if (seen !== f.size) {
      throw new Error(`cabinet file ${f.name} has ${seen} bytes, ${f.size} declared`);
    }
    return fileCrc >>> 0;
  };

  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (f.sameAs !== undefined || f.size === 0) {
      options.onFile?.(i, f.size);
      continue;
    }
    const folder = folderOf[i]!;
    const cache = options.cache;
    const key = cache !== undefined && f.path !== undefined && f.size >= CACHE_AT ? `cab:${level}:${await fileIdentity(f.path)}` : undefined;
    if (cache === undefined || key === undefined) {
      await compressFile(f, folder, false);
      options.onFile?.(i, f.size);
      continue;
    }
    const hit = cache.get(key);
    if (hit !== undefined && hit.inputSize === f.size && hit.extra?.['blocks'] !== undefined) {
      await copyFolder(folder, hit);
      options.onFile?.(i, f.size);
      continue;
    }
    // Record this folder's CFDATA records as they are appended (blocks of earlier files still in
    // flight belong to other folders and are not captured).
    const blob = await cache.newBlobPath();
    const rec = { folder, fh: await open(blob, 'w', 0o600), size: 0 };
    let fileCrc: number;
    capture = rec;
    try {
      fileCrc = await compressFile(f, folder, true);
      while (inflight.length > 0) {
        await drainOne();
      }
    } finally {
      capture = undefined;
      await rec.fh.close();
    }
    cache.set(key, {
      blob,
      compressedSize: rec.size,
      inputSize: f.size,
      crc32: fileCrc,
      digests: {},
      extra: { blocks: folders[folder]!.blocks },
    });
    options.onFile?.(i, f.size);
  }
  while (inflight.length > 0) {
    await drainOne();
  }

  const total = sink.size - base;
  const header = Buffer.alloc(headerSize);
  header.write('MSCF', 0, 'latin1');
  header.writeUInt32LE(total, 8); // cbCabinet
  header.writeUInt32LE(CFHEADER_SIZE + CFFOLDER_SIZE * folders.length, 16); // coffFiles
  header.writeUInt8(3, 24); // versionMinor
  header.writeUInt8(1, 25); // versionMajor
  header.writeUInt16LE(folders.length, 26);
  header.writeUInt16LE(files.length, 28);
  // flags 0 (no reserve, no previous/next cabinet), setID 0, iCabinet 0
  let off = CFHEADER_SIZE;
  for (const fo of folders) {
    header.writeUInt32LE(fo.start, off);
    header.writeUInt16LE(fo.blocks, off + 4);
    header.writeUInt16LE(TYPE_MSZIP, off + 6);
    off += CFFOLDER_SIZE;
  }
  files.forEach((f, i) => {
    const { date, time } = dosDateTime(f.mtime);
    const n = names[i]!;
    header.writeUInt32LE(f.size, off);
    header.writeUInt32LE(offsetOf[i]!, off + 4);
    header.writeUInt16LE(folderOf[i]!, off + 8);
    header.writeUInt16LE(date, off + 10);
    header.writeUInt16LE(time, off + 12);
    header.writeUInt16LE(ATTR_ARCHIVE | (n.utf ? ATTR_NAME_IS_UTF : 0), off + 14);
    n.bytes.copy(header, off + CFFILE_FIXED);
    off += CFFILE_FIXED + n.bytes.length + 1;
  });
  await sink.writeAt(base, header);
  return { size: total, folders: folders.length, blocks: totalBlocks };
}
