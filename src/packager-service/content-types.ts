/** Media types of the installers (registered ones where they exist). */
import type { PackageType } from '../packaging/types.js';

export const CONTENT_TYPES: Readonly<Record<PackageType, string>> = {
  deb: 'application/vnd.debian.binary-package',
  rpm: 'application/x-rpm',
  pkg: 'application/octet-stream',
  msi: 'application/x-msi',
};

/** Content-Disposition with a file name that is safe in a quoted-string (ours always are). */
export function attachment(fileName: string): string {
  const safe = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${safe}"`;
}
