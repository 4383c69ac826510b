/**
 * A streaming writer for the POSIX.1 "odc" (portable ASCII, magic `070707`) cpio format, the format
 * of the `Payload` and `Scripts` archives inside a macOS component package.
 *
 * Each member is a 76-byte header of fixed-width octal ASCII fields — magic(6) dev(6) ino(6) mode(6)
 * uid(6) gid(6) nlink(6) rdev(6) mtime(11) namesize(6) filesize(11) — then the NUL-terminated name,
 * then the data, with no alignment padding (unlike newc). `mode` carries the file-type bits; a
 * symlink's data is its target. The archive ends with a member named `TRAILER!!!`; like Apple's
 * pkgbuild and GNU cpio we pad the whole archive to a multiple of 512 bytes.
 *
 * Specs: POSIX.1-2001 `pax` "cpio Interchange Format"
 * (https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_07), and
 * libarchive's cpio(5) (https://man.freebsd.org/cgi/man.cgi?query=cpio&sektion=5), section "Portable
 * ASCII Format".
 */
import { InternalError } from '../../core/errors.js';

export const ODC_MAGIC = '070707';
export const ODC_HEADER_SIZE = 76;
export const ODC_TRAILER_NAME = 'TRAILER!!!';
const BLOCK = 512;

export const C_ISREG = 0o100000;
export const C_ISDIR = 0o040000;
export const C_ISLNK = 0o120000;

export interface OdcMember {
  /** Name as stored, e.g. `.` or `./opt/orbit/certs.pem`. */
  readonly name: string;
  /** Full mode, file-type bits included (C_ISREG | 0o644). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  /** Unix seconds. */
  readonly mtime: number;
  /** Data length: file size, or symlink target length; 0 for directories. */
  readonly size: number;
  readonly ino: number;
  readonly dev?: number;
  readonly rdev?: number;
}

function octal(value: number, width: number, field: string, name: string): string {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 8 ** width) {
    throw new InternalError('E_CPIO_FIELD', `cpio odc: ${field}=${value} of ${name} does not fit ${width} octal digits`);
  }
  return value.toString(8).padStart(width, '0');
}

/** The header and NUL-terminated name of one member. */
export function odcHeader(m: OdcMember): Buffer {
  const name = Buffer.from(`${m.name}\0`, 'utf8');
  const head =
    ODC_MAGIC +
    octal(m.dev ?? 0, 6, 'dev', m.name) +
    octal(m.ino, 6, 'ino', m.name) +
    octal(m.mode, 6, 'mode', m.name) +
    octal(m.uid, 6, 'uid', m.name) +
    octal(m.gid, 6, 'gid', m.name) +
    octal(m.nlink, 6, 'nlink', m.name) +
    octal(m.rdev ?? 0, 6, 'rdev', m.name) +
    octal(m.mtime, 11, 'mtime', m.name) +
    octal(name.length, 6, 'namesize', m.name) +
    octal(m.size, 11, 'filesize', m.name);
  return Buffer.concat([Buffer.from(head, 'latin1'), name]);
}

export type OdcSink = (chunk: Buffer) => Promise<void>;

/**
 * Writes members to an async sink in order. Data is streamed: the writer never holds more than the
 * chunk it is given, and checks that each member's data matches its declared size.
 */
export class OdcWriter {
  private written = 0;
  private ended = false;

  constructor(private readonly sink: OdcSink) {}

  /** Bytes written so far. */
  get size(): number {
    return this.written;
  }

  private async emit(b: Buffer): Promise<void> {
    if (b.length > 0) {
      this.written += b.length;
      await this.sink(b);
    }
  }

  /** Adds one member; `data` streams a file's content (or holds a symlink target). */
  async add(m: OdcMember, data?: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    if (this.ended) {
      throw new InternalError('E_CPIO_STATE', 'cpio odc: add after end');
    }
    await this.emit(odcHeader(m));
    let n = 0;
    if (data instanceof Uint8Array) {
      n = data.length;
      await this.emit(Buffer.from(data.buffer, data.byteOffset, data.length));
    } else if (data !== undefined) {
      for await (const chunk of data) {
        n += chunk.length;
        if (n > m.size) {
          break;
        }
        await this.emit(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      }
    }
    if (n !== m.size) {
      // A file that changed size while being archived would corrupt every later member.
      throw new InternalError('E_CPIO_SIZE', `cpio odc: ${m.name} has ${n} bytes of data, header says ${m.size}`);
    }
  }

  /**
   * Adds one member whose data the caller writes straight into the downstream sink (e.g. through a
   * compression cache that copies already-compressed bytes). `writeData` must deliver exactly
   * `m.size` bytes after the header, or every later member would be misplaced.
   */
  async addWith(m: OdcMember, writeData: () => Promise<void>): Promise<void> {
    if (this.ended) {
      throw new InternalError('E_CPIO_STATE', 'cpio odc: add after end');
    }
    await this.emit(odcHeader(m));
    await writeData();
    this.written += m.size;
  }

  /** Writes the trailer and pads to a 512-byte boundary; returns the archive length. */
  async end(): Promise<number> {
    await this.add({ name: ODC_TRAILER_NAME, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0, ino: 0 });
    this.ended = true;
    const pad = (BLOCK - (this.written % BLOCK)) % BLOCK;
    await this.emit(Buffer.alloc(pad));
    return this.written;
  }
}
