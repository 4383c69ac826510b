/**
 * SpcIndirectDataContent for an MSI: the content an Authenticode SignedData signs. It says "this is a
 * file handled by the MSI subject interface package" (SpcSipInfo with the MSI SIP GUID; the other
 * fields are fixed values signtool writes) and carries the package digest as a DigestInfo.
 *
 *   SpcIndirectDataContent ::= SEQUENCE {
 *     data SEQUENCE { type 1.3.6.1.4.1.311.2.1.30, value SpcSipInfo },
 *     messageDigest DigestInfo }
 *   SpcSipInfo ::= SEQUENCE { 1, OCTET STRING guid, 0, 0, 0, 0, 0 }
 */
import { integer, octetString, oid, seq } from '../asn1.js';
import { algorithm } from '../cms.js';
import { OID } from '../oids.js';
import { AUTHENTICODE_OID, MSI_SIP_GUID } from './oids.js';

export function msiIndirectData(sha256Digest: Buffer): Buffer {
  if (sha256Digest.length !== 32) {
    throw new RangeError('MSI digest must be 32 bytes of SHA-256');
  }
  const sipInfo = seq(integer(1), octetString(MSI_SIP_GUID), integer(0), integer(0), integer(0), integer(0), integer(0));
  return seq(seq(oid(AUTHENTICODE_OID.spcSipInfo), sipInfo), seq(algorithm(OID.sha256), octetString(sha256Digest)));
}
