/**
 * A reader for Compound File Binary (MS-CFB) files, version 3 (512-byte sectors) and version 4 (4096):
 * the container of Windows Installer databases, Office 97 documents and other OLE2 formats.
 *
 * What it keeps in memory: the header, the FAT (4 bytes per sector: 0.8% of the file), the directory,
 * the mini FAT and the mini stream (every stream shorter than the 4096-byte cutoff, so at most a few
 * MB). Regular streams are never loaded whole: `chunks()` walks their sector chain and reads runs of
 * consecutive sectors straight from the file, so a 1 GB cabinet can be hashed and copied with a small,
 * constant amount of memory.
 *
 * Every number read from the file is checked before use (sector numbers inside the file, chains without
 * loops and of the length the size implies, directory links inside the directory and acyclic), because
 * the input may be any file an operator points us at.
 *
 * Spec: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cfb/ (2.2 header, 2.3 FAT,
 * 2.4 mini FAT, 2.5 DIFAT, 2.6 directory).
 */
import { open, type FileHandle } from 'node:fs/promises';
import {
  DIR_ENTRY_SIZE,
  ENDOFCHAIN,
  FREESECT,
  HEADER_DIFAT_SLOTS,
  HEADER_SIZE,
  MINI_SECTOR_SHIFT,
  MINI_SECTOR_SIZE,
  MINI_STREAM_CUTOFF,
  NOSTREAM,
  SIGNATURE,
} from './constants.js';

/** Highest regular sector number (MS-CFB 2.1: MAXREGSECT). */
const MAX_REG_SECT = 0xfffffffa;
/** Largest read issued for a run of consecutive sectors. */
const MAX_READ = 1 << 20;

export type CfbEntryKind = 'storage' | 'stream' | 'root';

export interface CfbEntry {
  /** Index in the directory (0 is the root). */
  readonly id: number;
  /** Raw name: UTF-16 code units as stored (MSI stream names are packed, see formats/msi/stream-name). */
  readonly name: string;
  readonly kind: CfbEntryKind;
  /** 16 bytes as stored on disk. */
  readonly clsid: Buffer;
  readonly stateBits: number;
  readonly startSector: number;
  readonly size: number;
  /** Children ids (storages and the root only), in directory-tree order. */
  readonly children: readonly number[];
}

export class CompoundFileFormatError extends Error {
  constructor(message: string) {
    super(`not a valid compound file: ${message}`);
    this.name = 'CompoundFileFormatError';
  }
}

const bad = (msg: string): never => {
  throw new CompoundFileFormatError(msg);
};

async function readFully(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) {
      bad(`truncated (wanted ${length} bytes at offset ${position})`);
    }
    done += bytesRead;
  }
  return buf;
}

export class CompoundFileReader {
  private constructor(
    private readonly fh: FileHandle,
    /** 3 or 4. */
    readonly majorVersion: number,
    private readonly sectorSize: number,
    private readonly fat: Uint32Array,
    private readonly miniFat: Uint32Array,
    private readonly miniStream: Buffer,
    private readonly miniCutoff: number,
    readonly entries: readonly CfbEntry[],
  ) {}

  static async open(path: string): Promise<CompoundFileReader> {
    const fh = await open(path, 'r');
    try {
      return await CompoundFileReader.load(fh);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  private static async load(fh: FileHandle): Promise<CompoundFileReader> {
    const fileSize = (await fh.stat()).size;
    if (fileSize < HEADER_SIZE) {
      bad('shorter than a header');
    }
    const header = await readFully(fh, HEADER_SIZE, 0);
    if (!header.subarray(0, 8).equals(SIGNATURE)) {
      bad('wrong signature');
    }
    if (header.readUInt16LE(28) !== 0xfffe) {
      bad('wrong byte order mark');
    }
    const major = header.readUInt16LE(26);
    const shift = header.readUInt16LE(30);
    if (!((major === 3 && shift === 9) || (major === 4 && shift === 12))) {
      bad(`unsupported version ${major} with sector shift ${shift}`);
    }
    if (header.readUInt16LE(32) !== MINI_SECTOR_SHIFT) {
      bad('unsupported mini sector size');
    }
    const sectorSize = 1 << shift;
    const idsPerSector = sectorSize / 4;
    // Sectors that exist in the file (a trailing partial sector counts: some writers do not pad).
    const sectorCount = Math.ceil(Math.max(0, fileSize - sectorSize) / sectorSize);
    const offsetOf = (s: number): number => (s + 1) * sectorSize;
    const checkSector = (s: number, what: string): number => {
      if (s > MAX_REG_SECT || s >= sectorCount) {
        bad(`${what} points at sector ${s}, outside the file`);
      }
      return s;
    };
    const readSector = (s: number, what: string): Promise<Buffer> =>
      readFully(fh, Math.min(sectorSize, fileSize - offsetOf(checkSector(s, what))), offsetOf(s)).then((b) =>
        b.length === sectorSize ? b : Buffer.concat([b, Buffer.alloc(sectorSize - b.length)]),
      );

    // DIFAT: 109 FAT sector numbers in the header, the rest in a chain of DIFAT sectors.
    const fatSectorCount = header.readUInt32LE(44);
    if (fatSectorCount > sectorCount) {
      bad(`header claims ${fatSectorCount} FAT sectors in a file of ${sectorCount}`);
    }
    const fatSectors: number[] = [];
    for (let i = 0; i < HEADER_DIFAT_SLOTS && fatSectors.length < fatSectorCount; i++) {
      fatSectors.push(header.readUInt32LE(76 + i * 4));
    }
    let difat = header.readUInt32LE(68);
    const seenDifat = new Set<number>();
    while (fatSectors.length < fatSectorCount) {
      if (difat === ENDOFCHAIN || difat === FREESECT || seenDifat.has(difat)) {
        bad('DIFAT chain ends before listing every FAT sector');
      }
      seenDifat.add(difat);
      const d = await readSector(difat, 'DIFAT');
      for (let i = 0; i < idsPerSector - 1 && fatSectors.length < fatSectorCount; i++) {
        fatSectors.push(d.readUInt32LE(i * 4));
      }
      difat = d.readUInt32LE((idsPerSector - 1) * 4);
    }
    const fat = new Uint32Array(fatSectorCount * idsPerSector);
    for (let i = 0; i < fatSectors.length; i++) {
      const s = await readSector(fatSectors[i]!, 'FAT');
      for (let j = 0; j < idsPerSector; j++) {
        fat[i * idsPerSector + j] = s.readUInt32LE(j * 4);
      }
    }

    const chain = (start: number, what: string, expectedSectors?: number): number[] => {
      const out: number[] = [];
      for (let s = start; s !== ENDOFCHAIN;) {
        if (s >= fat.length || out.length >= sectorCount) {
          bad(`${what}: broken sector chain`);
        }
        out.push(checkSector(s, what));
        s = fat[s]!;
      }
      if (expectedSectors !== undefined && out.length < expectedSectors) {
        bad(`${what}: sector chain shorter than its size`);
      }
      return out;
    };
    const readChain = async (start: number, what: string, length?: number): Promise<Buffer> => {
      const sectors = chain(start, what, length === undefined ? undefined : Math.ceil(length / sectorSize));
      const parts: Buffer[] = [];
      for (const s of sectors) {
        parts.push(await readSector(s, what));
      }
      const all = Buffer.concat(parts);
      return length === undefined ? all : all.subarray(0, length);
    };

    const dir = await readChain(header.readUInt32LE(48), 'directory');
    const raw = parseDirectory(dir);
    const root = raw[0];
    if (root === undefined || root.type !== 5) {
      bad('the first directory entry is not the root storage');
    }
    const miniCutoff = header.readUInt32LE(56);
    if (miniCutoff !== MINI_STREAM_CUTOFF) {
      bad(`mini stream cutoff is ${miniCutoff}, not ${MINI_STREAM_CUTOFF}`);
    }
    const miniFatCount = header.readUInt32LE(64);
    let miniFatTable = new Uint32Array(0);
    if (miniFatCount > 0) {
      const b = await readChain(header.readUInt32LE(60), 'mini FAT', miniFatCount * sectorSize);
      miniFatTable = new Uint32Array(b.length / 4);
      for (let i = 0; i < miniFatTable.length; i++) {
        miniFatTable[i] = b.readUInt32LE(i * 4);
      }
    }
    const rootEntry = root as RawEntry;
    const miniStream = rootEntry.size > 0 ? await readChain(rootEntry.start, 'mini stream', rootEntry.size) : Buffer.alloc(0);
    const entries = linkTree(raw, major);
    return new CompoundFileReader(fh, major, sectorSize, fat, miniFatTable, miniStream, miniCutoff, entries);
  }

  get root(): CfbEntry {
    return this.entries[0]!;
  }

  /** The entries directly under `storage` (default: the root). */
  children(storage: CfbEntry = this.root): CfbEntry[] {
    return storage.children.map((id) => this.entries[id]!);
  }

  /** Yields a stream's bytes in order, in chunks of at most 1 MiB. */
  async *chunks(entry: CfbEntry): AsyncGenerator<Buffer> {
    if (entry.kind !== 'stream') {
      throw new TypeError(`${JSON.stringify(entry.name)} is not a stream`);
    }
    if (entry.size === 0) {
      return;
    }
    if (entry.size < this.miniCutoff) {
      yield this.readMini(entry);
      return;
    }
    let remaining = entry.size;
    let s = entry.startSector;
    // One bit per sector: a chain that comes back to a sector it used is corrupt (or hostile).
    const seen = new Uint8Array(Math.ceil(this.fat.length / 8));
    const visit = (sector: number): number => {
      this.checkedSector(sector, entry);
      const bit = 1 << (sector & 7);
      if ((seen[sector >>> 3]! & bit) !== 0) {
        bad(`stream ${JSON.stringify(entry.name)}: sector chain loops`);
      }
      seen[sector >>> 3]! |= bit;
      return sector;
    };
    while (remaining > 0) {
      // Collect a run of consecutive sectors and read it at once.
      const first = visit(s);
      let count = 1;
      let next = this.fat[first]!;
      while (next === first + count && count * this.sectorSize < Math.min(remaining, MAX_READ)) {
        visit(next);
        count++;
        next = this.fat[next]!;
      }
      const length = Math.min(remaining, count * this.sectorSize);
      yield await readFully(this.fh, length, (first + 1) * this.sectorSize);
      remaining -= length;
      s = next;
      if (remaining > 0 && s === ENDOFCHAIN) {
        bad(`stream ${JSON.stringify(entry.name)}: sector chain shorter than its size`);
      }
    }
  }

  /** Reads a whole stream into memory (meant for small streams). */
  async read(entry: CfbEntry): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of this.chunks(entry)) {
      parts.push(c);
    }
    return Buffer.concat(parts, entry.size);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  private checkedSector(s: number, entry: CfbEntry): number {
    if (s >= this.fat.length || s > MAX_REG_SECT) {
      bad(`stream ${JSON.stringify(entry.name)}: sector chain leaves the file`);
    }
    return s;
  }

  private readMini(entry: CfbEntry): Buffer {
    const out = Buffer.alloc(entry.size);
    let done = 0;
    let s = entry.startSector;
    let steps = 0;
    const maxSteps = Math.ceil(entry.size / MINI_SECTOR_SIZE);
    while (done < entry.size) {
      if (s >= this.miniFat.length || steps++ >= maxSteps) {
        bad(`stream ${JSON.stringify(entry.name)}: broken mini sector chain`);
      }
      const off = s * MINI_SECTOR_SIZE;
      const n = Math.min(MINI_SECTOR_SIZE, entry.size - done);
      if (off + n > this.miniStream.length) {
        bad(`stream ${JSON.stringify(entry.name)}: mini sector outside the mini stream`);
      }
      this.miniStream.copy(out, done, off, off + n);
      done += n;
      s = this.miniFat[s]!;
    }
    return out;
  }
}

interface RawEntry {
  readonly name: string;
  readonly type: number;
  readonly left: number;
  readonly right: number;
  readonly child: number;
  readonly clsid: Buffer;
  readonly stateBits: number;
  readonly start: number;
  readonly size: number;
  readonly sizeHigh: number;
}

function parseDirectory(dir: Buffer): (RawEntry | undefined)[] {
  const out: (RawEntry | undefined)[] = [];
  for (let off = 0; off + DIR_ENTRY_SIZE <= dir.length; off += DIR_ENTRY_SIZE) {
    const type = dir.readUInt8(off + 66);
    if (type === 0) {
      out.push(undefined); // unused slot
      continue;
    }
    if (type !== 1 && type !== 2 && type !== 5) {
      bad(`directory entry ${out.length} has unknown type ${type}`);
    }
    const nameBytes = dir.readUInt16LE(off + 64);
    if (nameBytes < 2 || nameBytes > 64 || nameBytes % 2 !== 0) {
      bad(`directory entry ${out.length} has a bad name length ${nameBytes}`);
    }
    let name = '';
    for (let i = 0; i < nameBytes / 2 - 1; i++) {
      name += String.fromCharCode(dir.readUInt16LE(off + i * 2));
    }
    out.push({
      name,
      type,
      left: dir.readUInt32LE(off + 68),
      right: dir.readUInt32LE(off + 72),
      child: dir.readUInt32LE(off + 76),
      clsid: Buffer.from(dir.subarray(off + 80, off + 96)),
      stateBits: dir.readUInt32LE(off + 96),
      start: dir.readUInt32LE(off + 116),
      size: dir.readUInt32LE(off + 120),
      sizeHigh: dir.readUInt32LE(off + 124),
    });
  }
  return out;
}

/** Walks each storage's sibling tree (in order) to list its children; rejects cycles and dangling ids. */
function linkTree(raw: readonly (RawEntry | undefined)[], major: number): CfbEntry[] {
  const children = new Map<number, number[]>();
  const owner = new Map<number, number>();
  const collect = (storage: number): void => {
    const list: number[] = [];
    const r = raw[storage]!;
    // Iterative in-order walk of the sibling tree.
    const stack: number[] = [];
    let cur = r.child;
    let guard = 0;
    while (cur !== NOSTREAM || stack.length > 0) {
      while (cur !== NOSTREAM) {
        const e = raw[cur];
        if (e === undefined || cur === 0) {
          bad(`directory link to missing entry ${cur}`);
        }
        if (owner.has(cur) || ++guard > raw.length) {
          bad(`directory entry ${cur} is linked twice`);
        }
        owner.set(cur, storage);
        stack.push(cur);
        cur = (e as RawEntry).left;
      }
      const id = stack.pop()!;
      list.push(id);
      cur = raw[id]!.right;
    }
    children.set(storage, list);
    for (const id of list) {
      if (raw[id]!.type === 1) {
        collect(id);
      }
    }
  };
  collect(0);
  const out: CfbEntry[] = [];
  raw.forEach((r, id) => {
    if (r === undefined) {
      return;
    }
    // Version 3 writers may leave garbage in the high half of the size (MS-CFB 2.6.3), so it only
    // counts in version 4, where streams of 4 GiB and more are beyond what we support.
    if (major === 4 && r.sizeHigh !== 0 && r.type === 2) {
      bad(`stream ${JSON.stringify(r.name)} is 4 GiB or larger`);
    }
    out[id] = {
      id,
      name: r.name,
      kind: r.type === 5 ? 'root' : r.type === 1 ? 'storage' : 'stream',
      clsid: r.clsid,
      stateBits: r.stateBits,
      startSector: r.start,
      size: r.size,
      children: children.get(id) ?? [],
    };
  });
  return out;
}
