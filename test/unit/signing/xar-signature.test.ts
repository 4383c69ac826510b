import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { writeXar, type XarEntry } from '../../../src/formats/xar/writer.js';
import { identityFromPem, type SigningIdentity } from '../../../src/signing/identity.js';
import { createXarSigner } from '../../../src/signing/xar-signer.js';
import { verifyXarSignatures } from '../../../src/signing/xar-verify.js';
import { stapleBytes } from '../../../src/signing/stapler.js';
import { makeTestPki, type TestPki } from '../../fakes/notary/pki.js';
import { startFakeTsa, type FakeTsa } from '../../fakes/notary/fake-tsa.js';
import { distributionEntry } from '../../helpers/xar-fixtures.js';

const SAMPLES = '../shared/fixtures/apple-pkg-samples';

const entry: XarEntry = distributionEntry('<installer-gui-script/>');

async function signedXar(identity: SigningIdentity, timestampUrl?: string): Promise<Buffer> {
  const signer = await createXarSigner({
    identity,
    ...(timestampUrl !== undefined ? { timestamp: { url: timestampUrl, retry: { attempts: 3, baseDelayMs: 10 } } } : {}),
  });
  const parts: Buffer[] = [];
  await writeXar(async (c) => void parts.push(Buffer.from(c)), [entry], { creationTime: 0, signer });
  return Buffer.concat(parts);
}

let pki: TestPki;
let identity: SigningIdentity;
let root: X509Certificate;
let tsa: FakeTsa;

beforeAll(async () => {
  pki = makeTestPki();
  identity = identityFromPem(pki.identityPem);
  root = new X509Certificate(pki.root.der);
  tsa = await startFakeTsa(pki.tsa);
});
afterAll(async () => {
  await tsa.close();
});

describe('xar signatures (RSA + CMS, productsign layout)', () => {
  it('signs and verifies, chaining to the test root', async () => {
    const pkg = await signedXar(identity);
    const v = verifyXarSignatures(pkg, { trustedRoots: [root] });
    expect(v.checksum.ok).toBe(true);
    expect(v.rsa?.ok).toBe(true);
    expect(v.cms?.ok).toBe(true);
    expect(v.cms?.signer).toContain('Developer ID Installer');
    expect(v.rsa?.certificates.length).toBe(3);
    expect(v.valid).toBe(true);
  });

  it('rejects a chain to an unrelated root', async () => {
    const other = makeTestPki('Other');
    const v = verifyXarSignatures(await signedXar(identity), { trustedRoots: [new X509Certificate(other.root.der)] });
    expect(v.cms?.ok).toBe(false);
    expect(v.cms?.reason).toMatch(/trusted root/);
  });

  it('a flipped TOC byte breaks the checksum and both signatures', async () => {
    const pkg = await signedXar(identity);
    const bad = Buffer.from(pkg);
    bad[40] = (bad[40] as number) ^ 0x01;
    let v;
    try {
      v = verifyXarSignatures(bad);
    } catch {
      return; // the TOC no longer inflates: also a failed verification
    }
    expect(v.valid).toBe(false);
    expect(v.checksum.ok).toBe(false);
    expect(v.rsa?.ok).toBe(false);
  });

  it('a changed heap checksum breaks the CMS signature', async () => {
    const pkg = await signedXar(identity);
    const heap = 28 + Number(pkg.readBigUInt64BE(8));
    const bad = Buffer.from(pkg);
    bad[heap] = (bad[heap] as number) ^ 0x80;
    const v = verifyXarSignatures(bad);
    expect(v.checksum.ok).toBe(false);
    expect(v.cms?.ok).toBe(false);
  });

  it('embeds an RFC 3161 timestamp over the CMS signature', async () => {
    const before = tsa.requests();
    const v = verifyXarSignatures(await signedXar(identity, tsa.url), { trustedRoots: [root] });
    expect(tsa.requests()).toBe(before + 1);
    expect(v.cms?.timestamp?.ok).toBe(true);
    expect(v.cms?.timestamp?.genTime).toBeInstanceOf(Date);
    expect(v.valid).toBe(true);
  });

  it('a stapled ticket after the heap leaves the signatures valid', async () => {
    const pkg = Buffer.concat([await signedXar(identity), stapleBytes(Buffer.from('s8ch-fake-ticket'))]);
    const v = verifyXarSignatures(pkg);
    expect(v.valid).toBe(true);
    expect(v.stapledTicket).toBe(true);
  });
});

describe.runIf(existsSync(`${SAMPLES}/valid.pkg`))('our verifier on Apple-signed samples', () => {
  const appleRoot = (): X509Certificate => {
    const v = verifyXarSignatures(readFileSync(`${SAMPLES}/valid.pkg`));
    const r = v.cms?.certificates.find((c) => c.subject.includes('Apple Root CA'));
    if (r === undefined) {
      throw new Error('no Apple root in KeyInfo');
    }
    return r;
  };
  it.each([
    ['valid', true, true],
    ['bad_signature', false, true],
    ['bad_x_signature', true, false],
    ['bad_both', false, false],
  ])('%s: RSA %s, CMS %s', (name, rsaOk, cmsOk) => {
    const v = verifyXarSignatures(readFileSync(`${SAMPLES}/${name}.pkg`), { trustedRoots: [appleRoot()] });
    expect(v.checksum.ok).toBe(true);
    expect(v.rsa?.ok).toBe(rsaOk);
    expect(v.cms?.ok).toBe(cmsOk);
    expect(v.valid).toBe(rsaOk && cmsOk);
    if (name === 'valid') {
      expect(v.cms?.timestamp?.ok).toBe(true);
      expect(v.cms?.signer).toContain('Developer ID Installer');
    }
  });
});
