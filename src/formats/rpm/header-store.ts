/**
 * The rpm header structure: a typed, tag-indexed store shared by the signature header and the main
 * header of an rpm v4 package.
 *
 * Layout: an 8-byte magic (`8E AD E8 01` + 4 reserved zero bytes), the index length `il` and data
 * length `dl` (big-endian u32), `il` index entries of 16 bytes (tag, type, offset into the data,
 * count), then `dl` bytes of data. The first entry is a region tag (62 for the signature header, 63
 * for the main header) whose 16-byte value is a trailer stored last in the data; the trailer repeats
 * the tag with offset `-16 * il`, declaring that every entry belongs to the immutable region that
 * digests and signatures cover.
 *
 * rpm 4.18 (`lib/header.c`, `hdrblobVerifyInfo` and `hdrblobImport`) re-checks this byte by byte, so
 * the writer follows its rules exactly: entries sorted by tag, data laid out in index order with only
 * the alignment padding each type needs (2 for INT16, 4 for INT32, 8 for INT64, measured from the
 * data start), no entry with count 0, and the trailer immediately after the last value.
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_header.md,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/lib/header.c.
 */
import { TagType } from './tags.js';

export const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);

interface Entry {
  readonly tag: number;
  readonly type: TagType;
  readonly count: number;
  readonly data: Buffer;
}

function alignmentOf(type: TagType): number {
  switch (type) {
    case TagType.INT16:
      return 2;
    case TagType.INT32:
      return 4;
    case TagType.INT64:
      return 8;
    default:
      return 1;
  }
}

function cString(s: string, tag: number): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.includes(0)) {
    throw new RangeError(`rpm header: tag ${tag} contains a NUL byte`);
  }
  return Buffer.concat([b, Buffer.alloc(1)]);
}

/** Collects tag values, then serializes them as one sealed header region. */
export class HeaderStore {
  private readonly entries = new Map<number, Entry>();

  private put(tag: number, type: TagType, count: number, data: Buffer): this {
    if (count < 1) {
      // rpm rejects count 0; callers leave empty arrays out instead.
      throw new RangeError(`rpm header: tag ${tag} has no values`);
    }
    if (this.entries.has(tag)) {
      throw new RangeError(`rpm header: tag ${tag} set twice`);
    }
    this.entries.set(tag, { tag, type, count, data });
    return this;
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  string(tag: number, value: string): this {
    return this.put(tag, TagType.STRING, 1, cString(value, tag));
  }

  stringArray(tag: number, values: readonly string[]): this {
    return this.put(tag, TagType.STRING_ARRAY, values.length, Buffer.concat(values.map((v) => cString(v, tag))));
  }

  /** A localized string with the single locale `C` (needs HEADERI18NTABLE = ["C"] in the same header). */
  i18nString(tag: number, value: string): this {
    return this.put(tag, TagType.I18NSTRING, 1, cString(value, tag));
  }

  int16(tag: number, values: readonly number[]): this {
    const b = Buffer.alloc(values.length * 2);
    values.forEach((v, i) => b.writeUInt16BE(v & 0xffff, i * 2));
    return this.put(tag, TagType.INT16, values.length, b);
  }

  /** INT32 values; negative numbers are stored in two's complement (FILEVERIFYFLAGS -1). */
  int32(tag: number, values: readonly number[]): this {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => {
      if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0xffff_ffff) {
        throw new RangeError(`rpm header: tag ${tag} value ${v} does not fit in 32 bits`);
      }
      b.writeUInt32BE(v >>> 0, i * 4);
    });
    return this.put(tag, TagType.INT32, values.length, b);
  }

  bin(tag: number, data: Uint8Array): this {
    return this.put(tag, TagType.BIN, data.length, Buffer.from(data));
  }

  /** Serializes the header: magic, il, dl, sorted index, data, region trailer. */
  build(regionTag: number): Buffer {
    const sorted = [...this.entries.values()].sort((a, b) => a.tag - b.tag);
    if (sorted.some((e) => e.tag <= regionTag)) {
      throw new RangeError(`rpm header: tags must be above the region tag ${regionTag}`);
    }
    const il = sorted.length + 1;
    const index = Buffer.alloc(il * 16);
    const parts: Buffer[] = [];
    let offset = 0;
    sorted.forEach((e, i) => {
      const pad = (alignmentOf(e.type) - (offset % alignmentOf(e.type))) % alignmentOf(e.type);
      if (pad > 0) {
        parts.push(Buffer.alloc(pad));
        offset += pad;
      }
      const at = (i + 1) * 16;
      index.writeUInt32BE(e.tag, at);
      index.writeUInt32BE(e.type, at + 4);
      index.writeUInt32BE(offset, at + 8);
      index.writeUInt32BE(e.count, at + 12);
      parts.push(e.data);
      offset += e.data.length;
    });
    // The region entry comes first in the index; its value (the trailer) comes last in the data.
    index.writeUInt32BE(regionTag, 0);
    index.writeUInt32BE(TagType.BIN, 4);
    index.writeUInt32BE(offset, 8);
    index.writeUInt32BE(16, 12);
    const trailer = Buffer.alloc(16);
    trailer.writeUInt32BE(regionTag, 0);
    trailer.writeUInt32BE(TagType.BIN, 4);
    trailer.writeInt32BE(-16 * il, 8);
    trailer.writeUInt32BE(16, 12);
    parts.push(trailer);
    const dl = offset + 16;
    const intro = Buffer.alloc(16);
    HEADER_MAGIC.copy(intro, 0);
    intro.writeUInt32BE(il, 8);
    intro.writeUInt32BE(dl, 12);
    return Buffer.concat([intro, index, ...parts], 16 + index.length + dl);
  }
}

/** Zero bytes that follow the signature header so the main header starts on an 8-byte boundary. */
export function signaturePadding(signatureHeaderLength: number): Buffer {
  return Buffer.alloc((8 - (signatureHeaderLength % 8)) % 8);
}
