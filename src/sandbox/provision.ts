/**
 * `sandbox provision`: T+1 enroll secrets → every requested installer type for each → a store (local
 * directory or S3) at `<prefix>/<installers-dir>/<secret>/fleet-osquery.<type>` → the Fleet server's
 * configuration. Each type is prepared once (TUF refresh, verified targets, staged tree); per secret
 * only the installer itself is written, and one content cache for the run lets every installer after
 * the first of its type copy the agent binaries' compressed form instead of compressing them again.
 * Objects already built from the same inputs are skipped, and every write is atomic, so a crashed or
 * repeated run converges on the same complete set.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { ContentCache } from '../formats/content-cache.js';
import { prepareBuild, writeInstaller, type PreparedBuild } from '../packaging/build.js';
import type { ExtractedEntry } from '../packaging/extract-targz.js';
import type { PackageOptions, PackageType } from '../packaging/types.js';
import { installerName, objectKey, type Destination } from './destination.js';
import type { InstallerStore } from './store.js';
import { sha256File } from './store-local.js';

const require = createRequire(import.meta.url);
const { version: FLEETCTL_VERSION } = require('../../package.json') as { version: string };

export type ProvisionStage = 'building' | 'uploading' | 'skipped' | 'done' | 'retrying';

export interface ProvisionEvent {
  /** 0 = global, n = team n. Secrets themselves never appear in events. */
  readonly secretIndex: number;
  readonly type: PackageType;
  readonly stage: ProvisionStage;
  readonly bytes?: number;
  readonly detail?: string;
}

export interface ProvisionRequest {
  readonly secrets: readonly string[];
  /** Validated options per type; enrollSecret is replaced per installer. */
  readonly optionsByType: ReadonlyMap<PackageType, PackageOptions>;
  readonly destination: Destination;
  readonly installersDir: string;
  readonly store: InstallerStore;
  readonly concurrency: number;
  readonly offline: boolean;
  readonly cacheRoot: string;
  readonly onEvent: (e: ProvisionEvent) => void;
  readonly onStage?: (detail: string) => void;
}

export interface ProvisionedObject {
  readonly secretIndex: number;
  readonly type: PackageType;
  readonly key: string;
  readonly size: number;
  readonly sha256?: string;
  readonly status: 'uploaded' | 'skipped';
}

/** What an installer is built from, minus timestamps: equal keys mean an equivalent installer. */
export function inputKey(prepared: PreparedBuild, options: PackageOptions, scratchRoots: readonly string[] = []): string {
  const { mtime: _mtime, enrollSecret, ...rest } = options;
  const tree = prepared.staged.orbitRoot.map((e) => [
    e.path,
    e.type,
    e.mode,
    e.size,
    // Extracted archive members live in this run's scratch directory: only their place in it is
    // identity (their bytes are fixed by the archive, whose hash is in the shipped .sha512 sidecar).
    e.content?.kind === 'path' ? [prepared.tmpDir, ...scratchRoots].reduce((path, root) => path.replace(root, '<staging>'), e.content.path) : e.content?.kind === 'bytes' ? createHash('sha256').update(e.content.data).digest('hex') : (e.linkTarget ?? ''),
  ]);
  return createHash('sha256')
    .update(JSON.stringify({ fleetctl: FLEETCTL_VERSION, options: rest, secret: createHash('sha256').update(enrollSecret).digest('hex'), tree }))
    .digest('hex');
}

async function withRetries<T>(attempts: number, fn: () => Promise<T>, onRetry: (e: unknown) => void): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts) {
        throw e;
      }
      onRetry(e);
      await new Promise((r) => setTimeout(r, 250 * 2 ** i));
    }
  }
}

export async function provision(req: ProvisionRequest): Promise<ProvisionedObject[]> {
  const prepared = new Map<PackageType, PreparedBuild>();
  const cache = new ContentCache();
  const work = await mkdtemp(join(tmpdir(), 'fleetctl-provision-'));
  const shared = { root: join(work, 'extract'), archives: new Map<string, Promise<ExtractedEntry[]>>() };
  try {
    for (const [type, options] of req.optionsByType) {
      req.onStage?.(`preparing ${type}`);
      prepared.set(type, { ...(await prepareBuild({ options, offline: req.offline, cacheRoot: req.cacheRoot, report: () => {}, shared })), cache });
    }
    const jobs: Array<{ secretIndex: number; type: PackageType }> = [];
    req.secrets.forEach((_s, secretIndex) => {
      for (const type of req.optionsByType.keys()) {
        jobs.push({ secretIndex, type });
      }
    });
    const results: ProvisionedObject[] = [];
    const runAll = async (batch: ReadonlyArray<{ secretIndex: number; type: PackageType }>): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < batch.length) {
          const job = batch[next++] as { secretIndex: number; type: PackageType };
          results.push(await runJob(req, prepared.get(job.type) as PreparedBuild, job.secretIndex, job.type, work));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(req.concurrency, batch.length)) }, worker));
    };
    // One installer per set of agent binaries (TUF platform; deb and rpm share the Linux agents)
    // fills the content cache before the rest start: a build running alongside the first one of
    // its inputs would miss the cache and compress the same binaries again.
    const platforms = new Set<string>();
    const first = jobs.filter((j) => {
      const platform = (prepared.get(j.type) as PreparedBuild).tufPlatform;
      if (j.secretIndex !== 0 || platforms.has(platform)) {
        return false;
      }
      platforms.add(platform);
      return true;
    });
    await runAll(first);
    await runAll(jobs.filter((j) => !first.includes(j)));
    return results.sort((a, b) => a.secretIndex - b.secretIndex || a.type.localeCompare(b.type));
  } finally {
    for (const p of prepared.values()) {
      await p.dispose();
    }
    await cache.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

async function runJob(req: ProvisionRequest, prepared: PreparedBuild, secretIndex: number, type: PackageType, work: string): Promise<ProvisionedObject> {
  const secret = req.secrets[secretIndex] as string;
  const options: PackageOptions = { ...prepared.options, enrollSecret: secret };
  const key = objectKey(req.destination, req.installersDir, secret, type);
  const input = inputKey(prepared, options, [join(work, 'extract')]);
  const event = (stage: ProvisionStage, extra: { bytes?: number; detail?: string } = {}): void => req.onEvent({ secretIndex, type, stage, ...extra });
  if (await req.store.has(key, input)) {
    event('skipped');
    return { secretIndex, type, key, size: 0, status: 'skipped' };
  }
  event('building');
  const out = join(work, `${secretIndex}-${installerName(type)}`);
  try {
    await writeInstaller(prepared, options, out, () => {});
    const size = (await stat(out)).size;
    const sha256 = await sha256File(out);
    event('uploading', { bytes: size });
    await withRetries(3, () => req.store.put(key, out, { inputKey: input, size, sha256 }), (e) =>
      event('retrying', { detail: e instanceof Error ? e.message : String(e) }),
    );
    event('done', { bytes: size });
    return { secretIndex, type, key, size, sha256, status: 'uploaded' };
  } finally {
    await rm(out, { force: true });
  }
}
