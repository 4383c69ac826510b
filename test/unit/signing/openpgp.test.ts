/**
 * OpenPGP signing: flag/env parsing, key checks (each failure one clear line without secrets) and
 * detached signatures (verifiable, dated at the build time, reproducible, streamed or not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { UserError } from '../../../src/core/errors.js';
import { redact } from '../../../src/core/redact.js';
import { gpgSigningEnv, parseGpgSigning } from '../../../src/signing/openpgp/signing-options.js';
import { loadSigningKey, type OpenPgpSigningKey } from '../../../src/signing/openpgp/key.js';
import { byteStream, detachedSignature, signatureTime } from '../../../src/signing/openpgp/sign.js';
import { makeTestKey, signingOptions, type TestKey } from './openpgp-keys.js';

const DAY = 86_400;
const NOW = Math.floor(Date.now() / 1000);
let dir: string;
let plain: TestKey;
let locked: TestKey;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openpgp-unit-'));
  plain = await makeTestKey({ created: new Date((NOW - 10 * DAY) * 1000) });
  locked = await makeTestKey({ passphrase: 'unit test passphrase 42', created: new Date((NOW - 10 * DAY) * 1000) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The UserError message a promise or function fails with. */
async function failure(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected a failure');
}

describe('parseGpgSigning', () => {
  it('reads --gpg-key and takes the passphrase from the environment', () => {
    const path = join(dir, 'key.asc');
    writeFileSync(path, locked.privateArmored);
    const r = parseGpgSigning({ gpgKey: path, ...gpgSigningEnv({ FLEETCTL_GPG_PASSPHRASE: 'unit test passphrase 42' }) }, 'rpm');
    expect(r.gpgSigning).toEqual({ armoredKey: locked.privateArmored, passphrase: 'unit test passphrase 42', origin: `--gpg-key "${path}"` });
    expect(redact('passphrase unit test passphrase 42 leaked')).not.toContain('unit test passphrase 42');
  });

  it('falls back to the key text in FLEETCTL_GPG_KEY, and the file wins over it', () => {
    const fromEnv = parseGpgSigning(gpgSigningEnv({ FLEETCTL_GPG_KEY: plain.privateArmored }), 'deb');
    expect(fromEnv.gpgSigning).toEqual({ armoredKey: plain.privateArmored, origin: 'FLEETCTL_GPG_KEY' });
    const path = join(dir, 'file-wins.asc');
    writeFileSync(path, locked.privateArmored);
    expect(parseGpgSigning({ gpgKey: path, gpgKeyContent: plain.privateArmored }, 'deb').gpgSigning?.armoredKey).toBe(locked.privateArmored);
  });

  it('is off without a key, and ignored by pkg and msi (one CI environment builds every type)', () => {
    expect(parseGpgSigning({}, 'deb')).toEqual({});
    expect(parseGpgSigning({ gpgKey: '/nonexistent/key.asc' }, 'msi')).toEqual({});
    expect(parseGpgSigning({ gpgKeyContent: plain.privateArmored }, 'pkg')).toEqual({});
  });

  it('rejects an unreadable file, a directory, a public key and non-key text in one line', async () => {
    expect(await failure(() => parseGpgSigning({ gpgKey: join(dir, 'missing.asc') }, 'deb'))).toBe(
      `--gpg-key "${join(dir, 'missing.asc')}" cannot be read: no such file`,
    );
    expect(await failure(() => parseGpgSigning({ gpgKey: dir }, 'deb'))).toMatch(/cannot be read: is a directory$/);
    const pub = join(dir, 'pub.asc');
    writeFileSync(pub, plain.publicArmored);
    expect(await failure(() => parseGpgSigning({ gpgKey: pub }, 'rpm'))).toMatch(/holds a public key; signing needs the private key$/);
    expect(await failure(() => parseGpgSigning({ gpgKeyContent: 'not a key' }, 'rpm'))).toBe(
      'FLEETCTL_GPG_KEY is not an armored OpenPGP private key (-----BEGIN PGP PRIVATE KEY BLOCK-----)',
    );
  });
});

describe('loadSigningKey', () => {
  it('unlocks a passphrase-protected key and reports its fingerprint', async () => {
    const k = await loadSigningKey(signingOptions(locked));
    expect(k.fingerprint).toBe(locked.fingerprint);
    expect(k.key.isDecrypted()).toBe(true);
    expect(k.validFrom).toBe(NOW - 10 * DAY);
  });

  it('wrong or missing passphrase: one line naming the variable, not the secret', async () => {
    const wrong = await failure(() => loadSigningKey({ ...signingOptions(locked), passphrase: 'not the passphrase' }));
    expect(wrong).toBe(`wrong passphrase for the OpenPGP key ${locked.fingerprint} from test key (FLEETCTL_GPG_PASSPHRASE)`);
    expect(wrong).not.toContain('not the passphrase');
    const { passphrase: _dropped, ...noPassphrase } = signingOptions(locked);
    expect(await failure(() => loadSigningKey(noPassphrase))).toMatch(/is protected by a passphrase: set FLEETCTL_GPG_PASSPHRASE$/);
  });

  it('an expired key', async () => {
    const expired = await makeTestKey({ created: new Date((NOW - 3 * DAY) * 1000), expiresIn: DAY });
    const msg = await failure(() => loadSigningKey(signingOptions(expired)));
    expect(msg).toBe(`the OpenPGP key ${expired.fingerprint} from test key expired on ${new Date((NOW - 2 * DAY) * 1000).toISOString()}`);
  });

  it('a revoked key', async () => {
    const k = await openpgp.readPrivateKey({ armoredKey: plain.privateArmored });
    const revoked = await openpgp.revokeKey({ key: k, format: 'armored' });
    expect(await failure(() => loadSigningKey({ armoredKey: revoked.privateKey, origin: 'test key' }))).toMatch(/ is revoked$/);
  });

  it('keys rpm 4.18 and gpg 2.2 cannot verify: v6 keys and RFC 9580 Ed25519', async () => {
    const v6 = await openpgp.generateKey({ userIDs: [{ email: 'v6@example.com' }], type: 'curve25519', config: { v6Keys: true }, format: 'armored' });
    expect(await failure(() => loadSigningKey({ armoredKey: v6.privateKey, origin: 'v6' }))).toMatch(/is a v6 key; rpm 4\.18 and gpg 2\.2 verify signatures of v4 keys only$/);
    const ed = await openpgp.generateKey({ userIDs: [{ email: 'ed@example.com' }], type: 'curve25519', format: 'armored' });
    expect(await failure(() => loadSigningKey({ armoredKey: ed.privateKey, origin: 'ed' }))).toMatch(/signs with ed25519, which rpm 4\.18 and gpg 2\.2 cannot verify$/);
  });

  it('a damaged key block', async () => {
    const damaged = plain.privateArmored.replace(/\n([A-Za-z0-9+/]{20})/, '\n!!!!!!!!!!!!!!!!!!!!');
    expect(await failure(() => loadSigningKey({ armoredKey: damaged, origin: 'damaged' }))).toMatch(/^damaged is not a usable OpenPGP private key: /);
  });
});

describe('detachedSignature', () => {
  let rsa: TestKey;
  let rsaKey: OpenPgpSigningKey;
  let edKey: OpenPgpSigningKey;
  const data = Buffer.from('debian-binary control.tar.gz data.tar.gz, or an rpm header');

  beforeAll(async () => {
    rsa = await makeTestKey({ type: 'rsa', created: new Date((NOW - 10 * DAY) * 1000) });
    rsaKey = await loadSigningKey(signingOptions(rsa));
    edKey = await loadSigningKey(signingOptions(plain));
  });

  async function verify(sig: Buffer, armored: boolean, pub: string, signed: Uint8Array = data): Promise<Date> {
    const signature = armored ? await openpgp.readSignature({ armoredSignature: sig.toString('utf8') }) : await openpgp.readSignature({ binarySignature: sig });
    const r = await openpgp.verify({
      message: await openpgp.createMessage({ binary: signed }),
      signature,
      verificationKeys: await openpgp.readKey({ armoredKey: pub }),
      format: 'binary',
    });
    const first = r.signatures[0];
    if (first === undefined) {
      throw new Error('no signature');
    }
    await first.verified;
    return (await first.signature).packets[0]?.created ?? new Date(0);
  }

  it('binary (rpm) and armored (deb) signatures verify and carry the build time', async () => {
    const at = NOW - DAY;
    const bin = await detachedSignature(rsaKey, data, { createdAt: at, armor: false });
    expect(bin[0]! & 0x80).toBe(0x80);
    expect((await verify(bin, false, rsa.publicArmored)).getTime()).toBe(at * 1000);
    const arm = await detachedSignature(edKey, data, { createdAt: at, armor: true });
    expect(arm.toString('utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----\n\n[\s\S]+-----END PGP SIGNATURE-----\n$/);
    expect((await verify(arm, true, plain.publicArmored)).getTime()).toBe(at * 1000);
    await expect(verify(arm, true, plain.publicArmored, Buffer.from('tampered'))).rejects.toThrow(/Signed digest did not match|signature/i);
  });

  it('is reproducible: the same inputs and build time give the same bytes (RSA and EdDSA)', async () => {
    for (const k of [rsaKey, edKey]) {
      const a = await detachedSignature(k, data, { createdAt: NOW - DAY, armor: false });
      const b = await detachedSignature(k, data, { createdAt: NOW - DAY, armor: false });
      expect(a.equals(b)).toBe(true);
    }
  });

  it('makes the very packet openpgp.sign() makes (same subpackets, SHA-512), for RSA and EdDSA', async () => {
    for (const k of [rsaKey, edKey]) {
      const ours = await detachedSignature(k, data, { createdAt: NOW - DAY, armor: false });
      const reference = await openpgp.sign({
        message: await openpgp.createMessage({ binary: data }),
        signingKeys: k.key,
        detached: true,
        format: 'binary',
        date: new Date((NOW - DAY) * 1000),
        config: { nonDeterministicSignaturesViaNotation: false, preferredHashAlgorithm: openpgp.enums.hash.sha512 },
      });
      expect(ours.equals(Buffer.from(reference))).toBe(true);
      const armored = await detachedSignature(k, data, { createdAt: NOW - DAY, armor: true });
      const referenceArmored = await openpgp.sign({
        message: await openpgp.createMessage({ binary: data }),
        signingKeys: k.key,
        detached: true,
        date: new Date((NOW - DAY) * 1000),
        config: { nonDeterministicSignaturesViaNotation: false, preferredHashAlgorithm: openpgp.enums.hash.sha512 },
      });
      expect(armored.toString('utf8')).toBe(referenceArmored);
    }
  });

  it('a build time before the key existed is raised to the key creation (verifiers reject older signatures)', async () => {
    const early = NOW - 400 * DAY;
    expect(signatureTime(edKey, early)).toBe(NOW - 10 * DAY);
    const sig = await detachedSignature(edKey, data, { createdAt: early, armor: false });
    expect((await verify(sig, false, plain.publicArmored)).getTime()).toBe((NOW - 10 * DAY) * 1000);
  });

  it('a streamed input signs exactly like the same bytes in memory', async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield data.subarray(0, 7);
      yield data.subarray(7, 30);
      yield data.subarray(30);
    }
    const streamed = await detachedSignature(edKey, byteStream(chunks()), { createdAt: NOW, armor: true });
    const whole = await detachedSignature(edKey, data, { createdAt: NOW, armor: true });
    expect(streamed.equals(whole)).toBe(true);
  });
});
