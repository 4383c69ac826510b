/**
 * The Windows `.msi` packager: turns the staged orbit root into an unsigned Windows Installer package,
 * equivalent to Fleet's WiX-built installer, without WiX, Wine or Docker. See `layout.ts` (installed
 * tree), `tables.ts` (database rows), `environment.ts` (orbit configuration through the service's
 * registry Environment) and `custom-actions.ts` (why no WiX custom-action DLL is needed).
 *
 * ProductCode and PackageCode are fresh per build from an injectable random source; everything else is
 * derived from the inputs, so a fixed `options.mtime` and random source give byte-identical output.
 */
import type { ArchiveEntry } from '../../formats/entry.js';
import { readContent } from '../../formats/entry.js';
import { writeMsiPackage } from '../../formats/msi/package-writer.js';
import type { CabFile } from '../../formats/cab/writer.js';
import type { Arch, BuildContext, Packager, PackageOptions } from '../types.js';
import { defaultRandom, randomGuid, type RandomSource } from './guid.js';
import { orbitEnvironment } from './environment.js';
import { buildLayout } from './layout.js';
import { signBuiltMsi } from './sign.js';
import { buildDatabase, CABINET, MANUFACTURER, PRODUCT_NAME } from './tables.js';
import { renderOsqueryManifest } from './templates.js';
import { productVersion, versionAtLeast } from './version.js';

export interface MsiPackagerOptions {
  /** Source of ProductCode/PackageCode randomness (default: crypto.randomBytes). */
  readonly random?: RandomSource;
  /** zlib level for MSZIP (default 6). */
  readonly level?: number;
}

function generated(path: string, data: Buffer, mode: number, mtime: number): ArchiveEntry {
  return {
    path,
    type: 'file',
    mode,
    mtime,
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    size: data.length,
    content: { kind: 'bytes', data },
  };
}

/** The orbit root plus the files the MSI adds (osquery.man, secret.txt) unless already staged. */
export function msiEntries(ctx: BuildContext): ArchiveEntry[] {
  const entries = [...ctx.orbitRoot];
  const has = (p: string): boolean => entries.some((e) => e.path === p);
  const mtime = ctx.options.mtime;
  if (!has('osquery.man')) {
    entries.push(generated('osquery.man', renderOsqueryManifest(ctx.targets.osqueryd.relPath), 0o644, mtime));
  }
  if (!has('secret.txt')) {
    // Always shipped, even empty, so the file exists with its restrictive permissions before the
    // FLEET_SECRET custom action overwrites it.
    entries.push(generated('secret.txt', Buffer.from(ctx.options.enrollSecret, 'utf8'), 0o600, mtime));
  }
  return entries;
}

export function createMsiPackager(config: MsiPackagerOptions = {}): Packager {
  const random = config.random ?? defaultRandom;
  return {
    type: 'msi',
    description: 'Windows Installer package (.msi) for Windows amd64 or arm64',
    tufPlatform: (arch: Arch) => (arch === 'arm64' ? 'windows-arm64' : 'windows'),
    // Fleet names the arm64 build fleet-osquery-arm64.msi; we keep that default name (scripts and docs
    // expect it) but, unlike Fleet, never let it override an explicit --outfile.
    fileName: (_version: string, options: PackageOptions) => (options.arch === 'arm64' ? 'fleet-osquery-arm64.msi' : 'fleet-osquery.msi'),
    async build(ctx: BuildContext): Promise<void> {
      const o = ctx.options;
      ctx.report('staging');
      const version = productVersion(ctx.version);
      const layout = buildLayout(msiEntries(ctx), ctx.targets.orbit.relPath);
      const has = (p: string): boolean => layout.files.some((f) => f.relPath === p);
      const endUserEmailProperty = versionAtLeast(ctx.version, '1.28.0');
      const euaTokenProperty = versionAtLeast(ctx.version, '1.55.0');
      const environment = orbitEnvironment(o, {
        endUserEmail: endUserEmailProperty,
        euaToken: euaTokenProperty,
        fleetCertificate: has('fleet.pem'),
        updateTlsCertificate: has('update.pem'),
      });
      const productCode = randomGuid(random);
      const packageCode = randomGuid(random);
      const database = buildDatabase({ options: o, layout, productCode, version, environment, endUserEmailProperty, euaTokenProperty });

      const keyIndex = new Map(layout.files.map((f, i) => [f.key, i]));
      const files: CabFile[] = layout.files.map((f) => ({
        name: f.key,
        size: f.entry.size,
        mtime: f.entry.mtime,
        content: () => readContent(f.entry),
        // Lets the cabinet writer reuse the compressed folder of an agent binary (ctx.cache).
        ...(f.entry.content?.kind === 'path' ? { path: f.entry.content.path } : {}),
        ...(f.sameAs !== undefined ? { sameAs: keyIndex.get(f.sameAs)! } : {}),
      }));
      ctx.report('compressing');
      await writeMsiPackage(
        ctx.outPath,
        {
          database,
          summary: {
            title: 'Installation Database',
            subject: PRODUCT_NAME,
            author: MANUFACTURER,
            keywords: 'Installer',
            comments: `This installer database contains the logic and data required to install ${PRODUCT_NAME}.`,
            template: o.arch === 'arm64' ? 'Arm64;1033' : 'x64;1033',
            revisionNumber: packageCode,
            time: o.mtime,
            pageCount: 500,
            wordCount: 2,
            appName: 'fleetctl',
            security: 2,
          },
          cabinets: [{ name: CABINET, files }],
        },
        { ...(config.level === undefined ? {} : { level: config.level }), ...(ctx.cache !== undefined ? { cache: ctx.cache } : {}) },
      );
      ctx.report('writing', ctx.outPath);
      await signBuiltMsi(ctx);
    },
  };
}

export const msiPackager: Packager = createMsiPackager();
