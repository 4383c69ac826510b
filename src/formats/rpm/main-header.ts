/**
 * The main header of an rpm v4 package (region tag 63, HEADER_IMMUTABLE): package metadata,
 * dependencies, scriptlets, the file list and the payload description.
 *
 * The tag set follows what rpmbuild 4.18 writes, minus the libmagic file classification
 * (FILECLASS/CLASSDICT/FILECOLORS/FILEDEPENDS*), which rpm does not need to install or verify.
 * PAYLOADDIGEST (SHA-256 of the compressed payload, algorithm 8) is mandatory in practice: without it
 * (or the signature MD5) rpm 4.18 refuses to install with "no digest". PAYLOADDIGESTALT covers the
 * uncompressed cpio. Localized strings (SUMMARY, DESCRIPTION, GROUP) use the single locale `C`
 * declared in HEADERI18NTABLE. None of the tags that rpm derives from the signature header
 * (SIGSIZE, SHA1HEADER, ...) may appear here.
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_v4.md,
 * https://github.com/rpm-software-management/rpm/blob/master/docs/manual/tags.md,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/build/pack.c.
 */
import type { ArchiveEntry } from '../entry.js';
import { HeaderStore } from './header-store.js';
import {
  RPMLIB_REQUIRES,
  type Dependency,
  type Scriptlets,
  interpreterRequires,
  putProvides,
  putRequires,
  putScriptlets,
  sortDependencies,
  versionFeatureRequires,
} from './dependencies.js';
import { installedSize, putFileTags, type RpmFile } from './file-list.js';
import type { PayloadOptions, PayloadResult } from './payload.js';
import { DIGEST_ALGO_SHA256, HEADER_IMMUTABLE, Sense, Tag } from './tags.js';

/** Everything that describes a package, independent of how its bytes are produced. */
export interface RpmSpec {
  readonly name: string;
  /** No `-` allowed (rpm splits name-version-release on it). */
  readonly version: string;
  readonly release: string;
  readonly epoch?: number;
  readonly summary: string;
  readonly description: string;
  readonly license: string;
  readonly vendor?: string;
  readonly packager?: string;
  readonly group?: string;
  readonly url?: string;
  /** BUILDTIME, seconds. */
  readonly buildTime: number;
  readonly buildHost: string;
  /** rpm architecture name: `x86_64`, `aarch64`, `noarch`, ... */
  readonly arch: string;
  /** The installed tree, paths relative to `/`. Only list directories the package owns. */
  readonly files: readonly ArchiveEntry[];
  /** FILEFLAGS by relative path (config, doc, ...). */
  readonly fileFlags?: ReadonlyMap<string, number>;
  readonly scripts?: Scriptlets;
  readonly requires?: readonly Dependency[];
  /** Extra provides; the self-provides `name = EVR` and `name(isa) = EVR` are always added. */
  readonly provides?: readonly Dependency[];
}

/** The dependency-name suffix rpmbuild's `%{_isa}` adds for an architecture, e.g. `(x86-64)`. */
const ISA: Readonly<Record<string, string>> = { x86_64: 'x86-64', aarch64: 'aarch-64' };

export function evr(spec: Pick<RpmSpec, 'epoch' | 'version' | 'release'>): string {
  return `${spec.epoch === undefined ? '' : `${spec.epoch}:`}${spec.version}-${spec.release}`;
}

export function nvr(spec: Pick<RpmSpec, 'name' | 'version' | 'release'>): string {
  return `${spec.name}-${spec.version}-${spec.release}`;
}

function checkSpec(spec: RpmSpec): void {
  for (const [field, value] of [
    ['name', spec.name],
    ['version', spec.version],
    ['release', spec.release],
  ] as const) {
    if (value === '' || /[\s]/.test(value)) {
      throw new RangeError(`rpm: ${field} must be non-empty without whitespace (got ${JSON.stringify(value)})`);
    }
  }
  if (spec.version.includes('-') || spec.release.includes('-')) {
    throw new RangeError(`rpm: version and release must not contain '-' (got ${spec.version}-${spec.release})`);
  }
}

export function buildMainHeader(spec: RpmSpec, files: readonly RpmFile[], payload: PayloadResult, payloadOpts: PayloadOptions): Buffer {
  checkSpec(spec);
  const size = installedSize(files);
  if (size > 0xffff_ffff) {
    throw new RangeError('rpm: installed size of 4 GiB or more needs LONGSIZE, which this writer does not emit');
  }
  const h = new HeaderStore();
  h.stringArray(Tag.HEADERI18NTABLE, ['C']);
  h.string(Tag.NAME, spec.name);
  h.string(Tag.VERSION, spec.version);
  h.string(Tag.RELEASE, spec.release);
  if (spec.epoch !== undefined) {
    h.int32(Tag.EPOCH, [spec.epoch]);
  }
  h.i18nString(Tag.SUMMARY, spec.summary);
  h.i18nString(Tag.DESCRIPTION, spec.description);
  h.int32(Tag.BUILDTIME, [spec.buildTime]);
  h.string(Tag.BUILDHOST, spec.buildHost);
  h.int32(Tag.SIZE, [size]);
  if (spec.vendor !== undefined) {
    h.string(Tag.VENDOR, spec.vendor);
  }
  h.string(Tag.LICENSE, spec.license);
  if (spec.packager !== undefined) {
    h.string(Tag.PACKAGER, spec.packager);
  }
  if (spec.group !== undefined) {
    h.i18nString(Tag.GROUP, spec.group);
  }
  if (spec.url !== undefined) {
    h.string(Tag.URL, spec.url);
  }
  h.string(Tag.OS, 'linux');
  h.string(Tag.ARCH, spec.arch);
  const scripts = spec.scripts ?? {};
  putScriptlets(h, scripts);
  putFileTags(h, files, payload.fileDigests);
  h.string(Tag.SOURCERPM, `${nvr(spec)}.src.rpm`);

  const self = evr(spec);
  const isa = ISA[spec.arch];
  putProvides(
    h,
    sortDependencies([
      { name: spec.name, flags: Sense.EQUAL, version: self },
      ...(isa === undefined ? [] : [{ name: `${spec.name}(${isa})`, flags: Sense.EQUAL, version: self }]),
      ...(spec.provides ?? []),
    ]),
  );
  putRequires(
    h,
    sortDependencies([...interpreterRequires(scripts), ...RPMLIB_REQUIRES, ...versionFeatureRequires(self), ...(spec.requires ?? [])]),
  );

  h.string(Tag.PAYLOADFORMAT, 'cpio');
  if (payloadOpts.compression === 'gzip') {
    h.string(Tag.PAYLOADCOMPRESSOR, 'gzip');
    h.string(Tag.PAYLOADFLAGS, String(payloadOpts.level ?? 6));
  }
  h.string(Tag.ENCODING, 'utf-8');
  h.stringArray(Tag.PAYLOADDIGEST, [payload.compressedDigest]);
  h.int32(Tag.PAYLOADDIGESTALGO, [DIGEST_ALGO_SHA256]);
  h.stringArray(Tag.PAYLOADDIGESTALT, [payload.archiveDigest]);
  return h.build(HEADER_IMMUTABLE);
}
