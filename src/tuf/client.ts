/**
 * The TUF client `package` uses to fetch orbit, osqueryd and Fleet Desktop. Metadata verification
 * (root rotation walk, signatures, thresholds, versions, expiry, rollback) is tuf-js; around it we add
 * what Fleet operators need: custom CA / mTLS / file:// / directory transports, a persistent
 * per-repository metadata cache with a lock (rollback protection across runs), `--offline`, and a
 * single-pass, content-addressed target store whose entries are re-hashed on every use.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join, dirname } from 'node:path';
import { Readable } from 'node:stream';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError, BadVersionError, ExpiredMetadataError, EqualVersionError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { UnsignedMetadataError, LengthOrHashMismatchError } from '@tufjs/models/dist/error.js';
import { ApiError, UserError, isFleetctlError } from '../core/errors.js';
import { withLock } from '../core/lock.js';
import { metadataDir, metadataNamespace, targetStorePath } from './cache.js';
import { HttpStatusError, joinUrl, openUrl, type TransportOptions } from './transport.js';

export interface TufClientOptions {
  readonly updateUrl: URL;
  /** The initial trusted root.json text. */
  readonly rootJson: string;
  readonly transport: TransportOptions;
  readonly offline: boolean;
  readonly cacheRoot: string;
}

export interface VerifiedTarget {
  readonly path: string;
  /** Verified file in the content-addressed store. Never modify it: copy or stream from it. */
  readonly file: string;
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
  readonly version: string | undefined;
}

const SUPPORTED_HASHES = ['sha512', 'sha256'] as const;

class OfflineError extends Error {}

/** Adapts our transport to tuf-js: HTTP statuses become DownloadHTTPError so the root walk ends on 404. */
class TransportFetcher extends BaseFetcher {
  constructor(
    private readonly transport: TransportOptions,
    private readonly offline: boolean,
  ) {
    super();
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    if (this.offline) {
      throw new OfflineError(`offline: not fetching ${url}`);
    }
    try {
      const { stream } = await openUrl(new URL(url), this.transport);
      return Readable.toWeb(stream) as ReadableStream<Uint8Array<ArrayBuffer>>;
    } catch (e) {
      if (e instanceof HttpStatusError) {
        throw new DownloadHTTPError(e.message, e.status);
      }
      throw e;
    }
  }
}

function mapTufError(e: unknown, url: string, offline: boolean): Error {
  if (isFleetctlError(e)) {
    return e;
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof OfflineError || (offline && /offline/.test(msg))) {
    return new UserError('E_TUF_OFFLINE', `--offline: no valid cached update metadata for ${url}`, {
      hint: 'run once online (or point --update-url at a local mirror) to fill the cache; cached metadata must not be expired',
    });
  }
  if (e instanceof ExpiredMetadataError) {
    return new UserError('E_TUF_EXPIRED', `update metadata from ${url} is expired (${msg})`, { hint: 're-sign the repository (e.g. `fleetctl updates timestamp`) or check the system clock' });
  }
  if (e instanceof EqualVersionError || e instanceof BadVersionError) {
    return new UserError('E_TUF_ROLLBACK', `update metadata from ${url} is older than metadata already trusted: rollback refused (${msg})`, {
      hint: 'the server (or a CDN in front of it) may be stale; retry later',
    });
  }
  if (e instanceof UnsignedMetadataError) {
    return new UserError('E_TUF_SIGNATURE', `update metadata from ${url} is not signed by the trusted keys (${msg})`, {
      hint: 'check --update-roots matches this repository (`fleetctl updates roots`)',
    });
  }
  if (e instanceof LengthOrHashMismatchError || e instanceof DownloadLengthMismatchError) {
    return new UserError('E_TUF_INTEGRITY', `update metadata from ${url} failed its length/hash check (${msg})`);
  }
  if (e instanceof DownloadHTTPError) {
    return new ApiError('E_TUF_HTTP', `update server ${url} answered HTTP ${e.statusCode} (${msg})`, {
      status: e.statusCode,
      hint: 'check that --update-url points at a TUF repository',
    });
  }
  return new UserError('E_TUF', `TUF verification against ${url} failed: ${msg}`);
}

export class TufClient {
  private constructor(
    private readonly o: TufClientOptions,
    private readonly updater: Updater,
    readonly metadataPath: string,
  ) {}

  /** Refreshes (or, offline, loads) and verifies the repository metadata. */
  static async open(o: TufClientOptions): Promise<TufClient> {
    const ns = metadataNamespace(o.updateUrl.href, o.rootJson);
    const dir = metadataDir(o.cacheRoot, ns);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const rootFile = join(dir, 'root.json');
    return withLock(`${dir}.lock`, async () => {
      const have = await stat(rootFile).catch(() => undefined);
      if (have === undefined) {
        await writeFileExclusive(rootFile, o.rootJson);
      }
      let updater: Updater;
      try {
        updater = new Updater({
          metadataDir: dir,
          metadataBaseUrl: o.updateUrl.href,
          targetBaseUrl: joinUrl(o.updateUrl, 'targets').href,
          fetcher: new TransportFetcher(o.transport, o.offline),
          forceCache: o.offline,
          config: { fetchRetry: 0 },
        });
        await updater.refresh();
      } catch (e) {
        throw mapTufError(e, o.updateUrl.href, o.offline);
      }
      return new TufClient(o, updater, dir);
    });
  }

  /** Looks up a target in the verified targets.json; undefined when the repository has no such path. */
  async lookup(path: string): Promise<{ length: number; hashes: Record<string, string>; version: string | undefined } | undefined> {
    let info;
    try {
      info = await this.updater.getTargetInfo(path);
    } catch (e) {
      throw mapTufError(e, this.o.updateUrl.href, this.o.offline);
    }
    if (info === undefined) {
      return undefined;
    }
    const custom = info.custom as { version?: unknown };
    return { length: info.length, hashes: { ...info.hashes }, version: typeof custom.version === 'string' ? custom.version : undefined };
  }

  /** Returns a verified copy of the target from the store, downloading it when needed. */
  async target(path: string): Promise<VerifiedTarget> {
    const info = await this.lookup(path);
    if (info === undefined) {
      throw new UserError('E_TUF_NO_TARGET', `target ${path} is not in the update repository ${this.o.updateUrl.href}`, {
        hint: 'check the channel flags (--orbit-channel, --osqueryd-channel, --desktop-channel) and --arch',
      });
    }
    const algorithms = Object.keys(info.hashes);
    const unknown = algorithms.filter((a) => !(SUPPORTED_HASHES as readonly string[]).includes(a));
    if (algorithms.length === 0 || unknown.length > 0) {
      throw new UserError('E_TUF_INTEGRITY', `target ${path} lists unsupported hash algorithms (${algorithms.join(', ') || 'none'})`);
    }
    const keyAlg = algorithms.includes('sha512') ? 'sha512' : 'sha256';
    const keyHex = info.hashes[keyAlg] as string;
    const file = targetStorePath(this.o.cacheRoot, keyAlg, keyHex);
    const verified: VerifiedTarget = { path, file, length: info.length, hashes: info.hashes, version: info.version };
    if (await matches(file, info.length, info.hashes)) {
      return verified;
    }
    if (this.o.offline) {
      throw new UserError('E_TUF_OFFLINE', `--offline: target ${path} is not in the local cache`, { hint: 'run once online to fill the cache' });
    }
    await this.download(path, file, info.length, info.hashes);
    return verified;
  }

  /** Streams the target to a temp file in the store, hashing and length-capping as it arrives. */
  private async download(path: string, dest: string, length: number, hashes: Readonly<Record<string, string>>): Promise<void> {
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${randomUUID()}.partial`;
    const url = joinUrl(joinUrl(this.o.updateUrl, 'targets'), path);
    const hashers = Object.keys(hashes).map((a) => [a, createHash(a)] as const);
    let received = 0;
    try {
      let opened;
      try {
        opened = await openUrl(url, this.o.transport);
      } catch (e) {
        if (e instanceof HttpStatusError) {
          throw new ApiError('E_TUF_HTTP', `update server answered HTTP ${e.status} for target ${path}`, { status: e.status });
        }
        throw e;
      }
      const fh = await open(tmp, 'w', 0o644);
      try {
        for await (const chunk of opened.stream) {
          const b = chunk as Buffer;
          received += b.length;
          if (received > length) {
            opened.stream.destroy();
            throw new UserError('E_TUF_INTEGRITY', `target ${path} is longer than its signed length ${length}: refused`);
          }
          for (const [, h] of hashers) {
            h.update(b);
          }
          await fh.write(b);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (received !== length) {
        throw new UserError('E_TUF_INTEGRITY', `target ${path} is ${received} bytes, but its signed length is ${length}: refused`);
      }
      for (const [alg, h] of hashers) {
        if (h.digest('hex') !== hashes[alg]) {
          throw new UserError('E_TUF_INTEGRITY', `target ${path} does not match its signed ${alg} hash: refused (tampered or corrupted download)`);
        }
      }
      await rename(tmp, dest);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** The verified metadata documents as downloaded (after any root rotation), for shipping in packages. */
  async metadataDocuments(): Promise<Record<'root.json' | 'snapshot.json' | 'targets.json' | 'timestamp.json', unknown>> {
    const read = async (n: string): Promise<unknown> => JSON.parse(await readFile(join(this.metadataPath, n), 'utf8')) as unknown;
    return {
      'root.json': await read('root.json'),
      'snapshot.json': await read('snapshot.json'),
      'targets.json': await read('targets.json'),
      'timestamp.json': await read('timestamp.json'),
    };
  }
}

async function writeFileExclusive(path: string, text: string): Promise<void> {
  const fh = await open(path, 'wx', 0o600).catch(() => undefined);
  if (fh === undefined) {
    return;
  }
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
}

/** Re-verifies a cached file against the signed length and every listed hash. */
async function matches(file: string, length: number, hashes: Readonly<Record<string, string>>): Promise<boolean> {
  const st = await stat(file).catch(() => undefined);
  if (st === undefined || st.size !== length) {
    return false;
  }
  const hs = Object.entries(hashes).map(([a, hex]) => [createHash(a), hex] as const);
  for await (const c of createReadStream(file)) {
    for (const [h] of hs) {
      h.update(c as Buffer);
    }
  }
  const ok = hs.every(([h, hex]) => h.digest('hex') === hex);
  if (!ok) {
    // A corrupted cache entry is dropped and fetched again.
    await rm(file, { force: true });
  }
  return ok;
}
