/**
 * SVR4 "newc" cpio framing (magic `070701`), the archive format of rpm payloads.
 *
 * Each member is a 110-byte ASCII header (the magic plus 13 fields of 8 hex digits: ino, mode, uid,
 * gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize including the NUL,
 * check), then the NUL-terminated name padded so that header + name ends on a 4-byte boundary, then
 * the data padded to 4 bytes. The archive ends with a member named `TRAILER!!!`. Because every field
 * is 32 bits, a member body is limited to 4 GiB - 1 (rpm's `07070X` variant for larger files is not
 * written here). This module only frames bytes; callers stream the data between header and padding,
 * so nothing here holds file contents.
 *
 * Specs: cpio(5) from libarchive (https://man.freebsd.org/cgi/man.cgi?query=cpio&sektion=5),
 * GNU cpio manual "Options" / newc (https://www.gnu.org/software/cpio/manual/cpio.html),
 * rpm's reader `lib/cpio.c` (https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/lib/cpio.c).
 */

export const NEWC_MAGIC = '070701';
/** Largest value of a header field, hence the largest member body. */
export const NEWC_MAX_FIELD = 0xffff_ffff;
const HEADER_LEN = 110;

/** File-type bits of st_mode, as stored in cpio and rpm headers. */
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export interface NewcMember {
  readonly ino: number;
  /** Full st_mode: type bits plus permission bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly mtime: number;
  /** Body length: file size, symlink target length, 0 for directories. */
  readonly fileSize: number;
  readonly name: string;
}

function hex8(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > NEWC_MAX_FIELD) {
    throw new RangeError(`cpio newc: ${field} ${value} does not fit in 32 bits`);
  }
  return value.toString(16).padStart(8, '0');
}

/** Zero bytes needed to bring `length` to a multiple of 4. */
export function newcPadLength(length: number): number {
  return (4 - (length % 4)) % 4;
}

const ZEROS = Buffer.alloc(4);

/** The padding that follows a member body of `length` bytes. */
export function newcPadding(length: number): Buffer {
  return ZEROS.subarray(0, newcPadLength(length));
}

/** The header, name, NUL and name padding of one member; the body follows, then `newcPadding`. */
export function newcHeader(m: NewcMember): Buffer {
  const name = Buffer.from(m.name, 'utf8');
  if (name.includes(0)) {
    throw new RangeError(`cpio newc: NUL in member name ${JSON.stringify(m.name)}`);
  }
  const nameSize = name.length + 1;
  const fields = [
    hex8(m.ino, 'ino'),
    hex8(m.mode, 'mode'),
    hex8(m.uid, 'uid'),
    hex8(m.gid, 'gid'),
    hex8(m.nlink, 'nlink'),
    hex8(m.mtime, 'mtime'),
    hex8(m.fileSize, 'filesize'),
    hex8(0, 'devmajor'),
    hex8(0, 'devminor'),
    hex8(0, 'rdevmajor'),
    hex8(0, 'rdevminor'),
    hex8(nameSize, 'namesize'),
    hex8(0, 'check'),
  ];
  const total = HEADER_LEN + nameSize + newcPadLength(HEADER_LEN + nameSize);
  const out = Buffer.alloc(total);
  out.write(NEWC_MAGIC + fields.join(''), 0, 'ascii');
  name.copy(out, HEADER_LEN);
  return out;
}

/** The closing `TRAILER!!!` member (nlink 1, all else 0), padded to 4 bytes. */
export function newcTrailer(): Buffer {
  return newcHeader({ ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, fileSize: 0, name: 'TRAILER!!!' });
}
