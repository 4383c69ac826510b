/**
 * GUIDs for the Fleet MSI. Windows Installer identifies a build by its PackageCode (summary Revision
 * Number) and a product release by its ProductCode; both must be fresh for every build we hand out, like
 * WiX's `Id="*"`. They come from an injectable random source so tests can fix them (same options.mtime +
 * same random source ⇒ byte-identical package). Component GUIDs, in contrast, must stay the same for the
 * same installed path across versions (component rules), so they are name-based (UUID version 5 over the
 * UpgradeCode namespace and the component's install path).
 */
import { createHash, randomBytes } from 'node:crypto';

/** Returns `n` random bytes. */
export type RandomSource = (n: number) => Buffer;

export const defaultRandom: RandomSource = (n) => randomBytes(n);

function format(b: Buffer): string {
  const h = b.toString('hex').toUpperCase();
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}}`;
}

function guidBytes(g: string): Buffer {
  const hex = g.replace(/[{}-]/g, '');
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) {
    throw new RangeError(`not a GUID: ${g}`);
  }
  return Buffer.from(hex, 'hex');
}

/** A random (version 4) GUID in MSI form: upper case, braced. */
export function randomGuid(random: RandomSource): string {
  const b = Buffer.from(random(16).subarray(0, 16));
  if (b.length !== 16) {
    throw new RangeError('random source returned fewer than 16 bytes');
  }
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return format(b);
}

/** A name-based (version 5, SHA-1) GUID: the same namespace and name always give the same GUID. */
export function nameGuid(namespace: string, name: string): string {
  const digest = createHash('sha1').update(guidBytes(namespace)).update(name, 'utf8').digest();
  const b = digest.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return format(b);
}
