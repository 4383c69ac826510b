/**
 * The .rpm packager: Fleet's Linux tree and maintainer scripts written as an rpm v4 package without
 * rpmbuild.
 *
 * Ownership: rpm creates missing parent directories itself, so the package lists only directories it
 * owns (the /opt/orbit tree and orbit's two log directories) and leaves shared system directories
 * (/etc, /usr/lib/systemd/system, /usr/local/bin, /var/log, ...) to the distribution's `filesystem`
 * package. Listing them would make `rpm -e` try to remove them and trip rpmlint's
 * standard-dir-owned-by-package. (Fleet's nfpm build also omits implicit directories, and additionally
 * leaves /opt/orbit's own directories unowned; owning them lets `rpm -V` check and `rpm -e` remove them.)
 *
 * Scriptlets: post-install, pre-uninstall, post-uninstall and post-transaction, all `/bin/sh`.
 * Fleet's pre-uninstall script stops orbit for `1|remove|deconfigure`, which on rpm (where `$1` is 0
 * on erase and 1 on upgrade) stops orbit on every upgrade and leaves it running after erase, while
 * the post-uninstall script deletes its files. We deliberately do NOT copy that inversion: the
 * shared rpm scripts stop orbit on `0` (erase) only, so an upgrade keeps orbit running (orbit upgrades
 * itself by running this package; stopping its unit mid-transaction would kill the transaction) and
 * an erase stops the service before its files disappear. The post-transaction script, which re-enables
 * orbit when it is not enabled, is kept as Fleet ships it: with the fix it is a no-op after a normal
 * upgrade, and it still repairs hosts upgrading from a Fleet-built package whose pre-uninstall
 * disabled orbit.
 */
import type { ArchiveEntry } from '../../formats/entry.js';
import type { RpmSpec } from '../../formats/rpm/main-header.js';
import type { RpmCompression } from '../../formats/rpm/payload.js';
import { writeRpm } from '../../formats/rpm/writer.js';
import { UserError } from '../../core/errors.js';
import { signWithGpg } from '../../signing/openpgp/sign.js';
import type { GpgSigningOptions } from '../../signing/openpgp/signing-options.js';
import { linuxPayload, linuxScripts } from '../linux/payload.js';
import type { BuildContext, Packager } from '../types.js';
import {
  RPM_BUILD_HOST,
  RPM_DESCRIPTION,
  RPM_LICENSE,
  RPM_NAME,
  RPM_RELEASE,
  RPM_SUMMARY,
  RPM_URL,
  RPM_VENDOR,
  rpmArch,
  rpmFileName,
  rpmVersion,
} from './metadata.js';

export const RPM_COMPRESSIONS: readonly RpmCompression[] = ['none', 'gzip'];

export interface RpmPackagerOptions {
  /** Payload compression (`--compression none|gzip`); default gzip, the only one every rpm reads. */
  readonly compression?: RpmCompression;
  /** gzip level 1-9; default 6 (rpmbuild's `w6.gzdio`; level 9 costs 2.5x the time for ~0.5%). */
  readonly level?: number;
}

/** Directories provided by the base system; never owned by this package. */
const SYSTEM_DIRS: ReadonlySet<string> = new Set([
  'etc',
  'etc/default',
  'opt',
  'usr',
  'usr/lib',
  'usr/lib/systemd',
  'usr/lib/systemd/system',
  'usr/local',
  'usr/local/bin',
  'var',
  'var/lib',
  'var/log',
]);

/** Files this large start their own compression segment (keeps their compressed form reusable). */
const ALIGN_FILES_AT = 1 << 20;
/**
 * 1 MiB gzip segments: measured peak RSS stays flat at about 95 MB from 70 MB to 560 MB payloads
 * (2 MiB segments: 118-145 MB, drifting with GC), for about 0.1% larger output.
 */
const SEGMENT_SIZE = 1 << 20;

/** The installed tree for the rpm: the shared Linux payload without system directories, one mtime. */
export async function rpmEntries(ctx: BuildContext): Promise<ArchiveEntry[]> {
  const mtime = ctx.options.mtime;
  return (await linuxPayload(ctx)).filter((e) => !(e.type === 'dir' && SYSTEM_DIRS.has(e.path))).map((e) => ({ ...e, mtime }));
}

/** Everything the rpm says about itself, for a build context. */
export async function fleetRpmSpec(ctx: BuildContext): Promise<RpmSpec> {
  const scripts = linuxScripts(ctx, 'rpm');
  return {
    name: RPM_NAME,
    version: rpmVersion(ctx.version),
    release: RPM_RELEASE,
    summary: RPM_SUMMARY,
    description: RPM_DESCRIPTION,
    license: RPM_LICENSE,
    vendor: RPM_VENDOR,
    packager: RPM_VENDOR,
    url: RPM_URL,
    buildTime: ctx.options.mtime,
    buildHost: RPM_BUILD_HOST,
    arch: rpmArch(ctx.options.arch),
    files: await rpmEntries(ctx),
    scripts: {
      postIn: { body: scripts.postInstall },
      preUn: { body: scripts.preRemove },
      postUn: { body: scripts.postRemove },
      ...(scripts.postTrans === undefined ? {} : { postTrans: { body: scripts.postTrans } }),
    },
  };
}

/** The OpenPGP header signature (tag 268/267), dated at the build time so signed builds reproduce. */
function signRpmHeader(ctx: BuildContext, gpg: GpgSigningOptions, mainHeader: Buffer): Promise<Buffer> {
  ctx.report('signing', 'OpenPGP header signature');
  return signWithGpg(gpg, mainHeader, { createdAt: ctx.options.mtime, armor: false });
}

export function createRpmPackager(opts: RpmPackagerOptions = {}): Packager {
  const compression = opts.compression ?? 'gzip';
  const level = opts.level ?? 6;
  if (!RPM_COMPRESSIONS.includes(compression)) {
    throw new UserError('E_RPM_COMPRESSION', `unsupported rpm compression ${JSON.stringify(compression)}`, {
      hint: `use one of: ${RPM_COMPRESSIONS.join(', ')}`,
    });
  }
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new UserError('E_RPM_COMPRESSION_LEVEL', `gzip level must be 1-9, got ${level}`);
  }
  return {
    type: 'rpm',
    description: 'Red Hat/Fedora/SUSE/Amazon Linux package (.rpm)',
    tufPlatform: (arch) => (arch === 'arm64' ? 'linux-arm64' : 'linux'),
    fileName: (version, options) => rpmFileName(version, options.arch),
    async build(ctx: BuildContext): Promise<void> {
      const spec = await fleetRpmSpec(ctx);
      const gpg = ctx.options.gpgSigning;
      await writeRpm(spec, {
        outPath: ctx.outPath,
        tmpDir: ctx.tmpDir,
        compression: ctx.options.payloadCompression ?? compression,
        level,
        alignFilesAt: ALIGN_FILES_AT,
        ...(ctx.cache ? { cache: ctx.cache } : {}),
        segmentSize: SEGMENT_SIZE,
        onStage: (stage) => ctx.report(stage, stage === 'compressing' ? 'rpm payload' : ctx.outPath),
        ...(gpg === undefined ? {} : { sign: (mainHeader: Buffer) => signRpmHeader(ctx, gpg, mainHeader) }),
      });
    },
  };
}

/** The default rpm packager: gzip level 6 payload. */
export const rpmPackager: Packager = createRpmPackager();
