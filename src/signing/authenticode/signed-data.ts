/**
 * Assembles an Authenticode PKCS#7 SignedData around an SpcIndirectDataContent, on top of our CMS
 * builder. What Authenticode adds to plain CMS:
 * - the content sits in the [0] slot as the DER SEQUENCE itself (no OCTET STRING), while the
 *   messageDigest attribute covers only its content octets (the bytes after the SEQUENCE header);
 * - SignedData version 1 (required by the Authenticode spec even though RFC 5652 would say 3);
 * - signed attributes SpcStatementType (individual code signing) and SpcSpOpusInfo (the program name
 *   Windows shows in the UAC prompt, and an optional URL);
 * - the signature algorithm named rsaEncryption, as signtool writes it;
 * - an RFC 3161 timestamp as the unsigned attribute 1.3.6.1.4.1.311.3.3.1 (the imprint is the hash
 *   of the signature value, exactly as for CMS).
 */
import { ctx, parseAsn1, seq, tlv, oid } from '../asn1.js';
import { attribute, buildSignedData } from '../cms.js';
import type { SigningIdentity } from '../identity.js';
import { AUTHENTICODE_OID } from './oids.js';

export interface AuthenticodeSignOptions {
  readonly identity: SigningIdentity;
  readonly signingTime: Date;
  /** Program name shown by Windows (SpcSpOpusInfo.programName). */
  readonly description?: string;
  /** More-information URL (SpcSpOpusInfo.moreInfo). */
  readonly url?: string;
  /** Returns an RFC 3161 TimeStampToken over the signature value. */
  readonly timestamp?: (signatureValue: Buffer) => Promise<Buffer>;
}

const bmpString = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();

/** SpcSpOpusInfo ::= SEQUENCE { programName [0] EXPLICIT SpcString OPTIONAL, moreInfo [1] EXPLICIT SpcLink OPTIONAL } */
function opusInfo(description: string | undefined, url: string | undefined): Buffer {
  const parts: Buffer[] = [];
  if (description !== undefined && description !== '') {
    // SpcString: unicode [0] IMPLICIT BMPString.
    parts.push(ctx(0, tlv(0x80, bmpString(description))));
  }
  if (url !== undefined && url !== '') {
    // SpcLink: url [0] IMPLICIT IA5String.
    parts.push(ctx(1, tlv(0x80, Buffer.from(url, 'ascii'))));
  }
  return seq(...parts);
}

/** Returns the DER ContentInfo to store in the `\u0005DigitalSignature` stream. */
export async function buildAuthenticodeSignature(indirectData: Buffer, o: AuthenticodeSignOptions): Promise<Buffer> {
  const node = parseAsn1(indirectData);
  const contentOctets = indirectData.subarray(node.contentStart, node.contentEnd);
  return buildSignedData({
    signer: o.identity,
    digest: 'sha256',
    signingTime: o.signingTime,
    content: contentOctets,
    encapsulate: { contentType: AUTHENTICODE_OID.spcIndirectData, der: indirectData },
    version: 1,
    plainRsaAlgorithm: true,
    extraSignedAttributes: [
      attribute(AUTHENTICODE_OID.spcStatementType, seq(oid(AUTHENTICODE_OID.spcIndividualCodeSigning))),
      attribute(AUTHENTICODE_OID.spcSpOpusInfo, opusInfo(o.description, o.url)),
    ],
    timestampAttribute: AUTHENTICODE_OID.spcRfc3161Timestamp,
    ...(o.timestamp !== undefined ? { timestamp: o.timestamp } : {}),
  });
}
