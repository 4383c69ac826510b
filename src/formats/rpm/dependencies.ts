/**
 * Dependencies and scriptlets of an rpm package.
 *
 * A dependency is a (name, flags, version) triple stored as three parallel arrays (PROVIDENAME /
 * PROVIDEFLAGS / PROVIDEVERSION, likewise for requires). The flags combine comparison bits
 * (LESS/GREATER/EQUAL) with context bits: `RPMLIB` marks `rpmlib(...)` feature markers that make an
 * older rpm refuse a package it cannot unpack instead of failing half-way; `INTERP` plus a
 * `SCRIPT_*` / `POSTTRANS` bit marks the interpreter a scriptlet needs. Scriptlet bodies live in
 * PREIN/POSTIN/PREUN/POSTUN/PRETRANS/POSTTRANS and their interpreters in the matching `*PROG` tags;
 * rpmbuild stores the PROG value as a plain STRING, which rpm's type check accepts (the string
 * types form one class). rpmbuild's ordering is kept: requires sorted by name, then by flags.
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/dependencies.md,
 * https://github.com/rpm-software-management/rpm/blob/master/docs/manual/scriptlet_expansion.md,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/lib/rpmds.c (rpmlib features).
 */
import type { HeaderStore } from './header-store.js';
import { Sense, Tag } from './tags.js';

export interface Dependency {
  readonly name: string;
  readonly flags: number;
  /** EVR, or `""` for an unversioned dependency. */
  readonly version: string;
}

export type ScriptSlot = 'preIn' | 'postIn' | 'preUn' | 'postUn' | 'preTrans' | 'postTrans';

export interface Scriptlet {
  readonly body: string;
  /** Interpreter path; default `/bin/sh`. */
  readonly interpreter?: string;
}

export type Scriptlets = Partial<Record<ScriptSlot, Scriptlet>>;

const SLOTS: Readonly<Record<ScriptSlot, { body: number; prog: number; sense: number }>> = {
  preIn: { body: Tag.PREIN, prog: Tag.PREINPROG, sense: Sense.SCRIPT_PRE },
  postIn: { body: Tag.POSTIN, prog: Tag.POSTINPROG, sense: Sense.SCRIPT_POST },
  preUn: { body: Tag.PREUN, prog: Tag.PREUNPROG, sense: Sense.SCRIPT_PREUN },
  postUn: { body: Tag.POSTUN, prog: Tag.POSTUNPROG, sense: Sense.SCRIPT_POSTUN },
  preTrans: { body: Tag.PRETRANS, prog: Tag.PRETRANSPROG, sense: Sense.PRETRANS },
  postTrans: { body: Tag.POSTTRANS, prog: Tag.POSTTRANSPROG, sense: Sense.POSTTRANS },
};

const RPMLIB_LE = Sense.RPMLIB | Sense.LESS | Sense.EQUAL;

/**
 * rpmlib() features every package from this writer relies on: DIRNAMES/BASENAMES file names, SHA-256
 * file digests, `./`-prefixed payload names.
 */
export const RPMLIB_REQUIRES: readonly Dependency[] = [
  { name: 'rpmlib(CompressedFileNames)', flags: RPMLIB_LE, version: '3.0.4-1' },
  { name: 'rpmlib(FileDigests)', flags: RPMLIB_LE, version: '4.6.0-1' },
  { name: 'rpmlib(PayloadFilesHavePrefix)', flags: RPMLIB_LE, version: '4.0-1' },
];

/** rpmlib() features a version string needs: `~` (pre-release) from rpm 4.10, `^` (post-release) from 4.15. */
export function versionFeatureRequires(evr: string): Dependency[] {
  const out: Dependency[] = [];
  if (evr.includes('~')) {
    out.push({ name: 'rpmlib(TildeInVersions)', flags: RPMLIB_LE, version: '4.10.0-1' });
  }
  if (evr.includes('^')) {
    out.push({ name: 'rpmlib(CaretInVersions)', flags: RPMLIB_LE, version: '4.15.0-1' });
  }
  return out;
}

/** The interpreter requirements rpmbuild derives from scriptlets (e.g. `/bin/sh` with INTERP|SCRIPT_POST). */
export function interpreterRequires(scripts: Scriptlets): Dependency[] {
  const out: Dependency[] = [];
  for (const [slot, s] of Object.entries(scripts) as [ScriptSlot, Scriptlet | undefined][]) {
    if (s !== undefined) {
      out.push({ name: s.interpreter ?? '/bin/sh', flags: Sense.INTERP | SLOTS[slot].sense, version: '' });
    }
  }
  return out;
}

/** Sorts by name (bytewise) then flags, dropping exact duplicates. */
export function sortDependencies(deps: readonly Dependency[]): Dependency[] {
  const sorted = [...deps].sort(
    (a, b) =>
      Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)) ||
      a.flags - b.flags ||
      (a.version < b.version ? -1 : a.version > b.version ? 1 : 0),
  );
  return sorted.filter((d, i) => {
    const p = i > 0 ? sorted[i - 1] : undefined;
    return p === undefined || p.name !== d.name || p.flags !== d.flags || p.version !== d.version;
  });
}

/** A dependency list is three parallel arrays (name, flags, version); empty lists are left out. */
function putDependencyArrays(h: HeaderStore, deps: readonly Dependency[], tags: { name: number; flags: number; version: number }): void {
  if (deps.length > 0) {
    h.stringArray(
      tags.name,
      deps.map((d) => d.name),
    );
    h.int32(
      tags.flags,
      deps.map((d) => d.flags),
    );
    h.stringArray(
      tags.version,
      deps.map((d) => d.version),
    );
  }
}

export function putProvides(h: HeaderStore, deps: readonly Dependency[]): void {
  putDependencyArrays(h, deps, { name: Tag.PROVIDENAME, flags: Tag.PROVIDEFLAGS, version: Tag.PROVIDEVERSION });
}

export function putRequires(h: HeaderStore, deps: readonly Dependency[]): void {
  putDependencyArrays(h, deps, { name: Tag.REQUIRENAME, flags: Tag.REQUIREFLAGS, version: Tag.REQUIREVERSION });
}

export function putScriptlets(h: HeaderStore, scripts: Scriptlets): void {
  for (const [slot, s] of Object.entries(scripts) as [ScriptSlot, Scriptlet | undefined][]) {
    if (s !== undefined) {
      h.string(SLOTS[slot].body, s.body);
      h.string(SLOTS[slot].prog, s.interpreter ?? '/bin/sh');
    }
  }
}
