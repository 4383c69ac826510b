/**
 * App Store Connect API tokens ("Generating Tokens for API Requests", developer.apple.com): a JWT
 * signed ES256 with the team's API key (`AuthKey_<KEYID>.p8`, PKCS#8 EC P-256), header
 * {alg: ES256, kid, typ: JWT}, claims {iss: issuer id, iat, exp ≤ iat + 20 min, aud: appstoreconnect-v1}.
 * Tokens are minted per request and reused until a minute before they expire.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { UserError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';

export interface ApiKey {
  readonly keyId: string;
  readonly issuerId: string;
  /** The .p8 file contents (PEM). */
  readonly privateKeyPem: string;
}

const TOKEN_LIFETIME_S = 600;

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Parses the .p8 key and checks it is an EC P-256 key, the only kind App Store Connect issues. */
export function loadApiKey(pem: string): KeyObject {
  registerSecret(pem.trim());
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return invalidKey('it is not a PEM private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    invalidKey(`it is a ${key.asymmetricKeyType ?? 'unknown'} key, App Store Connect keys are EC P-256`);
  }
  return key;
}

const invalidKey = (why: string): never => {
  throw new UserError('E_NOTARY_KEY', `the App Store Connect API key content is not usable: ${why}`, {
    hint: 'pass the contents of AuthKey_<KEYID>.p8 with --app-store-connect-api-key-content or FLEETCTL_APP_STORE_CONNECT_API_KEY_CONTENT',
  });
};

export function makeToken(key: ApiKey, privateKey: KeyObject, nowSeconds: number): string {
  const header = b64url(JSON.stringify({ alg: 'ES256', kid: key.keyId, typ: 'JWT' }));
  const claims = b64url(
    JSON.stringify({ iss: key.issuerId, iat: nowSeconds, exp: nowSeconds + TOKEN_LIFETIME_S, aud: 'appstoreconnect-v1' }),
  );
  const input = `${header}.${claims}`;
  // JWS wants the raw r||s form (RFC 7518 §3.4), not DER.
  const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const token = `${input}.${b64url(sig)}`;
  registerSecret(token);
  return token;
}

/** Returns a valid token, minting a new one when the cached one is about to expire. */
export function tokenSource(key: ApiKey, now: () => number = () => Math.floor(Date.now() / 1000)): () => string {
  const privateKey = loadApiKey(key.privateKeyPem);
  let cached: { token: string; exp: number } | undefined;
  return () => {
    const t = now();
    if (cached === undefined || cached.exp - t < 60) {
      cached = { token: makeToken(key, privateKey, t), exp: t + TOKEN_LIFETIME_S };
    }
    return cached.token;
  };
}
