/**
 * Object identifiers and constants of Microsoft Authenticode ("Windows Authenticode Portable Executable
 * Signature Format", which MSI signatures share apart from the digest and the SIP GUID).
 */
export const AUTHENTICODE_OID = {
  /** SPC_INDIRECT_DATA_OBJID: eContentType of every Authenticode signature. */
  spcIndirectData: '1.3.6.1.4.1.311.2.1.4',
  /** SPC_SIPINFO_OBJID: the "data" of the indirect content for MSI (and other SIP-handled) files. */
  spcSipInfo: '1.3.6.1.4.1.311.2.1.30',
  /** SPC_STATEMENT_TYPE_OBJID signed attribute. */
  spcStatementType: '1.3.6.1.4.1.311.2.1.11',
  /** SPC_INDIVIDUAL_SP_KEY_PURPOSE_OBJID: "individual" code signing (what signtool writes by default). */
  spcIndividualCodeSigning: '1.3.6.1.4.1.311.2.1.21',
  /** SPC_SP_OPUS_INFO_OBJID signed attribute: program name and URL shown by Windows. */
  spcSpOpusInfo: '1.3.6.1.4.1.311.2.1.12',
  /** SPC_RFC3161_OBJID: unsigned attribute holding an RFC 3161 TimeStampToken. */
  spcRfc3161Timestamp: '1.3.6.1.4.1.311.3.3.1',
  /** Extended key usage id-kp-codeSigning (RFC 5280). */
  ekuCodeSigning: '1.3.6.1.5.5.7.3.3',
  /** anyExtendedKeyUsage (RFC 5280). */
  ekuAny: '2.5.29.37.0',
} as const;

/** The MSI subject interface package GUID {000C10F1-0000-0000-C000-000000000046}, in on-disk byte order. */
export const MSI_SIP_GUID = Buffer.from('f1100c0000000000c000000000000046', 'hex');
