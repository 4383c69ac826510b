/**
 * The key pair for Apple Business Manager's DEP token, made as nanodep's tokenpki does: RSA-2048,
 * a self-signed certificate with subject `CN=<cn>`, serial 1, NotBefore 10 minutes in the past (clock
 * skew), keyUsage keyEncipherment + digitalSignature, sha256WithRSA. Apple encrypts the token to this
 * certificate; it does not check the expiry.
 *
 * One deliberate difference: nanodep always uses serial 1, so every certificate it makes has the same
 * issuerAndSerialNumber and a token made for an older certificate is only noticed when decryption
 * fails. A random 63-bit serial (top bit clear, so no sign-extension ambiguity when the `.p7m`'s
 * recipient is matched) lets finalize say plainly that the token belongs to another certificate.
 */
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

export const DEP_CERT_CN = 'fleet';
export const DEP_CERT_VALIDITY_DAYS = 30;
export const DEP_CERT_FILE = 'fleet-mdm-apple-dep.pem';

export interface DepKeyPair {
  /** PEM `RSA PRIVATE KEY` (PKCS#1). */
  readonly keyPem: string;
  /** PEM `CERTIFICATE`. */
  readonly certPem: string;
}

export function generateDepKeyPair(opts: { cn?: string; validityDays?: number; now?: Date } = {}): DepKeyPair {
  const now = opts.now ?? new Date();
  // node-forge uses Node's native RSA key generation when available, so this takes ~0.1 s.
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  const serial = randomBytes(8);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x10;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(now.getTime() - 10 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (opts.validityDays ?? DEP_CERT_VALIDITY_DAYS) * 86_400_000);
  const subject = [{ name: 'commonName', value: opts.cn ?? DEP_CERT_CN }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'keyUsage', keyEncipherment: true, digitalSignature: true }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { keyPem: forge.pki.privateKeyToPem(keys.privateKey), certPem: forge.pki.certificateToPem(cert) };
}
