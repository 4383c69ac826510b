import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/core/errors.js';
import { redact } from '../../../src/core/redact.js';
import { validatePackageFlags } from '../../../src/packaging/options.js';
import { parseWindowsSigning, windowsSigningEnv, type RawWindowsSigningFlags } from '../../../src/packaging/msi/sign-options.js';
import { makeCodeSigningPki, type CodeSigningPki } from '../../fakes/authenticode/code-signing-pki.js';

let work: string;
let pki: CodeSigningPki;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'authenticode-options-'));
  pki = makeCodeSigningPki(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pem = (): RawWindowsSigningFlags => ({ windowsSignCert: pki.valid.certPath, windowsSignKey: pki.valid.keyPath });
const p12 = (passphrase: string): RawWindowsSigningFlags => ({ windowsSignP12: pki.valid.p12Path, windowsSignPassphrase: passphrase });

function fails(f: RawWindowsSigningFlags, re: RegExp): UserError {
  let err: unknown;
  try {
    parseWindowsSigning(f, 'msi');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).toMatch(re);
  expect((err as Error).message).not.toContain('\n');
  return err as UserError;
}

describe('Windows signing flags', () => {
  it('accepts a PEM certificate + key pair and a PKCS#12 file, with timestamp servers in order', () => {
    const a = parseWindowsSigning({ ...pem(), timestampUrls: ['http://a.example/ts', 'https://b.example/ts'] }, 'msi').windowsSigning;
    expect(a?.identity.kind).toBe('pem');
    expect(a?.timestampUrls).toEqual(['http://a.example/ts', 'https://b.example/ts']);
    const b = parseWindowsSigning(p12(pki.valid.passphrase), 'msi').windowsSigning;
    expect(b?.identity.kind).toBe('p12');
    expect(b?.timestampUrls).toEqual([]);
    expect(parseWindowsSigning({ ...pem(), timestampUrls: ['none'] }, 'msi').windowsSigning?.timestampUrls).toEqual([]);
  });

  it('is ignored by other package types, and absent when nothing is asked', () => {
    expect(parseWindowsSigning(pem(), 'deb')).toEqual({});
    expect(parseWindowsSigning({ timestampUrls: ['http://t'] }, 'pkg')).toEqual({});
    expect(parseWindowsSigning({ windowsSignPassphrase: 'set for the whole job' }, 'msi')).toEqual({});
  });

  it('reports each identity problem on one line', () => {
    const wrong = fails(p12('not-the-passphrase'), /--windows-sign-p12 ".*fake-code-signing\.p12" cannot be opened: wrong passphrase/);
    expect(wrong.hint).toContain('FLEETCTL_WINDOWS_SIGN_PASSPHRASE');
    fails({ windowsSignCert: pki.valid.certPath, windowsSignKey: pki.expired.keyPath }, /no certificate matches the private key/);
    fails({ windowsSignCert: pki.expired.certPath, windowsSignKey: pki.expired.keyPath }, /the certificate expired on/);
    fails({ windowsSignCert: pki.wrongPurpose.certPath, windowsSignKey: pki.wrongPurpose.keyPath }, /not for code signing/);
    fails({ windowsSignCert: pki.valid.certPath }, /--windows-sign-cert and --windows-sign-key must be given together/);
    fails(
      { ...pem(), windowsSignP12: pki.valid.p12Path },
      /either --windows-sign-cert with --windows-sign-key, or --windows-sign-p12, not both/,
    );
    fails(
      { windowsSignCert: join(work, 'nope.crt'), windowsSignKey: pki.valid.keyPath },
      /--windows-sign-cert ".*nope\.crt" cannot be read: no such file/,
    );
    const notKey = join(work, 'not-a-key.pem');
    writeFileSync(notKey, 'hello\n');
    fails({ windowsSignCert: pki.valid.certPath, windowsSignKey: notKey }, /must contain exactly one private key, found 0/);
  });

  it('checks the timestamp server list', () => {
    fails({ timestampUrls: ['http://t.example'] }, /--timestamp-url requires a signing identity/);
    fails({ ...pem(), timestampUrls: ['ftp://t.example'] }, /must be an http:\/\/ or https:\/\/ URL/);
    fails({ ...pem(), timestampUrls: ['none', 'http://t.example'] }, /cannot be combined/);
  });

  it('never lets the passphrase or the key reach output', () => {
    const secret = 'hunter2-windows-passphrase';
    parseWindowsSigning({ ...pem(), ...windowsSigningEnv({ FLEETCTL_WINDOWS_SIGN_PASSPHRASE: secret }) }, 'msi');
    expect(redact(`passphrase was ${secret}`)).not.toContain(secret);
  });

  it('flows through validatePackageFlags for msi only', () => {
    const msi = validatePackageFlags({ type: 'msi', ...pem(), timestampUrls: ['http://t.example/ts'] }, 1_700_000_000);
    expect(msi.windowsSigning?.timestampUrls).toEqual(['http://t.example/ts']);
    const deb = validatePackageFlags({ type: 'deb', ...pem() }, 1_700_000_000);
    expect(deb.windowsSigning).toBeUndefined();
  });
});
