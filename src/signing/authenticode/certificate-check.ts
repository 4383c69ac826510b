/**
 * Checks a code signing certificate before we sign with it, so the operator learns at build time,
 * not from a Windows "unknown publisher" prompt: the leaf must be within its validity period (a
 * signature made with an expired certificate is invalid even with a timestamp) and, when it names
 * extended key usages, must include code signing.
 */
import type { X509Certificate } from 'node:crypto';
import { UserError } from '../../core/errors.js';
import { AUTHENTICODE_OID } from './oids.js';

const day = (d: Date): string => d.toISOString().slice(0, 10);

export function checkCodeSigningCertificate(leaf: X509Certificate, now: Date, what: string): void {
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (now.getTime() > notAfter.getTime()) {
    throw new UserError('E_SIGNING_IDENTITY', `${what}: the certificate expired on ${day(notAfter)}`, {
      hint: 'renew the code signing certificate; Windows rejects signatures made after expiry',
    });
  }
  if (now.getTime() < notBefore.getTime()) {
    throw new UserError('E_SIGNING_IDENTITY', `${what}: the certificate is not valid before ${day(notBefore)}`, {
      hint: 'check the system clock',
    });
  }
  // Node names the extended key usage list `keyUsage`; undefined means "no EKU extension" (any use).
  const eku = leaf.keyUsage;
  if (eku !== undefined && !eku.includes(AUTHENTICODE_OID.ekuCodeSigning) && !eku.includes(AUTHENTICODE_OID.ekuAny)) {
    throw new UserError('E_SIGNING_IDENTITY', `${what}: the certificate is not for code signing (extended key usage ${eku.join(', ')})`, {
      hint: 'use a certificate with the code signing extended key usage (1.3.6.1.5.5.7.3.3)',
    });
  }
}
