import { describe, expect, it } from 'vitest';
import forge from 'node-forge';
import { generateDepKeyPair } from '../../../src/mdm/dep-keypair.js';
import { decryptDepToken, unwrapSmime, unwrapTokenJson } from '../../../src/mdm/dep-token.js';
import { UserError } from '../../../src/core/errors.js';
import { abmPlaintext, encryptForCertificate, fakeAbmToken, otherCertificate } from '../../fleet-emulator/apple-abm.js';

const pair = generateDepKeyPair();
const token = fakeAbmToken('unit');

describe('DEP key pair', () => {
  it('is an RSA-2048 self-signed certificate as nanodep makes it', () => {
    const cert = forge.pki.certificateFromPem(pair.certPem);
    expect(cert.serialNumber).toMatch(/^[1-7][0-9a-f]{15}$/);
    expect(cert.subject.getField('CN').value).toBe('fleet');
    expect(cert.issuer.getField('CN').value).toBe('fleet');
    expect((cert.publicKey as forge.pki.rsa.PublicKey).n.bitLength()).toBe(2048);
    expect(cert.verify(cert)).toBe(true);
    const ku = cert.getExtension('keyUsage') as { keyEncipherment?: boolean; digitalSignature?: boolean } | null;
    expect(ku?.keyEncipherment).toBe(true);
    expect(ku?.digitalSignature).toBe(true);
    expect(cert.validity.notBefore.getTime()).toBeLessThan(Date.now() - 5 * 60_000);
    expect(pair.keyPem).toContain('-----BEGIN RSA PRIVATE KEY-----');
  });
});

describe('decryptDepToken', () => {
  const variants = [
    { cipher: '-aes128', stream: true, outform: undefined },
    { cipher: '-aes128', stream: false, outform: undefined },
    { cipher: '-aes192', stream: true, outform: undefined },
    { cipher: '-aes256', stream: true, outform: 'DER' },
    { cipher: '-des3', stream: false, outform: 'DER' },
    { cipher: '-aes256', stream: false, outform: 'PEM' },
  ] as const;
  for (const v of variants) {
    it(`reads ${v.cipher} ${v.stream ? 'BER' : 'DER'} ${v.outform ?? 'S/MIME'}`, () => {
      const p7m = encryptForCertificate(pair.certPem, abmPlaintext(token), v);
      expect(decryptDepToken(p7m, pair.keyPem, pair.certPem)).toEqual(token);
      // Without the certificate the first recipient is used.
      expect(decryptDepToken(p7m, pair.keyPem)).toEqual(token);
    });
  }

  it('recognises a token made for another certificate', () => {
    const other = otherCertificate();
    const p7m = encryptForCertificate(other.certPem, abmPlaintext(token));
    expect(() => decryptDepToken(p7m, pair.keyPem, pair.certPem)).toThrow(/different certificate \(wrong key\)/);
    // Without the certificate to match, decryption itself must fail cleanly.
    expect(() => decryptDepToken(p7m, pair.keyPem)).toThrow(/wrong key/);
  });

  it('rejects truncated, malformed and empty files with one line', () => {
    const p7m = encryptForCertificate(pair.certPem, abmPlaintext(token), { outform: 'DER' });
    const cases: Array<[Buffer, RegExp]> = [
      [p7m.subarray(0, p7m.length / 2), /truncated or malformed/],
      [Buffer.from('hello world, not a token'), /not an S\/MIME/],
      [Buffer.alloc(0), /empty/],
      [Buffer.from('Content-Type: application/pkcs7-mime\n\nAAAA\n'), /not a CMS structure|truncated/],
    ];
    for (const [bytes, re] of cases) {
      let err: unknown;
      try {
        decryptDepToken(bytes, pair.keyPem, pair.certPem);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('rejects a decrypted message that is not the token JSON', () => {
    const p7m = encryptForCertificate(pair.certPem, abmPlaintext('{"consumer_key":"CK_1"}'));
    expect(() => decryptDepToken(p7m, pair.keyPem, pair.certPem)).toThrow(
      /incomplete \(missing consumer_secret, access_token, access_secret\)/,
    );
    const p7m2 = encryptForCertificate(pair.certPem, abmPlaintext('not json'));
    expect(() => decryptDepToken(p7m2, pair.keyPem, pair.certPem)).toThrow(/not Apple's DEP token JSON/);
  });

  it('never puts the secrets in error messages', () => {
    const other = otherCertificate();
    const p7m = encryptForCertificate(other.certPem, abmPlaintext(token));
    try {
      decryptDepToken(p7m, pair.keyPem);
    } catch (e) {
      expect(String(e)).not.toContain(token.access_secret);
      expect(String(e)).not.toContain('PRIVATE KEY');
    }
  });
});

describe('S/MIME unwrapping', () => {
  it('skips any header block and whitespace in the base64 body', () => {
    const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);
    const smime = `MIME-Version: 1.0\r\nContent-Disposition: attachment; filename="smime.p7m"\r\nContent-Type: application/x-pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n\r\n${der.toString('base64')}\r\n\r\n`;
    expect(unwrapSmime(Buffer.from(smime))).toEqual(der);
    expect(unwrapSmime(Buffer.from(`${der.toString('base64')}\n`))).toEqual(der);
    expect(unwrapSmime(der)).toEqual(der);
  });

  it('joins the token lines as nanodep does', () => {
    expect(unwrapTokenJson('Content-Type: text/plain\r\n\r\n-----BEGIN MESSAGE-----\r\n{"a":\r\n"b"}\r\n-----END MESSAGE-----\r\n')).toBe(
      '{"a":"b"}',
    );
  });
});
