/**
 * Package ids are random UUIDv4 (122 random bits): unguessable, so an id works as the capability
 * to read a package's status and download it. Anything else is rejected before it can reach a
 * file name.
 */
import { randomUUID } from 'node:crypto';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function newPackageId(): string {
  return randomUUID();
}

export function isPackageId(s: string): boolean {
  return UUID_V4.test(s);
}

/** What logs show of an id: enough to correlate lines, not enough to download. */
export function shortId(id: string): string {
  return `${id.slice(0, 8)}…`;
}
