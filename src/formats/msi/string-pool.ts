/**
 * The MSI string pool: every string cell in every table is a numeric id into one shared table of strings,
 * stored as two streams. `_StringPool` starts with a 4-byte header (codepage; bit 31 set would mean 3-byte
 * string references) followed by one (uint16 byte length, uint16 reference count) pair per id ≥ 1;
 * `_StringData` is all the string bytes concatenated in id order without separators. Id 0 is the null /
 * empty string and is never stored.
 *
 * Reference counts must be exact (msi.dll uses them when a database is edited), and include the
 * references from `_Tables` and `_Columns`. We never produce more than 65 535 ids (which would switch the
 * whole database to 3-byte references) nor strings of 64 KiB or more (which need a special two-slot
 * encoding readers disagree on): both are rejected.
 *
 * Format notes: Wine/msitools `string.c` (https://gitlab.gnome.org/GNOME/msitools/-/blob/master/libmsi/string.c).
 */
import { CODEPAGE, encode1252 } from './codepage.js';

export const MAX_STRING_IDS = 0xffff;
export const MAX_STRING_BYTES = 0xffff;

export class StringPool {
  private readonly ids = new Map<string, number>();
  private readonly strings: Buffer[] = [];
  private readonly refs: number[] = [];

  /** Returns the id of `s` (interning it), 0 for null or ''. Does not count a reference. */
  id(s: string | null): number {
    if (s === null || s === '') {
      return 0;
    }
    let id = this.ids.get(s);
    if (id === undefined) {
      const bytes = encode1252(s);
      if (bytes.length > MAX_STRING_BYTES) {
        throw new RangeError(`MSI string of ${bytes.length} bytes exceeds ${MAX_STRING_BYTES}`);
      }
      if (this.strings.length >= MAX_STRING_IDS) {
        throw new RangeError(`more than ${MAX_STRING_IDS} distinct strings in one MSI`);
      }
      this.strings.push(bytes);
      this.refs.push(0);
      id = this.strings.length;
      this.ids.set(s, id);
    }
    return id;
  }

  /** Interns `s` and counts one reference from a persistent table cell. */
  ref(s: string | null): number {
    const id = this.id(s);
    if (id > 0) {
      this.refs[id - 1]! += 1;
    }
    return id;
  }

  get size(): number {
    return this.strings.length;
  }

  refCount(s: string): number {
    const id = this.ids.get(s);
    return id === undefined ? 0 : this.refs[id - 1]!;
  }

  /** `_StringPool` and `_StringData` stream contents. */
  encode(): { pool: Buffer; data: Buffer } {
    const pool = Buffer.alloc(4 + this.strings.length * 4);
    pool.writeUInt32LE(CODEPAGE, 0);
    this.strings.forEach((b, i) => {
      pool.writeUInt16LE(b.length, 4 + i * 4);
      // A count above 65 535 cannot be stored; msi.dll only needs it to be non-zero for live strings.
      pool.writeUInt16LE(Math.min(this.refs[i]!, 0xffff), 6 + i * 4);
    });
    return { pool, data: Buffer.concat(this.strings) };
  }
}
