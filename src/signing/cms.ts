/**
 * CMS SignedData (RFC 5652) with one RSA signer, written the way productsign writes the xar
 * `<x-signature style="CMS">`: detached id-data content (the TOC checksum), signed attributes
 * contentType, signingTime and messageDigest, the certificate chain, PKCS#1 v1.5 RSA, and an
 * optional RFC 3161 timestamp token as the unsigned attribute id-aa-timeStampToken
 * (RFC 3161 appendix A), whose imprint is a hash of the signature value.
 *
 * The same builder, with encapsulated content, makes timestamp tokens (eContentType id-ct-TSTInfo)
 * for the test timestamp authority.
 */
import { createHash, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { bytesOf, childAt, ctx, integer, nullValue, octetString, oid, parseAsn1, seq, setOf, time, tlv, TAG } from './asn1.js';
import { HASH_OIDS, OID, type HashName } from './oids.js';

export interface CmsSigner {
  readonly privateKey: KeyObject;
  /** DER certificates, leaf (the signer) first. All are put in the SignedData certificate set. */
  readonly certificates: readonly Buffer[];
}

export interface CmsOptions {
  readonly signer: CmsSigner;
  /** Digest for messageDigest and the RSA signature; productsign uses SHA-1. */
  readonly digest: HashName;
  readonly signingTime: Date;
  /** The signed content: detached (xar) unless `encapsulate` names an eContentType. */
  readonly content: Buffer;
  /**
   * Encapsulated content. `der`, when given, goes into the [0] slot as is instead of an OCTET STRING of
   * `content`: Authenticode stores SpcIndirectDataContent that way, and hashes only its content octets
   * (which the caller then passes as `content`).
   */
  readonly encapsulate?: { readonly contentType: string; readonly der?: Buffer };
  /** SignedData version, when a profile fixes it (Authenticode: 1); default per RFC 5652 §5.1. */
  readonly version?: number;
  /** Name the signature algorithm plain rsaEncryption, as signtool and osslsigncode do. */
  readonly plainRsaAlgorithm?: boolean;
  /** Unsigned-attribute type of the timestamp token (default id-aa-timeStampToken). */
  readonly timestampAttribute?: string;
  /** Extra DER Attribute values added to the signed attributes (e.g. ESS signing-certificate). */
  readonly extraSignedAttributes?: readonly Buffer[];
  /** Fetches an RFC 3161 TimeStampToken (DER ContentInfo) over the signature value. */
  readonly timestamp?: (signatureValue: Buffer) => Promise<Buffer>;
}

export const algorithm = (dotted: string): Buffer => seq(oid(dotted), nullValue());
export const attribute = (type: string, ...values: Buffer[]): Buffer => seq(oid(type), setOf(...values));

const SIGNATURE_OIDS: Readonly<Record<HashName, string>> = {
  sha1: OID.sha1WithRSAEncryption,
  sha256: OID.sha256WithRSAEncryption,
  sha384: OID.sha384WithRSAEncryption,
  sha512: OID.sha512WithRSAEncryption,
};

/** The IssuerAndSerialNumber of a DER certificate, copied byte for byte from its TBSCertificate. */
export function issuerAndSerial(certDer: Buffer): Buffer {
  const tbs = childAt(parseAsn1(certDer), 0, 'tbsCertificate');
  // TBSCertificate: [0] version (optional), serialNumber, signature, issuer, ...
  const base = tbs.children[0]?.tag === 0xa0 ? 1 : 0;
  return seq(bytesOf(childAt(tbs, base + 2, 'issuer')), bytesOf(childAt(tbs, base, 'serialNumber')));
}

/** Builds a DER ContentInfo holding SignedData. */
export async function buildSignedData(o: CmsOptions): Promise<Buffer> {
  const leaf = o.signer.certificates[0];
  if (leaf === undefined) {
    throw new Error('CMS: no signer certificate');
  }
  const contentType = o.encapsulate?.contentType ?? OID.data;
  const digest = createHash(o.digest).update(o.content).digest();
  // DER SET OF is sorted; the same content is hashed under the SET tag and stored under [0].
  const signedAttrs = setOf(
    attribute(OID.contentType, oid(contentType)),
    attribute(OID.signingTime, time(o.signingTime)),
    attribute(OID.messageDigest, octetString(digest)),
    ...(o.extraSignedAttributes ?? []),
  );
  const signature = sign(o.digest, signedAttrs, o.signer.privateKey);
  const signedAttrsImplicit = Buffer.concat([Buffer.from([0xa0]), signedAttrs.subarray(1)]);

  const unsigned: Buffer[] = [];
  if (o.timestamp !== undefined) {
    unsigned.push(attribute(o.timestampAttribute ?? OID.timeStampToken, await o.timestamp(signature)));
  }
  const signerInfo = seq(
    integer(1),
    issuerAndSerial(leaf),
    algorithm(HASH_OIDS[o.digest]),
    signedAttrsImplicit,
    algorithm(o.plainRsaAlgorithm === true ? OID.rsaEncryption : SIGNATURE_OIDS[o.digest]),
    octetString(signature),
    ...(unsigned.length > 0 ? [ctx(1, ...unsigned)] : []),
  );
  const encap =
    o.encapsulate === undefined ? seq(oid(OID.data)) : seq(oid(contentType), ctx(0, o.encapsulate.der ?? octetString(o.content)));
  const signedData = seq(
    // RFC 5652 §5.1: version 3 when the encapsulated type is not id-data.
    integer(o.version ?? (o.encapsulate === undefined ? 1 : 3)),
    setOf(algorithm(HASH_OIDS[o.digest])),
    encap,
    ctx(0, ...o.signer.certificates),
    tlv(TAG.SET, signerInfo),
  );
  return seq(oid(OID.signedData), ctx(0, signedData));
}
