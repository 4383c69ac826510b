/**
 * Where provisioned installers go: a local directory or an S3 bucket/prefix, with the object layout
 * the Fleet server reads: `<prefix>/<installers-dir>/<enroll secret>/fleet-osquery.<type>`.
 */
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';

export type Destination = { readonly kind: 'local'; readonly dir: string } | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

export function parseDestination(dest: string): Destination {
  if (dest.startsWith('s3://')) {
    const rest = dest.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new UserError('E_SANDBOX_DEST', `--dest ${dest}: "${bucket}" is not a valid S3 bucket name`);
    }
    return { kind: 's3', bucket, prefix };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dest)) {
    throw new UserError('E_SANDBOX_DEST', `--dest ${dest}: only s3:// URLs and local directories are supported`);
  }
  return { kind: 'local', dir: resolve(dest) };
}

/** Joins key segments, dropping empty ones (an empty prefix or installers dir adds no slash). */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');
}

export function installerName(type: string): string {
  return `fleet-osquery.${type}`;
}

/** The key prefix the Fleet server is configured with (everything before `<secret>/`). */
export function serverPrefix(dest: Destination, installersDir: string): string {
  return dest.kind === 's3' ? joinKey(dest.prefix, installersDir) : joinKey(installersDir);
}

export function objectKey(dest: Destination, installersDir: string, secret: string, type: string): string {
  return joinKey(serverPrefix(dest, installersDir), secret, installerName(type));
}
