/**
 * Signed packages checked by tools we did not write: openssl verifies the RSA signature over the
 * compressed TOC (`dgst -sha1 -verify`), the CMS signature over the TOC checksum (`cms -verify`
 * against the test CA) and the RFC 3161 token (`ts -verify`); bsdtar and 7-Zip still read the
 * archive. Our verifier must agree with openssl on Apple's own signed samples and their broken variants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runOk, tools } from '../helpers/tools.js';
import { readXar } from '../helpers/readers/xar-reader.js';
import { buildPkg } from '../../src/packaging/pkg/packager.js';
import { identityFromPem } from '../../src/signing/identity.js';
import { createXarSigner } from '../../src/signing/xar-signer.js';
import { parseSignedData } from '../../src/signing/cms-verify.js';
import { OID } from '../../src/signing/oids.js';
import { verifyXarSignatures } from '../../src/signing/xar-verify.js';
import { cleanupContexts, pkgContext } from '../unit/packaging/pkg/fixture.js';
import { makeTestPki, type TestPki } from '../fakes/notary/pki.js';
import { startFakeTsa, type FakeTsa } from '../fakes/notary/fake-tsa.js';

const SAMPLES = '../shared/fixtures/apple-pkg-samples';

interface Parts {
  toc: string;
  cks: string;
  rsa: string;
  cms: string;
  leaf: string;
  root: string;
}

/** Splits a signed xar into the files openssl needs (pkg.md §7.3). */
function split(pkg: Buffer, dir: string, tag: string): Parts {
  const x = readXar(pkg);
  const heap = (o: number, n: number): Buffer => pkg.subarray(x.heapStart + o, x.heapStart + o + n);
  const sig = (style: string): Buffer => {
    const s = x.signatures.find((v) => v.style === style);
    if (s === undefined) {
      throw new Error(`no ${style} signature`);
    }
    return heap(s.offset, s.size);
  };
  const certs = [...x.tocXml.matchAll(/<X509Certificate>([^<]+)<\/X509Certificate>/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ''));
  const pem = (b64: string): string =>
    `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
  const p = (n: string): string => join(dir, `${tag}.${n}`);
  writeFileSync(p('toc'), pkg.subarray(x.headerSize, x.headerSize + x.tocCompressedLength));
  writeFileSync(p('cks'), heap(x.checksum.offset, x.checksum.size));
  writeFileSync(p('rsa'), sig('RSA'));
  writeFileSync(p('cms'), sig('CMS'));
  writeFileSync(p('leaf'), pem(certs[0] ?? ''));
  writeFileSync(p('root'), pem(certs[2] ?? ''));
  return { toc: p('toc'), cks: p('cks'), rsa: p('rsa'), cms: p('cms'), leaf: p('leaf'), root: p('root') };
}

function opensslRsa(parts: Parts): boolean {
  const pub = `${parts.leaf}.pub`;
  writeFileSync(pub, runOk('openssl', ['x509', '-in', parts.leaf, '-pubkey', '-noout']));
  return run('openssl', ['dgst', '-sha1', '-verify', pub, '-signature', parts.rsa, parts.toc]).stdout.includes('Verified OK');
}

function opensslCms(parts: Parts, caFile: string): boolean {
  const r = run('openssl', [
    'cms',
    '-verify',
    '-inform',
    'DER',
    '-in',
    parts.cms,
    '-binary',
    '-content',
    parts.cks,
    '-CAfile',
    caFile,
    '-purpose',
    'any',
    '-ignore_critical',
    '-out',
    '/dev/null',
  ]);
  return r.status === 0 && r.stderr.includes('CMS Verification successful');
}

describe.runIf(tools('openssl', 'bsdtar', '7zz'))('signed pkg verified with openssl, bsdtar and 7-Zip', () => {
  let work: string;
  let pki: TestPki;
  let tsa: FakeTsa;
  let pkg: Buffer;
  let parts: Parts;
  let rootPem: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pkg-sign-verify-'));
    pki = makeTestPki();
    tsa = await startFakeTsa(pki.tsa);
    rootPem = join(work, 'test-root.pem');
    writeFileSync(rootPem, pki.root.certPem);
    const ctx = pkgContext({}, 32 * 1024);
    const signer = await createXarSigner({ identity: identityFromPem(pki.identityPem), timestamp: { url: tsa.url } });
    await buildPkg(ctx, { signer });
    pkg = readFileSync(ctx.outPath);
    writeFileSync(join(work, 'signed.pkg'), pkg);
    parts = split(pkg, work, 'ours');
  });
  afterAll(async () => {
    await tsa.close();
    rmSync(work, { recursive: true, force: true });
    cleanupContexts();
  });

  it('uses the productsign layout: checksum, RSA, CMS from heap offset 0', () => {
    const x = readXar(pkg);
    expect(x.checksumAlgorithm).toBe(1);
    expect(x.checksum).toEqual({ style: 'sha1', offset: 0, size: 20 });
    expect(x.signatures.map((s) => [s.element, s.style, s.offset, s.size, s.certificates])).toEqual([
      ['signature', 'RSA', 20, 256, 3],
      ['x-signature', 'CMS', 276, x.signatures[1]?.size, 3],
    ]);
    expect(x.signatures[1]?.size).toBeGreaterThanOrEqual(9216);
  });

  it('openssl verifies the RSA signature over the compressed TOC', () => {
    expect(opensslRsa(parts)).toBe(true);
    // productsign's form: PKCS#1 v1.5 over DigestInfo(sha1, checksum).
    const pub = `${parts.leaf}.pub`;
    const recovered = Buffer.from(
      run('openssl', ['pkeyutl', '-verifyrecover', '-pubin', '-inkey', pub, '-in', parts.rsa, '-hexdump'])
        .stdout.replace(/^[0-9a-f]+ - | {2}.*$/gm, '')
        .replace(/[\s-]/g, ''),
      'hex',
    );
    expect(recovered.toString('hex')).toBe(`3021300906052b0e03021a05000414${readFileSync(parts.cks).toString('hex')}`);
  });

  it('openssl cms -verify accepts the CMS signature with the test CA', () => {
    expect(opensslCms(parts, rootPem)).toBe(true);
  });

  it('openssl rejects the CMS signature under an unrelated CA', () => {
    const other = join(work, 'other-root.pem');
    writeFileSync(other, makeTestPki('Other').root.certPem);
    expect(opensslCms(parts, other)).toBe(false);
  });

  it('openssl ts -verify accepts the timestamp token over the CMS signature value', () => {
    const sd = parseSignedData(readFileSync(parts.cms));
    const token = sd.unsignedAttrs.get(OID.timeStampToken)?.[0];
    expect(token).toBeDefined();
    const tokenFile = join(work, 'token.der');
    const sigFile = join(work, 'sigvalue.bin');
    writeFileSync(tokenFile, token?.source.subarray(token.start, token.end) ?? Buffer.alloc(0));
    writeFileSync(sigFile, sd.signature);
    const r = run('openssl', ['ts', '-verify', '-token_in', '-in', tokenFile, '-data', sigFile, '-CAfile', rootPem]);
    expect(r.stdout + r.stderr).toContain('Verification: OK');
  });

  it('bsdtar and 7-Zip still read the signed package', () => {
    const names = runOk('bsdtar', ['-tf', join(work, 'signed.pkg')]);
    expect(names).toContain('base.pkg/Payload');
    const r = run('7zz', ['t', join(work, 'signed.pkg')]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Everything is Ok');
    expect(r.stdout + r.stderr).not.toMatch(/WARNING|CRC Failed|Data Error|Headers Error/i);
  });

  it('a byte flipped in the TOC breaks verification (openssl and ours)', () => {
    const bad = Buffer.from(pkg);
    const x = readXar(pkg);
    const at = x.headerSize + Math.floor(x.tocCompressedLength / 2);
    bad[at] = (bad[at] as number) ^ 0x01;
    const tocFile = join(work, 'bad.toc');
    writeFileSync(tocFile, bad.subarray(x.headerSize, x.headerSize + x.tocCompressedLength));
    expect(opensslRsa({ ...parts, toc: tocFile })).toBe(false);
    expect(createHash('sha1').update(readFileSync(tocFile)).digest().equals(readFileSync(parts.cks))).toBe(false);
    let ours: boolean;
    try {
      ours = verifyXarSignatures(bad).valid;
    } catch {
      ours = false; // the TOC no longer inflates
    }
    expect(ours).toBe(false);
  });

  it('our verifier agrees: valid, chaining to the test root, with a timestamp', () => {
    const v = verifyXarSignatures(pkg, { trustedRoots: [new X509Certificate(pki.root.certPem)] });
    expect(v.valid).toBe(true);
    expect(v.cms?.timestamp?.ok).toBe(true);
  });
});

describe.runIf(existsSync(`${SAMPLES}/valid.pkg`) && tools('openssl'))('our verifier agrees with openssl on Apple-signed samples', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pkg-apple-sig-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(['valid', 'bad_signature', 'bad_x_signature', 'bad_both'])('%s', (name) => {
    const pkg = readFileSync(`${SAMPLES}/${name}.pkg`);
    const parts = split(pkg, work, name);
    const rsa = opensslRsa(parts);
    const cms = opensslCms(parts, parts.root);
    const ours = verifyXarSignatures(pkg);
    expect({ rsa: ours.rsa?.ok, cms: ours.cms?.ok }).toEqual({ rsa, cms });
    expect(ours.valid).toBe(name === 'valid');
  });
});
