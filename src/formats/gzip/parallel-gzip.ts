/**
 * A gzip (RFC 1952) writer that compresses on every core and still emits ONE gzip member.
 *
 * The input is cut into segments. Each segment is deflated independently (RFC 1951) on libuv's thread
 * pool and ended with a SYNC flush, which closes the last block on a byte boundary without setting
 * BFINAL; only the last segment is ended with FINISH. Concatenated, the segments form a valid deflate
 * stream (no back-reference crosses a segment, since each compressor started empty), so any gzip
 * reader sees a single ordinary member. The CRC-32 is continued across segments with zlib.crc32(buf,
 * prev). Output is deterministic for a given input, level and segmentation, which makes builds
 * reproducible and lets callers cache the compressed form of invariant inputs (see `flush()`).
 *
 * Memory is bounded by segmentSize × (concurrency + 1), independent of the input size.
 */
import { constants, crc32, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { crc32Combine } from './crc32-combine.js';
import { forEachChunk } from '../file-sink.js';
import { fileIdentity, type ContentCache, type DigesterFactories } from '../content-cache.js';

const deflateRawAsync = promisify(deflateRaw) as (buf: Buffer, opts: object) => Promise<Buffer>;

export interface GzipResult {
  /** Bytes written to the sink, header and trailer included. */
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
}

export interface ParallelGzipOptions {
  /** zlib level 0-9 (default 6, the level dpkg-deb -z6 and rpmbuild w6.gzdio use). */
  readonly level?: number;
  /** Segment size in bytes (default 2 MiB). */
  readonly segmentSize?: number;
  /** Segments compressed at once (default 4, libuv's default thread-pool size). */
  readonly concurrency?: number;
}

export type ByteSink = (chunk: Buffer) => Promise<void>;

/** Compresses one segment; `last` ends the deflate stream. Exposed for callers that cache segments. */
export function deflateSegment(data: Buffer, level: number, last: boolean): Promise<Buffer> {
  return deflateRawAsync(data, {
    level,
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
  });
}

/** The fixed 10-byte gzip header: no name, mtime 0 (reproducible), OS = Unix. */
export const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]);

export function gzipTrailer(crc: number, size: number): Buffer {
  const t = Buffer.alloc(8);
  t.writeUInt32LE(crc >>> 0, 0);
  t.writeUInt32LE(size % 0x1_0000_0000, 4);
  return t;
}

/** Where the compressed segments of one cached file are recorded while they are emitted. */
interface Capture {
  readonly fh: FileHandle;
  size: number;
}

interface Inflight {
  readonly data: Promise<Buffer>;
  readonly capture: Capture | undefined;
}

export interface WriteFileOptions {
  /** Digests of the file's content to compute (or take from the cache). */
  readonly digests?: DigesterFactories;
  /** Sees every content byte even on a cache hit (for hashes over the whole uncompressed stream). */
  readonly onData?: (chunk: Buffer) => void;
  readonly cache?: ContentCache;
}

export class ParallelGzip {
  private readonly level: number;
  private readonly segmentSize: number;
  private readonly concurrency: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private readonly inflight: Inflight[] = [];
  private capture: Capture | undefined;
  private crc = 0;
  private inSize = 0;
  private outSize = 0;
  private started = false;
  private ended = false;

  constructor(
    private readonly sink: ByteSink,
    opts: ParallelGzipOptions = {},
  ) {
    this.level = opts.level ?? 6;
    this.segmentSize = opts.segmentSize ?? 2 * 1024 * 1024;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
  }

  private async emit(buf: Buffer): Promise<void> {
    if (buf.length > 0) {
      this.outSize += buf.length;
      await this.sink(buf);
    }
  }

  private async ensureHeader(): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.emit(GZIP_HEADER);
    }
  }

  /** Emits the oldest in-flight segment (and records it when it belongs to a cached file). */
  private async drainOne(): Promise<void> {
    const next = this.inflight.shift() as Inflight;
    const buf = await next.data;
    if (next.capture !== undefined && buf.length > 0) {
      await next.capture.fh.write(buf);
      next.capture.size += buf.length;
    }
    await this.emit(buf);
  }

  /** Queues one segment for compression, draining the oldest when the pipeline is full. */
  private async dispatch(data: Buffer, last: boolean): Promise<void> {
    await this.ensureHeader();
    this.crc = crc32(data, this.crc);
    this.inSize += data.length;
    this.inflight.push({ data: deflateSegment(data, this.level, last), capture: this.capture });
    while (this.inflight.length > this.concurrency) {
      await this.drainOne();
    }
  }

  /**
   * Writes a whole file's content, starting and ending on segment boundaries, so its compressed form
   * depends on its content alone. With a cache, a file seen before is not compressed (or hashed)
   * again: its recorded segments are copied and the CRC is combined. Returns the requested digests.
   */
  async writeFile(path: string, size: number, o: WriteFileOptions = {}): Promise<Record<string, string>> {
    await this.flush();
    await this.ensureHeader();
    const key = o.cache === undefined ? undefined : `gzip:${this.level}:${this.segmentSize}:${await fileIdentity(path)}`;
    const hit = key === undefined ? undefined : o.cache?.get(key);
    if (hit !== undefined && hit.inputSize === size) {
      while (this.inflight.length > 0) {
        await this.drainOne();
      }
      // Writers that share an input (deb and rpm ship the same Linux binaries, with the same
      // settings) ask for different digests: those the entry lacks are computed once and added.
      const missing = Object.entries(o.digests ?? {})
        .filter(([name]) => hit.digests[name] === undefined)
        .map(([name, make]) => [name, make()] as const);
      if (o.onData !== undefined || missing.length > 0) {
        // Only synchronous consumers see these chunks, so one buffer is reused throughout.
        await forEachChunk(path, (c) => {
          o.onData?.(c);
          for (const [, d] of missing) {
            d.update(c);
          }
        });
      }
      for await (const c of createReadStream(hit.blob, { highWaterMark: 1 << 20 })) {
        await this.emit(c as Buffer);
      }
      this.crc = crc32Combine(this.crc, hit.crc32, size);
      this.inSize += size;
      if (missing.length === 0) {
        return { ...hit.digests };
      }
      const digests = { ...hit.digests, ...Object.fromEntries(missing.map(([name, d]) => [name, d.digest()])) };
      if (key !== undefined) {
        o.cache?.set(key, { ...hit, digests });
      }
      return digests;
    }
    const digesters = Object.entries(o.digests ?? {}).map(([name, make]) => [name, make()] as const);
    const blob = key === undefined || o.cache === undefined ? undefined : await o.cache.newBlobPath();
    const capture: Capture | undefined = blob === undefined ? undefined : { fh: await open(blob, 'w', 0o600), size: 0 };
    let fileCrc = 0;
    let seen = 0;
    try {
      this.capture = capture;
      for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) {
        const chunk = c as Buffer;
        seen += chunk.length;
        fileCrc = crc32(chunk, fileCrc);
        for (const [, d] of digesters) {
          d.update(chunk);
        }
        o.onData?.(chunk);
        await this.write(chunk);
      }
      await this.flush();
      this.capture = undefined;
      while (this.inflight.length > 0) {
        await this.drainOne();
      }
    } finally {
      this.capture = undefined;
      await capture?.fh.close();
    }
    if (seen !== size) {
      throw new Error(`gzip: ${path} is ${seen} bytes, expected ${size}`);
    }
    const digests = Object.fromEntries(digesters.map(([name, d]) => [name, d.digest()]));
    if (key !== undefined && o.cache !== undefined && blob !== undefined && capture !== undefined) {
      o.cache.set(key, { blob, compressedSize: capture.size, inputSize: size, crc32: fileCrc >>> 0, digests });
    }
    return digests;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.ended) {
      throw new Error('ParallelGzip: write after end');
    }
    let rest = chunk;
    while (rest.length > 0) {
      const room = this.segmentSize - this.pendingLen;
      const take = rest.subarray(0, room);
      this.pending.push(take);
      this.pendingLen += take.length;
      rest = rest.subarray(take.length);
      if (this.pendingLen === this.segmentSize) {
        await this.flush();
      }
    }
  }

  /**
   * Ends the current segment now, so the next byte written starts a fresh segment. Callers use it to
   * align large invariant inputs (agent binaries) on segment boundaries so their compressed form
   * depends on their content alone.
   */
  async flush(): Promise<void> {
    if (this.pendingLen === 0) {
      return;
    }
    const data = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLen = 0;
    await this.dispatch(data, false);
  }

  async end(): Promise<GzipResult> {
    if (this.ended) {
      throw new Error('ParallelGzip: end called twice');
    }
    this.ended = true;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingLen = 0;
    await this.dispatch(data, true);
    while (this.inflight.length > 0) {
      await this.drainOne();
    }
    await this.emit(gzipTrailer(this.crc, this.inSize));
    return { compressedSize: this.outSize, uncompressedSize: this.inSize, crc32: this.crc >>> 0 };
  }
}
