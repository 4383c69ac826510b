/**
 * Code signing identities for Authenticode tests, issued at test time under the throwaway CA of
 * test/fakes/notary/pki.ts (its root, intermediate and timestamp authority are reused): a valid
 * leaf with the codeSigning extended key usage, an expired one, and one for a different purpose.
 * Each comes as PEM files (certificate chain + key) and as a PKCS#12 file.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { makeTestPki, type TestCert, type TestPki } from '../notary/pki.js';

export interface CodeSigningFiles {
  /** Leaf + intermediate certificates, PEM. */
  readonly certPath: string;
  /** Unencrypted PKCS#8 key, PEM. */
  readonly keyPath: string;
  /** Key + chain, encrypted with `passphrase`. */
  readonly p12Path: string;
  readonly passphrase: string;
  readonly leaf: TestCert;
}

export interface CodeSigningPki {
  readonly pki: TestPki;
  /** Root certificate PEM file (osslsigncode -CAfile / -TSA-CAfile). */
  readonly caPath: string;
  readonly valid: CodeSigningFiles;
  readonly expired: CodeSigningFiles;
  readonly wrongPurpose: CodeSigningFiles;
}

function issue(pki: TestPki, cn: string, serial: string, validity: { from: number; to: number }, eku: Record<string, unknown>): TestCert {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const issuerCert = forge.pki.certificateFromPem(pki.intermediate.certPem);
  const c = forge.pki.createCertificate();
  c.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ format: 'pem', type: 'spki' }).toString());
  c.serialNumber = serial;
  c.validity.notBefore = new Date(validity.from);
  c.validity.notAfter = new Date(validity.to);
  c.setSubject([
    { shortName: 'C', value: 'US' },
    { shortName: 'O', value: 'Fleet Test' },
    { shortName: 'CN', value: cn },
  ]);
  c.setIssuer(issuerCert.subject.attributes);
  c.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', ...eku },
  ]);
  c.sign(forge.pki.privateKeyFromPem(pki.intermediate.keyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(c);
  return { certPem, keyPem, der: Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes(), 'binary') };
}

function files(dir: string, name: string, leaf: TestCert, pki: TestPki): CodeSigningFiles {
  const certPath = join(dir, `fake-${name}.crt`);
  const keyPath = join(dir, `fake-${name}.key`);
  const p12Path = join(dir, `fake-${name}.p12`);
  const passphrase = `pass-${name}-Zq9`;
  writeFileSync(certPath, leaf.certPem + pki.intermediate.certPem);
  writeFileSync(keyPath, leaf.keyPem, { mode: 0o600 });
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(leaf.keyPem),
    [forge.pki.certificateFromPem(leaf.certPem), forge.pki.certificateFromPem(pki.intermediate.certPem)],
    passphrase,
    { algorithm: '3des' },
  );
  writeFileSync(p12Path, Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'), { mode: 0o600 });
  return { certPath, keyPath, p12Path, passphrase, leaf };
}

/** Writes the identities into `dir`. */
export function makeCodeSigningPki(dir: string): CodeSigningPki {
  const pki = makeTestPki('Fleet Authenticode Test');
  const now = Date.now();
  const year = 365 * 86_400_000;
  const valid = issue(pki, 'Fleet Test Code Signing', '0c0de1', { from: now - 86_400_000, to: now + year }, { codeSigning: true });
  const expired = issue(pki, 'Fleet Test Expired', '0c0de2', { from: now - 2 * year, to: now - year }, { codeSigning: true });
  const wrong = issue(pki, 'Fleet Test Server', '0c0de3', { from: now - 86_400_000, to: now + year }, { serverAuth: true });
  const caPath = join(dir, 'fake-ca.pem');
  writeFileSync(caPath, pki.root.certPem);
  return {
    pki,
    caPath,
    valid: files(dir, 'code-signing', valid, pki),
    expired: files(dir, 'expired', expired, pki),
    wrongPurpose: files(dir, 'server', wrong, pki),
  };
}
