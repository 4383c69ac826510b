/**
 * The signature header of an rpm v4 package (region tag 62, HEADER_SIGNATURES).
 *
 * It sits between the lead and the main header and carries the digests `rpm -K` checks: SHA-1 and
 * SHA-256 of the main header (from its magic to the end of its data, as 40/64 lowercase hex
 * strings), MD5 of the main header plus the compressed payload, SIZE (main header + compressed
 * payload) and PAYLOADSIZE (uncompressed cpio length). RESERVEDSPACE is a block of zeros that
 * `rpmsign --addsign` consumes to sign in place without rewriting the file, as rpmbuild leaves it.
 * An OpenPGP signature (tag 267/268) over the main header would be added here as well. The header is
 * followed by zero padding to an 8-byte boundary. rpm accepts at most 32 tags here.
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_v4.md (Signature),
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/lib/signature.c,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/lib/rpmvs.c.
 */
import { HeaderStore, signaturePadding } from './header-store.js';
import { HEADER_SIGNATURES, SigTag } from './tags.js';

/** rpmbuild's default reserved space, enough for a 4096-bit RSA signature plus slack. */
export const DEFAULT_RESERVED_SPACE = 4128;

export interface SignatureValues {
  readonly headerSha1: string;
  readonly headerSha256: string;
  /** MD5 of main header + compressed payload (16 bytes). */
  readonly md5: Uint8Array;
  /** Main header length + compressed payload length. */
  readonly size: number;
  /** Uncompressed cpio length. */
  readonly payloadSize: number;
  readonly reservedSpace: number;
}

/** The signature header including its padding to 8 bytes. The length depends only on `reservedSpace`. */
export function buildSignatureHeader(v: SignatureValues): Buffer {
  for (const [what, n] of [
    ['package size', v.size],
    ['payload size', v.payloadSize],
  ] as const) {
    if (n > 0xffff_ffff) {
      throw new RangeError(`rpm: ${what} of 4 GiB or more needs LONGSIZE/LONGARCHIVESIZE, which this writer does not emit`);
    }
  }
  const h = new HeaderStore()
    .string(SigTag.SHA1, v.headerSha1)
    .string(SigTag.SHA256, v.headerSha256)
    .int32(SigTag.SIZE, [v.size])
    .bin(SigTag.MD5, v.md5)
    .int32(SigTag.PAYLOADSIZE, [v.payloadSize]);
  if (v.reservedSpace > 0) {
    h.bin(SigTag.RESERVEDSPACE, new Uint8Array(v.reservedSpace));
  }
  const bytes = h.build(HEADER_SIGNATURES);
  return Buffer.concat([bytes, signaturePadding(bytes.length)]);
}
