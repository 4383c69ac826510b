/**
 * The rpm payload: a newc cpio archive of every file in the header, compressed as one stream.
 *
 * Member names carry a `./` prefix (what rpmbuild writes, announced by `rpmlib(PayloadFilesHavePrefix)`).
 * Directories are members too: rpm 4.18 fails with "missing file" when a non-ghost header entry has
 * no member. A symlink's body is its target. rpm reads only the name and the body from each member
 * (modes and owners come from the header), but the cpio fields are filled in faithfully so that
 * `rpm2cpio | cpio -idmv` restores the tree.
 *
 * The payload is produced in one streaming pass: each file's bytes are read once, in chunks, and feed
 * the file's SHA-256 (FILEDIGESTS), the SHA-256 of the whole cpio stream (PAYLOADDIGESTALT) and the
 * compressor. Compressed bytes go to a caller-provided sink (a spool file), together with their
 * SHA-256 (PAYLOADDIGEST). Nothing grows with the payload size except the list of digests.
 *
 * Compression: gzip is a single member made by `ParallelGzip` (all cores, deterministic); `none`
 * stores the cpio as is, as rpmbuild's `w.ufdio` does (no PAYLOADCOMPRESSOR tag; rpm's reader
 * passes non-gzip data through).
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_v4.md (Payload),
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/lib/rpmfi.c (`iterReadArchiveNext`).
 */
import { createHash } from 'node:crypto';
import { readContent } from '../entry.js';
import { newcHeader, newcPadding, newcTrailer } from '../cpio/newc.js';
import { ParallelGzip } from '../gzip/parallel-gzip.js';
import { hashDigester, type ContentCache } from '../content-cache.js';
import type { RpmFile } from './file-list.js';

export type RpmCompression = 'none' | 'gzip';

export interface PayloadOptions {
  readonly compression: RpmCompression;
  /** gzip level 1-9 (default 6, as rpmbuild's `w6.gzdio`). */
  readonly level?: number;
  /** Segments compressed at once (default 4). */
  readonly concurrency?: number;
  /** gzip segment size in bytes (default 2 MiB); memory is about segmentSize × (concurrency + 2). */
  readonly segmentSize?: number;
  /**
   * Files at least this large start a fresh gzip segment, so their compressed bytes depend on their
   * content alone and can be cached and reused across builds. Default: never.
   */
  readonly alignFilesAt?: number;
  /** Reuse compressed bytes and digests of aligned files across builds (see content-cache.ts). */
  readonly cache?: ContentCache;
}

export interface PayloadResult {
  /** Per-file SHA-256 hex, `""` for directories and symlinks (FILEDIGESTS). */
  readonly fileDigests: string[];
  /** Length of the uncompressed cpio archive, trailer included (signature PAYLOADSIZE). */
  readonly archiveSize: number;
  /** SHA-256 hex of the uncompressed cpio (PAYLOADDIGESTALT). */
  readonly archiveDigest: string;
  /** Length of the compressed payload as written to the sink. */
  readonly compressedSize: number;
  /** SHA-256 hex of the compressed payload (PAYLOADDIGEST). */
  readonly compressedDigest: string;
}

export type PayloadSink = (chunk: Buffer) => Promise<void>;

/** Streams the files as a compressed cpio payload into `sink`. */
export async function writePayload(files: readonly RpmFile[], sink: PayloadSink, opts: PayloadOptions): Promise<PayloadResult> {
  const outHash = createHash('sha256');
  let compressedSize = 0;
  const out: PayloadSink = async (chunk) => {
    outHash.update(chunk);
    compressedSize += chunk.length;
    await sink(chunk);
  };
  const gzip =
    opts.compression === 'gzip'
      ? new ParallelGzip(out, {
          level: opts.level ?? 6,
          ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
          ...(opts.segmentSize === undefined ? {} : { segmentSize: opts.segmentSize }),
        })
      : undefined;
  const cpioHash = createHash('sha256');
  let archiveSize = 0;
  const emit = async (buf: Buffer): Promise<void> => {
    if (buf.length === 0) {
      return;
    }
    cpioHash.update(buf);
    archiveSize += buf.length;
    await (gzip ? gzip.write(buf) : out(buf));
  };

  const fileDigests: string[] = [];
  for (const f of files) {
    const e = f.entry;
    await emit(
      newcHeader({ ino: f.inode, mode: f.mode, uid: e.uid, gid: e.gid, nlink: 1, mtime: e.mtime, fileSize: f.size, name: `./${e.path}` }),
    );
    if (e.type === 'file') {
      const src = e.content;
      if (gzip && opts.alignFilesAt !== undefined && f.size >= opts.alignFilesAt && src?.kind === 'path') {
        // Aligned and cacheable: the cpio digest still sees every byte; compression may come from the cache.
        const d = await gzip.writeFile(src.path, f.size, {
          digests: { sha256: hashDigester('sha256') },
          onData: (c) => {
            cpioHash.update(c);
            archiveSize += c.length;
          },
          ...(opts.cache ? { cache: opts.cache } : {}),
        });
        fileDigests.push(d['sha256'] as string);
        await emit(newcPadding(f.size));
        continue;
      }
      const h = createHash('sha256');
      let n = 0;
      for await (const chunk of readContent(e)) {
        h.update(chunk);
        n += chunk.length;
        if (n > f.size) {
          break;
        }
        await emit(chunk);
      }
      if (n !== f.size) {
        // The cpio header already announced f.size bytes; a file that changed under us cannot be framed.
        throw new Error(`rpm: ${e.path} is ${n > f.size ? 'larger' : 'smaller'} than its declared size ${f.size}`);
      }
      fileDigests.push(h.digest('hex'));
    } else {
      if (e.type === 'symlink') {
        await emit(Buffer.from(e.linkTarget ?? '', 'utf8'));
      }
      fileDigests.push('');
    }
    await emit(newcPadding(f.size));
  }
  await emit(newcTrailer());
  if (gzip) {
    await gzip.end();
  }
  return {
    fileDigests,
    archiveSize,
    archiveDigest: cpioHash.digest('hex'),
    compressedSize,
    compressedDigest: outHash.digest('hex'),
  };
}
