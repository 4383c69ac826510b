import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import CFB from 'cfb';
import { ApiError, UserError } from '../../../src/core/errors.js';
import { CompoundFileReader } from '../../../src/formats/cfb/reader.js';
import { CompoundFileWriter } from '../../../src/formats/cfb/writer.js';
import { childAt, contentOf, oidOf, parseAsn1 } from '../../../src/signing/asn1.js';
import { compareDigestOrder, digestOrder, SIGNATURE_STREAM } from '../../../src/signing/authenticode/msi-digest.js';
import { msiIndirectData } from '../../../src/signing/authenticode/indirect-data.js';
import { signMsi } from '../../../src/signing/authenticode/msi-signer.js';
import { AUTHENTICODE_OID } from '../../../src/signing/authenticode/oids.js';
import { checkSignedData, parseSignedData } from '../../../src/signing/cms-verify.js';
import { identityFromPem, type SigningIdentity } from '../../../src/signing/identity.js';
import { OID } from '../../../src/signing/oids.js';
import { startFakeTsa, type FakeTsa } from '../../fakes/notary/fake-tsa.js';
import { makeCodeSigningPki, type CodeSigningPki } from '../../fakes/authenticode/code-signing-pki.js';
import { closedPortUrl } from '../../fakes/authenticode/closed-port.js';

const MSI_CLSID = Buffer.from('84100c0000000000c000000000000046', 'hex');
const FAST_RETRY = { attempts: 2, baseDelayMs: 10 };

let work: string;
let pki: CodeSigningPki;
let identity: SigningIdentity;
let tsa: FakeTsa;

const pemIdentity = (f: { keyPath: string; certPath: string }): SigningIdentity =>
  identityFromPem(readFileSync(f.keyPath, 'utf8') + readFileSync(f.certPath, 'utf8'));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'authenticode-'));
  pki = makeCodeSigningPki(work);
  identity = pemIdentity(pki.valid);
  tsa = await startFakeTsa(pki.pki.tsa);
});
afterAll(async () => {
  await tsa.close();
  rmSync(work, { recursive: true, force: true });
});

/** Packed names whose UTF-16LE byte order differs from their code-unit order (see msi-digest.ts). */
const STREAMS: ReadonlyArray<[string, Buffer]> = [
  ['\u4840\u3f7f\u4164\u422f\u4836', Buffer.from('tables')],
  ['\u430b\u4131\u4735\u403e\u46ec\u3a8c', Buffer.alloc(5000, 7)], // Binary.WixCA, regular sectors
  ['\u4840\u430f\u422f', Buffer.from('file table')],
  ['\u4840\u430f', Buffer.from('prefix of the above')],
  ['\u0005SummaryInformation', Buffer.from('summary')],
  ['empty', Buffer.alloc(0)],
];

async function makeMsi(name: string, extra: ReadonlyArray<[string, Buffer]> = []): Promise<string> {
  const path = join(work, name);
  const w = await CompoundFileWriter.create(path, { rootClsid: MSI_CLSID });
  for (const [n, d] of [...STREAMS, ...extra]) {
    w.addStream(n, d);
  }
  await w.close();
  return path;
}

async function streamsOf(path: string): Promise<Map<string, Buffer>> {
  const r = await CompoundFileReader.open(path);
  const out = new Map<string, Buffer>();
  for (const e of r.children()) {
    out.set(e.name, await r.read(e));
  }
  await r.close();
  return out;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('MSI digest order', () => {
  it('compares raw names as UTF-16LE bytes, not code units', () => {
    // 0x3A8C < 0x4131 as code units, but the low bytes 0x8C > 0x31 decide memcmp.
    expect(compareDigestOrder('\u3a8c', '\u4131')).toBeGreaterThan(0);
    expect(compareDigestOrder('\u4840\u430f', '\u4840\u430f\u422f')).toBeLessThan(0);
    expect(compareDigestOrder('abc', 'abc')).toBe(0);
  });

  it('skips signature streams and empty streams', () => {
    const order = digestOrder([
      { name: 'b', size: 1 },
      { name: SIGNATURE_STREAM, size: 10 },
      { name: '\u0005MsiDigitalSignatureEx', size: 10 },
      { name: 'a', size: 1 },
      { name: 'z', size: 0 },
    ]).map((s) => s.name);
    expect(order).toEqual(['a', 'b']);
  });
});

describe('SpcIndirectDataContent', () => {
  it('carries SpcSipInfo with the MSI GUID and a SHA-256 DigestInfo', () => {
    const digest = Buffer.alloc(32, 0xab);
    const n = parseAsn1(msiIndirectData(digest));
    const data = childAt(n, 0, 'data');
    expect(oidOf(childAt(data, 0, 'type'))).toBe(AUTHENTICODE_OID.spcSipInfo);
    const sip = childAt(data, 1, 'SpcSipInfo');
    expect(sip.children.length).toBe(7);
    expect(contentOf(childAt(sip, 1, 'guid')).toString('hex')).toBe('f1100c0000000000c000000000000046');
    const di = childAt(n, 1, 'DigestInfo');
    expect(oidOf(childAt(childAt(di, 0, 'alg'), 0, 'oid'))).toBe(OID.sha256);
    expect(contentOf(childAt(di, 1, 'digest')).equals(digest)).toBe(true);
  });
});

describe('signMsi', () => {
  it('signs: the digest covers stream contents in byte order and the root CLSID; PKCS#7 verifies', async () => {
    const input = await makeMsi('plain.msi');
    const before = sha256(readFileSync(input));
    const out = join(work, 'signed.msi');
    const r = await signMsi(input, out, { identity, description: 'Fleet osquery', signingTime: new Date('2026-01-02T03:04:05Z') });

    // Independent expectation, worked out by hand from the little-endian bytes (05 00 < 0b 43 <
    // 40 48 0f 43 < 40 48 0f 43 2f 42 < 40 48 7f 3f). Code-unit order would put _Tables (0x3f7f)
    // before the two 0x430f names.
    const byBytes = [
      '\u0005SummaryInformation',
      '\u430b\u4131\u4735\u403e\u46ec\u3a8c',
      '\u4840\u430f',
      '\u4840\u430f\u422f',
      '\u4840\u3f7f\u4164\u422f\u4836',
    ];
    const h = createHash('sha256');
    for (const n of byBytes) {
      h.update(STREAMS.find(([s]) => s === n)![1]);
    }
    h.update(MSI_CLSID);
    expect(r.digest.toString('hex')).toBe(h.digest('hex'));
    expect(sha256(readFileSync(input))).toBe(before);
    expect(existsSync(`${out}.partial`)).toBe(false);

    const streams = await streamsOf(out);
    for (const [n, d] of STREAMS) {
      expect(streams.get(n)?.equals(d), n).toBe(true);
    }
    const sig = streams.get(SIGNATURE_STREAM)!;
    const p = parseSignedData(sig);
    expect(p.eContentType).toBe(AUTHENTICODE_OID.spcIndirectData);
    expect(p.signatureAlgorithm).toBe(OID.rsaEncryption);
    expect(p.signingTime?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(p.signedAttrs.has(AUTHENTICODE_OID.spcStatementType)).toBe(true);
    expect(p.signedAttrs.has(AUTHENTICODE_OID.spcSpOpusInfo)).toBe(true);
    // eContent is the SEQUENCE's content octets: messageDigest covers exactly those (Authenticode).
    const check = checkSignedData(p, undefined, [new X509Certificate(pki.pki.root.der)]);
    expect(check).toMatchObject({ ok: true });
    const indirect = parseAsn1(Buffer.concat([Buffer.from([0x30, 0x82, p.eContent!.length >> 8, p.eContent!.length & 0xff]), p.eContent!]));
    expect(contentOf(childAt(childAt(indirect, 1, 'DigestInfo'), 1, 'digest')).equals(r.digest)).toBe(true);
    // SignedData version 1 and the chain (leaf + intermediate) embedded.
    const sd = childAt(childAt(parseAsn1(sig), 1, '[0]'), 0, 'SignedData');
    expect(contentOf(childAt(sd, 0, 'version'))[0]).toBe(1);
    expect(p.certificates.length).toBe(2);
  });

  it('is deterministic without a timestamp, and keeps the digest when re-signing a signed package', async () => {
    const input = await makeMsi('again.msi');
    const t = new Date('2026-05-05T00:00:00Z');
    const a = join(work, 'a.msi');
    const b = join(work, 'b.msi');
    const ra = await signMsi(input, a, { identity, signingTime: t });
    await signMsi(input, b, { identity, signingTime: t });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // Re-sign the signed output (and a stale MsiDigitalSignatureEx): one new signature, same digest.
    const stale = await makeMsi('stale.msi', [
      [SIGNATURE_STREAM, Buffer.from('old signature')],
      ['\u0005MsiDigitalSignatureEx', Buffer.from('old pre-hash')],
    ]);
    const c = join(work, 'c.msi');
    const rc = await signMsi(stale, c, { identity, signingTime: t });
    expect(rc.digest.equals(ra.digest)).toBe(true);
    const streams = await streamsOf(c);
    expect(streams.has('\u0005MsiDigitalSignatureEx')).toBe(false);
    expect(streams.get(SIGNATURE_STREAM)?.equals((await streamsOf(a)).get(SIGNATURE_STREAM)!)).toBe(true);
  });

  it('adds an RFC 3161 timestamp under the Authenticode attribute, falling back to the next server', async () => {
    const input = await makeMsi('ts.msi');
    const out = join(work, 'ts-signed.msi');
    const fallbacks: string[] = [];
    const down = await closedPortUrl();
    const r = await signMsi(input, out, {
      identity,
      timestampUrls: [down, tsa.url],
      retry: FAST_RETRY,
      onTimestampFallback: (u) => fallbacks.push(u),
    });
    expect(fallbacks).toEqual([down]);
    expect(r.timestamp?.url).toBe(tsa.url);
    const p = parseSignedData((await streamsOf(out)).get(SIGNATURE_STREAM)!);
    expect(p.unsignedAttrs.has(AUTHENTICODE_OID.spcRfc3161Timestamp)).toBe(true);
    expect(p.unsignedAttrs.has(OID.timeStampToken)).toBe(false);
  });

  it('fails with one clear error and no output when no timestamp server answers', async () => {
    const input = await makeMsi('nots.msi');
    const out = join(work, 'nots-signed.msi');
    const [a, b] = [await closedPortUrl('/a'), await closedPortUrl('/b')];
    const e = await signMsi(input, out, { identity, timestampUrls: [a, b], retry: FAST_RETRY }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as Error).message).toContain(`no timestamp server answered: ${a}: no valid answer after 2 attempts`);
    expect((e as Error).message).toContain(`; ${b}: `);
    expect((e as Error).message).not.toContain('\n');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.startsWith('nots-signed'))).toEqual([]);
  });

  it('rejects expired and non-code-signing certificates before writing anything', async () => {
    const input = await makeMsi('cert.msi');
    const out = join(work, 'cert-signed.msi');
    await expect(signMsi(input, out, { identity: pemIdentity(pki.expired) })).rejects.toThrow(/certificate expired on \d{4}-\d\d-\d\d/);
    await expect(signMsi(input, out, { identity: pemIdentity(pki.wrongPurpose) })).rejects.toThrow(/not for code signing/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects files that are not compound files, and packages with sub-storages', async () => {
    const notMsi = join(work, 'not.msi');
    writeFileSync(notMsi, 'MZ'.padEnd(2048, '\0'));
    await expect(signMsi(notMsi, join(work, 'x.msi'), { identity })).rejects.toThrow(UserError);
    await expect(signMsi(notMsi, join(work, 'x.msi'), { identity })).rejects.toThrow(/is not a Windows Installer package/);
    await expect(signMsi(join(work, 'missing.msi'), join(work, 'x.msi'), { identity })).rejects.toThrow(/cannot be read: no such file/);

    const c = CFB.utils.cfb_new({ CLSID: '84100c0000000000c000000000000046' });
    CFB.utils.cfb_add(c, '/a', Buffer.from('x'));
    CFB.utils.cfb_add(c, '/transform/b', Buffer.from('y'));
    const patch = join(work, 'patch.msp');
    writeFileSync(patch, CFB.write(c, { type: 'buffer' }) as Buffer);
    await expect(signMsi(patch, join(work, 'x.msi'), { identity })).rejects.toThrow(/sub-storages/);
    expect(existsSync(join(work, 'x.msi'))).toBe(false);
  });
});
