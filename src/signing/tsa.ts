/**
 * RFC 3161 timestamp client. Sends a DER TimeStampReq (version 1, a SHA-256 imprint of the data,
 * a random nonce, certReq true) by HTTP POST with Content-Type `application/timestamp-query`, and
 * checks the TimeStampResp: status granted, a token whose TSTInfo carries our imprint and nonce,
 * and a token signature that verifies with the TSA certificate embedded in it.
 *
 * Apple's notary rejects package signatures without a secure timestamp; Apple's own TSA is
 * http://timestamp.apple.com/ts01 (the default of productsign and rcodesign).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../core/errors.js';
import { bool, childAt, contentOf, integer, octetString, oidOf, parseAsn1, parseTime, seq, type Asn1 } from './asn1.js';
import { algorithm } from './cms.js';
import { checkSignedData, parseSignedData } from './cms-verify.js';
import { HASH_OIDS, hashByOid, OID } from './oids.js';
import { DEFAULT_RETRY, describeError, isTransientStatus, TransientError, withRetry, type RetryPolicy } from './retry.js';

export const APPLE_TSA_URL = 'http://timestamp.apple.com/ts01';

export interface TimestampOptions {
  readonly url: string;
  readonly retry?: RetryPolicy;
  /** Per-request timeout. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export interface Timestamp {
  /** TimeStampToken: a DER ContentInfo (SignedData over TSTInfo). */
  readonly token: Buffer;
  readonly genTime: Date;
}

const PKI_STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

export function timestampRequest(imprint: Buffer, nonce: Buffer): Buffer {
  return seq(integer(1), seq(algorithm(HASH_OIDS.sha256), octetString(imprint)), integer(nonce), bool(true));
}

export interface TstInfo {
  readonly imprintHash: string;
  readonly imprint: Buffer;
  readonly nonce: Buffer | undefined;
  readonly genTime: Date;
}

export function parseTstInfo(der: Buffer): TstInfo {
  const t = parseAsn1(der);
  const mi = childAt(t, 2, 'messageImprint');
  const genTime = parseTime(childAt(t, 4, 'genTime'));
  let nonce: Buffer | undefined;
  // After genTime: accuracy (SEQUENCE), ordering (BOOLEAN), nonce (INTEGER), tsa [0], extensions [1].
  for (const c of t.children.slice(5)) {
    if (c.tag === 0x02) {
      nonce = stripSign(contentOf(c));
    }
  }
  return {
    imprintHash: hashByOid(oidOf(childAt(childAt(mi, 0, 'hashAlgorithm'), 0, 'algorithm'))) ?? 'unknown',
    imprint: contentOf(childAt(mi, 1, 'hashedMessage')),
    nonce,
    genTime,
  };
}

const stripSign = (b: Buffer): Buffer => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

function failure(url: string, message: string): ApiError {
  return new ApiError('E_TSA', `timestamp server ${url}: ${message}`, {
    hint: 'check --timestamp-url and the network; --timestamp-url=none signs without a timestamp, but Apple notarization requires one',
  });
}

/** Requests a timestamp token over `data` (for CMS: the SignerInfo signature value). */
export async function requestTimestamp(data: Buffer, o: TimestampOptions): Promise<Timestamp> {
  const imprint = createHash('sha256').update(data).digest();
  const nonce = randomBytes(8);
  nonce[0] = (nonce[0] as number) & 0x7f; // keep the INTEGER positive without a leading zero
  const body = timestampRequest(imprint, nonce);
  const doFetch = o.fetch ?? fetch;
  let reply: Buffer;
  try {
    reply = await withRetry(async () => {
      const res = await doFetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
        body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      if (isTransientStatus(res.status)) {
        throw new TransientError(`HTTP ${res.status}`, res.status);
      }
      if (!res.ok) {
        throw failure(o.url, `HTTP ${res.status} ${res.statusText}`);
      }
      return bytes;
    }, o.retry ?? DEFAULT_RETRY);
  } catch (e) {
    if (e instanceof ApiError) {
      throw e;
    }
    throw failure(o.url, `no valid answer after ${(o.retry ?? DEFAULT_RETRY).attempts} attempts: ${describeError(e)}`);
  }
  return checkReply(reply, imprint, nonce, o.url);
}

function checkReply(reply: Buffer, imprint: Buffer, nonce: Buffer, url: string): Timestamp {
  let resp: Asn1;
  try {
    resp = parseAsn1(reply);
  } catch {
    throw failure(url, 'the reply is not a DER TimeStampResp');
  }
  const statusInfo = childAt(resp, 0, 'status');
  const status = Number(contentOf(childAt(statusInfo, 0, 'status')).readUIntBE(0, 1));
  if (status !== 0 && status !== 1) {
    const text = statusInfo.children[1]?.children.map((s) => contentOf(s).toString('utf8')).join('; ');
    throw failure(url, `request ${PKI_STATUS[status] ?? `status ${status}`}${text !== undefined && text !== '' ? `: ${text}` : ''}`);
  }
  const tokenNode = resp.children[1];
  if (tokenNode === undefined) {
    throw failure(url, 'the reply grants the request but carries no token');
  }
  const token = reply.subarray(tokenNode.start, tokenNode.end);
  let info: TstInfo;
  try {
    const sd = parseSignedData(Buffer.from(token));
    if (sd.eContentType !== OID.tstInfo || sd.eContent === undefined) {
      throw new Error('the token does not hold a TSTInfo');
    }
    const check = checkSignedData(sd);
    if (!check.ok) {
      throw new Error(`the token signature is invalid (${check.reason ?? 'unknown'})`);
    }
    info = parseTstInfo(sd.eContent);
  } catch (e) {
    throw failure(url, describeError(e));
  }
  if (info.imprintHash !== 'sha256' || !info.imprint.equals(imprint)) {
    throw failure(url, 'the token is for different data (message imprint mismatch)');
  }
  if (info.nonce === undefined || !info.nonce.equals(nonce)) {
    throw failure(url, 'the token nonce does not match the request');
  }
  return { token: Buffer.from(token), genTime: info.genTime };
}

/**
 * Tries each server in order, each with its own retries, and returns the first valid token: one
 * timestamp authority being down or slow must not fail a release build when another is configured.
 * When every server fails, the error lists each one's reason on a single line.
 */
export async function requestTimestampFromAny(
  data: Buffer,
  urls: readonly string[],
  o: Omit<TimestampOptions, 'url'> & {
    readonly hint?: string;
    /** Called when a server fails and the next one is about to be tried. */
    readonly onFallback?: (url: string, e: Error) => void;
  },
): Promise<Timestamp & { readonly url: string }> {
  const reasons: string[] = [];
  for (const [i, url] of urls.entries()) {
    try {
      return { ...(await requestTimestamp(data, { ...o, url })), url };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reasons.push(err.message.startsWith('timestamp server ') ? err.message.slice('timestamp server '.length) : `${url}: ${err.message}`);
      if (i < urls.length - 1) {
        o.onFallback?.(url, err);
      }
    }
  }
  throw new ApiError('E_TSA', `no timestamp server answered: ${reasons.join('; ')}`, {
    hint: o.hint ?? 'check --timestamp-url and the network',
  });
}
