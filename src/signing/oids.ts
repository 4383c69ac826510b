/**
 * Object identifiers used by package signatures (RFC 5652 CMS, RFC 3161 timestamps, RFC 8017 RSA)
 * and by Apple's Developer ID certificates (apple-codesign `src/certificate.rs`).
 */
export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  timeStampToken: '1.2.840.113549.1.9.16.2.14',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  /** Extended key usage "Developer ID Installer". */
  ekuDeveloperIdInstaller: '1.2.840.113635.100.4.13',
  /** Critical marker extension of Developer ID Installer leaves. */
  extDeveloperIdInstaller: '1.2.840.113635.100.6.1.14',
  ekuTimeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export const HASH_OIDS: Readonly<Record<HashName, string>> = { sha1: OID.sha1, sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };

export function hashByOid(oid: string): HashName | undefined {
  return (Object.keys(HASH_OIDS) as HashName[]).find((k) => HASH_OIDS[k] === oid);
}

/** Digest implied by an RSA signature algorithm OID (or undefined for plain rsaEncryption). */
export function hashOfSignatureOid(oid: string): HashName | undefined {
  switch (oid) {
    case OID.sha1WithRSAEncryption:
      return 'sha1';
    case OID.sha256WithRSAEncryption:
      return 'sha256';
    case OID.sha384WithRSAEncryption:
      return 'sha384';
    case OID.sha512WithRSAEncryption:
      return 'sha512';
    default:
      return undefined;
  }
}
