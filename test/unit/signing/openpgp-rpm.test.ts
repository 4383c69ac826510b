/**
 * The rpm side of OpenPGP signing: which signature-header tag a signature packet goes in (as
 * rpmsign files it), and RESERVEDSPACE shrinking so signing keeps the header length.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSignatureHeader, fitReservedSpace, openpgpSignatureTag, type SignatureValues } from '../../../src/formats/rpm/signature.js';
import { SigTag } from '../../../src/formats/rpm/tags.js';
import { loadSigningKey } from '../../../src/signing/openpgp/key.js';
import { detachedSignature } from '../../../src/signing/openpgp/sign.js';
import { makeTestKey, signingOptions } from './openpgp-keys.js';

const header = Buffer.from('main header bytes');
let rsaSig: Buffer;
let edSig: Buffer;

beforeAll(async () => {
  const created = new Date(Date.now() - 86_400_000);
  rsaSig = await detachedSignature(await loadSigningKey(signingOptions(await makeTestKey({ type: 'rsa', created }))), header, { createdAt: 0, armor: false });
  edSig = await detachedSignature(await loadSigningKey(signingOptions(await makeTestKey({ type: 'ed25519', created }))), header, { createdAt: 0, armor: false });
});

const values = (openpgp?: Uint8Array, reservedSpace = 4128): SignatureValues => ({
  headerSha1: '0'.repeat(40),
  headerSha256: '0'.repeat(64),
  md5: new Uint8Array(16),
  size: 1234,
  payloadSize: 5678,
  reservedSpace,
  ...(openpgp === undefined ? {} : { openpgp }),
});

describe('openpgpSignatureTag', () => {
  it('RSA signatures go in 268, EdDSA in 267', () => {
    expect(openpgpSignatureTag(rsaSig)).toBe(SigTag.RSA);
    expect(openpgpSignatureTag(edSig)).toBe(SigTag.DSA);
  });

  it('refuses armored text and packets that are not v4 binary-document signatures', () => {
    expect(() => openpgpSignatureTag(Buffer.from('-----BEGIN PGP SIGNATURE-----'))).toThrow(/not a binary packet/);
    const textSig = Buffer.from(edSig);
    // openpgp.js writes a new-format packet; an EdDSA signature is short enough for a one-byte length,
    // so the body starts at byte 2 and the signature type is byte 3. 0x01 is a canonical-text signature.
    expect(textSig[0]).toBe(0xc2);
    textSig[3] = 0x01;
    expect(() => openpgpSignatureTag(textSig)).toThrow(/expected a v4 binary-document OpenPGP signature packet/);
  });
});

describe('signature header with an OpenPGP signature', () => {
  it('holds the signature under its tag, and RESERVEDSPACE gives up the room it takes', () => {
    for (const sig of [rsaSig, edSig]) {
      const unsigned = buildSignatureHeader(values());
      const reserved = fitReservedSpace(values(sig));
      expect(reserved).toBeLessThan(4128 - sig.length);
      const signed = buildSignatureHeader(values(sig, reserved));
      expect(signed.length).toBe(unsigned.length);
      expect(signed.includes(sig)).toBe(true);
      // The index entry: tag, type BIN (7), offset 0 (first value), count = signature length.
      const entry = signed.subarray(32, 48);
      expect([entry.readUInt32BE(0), entry.readUInt32BE(4), entry.readUInt32BE(8), entry.readUInt32BE(12)]).toEqual([
        openpgpSignatureTag(sig),
        7,
        0,
        sig.length,
      ]);
    }
  });

  it('keeps the requested reserved space when there is none to give up', () => {
    expect(fitReservedSpace(values(edSig, 0))).toBe(0);
    expect(fitReservedSpace(values(edSig, 10))).toBe(10);
    expect(fitReservedSpace(values(undefined, 4128))).toBe(4128);
  });
});
