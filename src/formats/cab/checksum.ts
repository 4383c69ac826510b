/**
 * The CFDATA checksum of Microsoft cabinet files (MS-CAB 2.5, "CSUMCompute"): an XOR of the data taken
 * as little-endian 32-bit words, with the 1-3 trailing bytes folded in big-endian order
 * (b0<<16 | b1<<8 | b2, b0<<8 | b1, b0). The CFDATA checksum is that value over the compressed payload,
 * used as the seed for the same fold over the 4 bytes cbData, cbUncomp. 0 means "no checksum", but
 * extractors such as cabextract -t and Windows' cabinet.dll verify a non-zero one, so we always compute it.
 *
 * Spec: https://learn.microsoft.com/en-us/previous-versions/ms974336(v=msdn.10) (Microsoft Cabinet Format),
 * section "CFDATA".
 */

export function cabChecksum(data: Buffer, seed = 0): number {
  let csum = seed >>> 0;
  const words = data.length >>> 2;
  let off = 0;
  for (let i = 0; i < words; i++, off += 4) {
    csum ^= data.readUInt32LE(off);
  }
  let tail = 0;
  switch (data.length & 3) {
    case 3:
      tail = (data[off]! << 16) | (data[off + 1]! << 8) | data[off + 2]!;
      break;
    case 2:
      tail = (data[off]! << 8) | data[off + 1]!;
      break;
    case 1:
      tail = data[off]!;
      break;
  }
  return (csum ^ tail) >>> 0;
}

/** The 8-byte CFDATA header for one compressed block. */
export function cfdataHeader(payload: Buffer, uncompressedSize: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(payload.length, 4);
  h.writeUInt16LE(uncompressedSize, 6);
  h.writeUInt32LE(cabChecksum(h.subarray(4, 8), cabChecksum(payload)), 0);
  return h;
}
