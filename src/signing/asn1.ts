/**
 * Just enough ASN.1 for CMS signatures and RFC 3161 timestamps (ITU-T X.690).
 *
 * The reader accepts BER, including the indefinite lengths Apple's productsign writes, and keeps
 * every element's byte range so callers can hash or re-tag original bytes (signed attributes,
 * certificates) without a lossy re-encoding. The writer emits DER with definite lengths; SET OF
 * contents are sorted only where a caller asks for it (signed attributes are hashed as written).
 */
import { InternalError } from '../core/errors.js';

export interface Asn1 {
  /** First identifier octet: class bits, constructed bit and the low tag number (tags < 31 only). */
  readonly tag: number;
  /** Offset of the identifier octet in the source buffer. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the content (before any end-of-contents octets of an indefinite form). */
  readonly contentEnd: number;
  /** Offset just past the whole element. */
  readonly end: number;
  readonly children: readonly Asn1[];
  readonly source: Buffer;
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;

const bad = (msg: string): never => {
  throw new InternalError('E_ASN1', `ASN.1: ${msg}`);
};

const isConstructed = (tag: number): boolean => (tag & 0x20) !== 0;

/** Parses one element at `offset`; trailing bytes after it are allowed (CMS slots are zero-padded). */
export function parseAsn1(source: Buffer, offset = 0): Asn1 {
  return parseAt(source, offset, source.length, 0);
}

function parseAt(source: Buffer, offset: number, limit: number, depth: number): Asn1 {
  if (depth > 64) {
    bad('nesting too deep');
  }
  if (offset + 2 > limit) {
    bad('truncated element');
  }
  const tag = source[offset] as number;
  if ((tag & 0x1f) === 0x1f) {
    bad('high tag numbers are not supported');
  }
  let p = offset + 1;
  const first = source[p++] as number;
  let length: number | undefined;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    length = undefined;
    if (!isConstructed(tag)) {
      bad('indefinite length on a primitive element');
    }
  } else {
    const n = first & 0x7f;
    if (n > 4 || p + n > limit) {
      bad('unsupported length');
    }
    length = 0;
    for (let i = 0; i < n; i++) {
      length = length * 256 + (source[p++] as number);
    }
  }
  const contentStart = p;
  const children: Asn1[] = [];
  if (length !== undefined) {
    const contentEnd = contentStart + length;
    if (contentEnd > limit) {
      bad('element runs past its container');
    }
    if (isConstructed(tag)) {
      let q = contentStart;
      while (q < contentEnd) {
        const c = parseAt(source, q, contentEnd, depth + 1);
        children.push(c);
        q = c.end;
      }
    }
    return { tag, start: offset, contentStart, contentEnd, end: contentEnd, children, source };
  }
  // Indefinite: children until the end-of-contents octets 00 00.
  let q = contentStart;
  for (;;) {
    if (q + 2 > limit) {
      bad('missing end-of-contents');
    }
    if (source[q] === 0 && source[q + 1] === 0) {
      return { tag, start: offset, contentStart, contentEnd: q, end: q + 2, children, source };
    }
    const c = parseAt(source, q, limit, depth + 1);
    children.push(c);
    q = c.end;
  }
}

/** The content octets; for constructed BER strings (OCTET STRING in pieces) the pieces joined. */
export function contentOf(n: Asn1): Buffer {
  if (n.tag === (TAG.OCTET_STRING | 0x20)) {
    return Buffer.concat(n.children.map(contentOf));
  }
  return n.source.subarray(n.contentStart, n.contentEnd);
}

/** The element's bytes as they appear in the source. */
export function bytesOf(n: Asn1): Buffer {
  return n.source.subarray(n.start, n.end);
}

export function childAt(n: Asn1, i: number, what: string): Asn1 {
  const c = n.children[i];
  if (c === undefined) {
    return bad(`missing ${what}`);
  }
  return c;
}

export function oidOf(n: Asn1): string {
  if (n.tag !== TAG.OID) {
    bad('expected an OBJECT IDENTIFIER');
  }
  const b = contentOf(n);
  const parts: number[] = [];
  let v = 0;
  for (const byte of b) {
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  const head = parts.shift() ?? 0;
  const a = head < 40 ? 0 : head < 80 ? 1 : 2;
  return [a, head - a * 40, ...parts].join('.');
}

/** Re-encodes a parsed element as DER (definite lengths), e.g. BER signed attributes before hashing. */
export function toDer(n: Asn1): Buffer {
  if (!isConstructed(n.tag)) {
    return tlv(n.tag, n.source.subarray(n.contentStart, n.contentEnd));
  }
  return tlv(n.tag, Buffer.concat(n.children.map(toDer)));
}

// ---- writer ----

function lengthOctets(n: number): Buffer {
  if (n < 0x80) {
    return Buffer.from([n]);
  }
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) {
    bytes.unshift(v & 0xff);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOctets(content.length), content]);
}

export const seq = (...items: Uint8Array[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items));
/** SET OF in DER order (sorted by encoding), as X.690 §11.6 requires. */
export const setOf = (...items: Uint8Array[]): Buffer =>
  tlv(TAG.SET, Buffer.concat([...items].map((i) => Buffer.from(i)).sort(Buffer.compare)));
export const octetString = (b: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, b);
export const nullValue = (): Buffer => Buffer.from([TAG.NULL, 0]);
/** Context-specific constructed tag `[n]` (explicit wrapper or IMPLICIT SET/SEQUENCE). */
export const ctx = (n: number, ...items: Uint8Array[]): Buffer => tlv(0xa0 | n, Buffer.concat(items));
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));

export function integer(v: number | bigint | Uint8Array): Buffer {
  let b: Buffer;
  if (v instanceof Uint8Array) {
    b = Buffer.from(v);
    let i = 0;
    while (i < b.length - 1 && b[i] === 0 && ((b[i + 1] as number) & 0x80) === 0) {
      i++;
    }
    b = b.subarray(i);
  } else {
    let n = BigInt(v);
    if (n < 0n) {
      bad('negative INTEGER not supported');
    }
    const bytes: number[] = [];
    do {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    } while (n > 0n);
    b = Buffer.from(bytes);
  }
  if (b.length === 0) {
    b = Buffer.from([0]);
  }
  if (((b[0] as number) & 0x80) !== 0) {
    b = Buffer.concat([Buffer.from([0]), b]);
  }
  return tlv(TAG.INTEGER, b);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map((s) => Number(s));
  const [a, b, ...rest] = parts;
  if (a === undefined || b === undefined) {
    return bad(`bad OID ${dotted}`);
  }
  const out: number[] = [];
  for (const v of [a * 40 + b, ...rest]) {
    const chunk: number[] = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) {
      chunk.unshift(0x80 | (x & 0x7f));
    }
    out.push(...chunk);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

/** UTCTime for 1950–2049, GeneralizedTime after, as RFC 5652 §11.3 requires for signingTime. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-11-23T16:35:00.000Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, ''); // 20261123163500
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) {
    return tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
  }
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'latin1'));
}

/** Parses UTCTime / GeneralizedTime content (seconds precision; fractions ignored). */
export function parseTime(n: Asn1): Date {
  const s = contentOf(n).toString('latin1');
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(s);
  if (m === null) {
    return bad(`unsupported time ${s}`);
  }
  let year = Number(m[1]);
  if ((m[1] ?? '').length === 2) {
    year += year < 50 ? 2000 : 1900;
  }
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? '0')));
}
