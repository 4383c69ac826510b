/**
 * The archive entry model shared by every format writer (tar, cpio, rpm, xar/BOM, CAB/MSI).
 * It is deliberately format-neutral and knows nothing about Fleet: a path, a type, permission bits,
 * ownership, a timestamp and where the bytes come from. Contents are never held in memory unless
 * they are small generated files (`bytes`); agent binaries stay on disk (`path`) and are streamed.
 */
import { createReadStream } from 'node:fs';

export type EntryType = 'file' | 'dir' | 'symlink';

export type ContentSource =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'bytes'; readonly data: Uint8Array };

export interface ArchiveEntry {
  /** Relative POSIX path without a leading `/` or `./`, e.g. `opt/orbit/certs.pem`. */
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits only (0o7777); writers add the file-type bits their format needs. */
  readonly mode: number;
  /** Seconds since the Unix epoch. */
  readonly mtime: number;
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
  /** Content length in bytes; 0 for directories and symlinks. */
  readonly size: number;
  /** Symlink target, for `symlink` entries. */
  readonly linkTarget?: string;
  /** Where a regular file's bytes come from. */
  readonly content?: ContentSource;
}

const CHUNK = 1 << 20;

/** Streams an entry's bytes in chunks of about 1 MiB. Empty for directories and symlinks. */
export async function* readContent(entry: ArchiveEntry): AsyncGenerator<Buffer> {
  const src = entry.content;
  if (entry.type !== 'file' || src === undefined) {
    return;
  }
  if (src.kind === 'bytes') {
    if (src.data.length > 0) {
      yield Buffer.from(src.data.buffer, src.data.byteOffset, src.data.length);
    }
    return;
  }
  for await (const chunk of createReadStream(src.path, { highWaterMark: CHUNK })) {
    yield chunk as Buffer;
  }
}

/** Reads an entry's whole content into memory: only for small files (scripts, config, metadata). */
export async function readContentBuffer(entry: ArchiveEntry): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of readContent(entry)) {
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** Sorts entries by path bytewise (the order most package tools use) without mutating the input. */
export function sortByPath<T extends { readonly path: string }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** All parent directories of a relative path, outermost first: `a/b/c` → [`a`, `a/b`]. */
export function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    out.push(parts.slice(0, i).join('/'));
  }
  return out;
}
