/**
 * Loads a Developer ID Installer signing identity: an RSA private key and its certificate chain,
 * from PEM text (key and certificates concatenated, as Fleet's --macos-devid-pem-content and
 * rcodesign's --pem-source take them) or from a PKCS#12 file as Keychain Access exports it.
 *
 * The chain is returned leaf first, then each issuer found among the given certificates, which is
 * the order productsign writes into the xar KeyInfo. Only RSA keys are accepted: the xar
 * `<signature style="RSA">` slot and Apple's Developer ID Installer certificates are RSA.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { UserError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import { OID } from './oids.js';

export interface SigningIdentity {
  readonly privateKey: KeyObject;
  /** DER certificates, leaf first. */
  readonly certificates: readonly Buffer[];
  readonly leaf: X509Certificate;
  /** RSA modulus length in bytes: the size of the raw RSA signature. */
  readonly signatureSize: number;
}

const fail = (msg: string, hint?: string): never => {
  throw new UserError('E_SIGNING_IDENTITY', msg, hint === undefined ? undefined : { hint });
};

/** Wording of errors for the signing flavour at hand (defaults: macOS Developer ID). */
export interface IdentityWording {
  /** What the certificate is, e.g. "code signing certificate". */
  readonly certificate?: string;
  /** Environment variable holding the PKCS#12 passphrase. */
  readonly passphraseEnv?: string;
  /** What needs the RSA key, e.g. "Authenticode signatures". */
  readonly purpose?: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Parses PEM text holding one private key and one or more certificates. */
export function identityFromPem(pem: string, what = 'the Developer ID PEM', wording: IdentityWording = {}): SigningIdentity {
  const certificate = wording.certificate ?? 'Developer ID Installer certificate';
  registerSecret(pem.trim());
  const keys: string[] = [];
  const certs: Buffer[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    const label = m[1] ?? '';
    if (label === 'CERTIFICATE') {
      certs.push(new X509Certificate(m[0]).raw);
    } else if (label.endsWith('PRIVATE KEY')) {
      registerSecret(m[0]);
      keys.push(m[0]);
    }
  }
  if (keys.length !== 1) {
    fail(
      `${what} must contain exactly one private key, found ${keys.length}`,
      `concatenate the ${certificate} and its unencrypted private key in PEM form`,
    );
  }
  if (certs.length === 0) {
    fail(`${what} contains no certificate`, `include the ${certificate} (and ideally its intermediate and root)`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keys[0] as string);
  } catch (e) {
    return fail(
      `${what}: the private key cannot be read (${e instanceof Error ? e.message : String(e)})`,
      'encrypted PEM keys are not supported; use an unencrypted key or a .p12 file',
    );
  }
  return assemble(key, certs, what, wording);
}

/** Parses a PKCS#12 (.p12/.pfx) file; the passphrase may be empty. */
export function identityFromPkcs12(
  p12: Buffer,
  passphrase: string,
  what = 'the Developer ID .p12 file',
  wording: IdentityWording = {},
): SigningIdentity {
  registerSecret(passphrase);
  let parsed: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary')));
    parsed = forge.pkcs12.pkcs12FromAsn1(asn1, false, passphrase);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return fail(
      `${what} cannot be opened: ${/mac|password|invalid/i.test(msg) ? 'wrong passphrase or unsupported encryption' : msg}`,
      `set ${wording.passphraseEnv ?? 'FLEETCTL_MACOS_DEVID_P12_PASSPHRASE'}; files made by OpenSSL 3 may need \`openssl pkcs12 -export -legacy\` or -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256`,
    );
  }
  const keys: KeyObject[] = [];
  const certs: Buffer[] = [];
  for (const sc of parsed.safeContents) {
    for (const bag of sc.safeBags) {
      if ((bag.type === forge.pki.oids['pkcs8ShroudedKeyBag'] || bag.type === forge.pki.oids['keyBag']) && bag.key !== undefined) {
        const pem = forge.pki.privateKeyToPem(bag.key);
        registerSecret(pem);
        keys.push(createPrivateKey(pem));
      } else if (bag.type === forge.pki.oids['certBag'] && bag.cert !== undefined) {
        certs.push(Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes(), 'binary'));
      } else if (bag.type === forge.pki.oids['certBag'] && bag.asn1 !== undefined) {
        // forge leaves certificates it cannot model (e.g. with unusual extensions) as raw ASN.1.
        certs.push(Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary'));
      }
    }
  }
  if (keys.length !== 1) {
    fail(`${what} must contain exactly one private key, found ${keys.length}`);
  }
  if (certs.length === 0) {
    fail(`${what} contains no certificate`);
  }
  return assemble(keys[0] as KeyObject, certs, what, wording);
}

function assemble(key: KeyObject, ders: readonly Buffer[], what: string, wording: IdentityWording): SigningIdentity {
  if (key.asymmetricKeyType !== 'rsa') {
    fail(
      `${what}: the private key is ${key.asymmetricKeyType ?? 'unknown'}, but ${wording.purpose ?? 'macOS package signatures'} need an RSA key`,
    );
  }
  const x509s = ders.map((d) => new X509Certificate(d));
  const leaf = x509s.find((c) => c.checkPrivateKey(key));
  if (leaf === undefined) {
    return fail(`${what}: no certificate matches the private key`);
  }
  // Leaf, then its issuer, then that one's issuer... as far as the given certificates go.
  const chain: X509Certificate[] = [leaf];
  const rest = x509s.filter((c) => c !== leaf);
  for (let cur = leaf; ;) {
    if (cur.checkIssued(cur)) {
      break; // self-signed root
    }
    const issuer = rest.find((c) => !chain.includes(c) && cur.checkIssued(c) && cur.verify(c.publicKey));
    if (issuer === undefined) {
      break;
    }
    chain.push(issuer);
    cur = issuer;
  }
  // Unrelated extra certificates are kept after the chain: harmless, and the user put them there.
  for (const c of rest) {
    if (!chain.includes(c)) {
      chain.push(c);
    }
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 2048;
  return { privateKey: key, certificates: chain.map((c) => c.raw), leaf, signatureSize: Math.ceil(bits / 8) };
}

/** True when the leaf carries Apple's Developer ID Installer extended key usage. */
export function isDeveloperIdInstaller(leaf: X509Certificate): boolean {
  return (leaf.keyUsage ?? []).includes(OID.ekuDeveloperIdInstaller);
}
