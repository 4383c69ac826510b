/**
 * An RFC 3161 timestamp authority on 127.0.0.1 for tests. It answers a DER TimeStampReq with a
 * TimeStampResp whose token is SignedData over a TSTInfo (policy, the request's imprint and nonce,
 * a serial number, genTime), signed by the test TSA certificate with the ESS signing-certificate-v2
 * attribute that `openssl ts -verify` requires. Faults can be injected: a number of 503 answers
 * first, a rejection status, or a wrong nonce.
 */
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { childAt, contentOf, integer, octetString, oid, parseAsn1, seq, tlv, TAG } from '../../../src/signing/asn1.js';
import { attribute, buildSignedData } from '../../../src/signing/cms.js';
import { OID } from '../../../src/signing/oids.js';
import type { TestCert } from './pki.js';

export interface FakeTsaFaults {
  /** Answer this many requests with HTTP 503 before serving. */
  unavailable?: number;
  /** Reply with PKIStatus rejection. */
  reject?: boolean;
  /** Return a token with a different nonce. */
  wrongNonce?: boolean;
}

export interface FakeTsa {
  readonly url: string;
  readonly requests: () => number;
  readonly faults: FakeTsaFaults;
  close(): Promise<void>;
}

const TEST_POLICY = '1.3.6.1.4.1.99999.1.1';

function generalizedTime(d: Date): Buffer {
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${d.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`, 'latin1'));
}

async function answer(req: Buffer, tsa: TestCert, faults: FakeTsaFaults): Promise<Buffer> {
  if (faults.reject === true) {
    return seq(seq(integer(2), seq(tlv(TAG.UTF8_STRING, Buffer.from('policy not accepted')))));
  }
  const r = parseAsn1(req);
  const imprint = childAt(r, 1, 'messageImprint');
  const nonceNode = r.children.find((c, i) => i > 1 && c.tag === TAG.INTEGER);
  let nonce = nonceNode === undefined ? undefined : contentOf(nonceNode);
  if (faults.wrongNonce === true) {
    nonce = Buffer.from([0x11, 0x22]);
  }
  const tstInfo = seq(
    integer(1),
    oid(TEST_POLICY),
    imprint.source.subarray(imprint.start, imprint.end),
    integer(randomBytes(8)),
    generalizedTime(new Date()),
    ...(nonce !== undefined ? [tlv(TAG.INTEGER, nonce)] : []),
  );
  // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash (SHA-256 by default) } }.
  const essV2 = attribute(OID.signingCertificateV2, seq(seq(seq(octetString(createHash('sha256').update(tsa.der).digest())))));
  const token = await buildSignedData({
    signer: { privateKey: createPrivateKey(tsa.keyPem), certificates: [tsa.der] },
    digest: 'sha256',
    signingTime: new Date(),
    content: tstInfo,
    encapsulate: { contentType: OID.tstInfo },
    extraSignedAttributes: [essV2],
  });
  return seq(seq(integer(0)), token);
}

export async function startFakeTsa(tsa: TestCert, faults: FakeTsaFaults = {}): Promise<FakeTsa> {
  let requests = 0;
  let unavailable = faults.unavailable ?? 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      if (unavailable > 0) {
        unavailable--;
        res.writeHead(503).end('busy');
        return;
      }
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(400).end('expected application/timestamp-query');
        return;
      }
      answer(Buffer.concat(chunks), tsa, faults).then(
        (body) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(body),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/ts`,
    requests: () => requests,
    faults,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
