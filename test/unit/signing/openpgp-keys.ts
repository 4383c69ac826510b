/**
 * Throw-away OpenPGP test keys, generated at test time (no key is ever committed). v4 keys only:
 * rpm 4.18 and gpg 2.2 verify v4 signatures. `ed25519` is the legacy EdDSA form (algorithm 22)
 * gpg makes; RSA keys are 3072 bits, gpg's default.
 */
import * as openpgp from 'openpgp';
import type { GpgSigningOptions } from '../../../src/signing/openpgp/signing-options.js';

export type TestKeyType = 'rsa' | 'ed25519';

export interface TestKey {
  readonly privateArmored: string;
  readonly publicArmored: string;
  /** Upper-case hex fingerprint. */
  readonly fingerprint: string;
  /** Upper-case 16-hex key ID of the primary key (which signs). */
  readonly keyId: string;
  readonly passphrase?: string;
}

export interface TestKeyOptions {
  readonly type?: TestKeyType;
  readonly passphrase?: string;
  /** Key creation time (default: now). */
  readonly created?: Date;
  /** Seconds of validity after creation (default: no expiry). */
  readonly expiresIn?: number;
}

export async function makeTestKey(o: TestKeyOptions = {}): Promise<TestKey> {
  const type = o.type ?? 'ed25519';
  const k = await openpgp.generateKey({
    userIDs: [{ name: 'fleetctl test signing key', email: 'signing-test@example.com' }],
    ...(type === 'rsa' ? { type: 'rsa', rsaBits: 3072 } : { type: 'ecc', curve: 'ed25519Legacy' }),
    ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
    ...(o.created !== undefined ? { date: o.created } : {}),
    ...(o.expiresIn !== undefined ? { keyExpirationTime: o.expiresIn } : {}),
    format: 'armored',
  });
  const pub = await openpgp.readKey({ armoredKey: k.publicKey });
  return {
    privateArmored: k.privateKey,
    publicArmored: k.publicKey,
    fingerprint: pub.getFingerprint().toUpperCase(),
    keyId: pub.getKeyID().toHex().toUpperCase(),
    ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
  };
}

export function signingOptions(k: TestKey, origin = 'test key'): GpgSigningOptions {
  return { armoredKey: k.privateArmored, origin, ...(k.passphrase !== undefined ? { passphrase: k.passphrase } : {}) };
}
