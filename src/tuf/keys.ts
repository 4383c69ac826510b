/**
 * ed25519 keys for TUF repositories, in go-tuf's formats so repositories made by `fleetctl updates`
 * (ours or Fleet's Go one) are interchangeable:
 * - public key JSON `{"keytype":"ed25519","scheme":"ed25519","keyid_hash_algorithms":["sha256","sha512"],
 *   "keyval":{"public":"<hex>"}}`; the key id is the SHA-256 of its canonical JSON;
 * - private keys in `keys/<role>.json`, encrypted as go-tuf does: scrypt (N=32768, r=8, p=1) derives a
 *   key for NaCl secretbox (XSalsa20-Poly1305) over the JSON array of keys (private = seed ‖ public, hex).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scryptSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import nacl from 'tweetnacl';
import { UserError } from '../core/errors.js';

export interface PublicKeyJson {
  readonly keytype: 'ed25519';
  readonly scheme: 'ed25519';
  readonly keyid_hash_algorithms: readonly string[];
  readonly keyval: { readonly public: string };
}

export interface PrivateKeyJson extends Omit<PublicKeyJson, 'keyval'> {
  readonly keyval: { readonly public: string; readonly private: string };
}

export interface SigningKey {
  readonly keyId: string;
  readonly publicJson: PublicKeyJson;
  readonly privateJson: PrivateKeyJson;
  readonly privateKey: KeyObject;
}

// DER prefixes of PKCS#8 / SPKI wrappers around a raw 32-byte ed25519 seed / public key (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function keyIdOf(pub: PublicKeyJson): string {
  return createHash('sha256').update(canonicalize(pub)).digest('hex');
}

function fromSeed(seed: Buffer): SigningKey {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const pub = spki.subarray(spki.length - 32);
  const publicJson: PublicKeyJson = { keytype: 'ed25519', scheme: 'ed25519', keyid_hash_algorithms: ['sha256', 'sha512'], keyval: { public: pub.toString('hex') } };
  const privateJson: PrivateKeyJson = { ...publicJson, keyval: { public: pub.toString('hex'), private: Buffer.concat([seed, pub]).toString('hex') } };
  return { keyId: keyIdOf(publicJson), publicJson, privateJson, privateKey };
}

export function generateKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return fromSeed(der.subarray(der.length - 32));
}

export function keyFromPrivateJson(j: PrivateKeyJson): SigningKey {
  if (j.keytype !== 'ed25519') {
    throw new UserError('E_TUF_KEY', `unsupported key type ${String(j.keytype)} (only ed25519)`);
  }
  return fromSeed(Buffer.from(j.keyval.private, 'hex').subarray(0, 32));
}

export function signBytes(key: SigningKey, data: Buffer): string {
  return sign(null, data, key.privateKey).toString('hex');
}

export function verifyBytes(pub: PublicKeyJson, data: Buffer, sigHex: string): boolean {
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(pub.keyval.public, 'hex')]), format: 'der', type: 'spki' });
  return verify(null, data, key, Buffer.from(sigHex, 'hex'));
}

const SCRYPT = { N: 32768, r: 8, p: 1 } as const;

interface EncryptedKeys {
  readonly kdf: { readonly name: 'scrypt'; readonly params: { N: number; r: number; p: number }; readonly salt: string };
  readonly cipher: { readonly name: 'nacl/secretbox'; readonly nonce: string };
  readonly ciphertext: string;
}

export interface PersistedKeys {
  readonly encrypted: boolean;
  readonly data: EncryptedKeys | readonly PrivateKeyJson[];
}

function deriveKey(passphrase: string, salt: Buffer, p: { N: number; r: number; p: number }): Uint8Array {
  return scryptSync(Buffer.from(passphrase, 'utf8'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * 1024 * 1024 });
}

export function encryptKeys(keys: readonly SigningKey[], passphrase: string): PersistedKeys {
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const plain = Buffer.from(JSON.stringify(keys.map((k) => k.privateJson)));
  const box = nacl.secretbox(plain, nonce, deriveKey(passphrase, salt, SCRYPT));
  return {
    encrypted: true,
    data: {
      kdf: { name: 'scrypt', params: { ...SCRYPT }, salt: salt.toString('base64') },
      cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
      ciphertext: Buffer.from(box).toString('base64'),
    },
  };
}

export function decryptKeys(p: PersistedKeys, passphrase: string, what: string): SigningKey[] {
  if (!p.encrypted) {
    return (p.data as readonly PrivateKeyJson[]).map(keyFromPrivateJson);
  }
  const d = p.data as EncryptedKeys;
  if (d.kdf.name !== 'scrypt' || d.cipher.name !== 'nacl/secretbox') {
    throw new UserError('E_TUF_KEY', `${what}: unsupported key encryption ${d.kdf.name}/${d.cipher.name}`);
  }
  const key = deriveKey(passphrase, Buffer.from(d.kdf.salt, 'base64'), d.kdf.params);
  const plain = nacl.secretbox.open(Buffer.from(d.ciphertext, 'base64'), Buffer.from(d.cipher.nonce, 'base64'), key);
  if (plain === null) {
    throw new UserError('E_TUF_PASSPHRASE', `${what}: wrong passphrase`, { hint: 'check the passphrase (or the FLEET_*_PASSPHRASE environment variable)' });
  }
  return (JSON.parse(Buffer.from(plain).toString('utf8')) as PrivateKeyJson[]).map(keyFromPrivateJson);
}
