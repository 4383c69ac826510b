/**
 * The Authenticode digest of a Windows Installer package (what signtool, msi.dll's SIP and
 * osslsigncode compute): SHA-256 over the contents of the root storage's streams, then the root
 * CLSID (16 bytes). Names, sizes, sector layout and timestamps are not covered, so the same package
 * has the same digest in any compound-file layout — which is what lets us re-container a package
 * while signing it.
 *
 * The rules that matter for a byte-exact match:
 * - the signature streams themselves (`\u0005DigitalSignature`, `\u0005MsiDigitalSignatureEx`) and
 *   empty streams are skipped;
 * - streams are taken in the order of their raw (packed) names compared as UTF-16LE byte strings
 *   with memcmp — not by code unit and not in directory order. The two orders differ for typical
 *   packed names (0x3A8C vs 0x4131: byte 0x8C > 0x31);
 * - sub-storages would be hashed recursively, each followed by its own CLSID; packages with
 *   sub-storages (patches, embedded transforms) are not supported by our signer.
 *
 * The optional `\u0005MsiDigitalSignatureEx` pre-hash (metadata: names, sizes, times) is not
 * produced: Windows and osslsigncode accept signatures without it.
 */
export const SIGNATURE_STREAM = '\u0005DigitalSignature';
export const SIGNATURE_EX_STREAM = '\u0005MsiDigitalSignatureEx';

export const isSignatureStream = (rawName: string): boolean => rawName === SIGNATURE_STREAM || rawName === SIGNATURE_EX_STREAM;

function utf16le(name: string): Buffer {
  const b = Buffer.alloc(name.length * 2);
  for (let i = 0; i < name.length; i++) {
    b.writeUInt16LE(name.charCodeAt(i), i * 2);
  }
  return b;
}

/** memcmp order of the UTF-16LE names; a name that is a prefix of another sorts first. */
export function compareDigestOrder(a: string, b: string): number {
  return Buffer.compare(utf16le(a), utf16le(b));
}

/** The streams that enter the digest, in digest order. */
export function digestOrder<T extends { readonly name: string; readonly size: number }>(streams: readonly T[]): T[] {
  return streams.filter((s) => s.size > 0 && !isSignatureStream(s.name)).sort((x, y) => compareDigestOrder(x.name, y.name));
}
