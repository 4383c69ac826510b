/**
 * A buffered, ordered async byte sink onto a file. Writers emit many small pieces (512-byte tar
 * headers, cpio headers); coalescing them into ~1 MiB writes keeps syscalls low without holding
 * more than that in memory.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { ByteSink } from './gzip/parallel-gzip.js';

const FLUSH_AT = 1 << 20;

export interface FileSink {
  readonly write: ByteSink;
  /** Bytes accepted so far. */
  readonly bytes: () => number;
  close(): Promise<void>;
}

export async function openFileSink(path: string, mode = 0o644): Promise<FileSink> {
  const fh: FileHandle = await open(path, 'w', mode);
  let parts: Buffer[] = [];
  let pending = 0;
  let total = 0;
  const drain = async (): Promise<void> => {
    if (pending === 0) {
      return;
    }
    const buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    parts = [];
    pending = 0;
    await fh.write(buf);
  };
  return {
    write: async (chunk: Buffer): Promise<void> => {
      total += chunk.length;
      if (chunk.length >= FLUSH_AT) {
        await drain();
        await fh.write(chunk);
        return;
      }
      parts.push(chunk);
      pending += chunk.length;
      if (pending >= FLUSH_AT) {
        await drain();
      }
    },
    bytes: () => total,
    close: async (): Promise<void> => {
      try {
        await drain();
      } finally {
        await fh.close();
      }
    },
  };
}

/** Copies a whole file into a sink in 1 MiB chunks. */
export async function copyFileInto(path: string, sink: ByteSink): Promise<number> {
  const fh = await open(path, 'r');
  let n = 0;
  try {
    const buf = Buffer.alloc(FLUSH_AT);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) {
        break;
      }
      n += bytesRead;
      await sink(Buffer.from(buf.subarray(0, bytesRead)));
    }
  } finally {
    await fh.close();
  }
  return n;
}

/**
 * Calls fn with each chunk of a file, reusing one buffer: fn must consume the chunk before it returns
 * (hash it, write it and await the write) and never keep a reference. Avoids allocating a fresh
 * megabyte per chunk, which costs more in garbage collection than the hashing itself on hot paths
 * (every installer of a sandbox run re-reads and hashes tens of megabytes).
 */
export async function forEachChunk(path: string, fn: (chunk: Buffer) => void | Promise<void>, chunkSize = FLUSH_AT): Promise<number> {
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(chunkSize);
  let n = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) {
        break;
      }
      n += bytesRead;
      await fn(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return n;
}
