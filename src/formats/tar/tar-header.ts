/**
 * 512-byte tar headers in the GNU format that dpkg-deb itself writes: magic "ustar " + version " \0",
 * octal numeric fields, and GNU `././@LongLink` entries (typeflag L for names, K for link targets)
 * for paths longer than 100 bytes. We never emit PAX extended headers: dpkg rejects them
 * ("unsupported PAX tar header type 'x'").
 * Spec: GNU tar manual, "Basic Tar Format" (https://www.gnu.org/software/tar/manual/html_node/Standard.html)
 */

export const BLOCK = 512;

export const TYPE_FILE = '0';
export const TYPE_SYMLINK = '2';
export const TYPE_DIR = '5';
export const TYPE_GNU_LONGNAME = 'L';
export const TYPE_GNU_LONGLINK = 'K';

export interface TarHeaderFields {
  readonly name: string | Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  readonly typeflag: string;
  readonly linkname?: string | Buffer;
  readonly uname: string;
  readonly gname: string;
}

function writeString(buf: Buffer, off: number, len: number, s: string | Buffer): void {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  b.copy(buf, off, 0, Math.min(len, b.length));
}

function writeOctal(buf: Buffer, off: number, len: number, n: number, what: string): void {
  const s = Math.trunc(n).toString(8);
  if (n < 0 || s.length > len - 1) {
    throw new RangeError(`tar: ${what} ${n} does not fit in a ${len}-byte octal field`);
  }
  writeString(buf, off, len, s.padStart(len - 1, '0') + '\0');
}

/** One raw header block. `name`/`linkname` must already fit in 100 bytes (see tarHeaders). */
export function tarHeaderBlock(f: TarHeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  writeString(b, 0, 100, f.name);
  writeOctal(b, 100, 8, f.mode & 0o7777, 'mode');
  writeOctal(b, 108, 8, f.uid, 'uid');
  writeOctal(b, 116, 8, f.gid, 'gid');
  writeOctal(b, 124, 12, f.size, 'size');
  writeOctal(b, 136, 12, f.mtime, 'mtime');
  b.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  writeString(b, 156, 1, f.typeflag);
  writeString(b, 157, 100, f.linkname ?? '');
  writeString(b, 257, 8, 'ustar  \0');
  writeString(b, 265, 32, f.uname);
  writeString(b, 297, 32, f.gname);
  let sum = 0;
  for (const byte of b) {
    sum += byte;
  }
  writeString(b, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return b;
}

export function tarPadding(size: number): Buffer {
  const rem = size % BLOCK;
  return rem === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rem);
}

function longLink(typeflag: string, value: Buffer): Buffer[] {
  const data = Buffer.concat([value, Buffer.from([0])]);
  const head = tarHeaderBlock({ name: '././@LongLink', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0, typeflag, uname: 'root', gname: 'root' });
  return [head, data, tarPadding(data.length)];
}

/** The header blocks of one entry, with GNU long-name/long-link entries in front when needed. */
export function tarHeaders(f: TarHeaderFields): Buffer[] {
  const out: Buffer[] = [];
  const name = Buffer.from(f.name);
  const link = Buffer.from(f.linkname ?? '');
  if (link.length > 100) {
    out.push(...longLink(TYPE_GNU_LONGLINK, link));
  }
  if (name.length > 100) {
    out.push(...longLink(TYPE_GNU_LONGNAME, name));
  }
  out.push(tarHeaderBlock({ ...f, name: name.subarray(0, 100), linkname: link.subarray(0, 100) }));
  return out;
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(BLOCK * 2);
