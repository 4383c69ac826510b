/**
 * Signing and notarization steps of the pkg build: a productsign-compatible xar signer for the
 * writer, and, once the archive is complete, notarization and stapling of the written file.
 * Both are driven by PackageOptions.macosSigning / .notarize (see sign-options.ts).
 */
import { readFileSync } from 'node:fs';
import type { XarSigner } from '../../formats/xar/writer.js';
import { identityFromPem, identityFromPkcs12, type SigningIdentity } from '../../signing/identity.js';
import { notarizeAndStaple } from '../../signing/notary/notarize.js';
import { createXarSigner } from '../../signing/xar-signer.js';
import type { BuildContext } from '../types.js';
import type { MacosIdentitySource } from './sign-options.js';

export interface PkgSigning {
  readonly signer?: XarSigner;
  /** Runs after the package is written to ctx.outPath (notarize + staple when requested). */
  readonly finish: () => Promise<void>;
}

function loadIdentity(src: MacosIdentitySource): SigningIdentity {
  return src.kind === 'pem' ? identityFromPem(src.pem) : identityFromPkcs12(readFileSync(src.path), src.passphrase);
}

const commonName = (subject: string): string => /(?:^|\n)CN=([^\n]+)/.exec(subject)?.[1] ?? subject;

export async function pkgSigning(ctx: BuildContext, submissionName: string): Promise<PkgSigning> {
  const s = ctx.options.macosSigning;
  if (s === undefined) {
    return { finish: async () => {} };
  }
  const identity = loadIdentity(s.identity);
  const inner = await createXarSigner({
    identity,
    ...(s.timestampUrl !== undefined ? { timestamp: { url: s.timestampUrl } } : {}),
    // Without a timestamp the output stays reproducible under SOURCE_DATE_EPOCH.
    now: () => new Date(ctx.options.mtime * 1000),
  });
  const who = commonName(identity.leaf.subject);
  const signer: XarSigner = {
    slots: inner.slots,
    sign: (checksum, compressedToc) => {
      ctx.report('signing', `signing with ${who}${s.timestampUrl !== undefined ? ` (timestamp: ${s.timestampUrl})` : ''}`);
      return inner.sign(checksum, compressedToc);
    },
  };
  const n = ctx.options.notarize;
  return {
    signer,
    finish: async () => {
      if (n === undefined) {
        return;
      }
      ctx.report('notarizing', 'notarizing with Apple');
      const result = await notarizeAndStaple(ctx.outPath, {
        apiKey: { keyId: n.keyId, issuerId: n.issuerId, privateKeyPem: n.privateKeyPem },
        submissionName,
        timeoutMs: n.timeoutMs,
        ...(n.pollIntervalMs !== undefined ? { pollIntervalMs: n.pollIntervalMs } : {}),
        ...(n.apiUrl !== undefined ? { apiUrl: n.apiUrl } : {}),
        ...(n.ticketUrl !== undefined ? { ticketUrl: n.ticketUrl } : {}),
        ...(n.s3Endpoint !== undefined ? { s3Endpoint: n.s3Endpoint } : {}),
        progress: (detail) => ctx.report('notarizing', detail),
      });
      ctx.report('notarizing', `notarized and stapled (submission ${result.submissionId})`);
      n.onResult?.(result);
    },
  };
}
