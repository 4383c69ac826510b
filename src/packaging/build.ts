/**
 * The `package` pipeline shared by the CLI, `sandbox provision` and the Packager service:
 * validated options → TUF fetch + verify → orbit root → packager → `<out>.partial` → rename.
 * On any failure (or interruption) the partial file and the scratch directory are removed, so no
 * half-written installer is ever left behind.
 */
import { access, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError, UsageError, errnoCode } from '../core/errors.js';
import { TufClient } from '../tuf/client.js';
import { fleetRootJson } from '../tuf/fleet-root.js';
import { normalizeUpdateUrl } from '../tuf/transport.js';
import { packagerFor, supportedTypes } from './registry.js';
import { stageOrbitRoot, withEnrollmentFiles, type SharedExtractions, type StagingResult } from './staging.js';
import type { BuildStage, Packager, PackageOptions } from './types.js';
import type { ContentCache } from '../formats/content-cache.js';

export interface PackageRequest {
  readonly options: PackageOptions;
  /** Build from cached, still-valid TUF metadata and targets only. */
  readonly offline: boolean;
  /** Directory the installer is written to (the current directory for the CLI). */
  readonly outDir: string;
  readonly cacheRoot: string;
  readonly report: (stage: BuildStage, detail?: string) => void;
  /** Called with the scratch paths so an interrupt handler can remove them. */
  readonly onPaths?: (paths: { partial: string; tmpDir: string }) => void;
}

export interface PackageResult {
  readonly path: string;
  readonly version: string;
  readonly size: number;
}

export const USER_AGENT = 'fleetctl-ts';

export async function assertWritableDir(dir: string): Promise<void> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) {
      throw new UserError('E_OUTPUT', `output directory ${dir} is not a directory`);
    }
    await access(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UserError) {
      throw e;
    }
    const code = errnoCode(e);
    throw new UserError('E_OUTPUT', `cannot write the installer to ${dir}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(e))}`, {
      hint: 'choose a writable directory (or --outfile path)',
    });
  }
}

/** Everything a build needs that does not depend on the enrollment: verified targets, staged tree. */
export interface PreparedBuild {
  readonly packager: Packager;
  readonly options: PackageOptions;
  readonly staged: StagingResult;
  readonly tufPlatform: string;
  /** Scratch directory holding extracted archives; call dispose() when done with the preparation. */
  readonly tmpDir: string;
  /**
   * Compressed forms and digests of large inputs shared by every installer written from this
   * preparation (and others); created, attached and disposed of by the caller that builds many.
   */
  readonly cache?: ContentCache;
  dispose(): Promise<void>;
}

export interface PrepareRequest {
  readonly options: PackageOptions;
  readonly offline: boolean;
  readonly cacheRoot: string;
  readonly report: (stage: BuildStage, detail?: string) => void;
  /** Share archive extractions with other preparations of the same run (sandbox). */
  readonly shared?: SharedExtractions;
}

/** TUF refresh + verified targets + orbit root: done once, then reused for any number of installers. */
export async function prepareBuild(req: PrepareRequest): Promise<PreparedBuild> {
  const o = req.options;
  const packager = packagerFor(o.type);
  if (packager === undefined) {
    throw new UsageError('E_USAGE', `--type ${o.type} is not supported by this build`, { hint: `supported: ${supportedTypes().join(', ')}` });
  }
  const updateUrl = normalizeUpdateUrl(o.updateUrl);
  req.report('staging', `verifying update metadata from ${updateUrl.href}`);
  const tuf = await TufClient.open({
    updateUrl,
    rootJson: o.updateRoots ?? fleetRootJson(),
    transport: {
      ...(o.updateTlsCertificate !== undefined ? { caFile: o.updateTlsCertificate } : {}),
      ...(o.updateTlsClientCertificate !== undefined ? { certFile: o.updateTlsClientCertificate } : {}),
      ...(o.updateTlsClientKey !== undefined ? { keyFile: o.updateTlsClientKey } : {}),
      userAgent: USER_AGENT,
    },
    offline: req.offline,
    cacheRoot: req.cacheRoot,
  });
  const tmpDir = await mkdtemp(join(tmpdir(), 'fleetctl-stage-'));
  try {
    const tufPlatform = packager.tufPlatform(o.arch);
    const staged = await stageOrbitRoot({ options: o, tufPlatform, tuf, tmpDir, report: req.report, ...(req.shared ? { shared: req.shared } : {}) });
    return { packager, options: o, staged, tufPlatform, tmpDir, dispose: () => rm(tmpDir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Writes one installer from a preparation, for the given per-installer options (normally the
 * prepared options with another enroll secret), atomically: `.<name>.partial`, then rename.
 */
export async function writeInstaller(
  prepared: PreparedBuild,
  options: PackageOptions,
  outPath: string,
  report: (stage: BuildStage, detail?: string) => void,
  onPaths?: (paths: { partial: string; tmpDir: string }) => void,
): Promise<PackageResult> {
  const partial = join(dirname(outPath), `.${basename(outPath)}.partial`);
  const tmpDir = await mkdtemp(join(tmpdir(), 'fleetctl-package-'));
  onPaths?.({ partial, tmpDir });
  let done = false;
  try {
    await prepared.packager.build({
      options,
      version: prepared.staged.version,
      orbitRoot: withEnrollmentFiles(prepared.staged.orbitRoot, options, prepared.tufPlatform),
      targets: prepared.staged.targets,
      outPath: partial,
      tmpDir,
      report,
      ...(prepared.cache ? { cache: prepared.cache } : {}),
    });
    await rename(partial, outPath);
    done = true;
    const st = await stat(outPath);
    return { path: outPath, version: prepared.staged.version, size: st.size };
  } finally {
    if (!done) {
      await rm(partial, { force: true });
    }
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/** The output path for a build: --outfile, else the packager's conventional name, in outDir. */
export function outputPath(prepared: PreparedBuild, outDir: string): string {
  const o = prepared.options;
  return o.outfile !== undefined ? resolve(outDir, o.outfile) : resolve(outDir, prepared.packager.fileName(prepared.staged.version, o));
}

export async function buildPackage(req: PackageRequest): Promise<PackageResult> {
  const o = req.options;
  // Output location is checked before anything is downloaded.
  await assertWritableDir(o.outfile !== undefined ? dirname(resolve(req.outDir, o.outfile)) : resolve(req.outDir));
  const prepared = await prepareBuild(req);
  try {
    return await writeInstaller(prepared, o, outputPath(prepared, req.outDir), req.report, req.onPaths);
  } finally {
    await prepared.dispose();
  }
}
