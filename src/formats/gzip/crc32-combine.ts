/**
 * CRC-32 (IEEE 802.3, the gzip/zip polynomial) of a concatenation from the CRCs of its parts, without
 * the data: zlib's crc32_combine, by repeated squaring of the GF(2) operator that appends one zero bit.
 * It lets a gzip stream reuse a cached, already-compressed file and still write a correct trailer.
 * Reference: zlib crc32.c (crc32_combine_, gf2_matrix_times / gf2_matrix_square), Mark Adler.
 */

function times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  let v = vec >>> 0;
  for (let i = 0; v !== 0; i++, v >>>= 1) {
    if (v & 1) {
      sum ^= mat[i] as number;
    }
  }
  return sum >>> 0;
}

function square(out: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) {
    out[n] = times(mat, mat[n] as number);
  }
}

/** CRC-32 of A‖B given crc(A), crc(B) and the length of B in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) {
    return crcA >>> 0;
  }
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  // Operator for one zero bit: the reflected polynomial, then the shift.
  odd[0] = 0xedb88320;
  let row = 1;
  for (let n = 1; n < 32; n++) {
    odd[n] = row;
    row <<= 1;
  }
  square(even, odd); // two zero bits
  square(odd, even); // four zero bits
  let crc = crcA >>> 0;
  let len = lengthB;
  // Apply len zero bytes to crcA (first pass: eight zero bits), squaring as we go.
  do {
    square(even, odd);
    if (len % 2 === 1) {
      crc = times(even, crc);
    }
    len = Math.floor(len / 2);
    if (len === 0) {
      break;
    }
    square(odd, even);
    if (len % 2 === 1) {
      crc = times(odd, crc);
    }
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (crc ^ crcB) >>> 0;
}
