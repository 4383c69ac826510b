/**
 * The Packager service core, independent of HTTP: create (dedup by argument MAC, retry of failed
 * builds), status, download handles, expiry with key destruction, and recovery at start. The
 * builds run through the same buildPackage pipeline as `fleetctl package`.
 *
 * Data dir layout (all 0700/0600):
 *   server.key            master key (argument MAC + key wrapping)
 *   serve.pid             instance lock
 *   records/<id>.json     one record per package (store.ts)
 *   packages/<id>.sealed  the installer, encrypted with its own key (sealed-file.ts)
 *   keys/<id>.key         that key, wrapped (package-keys.ts)
 *   work/<id>/            a running build's scratch: request files, plaintext output
 *   cache/                TUF metadata + target store shared by all builds (unless --cache-dir)
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isFleetctlError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { buildPackage, type PackageRequest, type PackageResult } from '../packaging/build.js';
import { buildTime } from '../packaging/options.js';
import { packagerFor } from '../packaging/registry.js';
import { BadRequest, type CreateBody } from './create-request.js';
import { prepareBuildInputs, type BuildInputs, type TufSource } from './build-inputs.js';
import { isPackageId, newPackageId, shortId } from './ids.js';
import { lockDataDir, type InstanceLock } from './instance-lock.js';
import type { Logger } from './log.js';
import { createPackageKey, destroyPackageKey, readPackageKey } from './package-keys.js';
import { sealFile } from './sealed-file.js';
import { Semaphore } from './semaphore.js';
import { argumentsMac, loadServerKeys, type ServerKeys } from './server-key.js';
import { serviceStage } from './stages.js';
import { PackageStore } from './store.js';
import type { PackageRecord, PackageStatus, ServiceStage } from './types.js';

/**
 * The build step. Defaults to the shared pipeline; tests inject a fake. This is also the seam for
 * the compressed-payload cache: builds already share `cacheRoot` (verified TUF targets, so a
 * cached agent version is never downloaded twice), and the prefix cache keyed by content hash is
 * meant to live under the same root, so every service build picks it up without changes here.
 */
export type BuildFn = (req: PackageRequest) => Promise<PackageResult>;

export interface ServiceConfig {
  readonly dataDir: string;
  readonly cacheRoot: string;
  readonly ttlMs: number;
  readonly concurrency: number;
  readonly tuf: TufSource;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  readonly build?: BuildFn;
  readonly now?: () => number;
  /** How long an expired record still answers `expired` before it is forgotten (default 24 h). */
  readonly expiredRetentionMs?: number;
}

export interface StatusView {
  readonly status: PackageStatus;
  readonly stage?: ServiceStage;
  readonly logs?: readonly string[];
}

export type DownloadHandle =
  | { readonly kind: 'ok'; readonly record: PackageRecord; readonly key: Buffer; readonly path: string }
  | { readonly kind: 'not-found' | 'expired' | 'not-ready' | 'failed' };

const MAX_LOG_LINES = 200;
const INTERRUPTED =
  'the build was interrupted: the packager service stopped before it finished; send the same request with "retry": true to build again';

export class PackagerService {
  private readonly builds: Semaphore;
  /** Scratch directories of the builds in flight (close() removes them, which ends those builds). */
  private readonly scratch = new Map<string, string[]>();
  private closed = false;
  private readonly now: () => number;

  private constructor(
    private readonly config: ServiceConfig,
    private readonly store: PackageStore,
    private readonly keys: ServerKeys,
    private readonly lock: InstanceLock,
  ) {
    this.now = config.now ?? Date.now;
    this.builds = new Semaphore(config.concurrency);
  }

  static async open(config: ServiceConfig): Promise<PackagerService> {
    const d = config.dataDir;
    await mkdir(d, { recursive: true, mode: 0o700 });
    const lock = await lockDataDir(d);
    try {
      for (const sub of ['records', 'packages', 'keys', 'work']) {
        await mkdir(join(d, sub), { recursive: true, mode: 0o700 });
      }
      const keys = await loadServerKeys(d);
      const { store, damaged } = await PackageStore.open(d);
      const svc = new PackagerService(config, store, keys, lock);
      for (const id of damaged) {
        config.log('warn', 'unreadable package record: package removed', { package: shortId(id) });
        await svc.deleteArtifacts(id);
        await store.remove(id);
      }
      await svc.recover();
      return svc;
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  /** A build cut short (crash, restart, shutdown) ends as a retryable failure that expires with the TTL. */
  private markInterrupted(r: PackageRecord, t: number): void {
    r.status = 'fail';
    delete r.stage;
    r.logs = [...(r.logs ?? []), INTERRUPTED];
    r.finishedAt = t;
    r.expiresAt = t + this.config.ttlMs;
  }

  /** Builds cut short by a crash or restart fail (retryable); leftovers without a record go. */
  private async recover(): Promise<void> {
    const t = this.now();
    for (const r of this.store.all()) {
      if (r.status === 'in-progress') {
        this.markInterrupted(r, t);
        await this.store.save(r);
        await this.deleteArtifacts(r.id);
        this.config.log('warn', 'interrupted build marked failed', { package: shortId(r.id) });
      }
    }
    await rm(join(this.config.dataDir, 'work'), { recursive: true, force: true });
    await mkdir(join(this.config.dataDir, 'work'), { recursive: true, mode: 0o700 });
    for (const sub of ['packages', 'keys']) {
      for (const name of await readdir(join(this.config.dataDir, sub))) {
        const id = name.replace(/\.(sealed|key)$/, '');
        if (this.store.get(id)?.status !== 'success') {
          await rm(join(this.config.dataDir, sub, name), { force: true });
        }
      }
    }
    await this.expireDue();
  }

  sealedPath(id: string): string {
    return join(this.config.dataDir, 'packages', `${id}.sealed`);
  }

  private async deleteArtifacts(id: string): Promise<void> {
    // Key first: once it is gone the ciphertext is noise, even if the unlink below never happens.
    await destroyPackageKey(this.config.dataDir, id);
    await rm(this.sealedPath(id), { force: true });
  }

  supports(type: CreateBody['type']): boolean {
    return packagerFor(type) !== undefined;
  }

  /** Returns the package id for these arguments, dispatching a build when needed. */
  async create(body: CreateBody): Promise<{ id: string; reused: boolean }> {
    if (this.closed) {
      throw new Error('service is shutting down');
    }
    if (!this.supports(body.type)) {
      throw new BadRequest('type', `type ${body.type} is not supported by this server`);
    }
    const id = newPackageId();
    const workDir = join(this.config.dataDir, 'work', id);
    const inputs = await prepareBuildInputs(body, workDir, this.config.tuf, buildTime(this.config.env));
    const mac = argumentsMac(this.keys, inputs.canonical);
    // No await between the lookup and the save below: two identical concurrent requests cannot
    // both miss and start two builds.
    let existing = this.store.findByMac(mac);
    if (existing !== undefined && this.isDue(existing)) {
      await rm(workDir, { recursive: true, force: true });
      await this.expire(existing);
      existing = this.store.findByMac(mac);
    }
    if (existing !== undefined && !(existing.status === 'fail' && body.retry)) {
      await rm(workDir, { recursive: true, force: true });
      return { id: existing.id, reused: true };
    }
    const record: PackageRecord = { id, argsMac: mac, type: body.type, status: 'in-progress', stage: 'queued', createdAt: this.now() };
    const saved = this.store.save(record);
    if (existing !== undefined) {
      // A retried failure is replaced: its logs stay readable under the old id until it expires,
      // but the dedup lookup now finds the new build.
      this.config.log('info', 'retrying failed build', { package: shortId(id), previous: shortId(existing.id) });
    }
    try {
      await saved;
    } catch (e) {
      await this.store.remove(id);
      await rm(workDir, { recursive: true, force: true });
      throw e;
    }
    this.scratch.set(id, [workDir]);
    void this.runBuild(record, inputs, body.enrollSecret).finally(() => this.scratch.delete(id));
    return { id, reused: false };
  }

  private async runBuild(record: PackageRecord, inputs: BuildInputs, secret: string): Promise<void> {
    const clean = (s: string): string => redact(s.split(secret).join('***').split(inputs.workDir).join('.'));
    const log: string[] = [];
    const note = (line: string): void => {
      if (log.length < MAX_LOG_LINES) {
        log.push(clean(line));
      }
    };
    const started = this.now();
    try {
      const result = await this.builds.run(async () => {
        if (this.closed) {
          throw new Error('the service stopped before this build started');
        }
        const outDir = join(inputs.workDir, 'out');
        await mkdir(outDir, { mode: 0o700 });
        return (this.config.build ?? buildPackage)({
          options: inputs.options,
          offline: false,
          outDir,
          cacheRoot: this.config.cacheRoot,
          onPaths: (p) => this.scratch.get(record.id)?.push(p.tmpDir),
          report: (stage, detail) => {
            record.stage = serviceStage(stage, detail);
            note(detail === undefined ? stage : `${stage}: ${detail}`);
          },
        });
      });
      if (this.closed) {
        return;
      }
      record.stage = 'storing';
      const key = await createPackageKey(this.config.dataDir, this.keys, record.id);
      const sealed = await sealFile(result.path, this.sealedPath(record.id), key);
      key.fill(0);
      if (this.closed) {
        return;
      }
      record.status = 'success';
      delete record.stage;
      record.fileName = basename(result.path);
      record.size = sealed.size;
      record.sha256 = sealed.sha256;
      record.finishedAt = this.now();
      record.expiresAt = record.finishedAt + this.config.ttlMs;
      await this.store.save(record);
      this.config.log('info', 'build succeeded', {
        package: shortId(record.id),
        type: record.type,
        bytes: sealed.size,
        ms: this.now() - started,
      });
    } catch (e) {
      const msg = isFleetctlError(e)
        ? `${e.message}${e.hint === undefined ? '' : ` (hint: ${e.hint})`}`
        : e instanceof Error
          ? e.message
          : String(e);
      note(`error: ${msg}`);
      await this.deleteArtifacts(record.id).catch(() => undefined);
      if (this.closed) {
        return;
      }
      record.status = 'fail';
      delete record.stage;
      record.logs = log;
      record.finishedAt = this.now();
      record.expiresAt = record.finishedAt + this.config.ttlMs;
      await this.store.save(record).catch(() => undefined);
      this.config.log('warn', 'build failed', { package: shortId(record.id), type: record.type, error: clean(msg) });
    } finally {
      await rm(inputs.workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private isDue(r: PackageRecord): boolean {
    return r.status !== 'in-progress' && r.status !== 'expired' && r.expiresAt !== undefined && r.expiresAt <= this.now();
  }

  private async expire(r: PackageRecord): Promise<void> {
    r.status = 'expired';
    delete r.stage;
    delete r.logs;
    await this.deleteArtifacts(r.id);
    await this.store.save(r);
    this.config.log('info', 'package expired: key destroyed, file deleted', { package: shortId(r.id) });
  }

  /** Expires due packages; forgets expired records after the retention period. */
  async expireDue(): Promise<void> {
    const retention = this.config.expiredRetentionMs ?? 24 * 3_600_000;
    for (const r of this.store.all()) {
      if (this.isDue(r)) {
        await this.expire(r);
      } else if (r.status === 'expired' && (r.expiresAt ?? 0) + retention <= this.now()) {
        await this.store.remove(r.id);
      }
    }
  }

  async status(id: string): Promise<StatusView | undefined> {
    if (!isPackageId(id)) {
      return undefined;
    }
    const r = this.store.get(id);
    if (r === undefined) {
      return undefined;
    }
    if (this.isDue(r)) {
      await this.expire(r);
    }
    switch (r.status) {
      case 'in-progress':
        return { status: r.status, stage: r.stage ?? 'queued' };
      case 'fail':
        return { status: r.status, logs: r.logs ?? [] };
      default:
        return { status: r.status };
    }
  }

  async download(id: string): Promise<DownloadHandle> {
    const r = isPackageId(id) ? this.store.get(id) : undefined;
    if (r === undefined) {
      return { kind: 'not-found' };
    }
    if (this.isDue(r)) {
      await this.expire(r);
    }
    if (r.status !== 'success') {
      return { kind: r.status === 'expired' ? 'expired' : r.status === 'fail' ? 'failed' : 'not-ready' };
    }
    const key = await readPackageKey(this.config.dataDir, this.keys, id);
    if (key === undefined) {
      return { kind: 'expired' };
    }
    return { kind: 'ok', record: r, key, path: this.sealedPath(id) };
  }

  /** Builds started and not yet finished (running or waiting for a slot). */
  get inFlight(): number {
    return this.scratch.size;
  }

  stats(): { running: number; queued: number; packages: number } {
    return { running: this.builds.running, queued: this.builds.queued, packages: this.store.all().length };
  }

  /**
   * Stops: builds still running are recorded as failed (retryable), exactly as a crash would
   * leave them after the next start, and their scratch files are removed.
   */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    const t = this.now();
    for (const r of this.store.all()) {
      if (r.status === 'in-progress') {
        this.markInterrupted(r, t);
        await this.store.save(r).catch(() => undefined);
      }
    }
    await this.store.flush();
    // Pulling the scratch files from under running builds makes them fail fast (and leaves no
    // plaintext installer behind); their late results are ignored because `closed` is set.
    for (const dirs of this.scratch.values()) {
      for (const d of dirs) {
        await rm(d, { recursive: true, force: true }).catch(() => undefined);
      }
    }
    await this.lock.release();
  }
}
