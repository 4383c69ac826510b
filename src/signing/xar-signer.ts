/**
 * A productsign-compatible signer for the xar writer's `XarSigner` hook.
 *
 * productsign signs the TOC checksum (SHA-1 of the compressed TOC) twice:
 * - `<signature style="RSA">`: PKCS#1 v1.5 over DigestInfo(sha1, checksum), which is exactly a
 *   sha1WithRSA signature over the compressed TOC bytes; its size is the RSA modulus length;
 * - `<x-signature style="CMS">`: a detached CMS SignedData over the 20 checksum bytes, SHA-1,
 *   signed attributes, the whole chain, and an RFC 3161 timestamp as an unsigned attribute.
 * Both elements list the chain (leaf first) in KeyInfo. Stapling and Gatekeeper depend on the CMS
 * part, so both are always written.
 *
 * The CMS slot size must be fixed before the TOC is hashed. Apple reserves 9216 bytes; we reserve
 * the larger of that and a dry-run CMS plus room for a timestamp token.
 */
import { sign } from 'node:crypto';
import type { XarSigner } from '../formats/xar/writer.js';
import { InternalError } from '../core/errors.js';
import { buildSignedData } from './cms.js';
import type { SigningIdentity } from './identity.js';
import { requestTimestamp, type TimestampOptions } from './tsa.js';

/** productsign's CMS reservation. */
export const APPLE_CMS_RESERVATION = 9216;
/** Room for a timestamp token: Apple's TSA token with its two certificates is about 5 KiB. */
const TIMESTAMP_ALLOWANCE = 8192;

export interface XarSignerOptions {
  readonly identity: SigningIdentity;
  /** RFC 3161 server; no timestamp when undefined. */
  readonly timestamp?: TimestampOptions;
  /** signingTime attribute; defaults to now. */
  readonly now?: () => Date;
}

/** Sizes the CMS slot from a dry run with a dummy checksum. */
async function cmsReservation(o: XarSignerOptions): Promise<number> {
  const dry = await buildSignedData({
    signer: o.identity,
    digest: 'sha1',
    signingTime: new Date(0),
    content: Buffer.alloc(20),
  });
  const need = dry.length + (o.timestamp !== undefined ? TIMESTAMP_ALLOWANCE : 512);
  return Math.max(APPLE_CMS_RESERVATION, Math.ceil(need / 1024) * 1024);
}

export async function createXarSigner(o: XarSignerOptions): Promise<XarSigner & { readonly timestamped: () => Date | undefined }> {
  const certificates = o.identity.certificates;
  const cmsSize = await cmsReservation(o);
  let genTime: Date | undefined;
  return {
    slots: [
      { element: 'signature', style: 'RSA', size: o.identity.signatureSize, certificates },
      { element: 'x-signature', style: 'CMS', size: cmsSize, certificates },
    ],
    timestamped: () => genTime,
    async sign(checksum: Buffer, compressedToc: Buffer): Promise<readonly Uint8Array[]> {
      // sha1WithRSA over the compressed TOC == RSA over DigestInfo(sha1, checksum), productsign's scheme.
      const rsa = sign('sha1', compressedToc, o.identity.privateKey);
      const ts = o.timestamp;
      const cms = await buildSignedData({
        signer: o.identity,
        digest: 'sha1',
        signingTime: (o.now ?? (() => new Date()))(),
        content: checksum,
        ...(ts !== undefined
          ? {
              timestamp: async (signatureValue: Buffer): Promise<Buffer> => {
                const t = await requestTimestamp(signatureValue, ts);
                genTime = t.genTime;
                return t.token;
              },
            }
          : {}),
      });
      if (cms.length > cmsSize) {
        throw new InternalError(
          'E_XAR_SIGN',
          `CMS signature is ${cms.length} bytes but ${cmsSize} were reserved (timestamp token larger than expected)`,
        );
      }
      return [rsa, cms];
    },
  };
}
