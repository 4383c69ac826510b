/**
 * The explicit map of package type → packager. `--type` choices and help text come from here; a
 * meta-test checks every packager is complete. Add new installer types here (no import side effects).
 */
import type { Packager, PackageType } from './types.js';
import { debPackager } from './deb/packager.js';
import { rpmPackager } from './rpm/packager.js';
import { pkgPackager } from './pkg/packager.js';
import { msiPackager } from './msi/index.js';

export const PACKAGERS: Partial<Record<PackageType, Packager>> = {
  deb: debPackager,
  rpm: rpmPackager,
  pkg: pkgPackager,
  msi: msiPackager,
};

export function packagerFor(type: PackageType): Packager | undefined {
  return PACKAGERS[type];
}

export function supportedTypes(): PackageType[] {
  return Object.keys(PACKAGERS) as PackageType[];
}
