/**
 * Verifies the signatures of a xar archive (a signed .pkg) the way the Apple-documented layout
 * defines them (reference: pkg.md §1.3, §4.2, §7.3):
 * - the heap's TOC checksum equals the hash of the compressed TOC named by the header;
 * - `<signature style="RSA">`: PKCS#1 v1.5 over DigestInfo(hash, checksum) with the first KeyInfo
 *   certificate, i.e. `openssl dgst -sha1 -verify` over the compressed TOC;
 * - `<x-signature style="CMS">`: detached SignedData over the checksum bytes, i.e.
 *   `openssl cms -verify -binary -content checksum`, plus, when `trustedRoots` is given, a chain to
 *   one of them; a timestamp token, when present, must cover the CMS signature value.
 * A stapled notarization ticket (appended after the heap) is reported but not covered by any signature.
 */
import { createHash, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { checkSignedData, parseSignedData } from './cms-verify.js';
import { OID } from './oids.js';
import { readStapledTicket } from './stapler.js';
import { parseTstInfo } from './tsa.js';

const CKSUM: Readonly<Record<number, 'sha1' | 'md5' | 'sha256' | 'sha512' | undefined>> = { 1: 'sha1', 2: 'md5', 3: 'sha256', 4: 'sha512' };

export interface SignatureResult {
  readonly ok: boolean;
  readonly reason?: string;
  readonly certificates: readonly X509Certificate[];
}

export interface CmsResult extends SignatureResult {
  readonly signer?: string;
  readonly signingTime?: Date;
  readonly timestamp?: { readonly ok: boolean; readonly genTime?: Date; readonly reason?: string };
}

export interface XarVerification {
  readonly checksum: { readonly algorithm: string; readonly ok: boolean; readonly value: Buffer };
  readonly rsa?: SignatureResult;
  readonly cms?: CmsResult;
  readonly stapledTicket: boolean;
  /** Checksum OK, at least one signature, and every signature present verifies. */
  readonly valid: boolean;
}

interface TocSignatureRef {
  readonly offset: number;
  readonly size: number;
  readonly certificates: X509Certificate[];
}

function element(xml: string, name: string): string | undefined {
  // Top-level TOC elements; `<signature` does not match `<x-signature` because of the `<` anchor.
  const m = new RegExp(`<${name}(\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m === null ? undefined : m[0];
}

function numberIn(xml: string, tag: string): number {
  const m = new RegExp(`<${tag}>\\s*(\\d+)\\s*</${tag}>`).exec(xml);
  return m === null ? NaN : Number(m[1]);
}

function signatureRef(xml: string, name: string): TocSignatureRef | undefined {
  const el = element(xml, name);
  if (el === undefined) {
    return undefined;
  }
  const certificates = [...el.matchAll(/<X509Certificate>([^<]+)<\/X509Certificate>/g)].map(
    (m) => new X509Certificate(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')),
  );
  return { offset: numberIn(el, 'offset'), size: numberIn(el, 'size'), certificates };
}

export function verifyXarSignatures(archive: Buffer, opts: { readonly trustedRoots?: readonly X509Certificate[] } = {}): XarVerification {
  if (archive.length < 28 || archive.readUInt32BE(0) !== 0x78617221) {
    throw new Error('not a xar archive');
  }
  const headerSize = archive.readUInt16BE(4);
  const tocLength = Number(archive.readBigUInt64BE(8));
  const algorithm = CKSUM[archive.readUInt32BE(24)];
  const compressedToc = archive.subarray(headerSize, headerSize + tocLength);
  const heap = headerSize + tocLength;
  const xml = inflateSync(compressedToc).toString('utf8');
  const ckEl = element(xml, 'checksum');
  const slice = (offset: number, size: number): Buffer => archive.subarray(heap + offset, heap + offset + size);
  const stored = ckEl === undefined ? Buffer.alloc(0) : slice(numberIn(ckEl, 'offset'), numberIn(ckEl, 'size'));
  const checksumOk = algorithm !== undefined && stored.length > 0 && createHash(algorithm).update(compressedToc).digest().equals(stored);
  const checksum = { algorithm: algorithm ?? 'none', ok: checksumOk, value: stored };

  const rsaRef = signatureRef(xml, 'signature');
  const cmsRef = signatureRef(xml, 'x-signature');
  const rsa = rsaRef === undefined ? undefined : checkRsa(rsaRef, slice(rsaRef.offset, rsaRef.size), compressedToc, algorithm);
  const cms = cmsRef === undefined ? undefined : checkCms(cmsRef, slice(cmsRef.offset, cmsRef.size), stored, opts.trustedRoots);
  const present = [rsa, cms].filter((r) => r !== undefined);
  return {
    checksum,
    ...(rsa !== undefined ? { rsa } : {}),
    ...(cms !== undefined ? { cms } : {}),
    stapledTicket: readStapledTicket(archive) !== undefined,
    valid: checksumOk && present.length > 0 && present.every((r) => r.ok),
  };
}

function checkRsa(ref: TocSignatureRef, sig: Buffer, compressedToc: Buffer, algorithm: string | undefined): SignatureResult {
  const leaf = ref.certificates[0];
  if (leaf === undefined) {
    return { ok: false, reason: 'no certificate in KeyInfo', certificates: [] };
  }
  if (algorithm === undefined) {
    return { ok: false, reason: 'unsigned checksum algorithm', certificates: ref.certificates };
  }
  const ok = verify(algorithm, compressedToc, createPublicKey(leaf.publicKey.export({ format: 'pem', type: 'spki' })), sig);
  return ok ? { ok, certificates: ref.certificates } : { ok, reason: 'RSA signature does not verify', certificates: ref.certificates };
}

function checkCms(ref: TocSignatureRef, blob: Buffer, checksum: Buffer, trustedRoots: readonly X509Certificate[] | undefined): CmsResult {
  try {
    const sd = parseSignedData(blob);
    const r = checkSignedData(sd, checksum, trustedRoots);
    const tokenNode = sd.unsignedAttrs.get(OID.timeStampToken)?.[0];
    let timestamp: CmsResult['timestamp'];
    if (tokenNode !== undefined) {
      timestamp = checkToken(tokenNode.source.subarray(tokenNode.start, tokenNode.end), sd.signature);
    }
    return {
      ok: r.ok && (timestamp === undefined || timestamp.ok),
      ...(r.reason !== undefined
        ? { reason: r.reason }
        : timestamp?.ok === false
          ? { reason: `timestamp: ${timestamp.reason ?? 'invalid'}` }
          : {}),
      certificates: ref.certificates,
      ...(r.signer !== undefined ? { signer: r.signer.subject } : {}),
      ...(sd.signingTime !== undefined ? { signingTime: sd.signingTime } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
    };
  } catch (e) {
    return { ok: false, reason: `CMS cannot be parsed: ${e instanceof Error ? e.message : String(e)}`, certificates: ref.certificates };
  }
}

function checkToken(token: Buffer, signatureValue: Buffer): NonNullable<CmsResult['timestamp']> {
  const sd = parseSignedData(Buffer.from(token));
  if (sd.eContent === undefined) {
    return { ok: false, reason: 'token has no TSTInfo' };
  }
  const info = parseTstInfo(sd.eContent);
  const expected = createHash(info.imprintHash === 'unknown' ? 'sha256' : info.imprintHash)
    .update(signatureValue)
    .digest();
  if (!expected.equals(info.imprint)) {
    return { ok: false, reason: 'token imprint does not match the CMS signature', genTime: info.genTime };
  }
  const r = checkSignedData(sd);
  return r.ok ? { ok: true, genTime: info.genTime } : { ok: false, reason: r.reason ?? 'token signature invalid', genTime: info.genTime };
}
