/**
 * A small, strict rpm reader for tests: parses lead, signature header and main header, and checks
 * the layout rules rpm 4.18 enforces (sorted index, data in index order with only alignment padding,
 * region trailer last, counts >= 1). Independent of the writer's code on purpose.
 */
export type HeaderValue = string | string[] | number[] | Buffer;

export interface IndexEntry {
  readonly tag: number;
  readonly type: number;
  readonly offset: number;
  readonly count: number;
}

export interface ParsedHeader {
  readonly start: number;
  /** Bytes from the magic to the end of the data. */
  readonly length: number;
  readonly entries: IndexEntry[];
  readonly values: Map<number, HeaderValue>;
}

const ALIGN: Record<number, number> = { 3: 2, 4: 4, 5: 8 };

function fail(msg: string): never {
  throw new Error(`rpm-reader: ${msg}`);
}

export function parseHeader(buf: Buffer, start: number): ParsedHeader {
  if (buf.readUInt32BE(start) !== 0x8eade801 || buf.readUInt32BE(start + 4) !== 0) {
    fail('bad header magic');
  }
  const il = buf.readUInt32BE(start + 8);
  const dl = buf.readUInt32BE(start + 12);
  const indexAt = start + 16;
  const dataAt = indexAt + il * 16;
  const entries: IndexEntry[] = [];
  for (let i = 0; i < il; i++) {
    const at = indexAt + i * 16;
    entries.push({
      tag: buf.readUInt32BE(at),
      type: buf.readUInt32BE(at + 4),
      offset: buf.readInt32BE(at + 8),
      count: buf.readUInt32BE(at + 12),
    });
  }
  const values = new Map<number, HeaderValue>();
  const region = entries[0] ?? fail('empty header');
  if ((region.tag !== 62 && region.tag !== 63) || region.type !== 7 || region.count !== 16 || region.offset !== dl - 16) {
    fail('first entry is not a region tag pointing at the data end');
  }
  const trailer = dataAt + region.offset;
  if (
    buf.readUInt32BE(trailer) !== region.tag ||
    buf.readUInt32BE(trailer + 4) !== 7 ||
    buf.readInt32BE(trailer + 8) !== -16 * il ||
    buf.readUInt32BE(trailer + 12) !== 16
  ) {
    fail('bad region trailer');
  }
  let expected = 0;
  let prevTag = region.tag;
  for (const e of entries.slice(1)) {
    if (e.tag <= prevTag) {
      fail(`index not sorted at tag ${e.tag}`);
    }
    prevTag = e.tag;
    if (e.count < 1) {
      fail(`tag ${e.tag} has count 0`);
    }
    const align = ALIGN[e.type] ?? 1;
    expected += (align - (expected % align)) % align;
    if (e.offset !== expected) {
      fail(`tag ${e.tag} at offset ${e.offset}, expected ${expected}`);
    }
    const at = dataAt + e.offset;
    let len: number;
    switch (e.type) {
      case 3: {
        len = 2 * e.count;
        values.set(
          e.tag,
          Array.from({ length: e.count }, (_, i) => buf.readUInt16BE(at + 2 * i)),
        );
        break;
      }
      case 4: {
        len = 4 * e.count;
        values.set(
          e.tag,
          Array.from({ length: e.count }, (_, i) => buf.readInt32BE(at + 4 * i)),
        );
        break;
      }
      case 7: {
        len = e.count;
        values.set(e.tag, buf.subarray(at, at + len));
        break;
      }
      case 6:
      case 8:
      case 9: {
        const strings: string[] = [];
        let p = at;
        for (let i = 0; i < e.count; i++) {
          const end = buf.indexOf(0, p);
          if (end < 0) {
            fail(`unterminated string in tag ${e.tag}`);
          }
          strings.push(buf.subarray(p, end).toString('utf8'));
          p = end + 1;
        }
        if (e.type === 6 && e.count !== 1) {
          fail(`STRING tag ${e.tag} with count ${e.count}`);
        }
        len = p - at;
        values.set(e.tag, e.type === 6 ? (strings[0] as string) : strings);
        break;
      }
      default:
        fail(`unsupported type ${e.type} for tag ${e.tag}`);
    }
    expected += len;
  }
  if (expected + 16 !== dl) {
    fail(`data length ${dl}, but values end at ${expected} + 16`);
  }
  return { start, length: 16 + il * 16 + dl, entries, values };
}

export interface ParsedRpm {
  readonly lead: Buffer;
  readonly signature: ParsedHeader;
  readonly header: ParsedHeader;
  readonly headerBytes: Buffer;
  readonly payload: Buffer;
}

export function parseRpm(buf: Buffer): ParsedRpm {
  if (buf.readUInt32BE(0) !== 0xedabeedb) {
    fail('bad lead magic');
  }
  const signature = parseHeader(buf, 96);
  const sigEnd = 96 + signature.length;
  const pad = (8 - (signature.length % 8)) % 8;
  if (!buf.subarray(sigEnd, sigEnd + pad).equals(Buffer.alloc(pad))) {
    fail('signature padding is not zero');
  }
  const header = parseHeader(buf, sigEnd + pad);
  const payloadAt = header.start + header.length;
  return {
    lead: buf.subarray(0, 96),
    signature,
    header,
    headerBytes: buf.subarray(header.start, payloadAt),
    payload: buf.subarray(payloadAt),
  };
}

export function str(h: ParsedHeader, tag: number): string {
  const v = h.values.get(tag);
  if (typeof v !== 'string') {
    fail(`tag ${tag} is not a string`);
  }
  return v;
}

export function strs(h: ParsedHeader, tag: number): string[] {
  const v = h.values.get(tag);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    fail(`tag ${tag} is not a string array`);
  }
  return v as string[];
}

export function nums(h: ParsedHeader, tag: number): number[] {
  const v = h.values.get(tag);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
    fail(`tag ${tag} is not a number array`);
  }
  return v as number[];
}

export function bin(h: ParsedHeader, tag: number): Buffer {
  const v = h.values.get(tag);
  if (!Buffer.isBuffer(v)) {
    fail(`tag ${tag} is not binary`);
  }
  return v;
}
