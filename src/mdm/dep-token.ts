/**
 * Decrypts the DEP token Apple Business Manager hands out (`<Server>_Token_<time>_smime.p7m`).
 *
 * The file is an S/MIME message: RFC 822-style headers, a blank line, then base64 of a CMS
 * ContentInfo holding EnvelopedData (RFC 5652 §6), often BER with indefinite lengths. One
 * KeyTransRecipientInfo wraps the content key with RSAES-PKCS1-v1_5 for the certificate made by
 * `set-token setup`; the content is AES-CBC (Apple uses AES-128; AES-192/256 and 3DES are accepted as
 * general CMS tools produce them). We also accept the bare DER/BER and PEM forms.
 *
 * node-forge does the CMS and RSA work in JavaScript: Node 20's OpenSSL 3 refuses PKCS#1 v1.5
 * private decryption (CVE-2023-46809), and forge reads indefinite-length BER.
 *
 * The plaintext is itself a small MIME message whose body is the OAuth JSON between
 * `-----BEGIN MESSAGE-----` and `-----END MESSAGE-----` lines (nanodep's UnwrapTokenJSON).
 */
import forge from 'node-forge';
import { UserError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { DepOAuthTokens } from '../fleet-api/types.js';

export class DepTokenError extends UserError {
  constructor(message: string, hint?: string) {
    super('E_DEP_TOKEN', `could not decrypt the DEP token file: ${message}`, hint === undefined ? undefined : { hint });
  }
}

const B64 = /^[A-Za-z0-9+/=\s]*$/;

/** Returns the DER/BER bytes of the CMS structure inside an S/MIME, PEM or raw `.p7m`. */
export function unwrapSmime(bytes: Uint8Array): Buffer {
  const buf = Buffer.from(bytes);
  if (buf.length === 0) {
    throw new DepTokenError('the file is empty');
  }
  if (buf[0] === 0x30) {
    return buf;
  }
  let text = buf.toString('latin1').replace(/^\uFEFF/, '');
  const pem = /-----BEGIN (?:PKCS7|CMS)-----([\s\S]*?)-----END (?:PKCS7|CMS)-----/.exec(text);
  if (pem !== null) {
    text = pem[1] ?? '';
  } else {
    // Skip the MIME header block (any lines up to the first blank line) when the file has one.
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    if (/^[A-Za-z][A-Za-z0-9-]*:/.test(firstLine)) {
      const m = /\r?\n\r?\n/.exec(text);
      if (m === null) {
        throw new DepTokenError('the S/MIME file has headers but no body');
      }
      text = text.slice(m.index + m[0].length);
    }
  }
  if (!B64.test(text) || text.trim() === '') {
    throw new DepTokenError('not an S/MIME .p7m file (expected headers and a base64 body, or DER)');
  }
  const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
  if (der.length === 0 || der[0] !== 0x30) {
    throw new DepTokenError('not an S/MIME .p7m file (the body is not a CMS structure)');
  }
  return der;
}

/** nanodep's UnwrapTokenJSON: drop the MIME headers, strip the MESSAGE markers, join the lines. */
export function unwrapTokenJson(plain: string): string {
  let body = plain;
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('-----BEGIN MESSAGE-----') && !trimmed.startsWith('{')) {
    const m = /\r?\n\r?\n/.exec(body);
    body = m === null ? '' : body.slice(m.index + m[0].length);
  }
  return body
    .split(/\r?\n/)
    .map((line) => line.replace(/^-----BEGIN MESSAGE-----/, '').replace(/^-----END MESSAGE-----/, ''))
    .join('');
}

export function parseTokenJson(json: string): DepOAuthTokens {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new DepTokenError("the decrypted content is not Apple's DEP token JSON");
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new DepTokenError("the decrypted content is not Apple's DEP token JSON");
  }
  const o = v as Record<string, unknown>;
  const get = (k: string): string => (typeof o[k] === 'string' ? o[k] : '');
  const t: DepOAuthTokens = {
    consumer_key: get('consumer_key'),
    consumer_secret: get('consumer_secret'),
    access_token: get('access_token'),
    access_secret: get('access_secret'),
    access_token_expiry: get('access_token_expiry'),
  };
  for (const s of [t.consumer_secret, t.access_token, t.access_secret]) {
    registerSecret(s);
  }
  const missing = (['consumer_key', 'consumer_secret', 'access_token', 'access_secret'] as const).filter((k) => t[k] === '');
  if (missing.length > 0) {
    throw new DepTokenError(`the DEP token is incomplete (missing ${missing.join(', ')})`);
  }
  return t;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] ?? m;
}

const WRONG_KEY_HINT =
  'upload the fleet-mdm-apple-dep.pem made by `set-token setup` for this enrollment to Apple Business Manager, then download a new token';

/**
 * Decrypts the `.p7m` with the stored key. With `certPem`, a token encrypted to another certificate
 * is recognised before any decryption is attempted.
 */
export function decryptDepToken(p7m: Uint8Array, keyPem: string, certPem?: string): DepOAuthTokens {
  const der = unwrapSmime(p7m);
  let msg: forge.pkcs7.PkcsEnvelopedData;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    const parsed = forge.pkcs7.messageFromAsn1(asn1);
    if (!('recipients' in parsed) || !('decrypt' in parsed)) {
      throw new Error('not CMS EnvelopedData');
    }
    msg = parsed as forge.pkcs7.PkcsEnvelopedData;
  } catch (e) {
    throw new DepTokenError(`the .p7m is truncated or malformed (${firstLine(e)})`);
  }
  let key: forge.pki.rsa.PrivateKey;
  try {
    key = forge.pki.privateKeyFromPem(keyPem);
  } catch {
    throw new DepTokenError('the stored private key is unreadable', 'run `set-token setup --force` for this enrollment and start over');
  }
  let recipient = msg.recipients[0];
  if (certPem !== undefined && certPem !== '') {
    const cert = forge.pki.certificateFromPem(certPem);
    recipient = msg.findRecipient(cert) ?? undefined;
    if (recipient === undefined) {
      throw new DepTokenError('the token was encrypted to a different certificate (wrong key)', WRONG_KEY_HINT);
    }
  }
  if (recipient === undefined) {
    throw new DepTokenError('the .p7m has no recipient');
  }
  try {
    msg.decrypt(recipient, key);
  } catch (e) {
    throw new DepTokenError(`the stored key cannot decrypt this token (wrong key or corrupted file: ${firstLine(e)})`, WRONG_KEY_HINT);
  }
  const content = (msg as unknown as { content?: forge.util.ByteStringBuffer }).content;
  const bytes = content?.getBytes() ?? '';
  if (bytes === '') {
    throw new DepTokenError('decryption produced no content (wrong key or corrupted file)', WRONG_KEY_HINT);
  }
  return parseTokenJson(unwrapTokenJson(Buffer.from(bytes, 'binary').toString('utf8')));
}
