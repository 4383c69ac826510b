/**
 * The component payload of Fleet's macOS package: the file tree installed at `/`, written as a gzip
 * odc cpio archive (`Payload`) and described by the BOM. Fleet builds it with
 * `find . | cpio -o --format odc -R 0:80 | gzip`; here it is one streaming pass: each file is read
 * once, its POSIX cksum (for the BOM) computed on the way into the cpio stream, the stream
 * compressed on every core, and the compressed bytes spooled to a temp file while their SHA-1 and
 * length (needed by the xar TOC, which precedes the heap) are taken. Memory stays flat.
 *
 * Agent binaries (files of at least ALIGN_AT bytes read from disk) are compressed on segments of
 * their own through `ParallelGzip.writeFile`, so their compressed form depends on their content
 * alone; with a content cache (sandbox provision, the Packager service) each is compressed and
 * checksummed once per run and later payloads copy the recorded bytes. The path is the same with
 * and without a cache, so both give byte-identical payloads. No digest of the uncompressed cpio
 * stream is needed: xar stores the Payload as is (its extracted checksum is its archived one).
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Cksum, cksumDigester } from '../../formats/cksum.js';
import type { ContentCache } from '../../formats/content-cache.js';
import { C_ISDIR, C_ISLNK, C_ISREG, OdcWriter } from '../../formats/cpio/odc.js';
import type { BomEntry } from '../../formats/bom/writer.js';
import { readContent, sortByPath, type ArchiveEntry } from '../../formats/entry.js';
import { openFileSink } from '../../formats/file-sink.js';
import { ParallelGzip } from '../../formats/gzip/parallel-gzip.js';
import type { PayloadSummary } from './metadata.js';

/** macOS payloads are owned root:admin, as Fleet (cpio -R 0:80), bomutils and mozilla write them. */
export const PAYLOAD_UID = 0;
export const PAYLOAD_GID = 80;

/**
 * Segments compressed at once: one per core, at most libuv's default thread-pool size (4). More
 * segments in flight than cores only adds buffered memory, not speed.
 */
const GZIP_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

/** Files at least this big are compressed on segments of their own (keeps their compressed form cacheable). */
const ALIGN_AT = 1 << 20;

export interface SpooledArchive {
  readonly path: string;
  readonly length: number;
  readonly sha1: string;
}

export interface WrittenPayload extends PayloadSummary {
  readonly archive: SpooledArchive;
  readonly bom: readonly BomEntry[];
}

function typeBits(t: ArchiveEntry['type']): number {
  return t === 'file' ? C_ISREG : t === 'dir' ? C_ISDIR : C_ISLNK;
}

/** Names as pkgbuild writes them: `.` for the install root, `./a/b` below it. */
export function payloadName(path: string): string {
  return path === '' ? '.' : `./${path}`;
}

/**
 * Writes entries (relative paths; '' is the root) as gzip(cpio odc) into `path`, owned 0:80, and
 * returns the BOM records and the summary PackageInfo needs. Entries are sorted here.
 */
export async function writeCpioGzip(entries: readonly ArchiveEntry[], path: string, level = 6, cache?: ContentCache): Promise<WrittenPayload> {
  const sink = await openFileSink(path, 0o600);
  const sha1 = createHash('sha1');
  const bom: BomEntry[] = [];
  let fileBytes = 0;
  try {
    const gz = new ParallelGzip(
      async (b) => {
        sha1.update(b);
        await sink.write(b);
      },
      { level, concurrency: GZIP_CONCURRENCY },
    );
    const cpio = new OdcWriter((b) => gz.write(b));
    let ino = 0;
    for (const e of sortByPath(entries)) {
      const member = {
        name: payloadName(e.path),
        mode: typeBits(e.type) | (e.mode & 0o7777),
        uid: PAYLOAD_UID,
        gid: PAYLOAD_GID,
        nlink: e.type === 'dir' ? 2 : 1,
        mtime: e.mtime,
        ino: ino++,
      };
      const ck = new Cksum();
      let size = 0;
      let checksum: number | undefined;
      const src = e.content;
      if (e.type === 'file' && src?.kind === 'path' && e.size >= ALIGN_AT) {
        size = e.size;
        fileBytes += size;
        await cpio.addWith({ ...member, size }, async () => {
          const d = await gz.writeFile(src.path, size, { digests: { cksum: cksumDigester }, ...(cache !== undefined ? { cache } : {}) });
          checksum = Number(d['cksum']);
        });
      } else if (e.type === 'file') {
        size = e.size;
        fileBytes += size;
        const tapped = async function* (): AsyncGenerator<Buffer> {
          for await (const c of readContent(e)) {
            ck.update(c);
            yield c;
          }
        };
        await cpio.add({ ...member, size }, tapped());
      } else if (e.type === 'symlink') {
        const target = Buffer.from(e.linkTarget ?? '', 'utf8');
        size = target.length;
        ck.update(target);
        await cpio.add({ ...member, size }, target);
      } else {
        await cpio.add({ ...member, size: 0 });
      }
      bom.push({
        path: member.name,
        type: e.type,
        mode: e.mode,
        uid: PAYLOAD_UID,
        gid: PAYLOAD_GID,
        mtime: e.mtime,
        size,
        checksum: e.type === 'dir' ? 0 : (checksum ?? ck.digest()),
        ...(e.type === 'symlink' ? { linkTarget: e.linkTarget ?? '' } : {}),
      });
    }
    await cpio.end();
    await gz.end();
  } finally {
    await sink.close();
  }
  return {
    archive: { path, length: sink.bytes(), sha1: sha1.digest('hex') },
    bom,
    numberOfFiles: bom.length,
    installKBytes: Math.ceil(fileBytes / 1024),
  };
}

export function spoolPath(tmpDir: string, name: string): string {
  return join(tmpDir, `pkg-${name}.cpio.gz`);
}
