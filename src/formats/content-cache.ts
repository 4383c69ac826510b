/**
 * "Compress once, reuse many times": a per-process cache of what writers derive from a large input
 * file — its compressed form and its digests — keyed by the file's identity on disk (device, inode,
 * size, modification time) plus the codec settings. TUF targets live in a content-addressed store
 * and are never modified in place, so identity equals content for them.
 *
 * `sandbox provision` and the Packager service build many installers from the same agent binaries;
 * with a cache, the binaries are compressed and hashed once and every later installer copies the
 * bytes. A plain `fleetctl package` passes no cache and pays nothing for it. Compressed blobs are
 * kept in a private temp directory, removed by dispose().
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CachedFile {
  /** File holding the compressed bytes (codec-specific framing, relocatable). */
  readonly blob: string;
  readonly compressedSize: number;
  /** Uncompressed length and CRC-32, for formats whose trailers need them (gzip). */
  readonly inputSize: number;
  readonly crc32: number;
  /** Digests of the uncompressed content by name (md5, sha256, cksum, …). */
  readonly digests: Readonly<Record<string, string>>;
  /** Codec-specific extras (e.g. the number of CAB data blocks). */
  readonly extra?: Readonly<Record<string, number>>;
}

export async function fileIdentity(path: string): Promise<string> {
  const st = await stat(path, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

export class ContentCache {
  private readonly entries = new Map<string, CachedFile>();
  private dir: Promise<string> | undefined;
  private counter = 0;
  hits = 0;
  misses = 0;

  /** A fresh path for a new blob inside the cache's directory. */
  async newBlobPath(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'fleetctl-content-cache-'));
    return join(await this.dir, `blob-${this.counter++}`);
  }

  get(key: string): CachedFile | undefined {
    const e = this.entries.get(key);
    if (e === undefined) {
      this.misses += 1;
    } else {
      this.hits += 1;
    }
    return e;
  }

  set(key: string, value: CachedFile): void {
    this.entries.set(key, value);
  }

  async dispose(): Promise<void> {
    this.entries.clear();
    if (this.dir !== undefined) {
      await rm(await this.dir, { recursive: true, force: true });
      this.dir = undefined;
    }
  }
}

/** A running digest: node:crypto hashes fit, and so do format checksums such as POSIX cksum. */
export interface Digester {
  update(chunk: Buffer): void;
  digest(): string;
}

export type DigesterFactories = Readonly<Record<string, () => Digester>>;

/** A node:crypto hash as a Digester with hex output. */
export function hashDigester(algorithm: string): () => Digester {
  return () => {
    const h = createHash(algorithm);
    return {
      update: (chunk) => {
        h.update(chunk);
      },
      digest: () => h.digest('hex'),
    };
  };
}
