/**
 * MSZIP, the deflate flavour of Microsoft cabinets (MS-MCI): the uncompressed data of a folder is cut
 * into blocks of at most 32 768 bytes, and each block becomes one CFDATA record whose payload is the
 * signature `CK` followed by a complete raw deflate stream (RFC 1951) ending in a block with BFINAL set.
 * Decoders keep the previous block's output as the history window, so an encoder may use it as a preset
 * dictionary; we do not: compressing every block independently (as gcab, and therefore wixl, do) costs
 * a little ratio but lets blocks be compressed in parallel on every core, and the result is valid MSZIP.
 *
 * MS-MCI caps a block at 32 KiB + 12 bytes including `CK`. zlib can exceed that on incompressible input,
 * so such blocks (and any block deflate does not shrink) are stored instead: `CK`, a stored deflate block header (BFINAL=1, BTYPE=00, LEN, NLEN)
 * and the raw bytes. zlib always emits well-formed Huffman trees (at least two distance codes), which
 * Windows' cabinet.dll requires.
 *
 * Spec: https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-mci/ (2.1 MSZIP),
 * RFC 1951 (https://www.rfc-editor.org/rfc/rfc1951).
 */
import { deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';

export const MSZIP_BLOCK = 32_768;
/** Largest payload MS-MCI allows for one block, `CK` included. */
export const MSZIP_MAX_PAYLOAD = MSZIP_BLOCK + 12;

const deflateRawAsync = promisify(deflateRaw) as (buf: Buffer, opts: object) => Promise<Buffer>;
const CK = Buffer.from('CK', 'latin1');

/** A stored (uncompressed) MSZIP payload for `block`. */
export function storedBlock(block: Buffer): Buffer {
  const h = Buffer.alloc(7);
  CK.copy(h, 0);
  h[2] = 0x01; // BFINAL=1, BTYPE=00 (stored), padded to the byte boundary
  h.writeUInt16LE(block.length, 3);
  h.writeUInt16LE(~block.length & 0xffff, 5);
  return Buffer.concat([h, block]);
}

/** Compresses one block (≤ 32 768 bytes) into an MSZIP payload, on libuv's thread pool. */
export async function mszipBlock(block: Buffer, level: number): Promise<Buffer> {
  if (block.length > MSZIP_BLOCK) {
    throw new RangeError(`MSZIP block of ${block.length} bytes exceeds ${MSZIP_BLOCK}`);
  }
  if (level === 0) {
    return storedBlock(block);
  }
  const deflated = await deflateRawAsync(block, { level });
  // Store when deflate does not help; this also keeps every payload within MSZIP_MAX_PAYLOAD.
  if (deflated.length + CK.length >= block.length + 7) {
    return storedBlock(block);
  }
  return Buffer.concat([CK, deflated]);
}
