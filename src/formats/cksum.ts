/**
 * The POSIX `cksum` checksum: a CRC-32 with the IEEE 802.3 polynomial 0x04C11DB7 processed MSB-first
 * (not bit-reflected, unlike zlib's CRC-32), initial value 0, over the data followed by the data
 * length encoded as little-endian bytes with no trailing zero bytes (none at all for length 0), and
 * the result inverted. macOS BOM files store it per regular file (and per symlink target), so the
 * `.pkg` writer computes it while the payload streams past.
 *
 * Spec: POSIX.1-2017 `cksum` (https://pubs.opengroup.org/onlinepubs/9699919799/utilities/cksum.html).
 * Check values: `printf hello | cksum` → 3287646509; empty input → 4294967295.
 *
 * The table-driven update processes 8 bytes per step ("slicing-by-8") because this runs over every
 * byte of a ~70 MB payload in JavaScript, where the byte-at-a-time loop would cost several times more.
 */
import type { Digester } from './content-cache.js';

const POLY = 0x04c11db7;

/** TABLES[k][b] is the CRC contribution of byte b followed by k zero bytes. */
const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let c = b << 24;
    for (let i = 0; i < 8; i++) {
      c = c & 0x80000000 ? (c << 1) ^ POLY : c << 1;
    }
    t0[b] = c >>> 0;
  }
  const tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1] as Uint32Array;
    const t = new Uint32Array(256);
    for (let b = 0; b < 256; b++) {
      const p = prev[b] as number;
      t[b] = ((p << 8) ^ (t0[p >>> 24] as number)) >>> 0;
    }
    tables.push(t);
  }
  return tables;
})();

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/** Continues the raw (un-finalised) CRC over `data`. Start from 0. */
export function cksumUpdate(crc: number, data: Uint8Array): number {
  let c = crc >>> 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  // Indexing a Uint8Array/Uint32Array in range always yields a number; the `as number` casts only
  // satisfy noUncheckedIndexedAccess in this hot loop.
  for (; i < end8; i += 8) {
    const a =
      (c ^ (((data[i] as number) << 24) | ((data[i + 1] as number) << 16) | ((data[i + 2] as number) << 8) | (data[i + 3] as number))) >>>
      0;
    c =
      ((T7[a >>> 24] as number) ^
        (T6[(a >>> 16) & 0xff] as number) ^
        (T5[(a >>> 8) & 0xff] as number) ^
        (T4[a & 0xff] as number) ^
        (T3[data[i + 4] as number] as number) ^
        (T2[data[i + 5] as number] as number) ^
        (T1[data[i + 6] as number] as number) ^
        (T0[data[i + 7] as number] as number)) >>>
      0;
  }
  for (; i < n; i++) {
    c = ((c << 8) ^ (T0[((c >>> 24) ^ (data[i] as number)) & 0xff] as number)) >>> 0;
  }
  return c;
}

/** Folds in the length and inverts: the value `cksum` prints. */
export function cksumFinish(crc: number, length: number): number {
  let c = crc >>> 0;
  // The length may exceed 2^32, so peel bytes off arithmetically rather than with 32-bit shifts.
  for (let len = length; len > 0; len = Math.floor(len / 256)) {
    c = ((c << 8) ^ (T0[((c >>> 24) ^ (len % 256)) & 0xff] as number)) >>> 0;
  }
  return ~c >>> 0;
}

/** One-shot POSIX cksum of a buffer. */
export function cksum(data: Uint8Array): number {
  return cksumFinish(cksumUpdate(0, data), data.length);
}

/** Incremental POSIX cksum for streamed content. */
export class Cksum {
  private crc = 0;
  private length = 0;

  update(data: Uint8Array): this {
    this.crc = cksumUpdate(this.crc, data);
    this.length += data.length;
    return this;
  }

  digest(): number {
    return cksumFinish(this.crc, this.length);
  }
}

/**
 * POSIX cksum as a content-cache Digester (decimal string, as `cksum` prints it), so a writer can
 * cache a file's BOM checksum along with its compressed form.
 */
export function cksumDigester(): Digester {
  const c = new Cksum();
  return {
    update: (chunk) => {
      c.update(chunk);
    },
    digest: () => String(c.digest()),
  };
}
