/**
 * The macOS .pkg packager: Fleet's unsigned product archive, built on any OS without pkgbuild,
 * productbuild, mkbom, cpio or xar.
 *
 *   fleet-osquery.pkg (xar)
 *   ├── Distribution              product definition (choices, host architectures)
 *   └── base.pkg/
 *       ├── Bom                   bill of materials of the payload
 *       ├── PackageInfo           component metadata (identifier, version, scripts)
 *       ├── Payload               gzip(cpio odc) of the tree installed at /
 *       └── Scripts               gzip(cpio odc) holding postinstall
 *
 * The payload is compressed once, streamed to a spool file in ctx.tmpDir (the xar TOC needs its
 * length and SHA-1 before the heap), then copied into the archive; only metadata stays in memory.
 * Signing (RSA + CMS, productsign-compatible) plugs into the xar writer's `signer` hook.
 */
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { buildBom } from '../../formats/bom/writer.js';
import { openFileSink } from '../../formats/file-sink.js';
import { writeXar, type XarEntry, type XarSigner } from '../../formats/xar/writer.js';
import type { BuildContext, Packager } from '../types.js';
import { distribution, packageInfo } from './metadata.js';
import { spoolPath, writeCpioGzip } from './payload.js';
import { payloadTree, scriptsTree } from './tree.js';
import { pkgSigning } from './sign.js';

export const PKG_FILE_NAME = 'fleet-osquery.pkg';
/** The component directory inside the product archive; Distribution refers to it as `#base.pkg`. */
export const COMPONENT_DIR = 'base.pkg';

export interface PkgBuildOptions {
  /** Optional signer (productsign-compatible RSA + CMS); unsigned when absent. */
  readonly signer?: XarSigner;
}

/** Builds the package; `pkgPackager.build` adds the signer and notarization from the options. */
export async function buildPkg(ctx: BuildContext, opts: PkgBuildOptions = {}): Promise<void> {
  const spools = [spoolPath(ctx.tmpDir, 'payload'), spoolPath(ctx.tmpDir, 'scripts')] as const;
  try {
    await writePkg(ctx, spools, opts);
  } finally {
    // The caller removes tmpDir, but a long-running service builds many packages: free the space now.
    await Promise.all(spools.map((p) => rm(p, { force: true })));
  }
}

async function writePkg(ctx: BuildContext, [payloadSpool, scriptsSpool]: readonly [string, string], opts: PkgBuildOptions): Promise<void> {
  const mtime = ctx.options.mtime;
  ctx.report('compressing', 'Payload');
  const payload = await writeCpioGzip(payloadTree(ctx), payloadSpool, 6, ctx.cache);
  // Scripts is a few KiB; it goes through the same writer for one code path.
  const scripts = await writeCpioGzip(scriptsTree(ctx), scriptsSpool, 9);
  const bom = buildBom(payload.bom);

  const meta = { uid: 0, gid: 80, user: 'root', group: 'admin', mtime } as const;
  const xml = (path: string, text: string): XarEntry => ({
    path,
    type: 'file',
    mode: 0o644,
    ...meta,
    content: { kind: 'bytes', data: Buffer.from(text, 'utf8'), compress: true },
  });
  const spooled = (path: string, a: { path: string; length: number; sha1: string }): XarEntry => ({
    path,
    type: 'file',
    mode: 0o644,
    ...meta,
    // Already gzip: stored as is, like pkgbuild and Fleet do.
    content: { kind: 'file', path: a.path, length: a.length, sha1: a.sha1 },
  });
  const entries: XarEntry[] = [
    xml('Distribution', distribution(ctx, payload)),
    { path: COMPONENT_DIR, type: 'directory', mode: 0o755, ...meta },
    { path: `${COMPONENT_DIR}/Bom`, type: 'file', mode: 0o644, ...meta, content: { kind: 'bytes', data: bom, compress: true } },
    xml(`${COMPONENT_DIR}/PackageInfo`, packageInfo(ctx, payload)),
    spooled(`${COMPONENT_DIR}/Payload`, payload.archive),
    spooled(`${COMPONENT_DIR}/Scripts`, scripts.archive),
  ];

  ctx.report('writing', ctx.outPath);
  const out = await openFileSink(ctx.outPath, 0o644);
  try {
    await writeXar(out.write, entries, { creationTime: mtime, ...(opts.signer !== undefined ? { signer: opts.signer } : {}) });
  } finally {
    await out.close();
  }
}

export const pkgPackager: Packager = {
  type: 'pkg',
  description: 'macOS installer package (.pkg, universal)',
  // The macOS package is universal: the same TUF platform for both architectures.
  tufPlatform: () => 'macos',
  fileName: () => PKG_FILE_NAME,
  build: async (ctx) => {
    // Signing (when configured) happens inside the xar writer; notarization needs the finished file.
    const signing = await pkgSigning(ctx, basename(ctx.options.outfile ?? PKG_FILE_NAME));
    await buildPkg(ctx, signing.signer !== undefined ? { signer: signing.signer } : {});
    await signing.finish();
  },
};
