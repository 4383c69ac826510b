/**
 * The signature header of an rpm v4 package (region tag 62, HEADER_SIGNATURES).
 *
 * It sits between the lead and the main header and carries the digests `rpm -K` checks: SHA-1 and
 * SHA-256 of the main header (from its magic to the end of its data, as 40/64 lowercase hex
 * strings), MD5 of the main header plus the compressed payload, SIZE (main header + compressed
 * payload) and PAYLOADSIZE (uncompressed cpio length). RESERVEDSPACE is a block of zeros that
 * `rpmsign --addsign` consumes to sign in place without rewriting the file, as rpmbuild leaves it.
 * An optional OpenPGP signature over the main header (magic to end of data, the SHA256 range) goes in
 * tag 268 for RSA keys and 267 for DSA/ECDSA/EdDSA keys, as `rpmsign --addsign` files it; rpm 4.18
 * reads binary v3/v4 signature packets only. Signing shrinks RESERVEDSPACE by what the signature
 * adds, as rpmsign does, so a signed package keeps the size of the unsigned one. The header is
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
  /** A binary, detached OpenPGP v4 signature packet over the main header. */
  readonly openpgp?: Uint8Array;
}

const fail = (msg: string): never => {
  throw new RangeError(`rpm: ${msg}`);
};

/** OpenPGP public-key algorithm ids (RFC 4880 §9.1) that rpm files under RSA (268); the others go under DSA (267). */
const RSA_ALGORITHMS = new Set([1, 3]);

/**
 * The signature tag for a detached OpenPGP signature, read from its packet: a v4 signature packet
 * (tag 2, old or new packet format) of type 0x00 over binary data; byte 2 of the body is the
 * public-key algorithm.
 */
export function openpgpSignatureTag(sig: Uint8Array): number {
  const first = sig[0] ?? 0;
  if ((first & 0x80) === 0) {
    fail('the OpenPGP signature is not a binary packet (armored?)');
  }
  const newFormat = (first & 0x40) !== 0;
  const packetTag = newFormat ? first & 0x3f : (first >> 2) & 0x0f;
  let bodyAt: number;
  if (newFormat) {
    const l0 = sig[1] ?? 0;
    bodyAt = l0 < 192 ? 2 : l0 < 224 ? 3 : l0 === 255 ? 6 : fail('partial-length OpenPGP signature packets are not supported');
  } else {
    bodyAt = [2, 3, 5][first & 0x03] ?? fail('indeterminate-length OpenPGP signature packets are not supported');
  }
  const [version, sigType, pubkeyAlgo] = [sig[bodyAt], sig[bodyAt + 1], sig[bodyAt + 2]];
  if (packetTag !== 2 || version !== 4 || sigType !== 0x00 || pubkeyAlgo === undefined) {
    fail(`expected a v4 binary-document OpenPGP signature packet, got packet ${packetTag} version ${String(version)} type ${String(sigType)}`);
  }
  return RSA_ALGORITHMS.has(pubkeyAlgo as number) ? SigTag.RSA : SigTag.DSA;
}

/** The signature header including its padding to 8 bytes. The length depends only on `reservedSpace` and `openpgp`. */
export function buildSignatureHeader(v: SignatureValues): Buffer {
  for (const [what, n] of [
    ['package size', v.size],
    ['payload size', v.payloadSize],
  ] as const) {
    if (n > 0xffff_ffff) {
      throw new RangeError(`rpm: ${what} of 4 GiB or more needs LONGSIZE/LONGARCHIVESIZE, which this writer does not emit`);
    }
  }
  const h = new HeaderStore();
  if (v.openpgp !== undefined) {
    h.bin(openpgpSignatureTag(v.openpgp), v.openpgp);
  }
  h.string(SigTag.SHA1, v.headerSha1)
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

/**
 * The reserved space that gives a signed signature header the length of the unsigned one (what
 * rpmsign does in place), or `v.reservedSpace` unchanged when there is no signature or it does not fit.
 */
export function fitReservedSpace(v: SignatureValues): number {
  if (v.openpgp === undefined || v.reservedSpace === 0) {
    return v.reservedSpace;
  }
  const unsigned = buildSignatureHeader({ ...v, openpgp: undefined }).length;
  const grown = buildSignatureHeader(v).length - unsigned;
  // INT32 alignment and the final 8-byte padding make the exact saving differ by a few bytes: try around it.
  for (let r = v.reservedSpace - grown - 8; r <= v.reservedSpace - grown + 8; r++) {
    if (r > 0 && buildSignatureHeader({ ...v, reservedSpace: r }).length === unsigned) {
      return r;
    }
  }
  return v.reservedSpace;
}
