/**
 * The text files of Fleet's flat package, rendered from templates/pkg: the product `Distribution`,
 * the component `PackageInfo` and the `postinstall` script. Values are escaped for their target
 * syntax here (XML attributes, shell words) because the template renderer inserts them verbatim.
 */
import { renderTemplateFile } from '../../core/template.js';
import { escapeXml } from '../../formats/xar/toc.js';
import type { BuildContext } from '../types.js';

export interface PayloadSummary {
  /** cpio members, `.` included (what pkgbuild records as numberOfFiles). */
  readonly numberOfFiles: number;
  /** Regular-file bytes in KiB, rounded up. */
  readonly installKBytes: number;
}

/** Quotes a value as one POSIX shell word. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** orbit < 0.0.11 read /var/lib/orbit; Fleet keeps a compatibility link for those versions. */
export function needsLegacyVarLibSymlink(orbitVersion: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(orbitVersion);
  if (m === null) {
    return false;
  }
  const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return maj === 0 && min === 0 && patch < 11;
}

export function packageInfo(ctx: BuildContext, payload: PayloadSummary): string {
  return renderTemplateFile('pkg/PackageInfo.xml', {
    identifier: escapeXml(ctx.options.identifier),
    version: escapeXml(ctx.version),
    numberOfFiles: payload.numberOfFiles,
    installKBytes: payload.installKBytes,
  });
}

export function distribution(ctx: BuildContext, payload: PayloadSummary): string {
  return renderTemplateFile('pkg/Distribution.xml', {
    identifier: escapeXml(ctx.options.identifier),
    version: escapeXml(ctx.version),
    installKBytes: payload.installKBytes,
  });
}

export function postinstall(ctx: BuildContext): string {
  return renderTemplateFile('pkg/postinstall.sh', {
    orbitBinary: shellQuote(`/opt/orbit/${ctx.targets.orbit.execPath}`),
    legacyVarLibSymlink: needsLegacyVarLibSymlink(ctx.version),
    service: ctx.options.service,
  });
}
