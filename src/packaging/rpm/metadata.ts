/**
 * Fleet's rpm package metadata, as Fleet's nfpm-based packaging sets it (reference:
 * fleetctl-package §3.1): name `fleet-osquery`, version = orbit's TUF version, release 1, vendor and
 * packager "Fleet Device Management", Fleet's license URL and homepage, and nfpm's summary (the
 * first line of the description).
 */
import type { Arch } from '../types.js';

export const RPM_NAME = 'fleet-osquery';
export const RPM_RELEASE = '1';
export const RPM_DESCRIPTION = 'Fleet osquery -- runtime and autoupdater';
export const RPM_SUMMARY = RPM_DESCRIPTION;
export const RPM_VENDOR = 'Fleet Device Management';
export const RPM_LICENSE = 'https://github.com/fleetdm/fleet/blob/main/LICENSE';
export const RPM_URL = 'https://fleetdm.com';
/** A fixed build host keeps packages reproducible (rpmbuild would record the machine's name). */
export const RPM_BUILD_HOST = 'localhost';

/** rpm architecture names (nfpm's mapping): amd64 → x86_64, arm64 → aarch64. */
export function rpmArch(arch: Arch): 'x86_64' | 'aarch64' {
  return arch === 'arm64' ? 'aarch64' : 'x86_64';
}

/**
 * rpm forbids `-` in a version (it separates name, version and release). A pre-release such as
 * `1.40.0-rc1` becomes `1.40.0~rc1`, which rpm (≥ 4.10) sorts before `1.40.0`, as nfpm does.
 */
export function rpmVersion(version: string): string {
  return version.replace(/-/g, '~');
}

/** Fleet's output name since `stripRPMRelease`: `fleet-osquery-<ver>.<arch>.rpm`. */
export function rpmFileName(version: string, arch: Arch): string {
  return `${RPM_NAME}-${rpmVersion(version)}.${rpmArch(arch)}.rpm`;
}
