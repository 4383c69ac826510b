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
import { stageOrbitRoot } from './staging.js';
import type { BuildStage, PackageOptions } from './types.js';

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

async function assertWritableDir(dir: string): Promise<void> {
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

export async function buildPackage(req: PackageRequest): Promise<PackageResult> {
  const o = req.options;
  const packager = packagerFor(o.type);
  if (packager === undefined) {
    throw new UsageError('E_USAGE', `--type ${o.type} is not supported by this build`, { hint: `supported: ${supportedTypes().join(', ')}` });
  }
  // Output location is checked before anything is downloaded.
  const requested = o.outfile !== undefined ? resolve(req.outDir, o.outfile) : undefined;
  await assertWritableDir(requested !== undefined ? dirname(requested) : resolve(req.outDir));

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

  const tmpDir = await mkdtemp(join(tmpdir(), 'fleetctl-package-'));
  let partial: string | undefined;
  try {
    const staged = await stageOrbitRoot({ options: o, tufPlatform: packager.tufPlatform(o.arch), tuf, tmpDir, report: req.report });
    const outPath = requested ?? resolve(req.outDir, packager.fileName(staged.version, o));
    partial = join(dirname(outPath), `.${basename(outPath)}.partial`);
    req.onPaths?.({ partial, tmpDir });
    await packager.build({
      options: o,
      version: staged.version,
      orbitRoot: staged.orbitRoot,
      targets: staged.targets,
      outPath: partial,
      tmpDir,
      report: req.report,
    });
    await rename(partial, outPath);
    partial = undefined;
    const st = await stat(outPath);
    return { path: outPath, version: staged.version, size: st.size };
  } finally {
    if (partial !== undefined) {
      await rm(partial, { force: true });
    }
    await rm(tmpDir, { recursive: true, force: true });
  }
}
