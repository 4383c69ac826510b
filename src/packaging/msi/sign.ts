/**
 * Authenticode step of the msi build: once the packager has written ctx.outPath, sign it in place
 * (a new compound file with the signature stream, renamed over the unsigned one) when
 * PackageOptions.windowsSigning is set. The signingTime is the build time, so without a timestamp
 * the signed package stays reproducible under SOURCE_DATE_EPOCH.
 */
import { signMsi } from '../../signing/authenticode/msi-signer.js';
import type { BuildContext } from '../types.js';
import { loadWindowsIdentity } from './sign-options.js';
import { PRODUCT_NAME } from './tables.js';

const commonName = (subject: string): string => /(?:^|\n)CN=([^\n]+)/.exec(subject)?.[1] ?? subject;

export async function signBuiltMsi(ctx: BuildContext): Promise<void> {
  const s = ctx.options.windowsSigning;
  if (s === undefined) {
    return;
  }
  const identity = loadWindowsIdentity(s.identity);
  const ts = s.timestampUrls[0];
  ctx.report('signing', `signing with ${commonName(identity.leaf.subject)}${ts !== undefined ? ` (timestamp: ${ts})` : ''}`);
  await signMsi(ctx.outPath, ctx.outPath, {
    identity,
    timestampUrls: s.timestampUrls,
    signingTime: new Date(ctx.options.mtime * 1000),
    description: PRODUCT_NAME,
    partialPath: `${ctx.outPath}.signing`,
    onTimestampFallback: (url) => ctx.report('signing', `timestamp server ${url} failed; trying the next one`),
  });
}
