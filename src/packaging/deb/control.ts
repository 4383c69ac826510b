/**
 * The deb control file (deb-control(5)) for fleet-osquery, with Fleet's package metadata.
 */
import type { Arch } from '../types.js';

export const DEB_PACKAGE_NAME = 'fleet-osquery';
export const MAINTAINER = 'Fleet Device Management <engineering@fleetdm.com>';
export const HOMEPAGE = 'https://fleetdm.com';
export const DESCRIPTION = 'Fleet osquery -- runtime and autoupdater';

export function debControl(version: string, arch: Arch, installedSizeKiB: number): string {
  return [
    `Package: ${DEB_PACKAGE_NAME}`,
    `Version: ${version}`,
    'Section: admin',
    'Priority: optional',
    `Architecture: ${arch}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedSizeKiB}`,
    `Homepage: ${HOMEPAGE}`,
    `Description: ${DESCRIPTION}`,
    ' Orbit manages and auto-updates osquery (and optionally Fleet Desktop) and',
    ' enrolls this host in a Fleet server.',
    '',
  ].join('\n');
}
