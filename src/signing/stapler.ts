/**
 * Stapling a notarization ticket to a flat package (reference: pkg.md §6; apple-codesign
 * `src/stapling.rs`). The ticket is appended after the end of the xar, outside the TOC and every
 * signature, framed by two 16-byte little-endian trailers:
 *   "t8lr" u16 version=1 u16 type=1 (terminator) u32 length=0 u32 0
 *   <ticket bytes>
 *   "t8lr" u16 version=1 u16 type=2 (ticket)     u32 length   u32 0
 * A reader finds the ticket from the last 16 bytes. xar readers ignore trailing data.
 */
import { open } from 'node:fs/promises';
import { InternalError } from '../core/errors.js';

const MAGIC = Buffer.from('t8lr', 'latin1');
const TRAILER_SIZE = 16;
/** Tickets start with this magic (CloudKit signedTicket bytes). */
export const TICKET_MAGIC = 's8ch';

function trailer(type: 1 | 2, length: number): Buffer {
  const b = Buffer.alloc(TRAILER_SIZE);
  MAGIC.copy(b, 0);
  b.writeUInt16LE(1, 4);
  b.writeUInt16LE(type, 6);
  b.writeUInt32LE(length, 8);
  return b;
}

/** The bytes appended to a package to staple `ticket`. */
export function stapleBytes(ticket: Buffer): Buffer {
  if (ticket.length < 4 || ticket.toString('latin1', 0, 4) !== TICKET_MAGIC) {
    throw new InternalError('E_STAPLE', 'notarization ticket does not start with the s8ch magic');
  }
  return Buffer.concat([trailer(1, 0), ticket, trailer(2, ticket.length)]);
}

/** Appends the ticket to the package file in place. */
export async function stapleFile(path: string, ticket: Buffer): Promise<void> {
  const bytes = stapleBytes(ticket);
  const fh = await open(path, 'a');
  try {
    await fh.write(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The stapled ticket of a package held in memory, if any. */
export function readStapledTicket(pkg: Buffer): Buffer | undefined {
  if (pkg.length < TRAILER_SIZE) {
    return undefined;
  }
  const t = pkg.subarray(pkg.length - TRAILER_SIZE);
  if (!t.subarray(0, 4).equals(MAGIC) || t.readUInt16LE(6) !== 2) {
    return undefined;
  }
  const length = t.readUInt32LE(8);
  const start = pkg.length - TRAILER_SIZE - length;
  return start < 0 ? undefined : pkg.subarray(start, pkg.length - TRAILER_SIZE);
}
