import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { UserError } from '../../../src/core/errors.js';
import { redact } from '../../../src/core/redact.js';
import { identityFromPem, identityFromPkcs12, isDeveloperIdInstaller } from '../../../src/signing/identity.js';
import { hasTool, runOk } from '../../helpers/tools.js';
import { makeTestPki, type TestPki } from '../../fakes/notary/pki.js';

let pki: TestPki;
let work: string;

beforeAll(() => {
  pki = makeTestPki();
  work = mkdtempSync(join(tmpdir(), 'identity-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const fails = (f: () => unknown, re: RegExp): void => {
  expect(f).toThrow(UserError);
  expect(f).toThrow(re);
};

describe('signing identity from PEM', () => {
  it('orders the chain leaf → intermediate → root whatever the input order', () => {
    const id = identityFromPem(pki.root.certPem + pki.leaf.certPem + pki.leaf.keyPem + pki.intermediate.certPem);
    expect(id.certificates.map((c) => c.equals(pki.leaf.der) || c.equals(pki.intermediate.der) || c.equals(pki.root.der))).toEqual([
      true,
      true,
      true,
    ]);
    expect(id.certificates[0]?.equals(pki.leaf.der)).toBe(true);
    expect(id.certificates[1]?.equals(pki.intermediate.der)).toBe(true);
    expect(id.certificates[2]?.equals(pki.root.der)).toBe(true);
    expect(id.signatureSize).toBe(256);
    expect(isDeveloperIdInstaller(id.leaf)).toBe(true);
  });

  it('registers the key as a secret', () => {
    identityFromPem(pki.identityPem);
    const body = pki.leaf.keyPem.split('\n')[1] ?? '';
    expect(redact(`oops ${pki.leaf.keyPem}`)).not.toContain(body);
  });

  it('rejects PEM without a key, without a certificate, or with a foreign key', () => {
    fails(() => identityFromPem(pki.leaf.certPem), /exactly one private key, found 0/);
    fails(() => identityFromPem(pki.leaf.keyPem), /contains no certificate/);
    fails(() => identityFromPem(pki.root.keyPem + pki.leaf.certPem), /no certificate matches the private key/);
  });

  it('rejects a non-RSA key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    fails(() => identityFromPem(ec + pki.leaf.certPem), /need an RSA key/);
  });
});

describe('signing identity from PKCS#12', () => {
  it('reads a 3DES .p12 (Keychain Access export style)', () => {
    const p12 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(pki.leaf.keyPem),
      [pki.leaf.certPem, pki.intermediate.certPem].map((c) => forge.pki.certificateFromPem(c)),
      'correct horse',
      { algorithm: '3des' },
    );
    const der = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
    const id = identityFromPkcs12(der, 'correct horse');
    expect(id.certificates.length).toBe(2);
    expect(id.certificates[0]?.equals(pki.leaf.der)).toBe(true);
    fails(() => identityFromPkcs12(der, 'wrong'), /cannot be opened/);
  });

  it.runIf(hasTool('openssl'))('reads .p12 files made by OpenSSL 3 (default AES/PBKDF2/SHA-256 and -legacy)', () => {
    const key = join(work, 'k.pem');
    const chain = join(work, 'chain.pem');
    writeFileSync(key, pki.leaf.keyPem);
    writeFileSync(chain, pki.leaf.certPem + pki.intermediate.certPem + pki.root.certPem);
    for (const extra of [[], ['-legacy']]) {
      const out = join(work, `id${extra.length}.p12`);
      runOk('openssl', ['pkcs12', '-export', '-inkey', key, '-in', chain, '-out', out, '-passout', 'pass:s3cret', ...extra]);
      const id = identityFromPkcs12(readFileSync(out), 's3cret');
      expect(id.certificates.length).toBe(3);
      expect(id.leaf.subject).toContain('Developer ID Installer');
    }
  });
});
