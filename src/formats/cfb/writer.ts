/**
 * A streaming writer for Compound File Binary (MS-CFB) version 3 files: 512-byte sectors, a 64-byte
 * mini stream for streams shorter than 4096 bytes, FAT and DIFAT for any size up to 2 GiB, one flat root
 * storage with a caller-chosen CLSID (MSI databases need `{000C1084-0000-0000-C000-000000000046}`).
 *
 * Why it streams: the sector layout of a compound file depends only on the stream sizes, and the FAT
 * can describe any sector order. So large streams (an MSI's cabinet) are written straight into their
 * final place, starting at sector 0 and occupying consecutive sectors, while they are being produced; the
 * writer never holds them in memory. Everything small (tables, string pool, summary information) is kept
 * in memory and laid out behind the large streams on `close()`, followed by the mini stream, mini FAT,
 * directory, FAT and DIFAT sectors; the header, which points at all of them, is written last at offset 0.
 * Because every large stream is contiguous, its FAT chain is simply n → n+1, and a caller may patch bytes
 * it wrote earlier (`writeAt`) — the cabinet writer uses this to fill in its header once the compressed
 * sizes are known.
 *
 * Spec: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-cfb/ (2.2 header, 2.3 FAT,
 * 2.4 mini FAT, 2.5 DIFAT, 2.6 directory).
 */
import { open, type FileHandle } from 'node:fs/promises';
import {
  Color,
  DIFAT_SLOTS_PER_SECTOR,
  DIFSECT,
  DIR_ENTRIES_PER_SECTOR,
  ENDOFCHAIN,
  EntryKind,
  FATSECT,
  FREESECT,
  HEADER_DIFAT_SLOTS,
  HEADER_SIZE,
  IDS_PER_SECTOR,
  MAX_STREAM_SIZE,
  MINI_SECTOR_SHIFT,
  MINI_SECTOR_SIZE,
  MINI_STREAM_CUTOFF,
  NOSTREAM,
  SECTOR_SHIFT,
  SECTOR_SIZE,
  SIGNATURE,
} from './constants.js';
import { buildTree, encodeEntry, validateName, type DirEntry } from './directory.js';

export interface CompoundFileOptions {
  /** CLSID of the root storage, 16 bytes as stored on disk. Default: all zero. */
  readonly rootClsid?: Buffer;
}

/** Coalesce appends into writes of this size (the cabinet writer appends ~32 KiB blocks). */
const WRITE_BUFFER = 1 << 20;

const sectorsFor = (bytes: number): number => Math.ceil(bytes / SECTOR_SIZE);
const sectorOffset = (sector: number): number => HEADER_SIZE + sector * SECTOR_SIZE;

interface MemoryStream {
  readonly entry: number;
  readonly data: Buffer;
}

interface DiskStream {
  readonly entry: number;
  readonly start: number;
  readonly sectors: number;
}

/**
 * A large stream being written directly into its final sectors. Only one can be open at a time, and
 * nothing else may be added to the file while it is open.
 */
export class SectorStream {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private written = 0;
  private ended = false;

  constructor(
    private readonly fh: FileHandle,
    /** First sector of the stream. */
    readonly startSector: number,
    private readonly onEnd: (s: SectorStream) => Promise<void>,
  ) {}

  /** Bytes in the stream so far (appended, reserved and pending). */
  get size(): number {
    return this.written + this.pendingLen;
  }

  private get base(): number {
    return sectorOffset(this.startSector);
  }

  async append(buf: Buffer): Promise<void> {
    this.assertOpen();
    if (this.size + buf.length > MAX_STREAM_SIZE) {
      throw new RangeError('compound file stream exceeds 2 GiB');
    }
    this.pending.push(buf);
    this.pendingLen += buf.length;
    if (this.pendingLen >= WRITE_BUFFER) {
      await this.flush();
    }
  }

  /** Extends the stream by `n` bytes that read as zero until patched with `writeAt`. */
  async reserve(n: number): Promise<void> {
    this.assertOpen();
    await this.flush();
    if (n > 0) {
      // Writing the zeros (instead of leaving a hole) keeps the file dense and the bytes defined.
      await writeFully(this.fh, Buffer.alloc(n), this.base + this.written);
      this.written += n;
    }
  }

  /** Overwrites bytes already in the stream (e.g. a header reserved earlier). */
  async writeAt(offset: number, buf: Buffer): Promise<void> {
    await this.flush();
    if (offset < 0 || offset + buf.length > this.written) {
      throw new RangeError(`writeAt ${offset}+${buf.length} outside the stream (${this.written} bytes)`);
    }
    await writeFully(this.fh, buf, this.base + offset);
  }

  /** Reads bytes back from the stream (e.g. to copy compressed data that is already on disk). */
  async readAt(offset: number, length: number): Promise<Buffer> {
    await this.flush();
    if (offset < 0 || offset + length > this.written) {
      throw new RangeError(`readAt ${offset}+${length} outside the stream (${this.written} bytes)`);
    }
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, this.base + offset + done);
      if (bytesRead === 0) {
        throw new Error('unexpected end of file while reading a compound file stream back');
      }
      done += bytesRead;
    }
    return buf;
  }

  async end(): Promise<void> {
    this.assertOpen();
    await this.flush();
    this.ended = true;
    await this.onEnd(this);
  }

  private async flush(): Promise<void> {
    if (this.pendingLen === 0) {
      return;
    }
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    await writeFully(this.fh, buf, this.base + this.written);
    this.written += buf.length;
  }

  private assertOpen(): void {
    if (this.ended) {
      throw new Error('compound file stream already ended');
    }
  }
}

async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

export class CompoundFileWriter {
  private readonly entries: DirEntry[];
  private readonly memory: MemoryStream[] = [];
  private readonly disk: DiskStream[] = [];
  private readonly names = new Set<string>();
  /** Next free sector behind the large streams written so far. */
  private nextSector = 0;
  private open: SectorStream | undefined;
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    options: CompoundFileOptions,
  ) {
    const clsid = options.rootClsid ?? Buffer.alloc(16);
    if (clsid.length !== 16) {
      throw new RangeError('root CLSID must be 16 bytes');
    }
    this.entries = [
      {
        name: 'Root Entry',
        kind: EntryKind.Root,
        clsid,
        startSector: ENDOFCHAIN,
        size: 0,
        left: NOSTREAM,
        right: NOSTREAM,
        child: NOSTREAM,
        color: Color.Black,
      },
    ];
  }

  /** Creates (truncates) `path` and returns a writer for it. */
  static async create(path: string, options: CompoundFileOptions = {}): Promise<CompoundFileWriter> {
    const fh = await open(path, 'w+');
    return new CompoundFileWriter(fh, options);
  }

  /** Adds a stream held in memory (tables, summary information: small data). */
  addStream(name: string, data: Buffer): void {
    this.assertIdle();
    if (data.length > MAX_STREAM_SIZE) {
      throw new RangeError('compound file stream exceeds 2 GiB');
    }
    this.memory.push({ entry: this.newEntry(name), data });
  }

  /** Starts a large stream whose bytes go straight to disk. End it before adding anything else. */
  beginStream(name: string): SectorStream {
    this.assertIdle();
    const entry = this.newEntry(name);
    const stream = new SectorStream(this.fh, this.nextSector, async (s) => {
      this.open = undefined;
      if (s.size >= MINI_STREAM_CUTOFF) {
        const sectors = sectorsFor(s.size);
        this.disk.push({ entry, start: s.startSector, sectors });
        this.entries[entry]!.size = s.size;
        this.nextSector += sectors;
        return;
      }
      // Short streams must live in the mini stream (readers decide by size), so move it there and
      // give its sectors back; zero them so no stale bytes remain in what becomes padding.
      const data = s.size === 0 ? Buffer.alloc(0) : await s.readAt(0, s.size);
      if (s.size > 0) {
        await writeFully(this.fh, Buffer.alloc(sectorsFor(s.size) * SECTOR_SIZE), sectorOffset(s.startSector));
      }
      this.memory.push({ entry, data });
    });
    this.open = stream;
    return stream;
  }

  /** Lays out and writes everything that is still in memory, the header last, and closes the file. */
  async close(): Promise<void> {
    this.assertIdle();
    this.closed = true;
    try {
      await this.finish();
    } finally {
      await this.fh.close();
    }
  }

  /** Closes the file without finishing it (the caller deletes it). */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.fh.close();
    }
  }

  private newEntry(name: string): number {
    validateName(name);
    const key = name.toUpperCase();
    if (this.names.has(key)) {
      throw new RangeError(`duplicate compound file stream ${JSON.stringify(name)}`);
    }
    this.names.add(key);
    this.entries.push({
      name,
      kind: EntryKind.Stream,
      startSector: ENDOFCHAIN,
      size: 0,
      left: NOSTREAM,
      right: NOSTREAM,
      child: NOSTREAM,
      color: Color.Black,
    });
    return this.entries.length - 1;
  }

  private assertIdle(): void {
    if (this.closed) {
      throw new Error('compound file already closed');
    }
    if (this.open !== undefined) {
      throw new Error('a compound file stream is still open');
    }
  }

  private async finish(): Promise<void> {
    const entries = this.entries;
    const root = entries[0]!;
    root.child = buildTree(
      entries,
      entries.map((_, i) => i).filter((i) => i > 0),
    );

    // Regular-sector chains: [start, count, kind]. Large disk streams come first (already written).
    const chains: { start: number; count: number; mark?: number }[] = this.disk.map((d) => ({ start: d.start, count: d.sectors }));
    for (const d of this.disk) {
      entries[d.entry]!.startSector = d.start;
    }
    let next = this.nextSector;
    const writes: { sector: number; data: Buffer }[] = [];

    // In-memory streams at or above the cutoff get regular sectors.
    for (const m of this.memory) {
      const e = entries[m.entry]!;
      e.size = m.data.length;
      if (m.data.length >= MINI_STREAM_CUTOFF) {
        const count = sectorsFor(m.data.length);
        e.startSector = next;
        chains.push({ start: next, count });
        writes.push({ sector: next, data: m.data });
        next += count;
      }
    }

    // Mini stream: every short non-empty stream, each starting on a 64-byte boundary.
    const small = this.memory.filter((m) => m.data.length > 0 && m.data.length < MINI_STREAM_CUTOFF);
    const miniFat: number[] = [];
    const miniParts: Buffer[] = [];
    for (const m of small) {
      const count = Math.ceil(m.data.length / MINI_SECTOR_SIZE);
      const first = miniFat.length;
      entries[m.entry]!.startSector = first;
      for (let i = 0; i < count; i++) {
        miniFat.push(i === count - 1 ? ENDOFCHAIN : first + i + 1);
      }
      miniParts.push(m.data, Buffer.alloc(count * MINI_SECTOR_SIZE - m.data.length));
    }
    const miniStream = Buffer.concat(miniParts);
    if (miniStream.length > 0) {
      const count = sectorsFor(miniStream.length);
      root.startSector = next;
      root.size = miniFat.length << MINI_SECTOR_SHIFT;
      chains.push({ start: next, count });
      writes.push({ sector: next, data: miniStream });
      next += count;
    }
    let miniFatStart = ENDOFCHAIN;
    const miniFatSectors = Math.ceil(miniFat.length / IDS_PER_SECTOR);
    if (miniFatSectors > 0) {
      miniFatStart = next;
      const buf = Buffer.alloc(miniFatSectors * SECTOR_SIZE, 0xff);
      miniFat.forEach((v, i) => buf.writeUInt32LE(v >>> 0, i * 4));
      chains.push({ start: next, count: miniFatSectors });
      writes.push({ sector: next, data: buf });
      next += miniFatSectors;
    }

    // Directory.
    const dirSectors = Math.ceil(entries.length / DIR_ENTRIES_PER_SECTOR);
    const dirStart = next;
    const dirParts: Buffer[] = [];
    for (let i = 0; i < dirSectors * DIR_ENTRIES_PER_SECTOR; i++) {
      dirParts.push(encodeEntry(entries[i]));
    }
    chains.push({ start: next, count: dirSectors });
    writes.push({ sector: next, data: Buffer.concat(dirParts) });
    next += dirSectors;

    // FAT and DIFAT sectors describe themselves too, so iterate to a fixed point.
    let fatSectors = 0;
    let difatSectors = 0;
    for (;;) {
      const total = next + fatSectors + difatSectors;
      const f = Math.ceil(total / IDS_PER_SECTOR);
      const d = f > HEADER_DIFAT_SLOTS ? Math.ceil((f - HEADER_DIFAT_SLOTS) / DIFAT_SLOTS_PER_SECTOR) : 0;
      if (f === fatSectors && d === difatSectors) {
        break;
      }
      fatSectors = f;
      difatSectors = d;
    }
    const fatStart = next;
    const difatStart = fatStart + fatSectors;
    const totalSectors = difatStart + difatSectors;

    const fat = Buffer.alloc(fatSectors * SECTOR_SIZE, 0xff);
    const setFat = (i: number, v: number): void => {
      fat.writeUInt32LE(v >>> 0, i * 4);
    };
    for (const c of chains) {
      for (let i = 0; i < c.count; i++) {
        setFat(c.start + i, i === c.count - 1 ? ENDOFCHAIN : c.start + i + 1);
      }
    }
    for (let i = 0; i < fatSectors; i++) {
      setFat(fatStart + i, FATSECT);
    }
    for (let i = 0; i < difatSectors; i++) {
      setFat(difatStart + i, DIFSECT);
    }
    writes.push({ sector: fatStart, data: fat });

    if (difatSectors > 0) {
      const difat = Buffer.alloc(difatSectors * SECTOR_SIZE, 0xff);
      for (let i = HEADER_DIFAT_SLOTS; i < fatSectors; i++) {
        const k = i - HEADER_DIFAT_SLOTS;
        const sector = Math.floor(k / DIFAT_SLOTS_PER_SECTOR);
        const slot = k % DIFAT_SLOTS_PER_SECTOR;
        difat.writeUInt32LE(fatStart + i, sector * SECTOR_SIZE + slot * 4);
      }
      for (let s = 0; s < difatSectors; s++) {
        const link = s === difatSectors - 1 ? ENDOFCHAIN : difatStart + s + 1;
        difat.writeUInt32LE(link >>> 0, s * SECTOR_SIZE + DIFAT_SLOTS_PER_SECTOR * 4);
      }
      writes.push({ sector: difatStart, data: difat });
    }

    // The directory was encoded before the FAT existed, but every field it needs was already known.
    const header = Buffer.alloc(HEADER_SIZE);
    SIGNATURE.copy(header, 0);
    header.writeUInt16LE(0x003e, 24); // minor version
    header.writeUInt16LE(3, 26); // major version 3: 512-byte sectors
    header.writeUInt16LE(0xfffe, 28); // little-endian byte order mark
    header.writeUInt16LE(SECTOR_SHIFT, 30);
    header.writeUInt16LE(MINI_SECTOR_SHIFT, 32);
    header.writeUInt32LE(0, 40); // directory sector count: must be 0 in version 3
    header.writeUInt32LE(fatSectors, 44);
    header.writeUInt32LE(dirStart, 48);
    header.writeUInt32LE(0, 52); // transaction signature
    header.writeUInt32LE(MINI_STREAM_CUTOFF, 56);
    header.writeUInt32LE(miniFatStart >>> 0, 60);
    header.writeUInt32LE(miniFatSectors, 64);
    header.writeUInt32LE((difatSectors > 0 ? difatStart : ENDOFCHAIN) >>> 0, 68);
    header.writeUInt32LE(difatSectors, 72);
    for (let i = 0; i < HEADER_DIFAT_SLOTS; i++) {
      header.writeUInt32LE((i < fatSectors ? fatStart + i : FREESECT) >>> 0, 76 + i * 4);
    }

    for (const w of writes) {
      const padded =
        w.data.length % SECTOR_SIZE === 0 ? w.data : Buffer.concat([w.data, Buffer.alloc(SECTOR_SIZE - (w.data.length % SECTOR_SIZE))]);
      await writeFully(this.fh, padded, sectorOffset(w.sector));
    }
    await writeFully(this.fh, header, 0);
    // Large streams end mid-sector; make sure the file is exactly header + all sectors long.
    await this.fh.truncate(sectorOffset(totalSectors));
  }
}
