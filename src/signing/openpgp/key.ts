/**
 * Loads an OpenPGP signing key (openpgp.js) and checks it the way a release engineer would want
 * before anything is built: it must be a v4 private key (rpm 4.18 and gpg 2.2, the verifiers on
 * current Debian/RHEL hosts, read v4 signatures only), not expired or revoked today, able to sign
 * (a primary key or subkey with the sign capability), of an algorithm both verifiers know (RSA, DSA,
 * ECDSA, legacy EdDSA), and unlocked by the passphrase. Every failure is one UserError line naming
 * the key's origin (file or variable), never the key or the passphrase.
 *
 * Keys are cached per options object, so `sandbox provision` unlocks a key once for all installers.
 */
import * as openpgp from 'openpgp';
import { UserError } from '../../core/errors.js';
import type { GpgSigningOptions } from './signing-options.js';
import { GPG_PASSPHRASE_ENV } from './signing-options.js';

/** Public-key algorithms rpm 4.18 (internal OpenPGP parser) and gpg 2.2 both verify. */
const VERIFIABLE = new Set(['rsaSign', 'rsaEncryptSign', 'dsa', 'ecdsa', 'eddsaLegacy']);

export interface OpenPgpSigningKey {
  /** The unlocked key. */
  readonly key: openpgp.PrivateKey;
  /** The (sub)key that signs. */
  readonly signingKeyId: openpgp.KeyID;
  /** Its unlocked secret-key packet. */
  readonly signingKeyPacket: openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket;
  /** Upper-case hex fingerprint of the primary key (what operators publish). */
  readonly fingerprint: string;
  /** Seconds since the epoch before which the signing key is not yet valid (creation and self-signatures). */
  readonly validFrom: number;
  readonly origin: string;
}

const fail = (msg: string, hint?: string): never => {
  throw new UserError('E_GPG_KEY', msg, hint === undefined ? undefined : { hint });
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

async function readKey(src: GpgSigningOptions): Promise<openpgp.PrivateKey> {
  try {
    return await openpgp.readPrivateKey({ armoredKey: src.armoredKey });
  } catch (e) {
    return fail(`${src.origin} is not a usable OpenPGP private key: ${message(e)}`);
  }
}

/** The latest creation time among the signatures that make `signer` valid: a signature must not predate them. */
async function validFrom(key: openpgp.PrivateKey, signer: openpgp.PrivateKey | openpgp.Subkey, now: Date): Promise<number> {
  const times = [key.getCreationTime(), signer.getCreationTime()];
  try {
    const primaryUser = await key.getPrimaryUser(now);
    if (primaryUser.selfCertification.created !== null) {
      times.push(primaryUser.selfCertification.created);
    }
  } catch {
    // A key without a valid user ID fails getSigningKey below with a clearer message.
  }
  if (signer !== key && 'bindingSignatures' in signer) {
    const binding = await signer.verify(now);
    if (binding.created !== null) {
      times.push(binding.created);
    }
  }
  return Math.max(...times.map(seconds));
}

/** Checks and unlocks the key; `now` decides expiry. */
export async function loadSigningKey(src: GpgSigningOptions, now: Date = new Date()): Promise<OpenPgpSigningKey> {
  const key = await readKey(src);
  const fingerprint = key.getFingerprint().toUpperCase();
  const name = `the OpenPGP key ${fingerprint} from ${src.origin}`;
  if (key.keyPacket.version !== 4) {
    fail(`${name} is a v${key.keyPacket.version} key; rpm 4.18 and gpg 2.2 verify signatures of v4 keys only`, 'use a v4 key (what gpg 2.2/2.4 generates by default)');
  }
  if (await key.isRevoked(undefined, undefined, now)) {
    fail(`${name} is revoked`);
  }
  const expires = await key.getExpirationTime();
  if (expires instanceof Date && expires.getTime() <= now.getTime()) {
    fail(`${name} expired on ${expires.toISOString()}`, 'extend it (`gpg --quick-set-expire FPR 1y`) and export it again, or use another key');
  }
  let signer: openpgp.PrivateKey | openpgp.Subkey;
  try {
    signer = await key.getSigningKey(undefined, now);
  } catch (e) {
    return fail(`${name} cannot sign (no valid primary key or subkey with the sign capability): ${message(e)}`);
  }
  const algorithm = signer.getAlgorithmInfo().algorithm;
  if (!VERIFIABLE.has(algorithm)) {
    fail(`${name} signs with ${algorithm}, which rpm 4.18 and gpg 2.2 cannot verify`, 'use an RSA (3072 bits or more) or ed25519 key made by gpg');
  }
  let unlocked = key;
  if (!key.isDecrypted()) {
    if (src.passphrase === undefined) {
      fail(`${name} is protected by a passphrase: set ${GPG_PASSPHRASE_ENV}`);
    }
    try {
      unlocked = await openpgp.decryptKey({ privateKey: key, passphrase: src.passphrase });
    } catch (e) {
      const why = message(e);
      return fail(/passphrase/i.test(why) ? `wrong passphrase for ${name} (${GPG_PASSPHRASE_ENV})` : `cannot unlock ${name}: ${why}`);
    }
  }
  const signingKeyPacket = (await unlocked.getSigningKey(signer.getKeyID(), now)).keyPacket;
  if (!(signingKeyPacket instanceof openpgp.SecretKeyPacket || signingKeyPacket instanceof openpgp.SecretSubkeyPacket) || !signingKeyPacket.isDecrypted()) {
    return fail(`${name} has no secret material for its signing key (a gpg stub, e.g. a smartcard key?)`);
  }
  return { key: unlocked, signingKeyId: signer.getKeyID(), signingKeyPacket, fingerprint, validFrom: await validFrom(key, signer, now), origin: src.origin };
}

const cache = new WeakMap<GpgSigningOptions, Promise<OpenPgpSigningKey>>();

/** loadSigningKey, once per options object. */
export function signingKeyFor(src: GpgSigningOptions): Promise<OpenPgpSigningKey> {
  let p = cache.get(src);
  if (p === undefined) {
    p = loadSigningKey(src);
    cache.set(src, p);
    // A failed load is not cached: the next build reports the error again rather than a stale promise.
    p.catch(() => cache.delete(src));
  }
  return p;
}

/** Loads (and caches) the key when signing is requested, so key errors surface before a build starts. */
export async function checkGpgSigning(src: GpgSigningOptions | undefined): Promise<void> {
  if (src !== undefined) {
    await signingKeyFor(src);
  }
}
