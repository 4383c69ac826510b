/**
 * The `sign msi` action: flags → identity (same validation as `package --type=msi`) → signMsi. The
 * output is written as `<out>.partial` and renamed; an interrupt removes the partial file.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { buildTime } from '../packaging/options.js';
import { loadWindowsIdentity, parseWindowsSigning, windowsSigningEnv, WINDOWS_PASSPHRASE_ENV } from '../packaging/msi/sign-options.js';
import { signMsi } from '../signing/authenticode/msi-signer.js';
import type { CliContext } from './context.js';
import { isHttpUrl, parseUrl } from '../core/url.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/** The signature's more-information link is an IA5String: normalise to the ASCII form of an http(s) URL. */
function moreInfoUrl(v: string | undefined): string | undefined {
  if (v === undefined) {
    return undefined;
  }
  const u = parseUrl(v);
  if (u === undefined || !isHttpUrl(u)) {
    throw new UsageError('E_USAGE', `--url "${v}" must be an http:// or https:// URL`);
  }
  return u.href;
}

const commonName = (subject: string): string => /(?:^|\n)CN=([^\n]+)/.exec(subject)?.[1] ?? subject;

export async function runSignMsi(opts: Record<string, unknown>, ctx: CliContext): Promise<void> {
  const ui = ctx.ui();
  const input = str(opts['in']);
  const output = str(opts['out']);
  if (input === undefined || output === undefined) {
    throw new UsageError('E_USAGE', 'sign msi needs --in and --out');
  }
  if (resolve(input) === resolve(output)) {
    throw new UsageError('E_USAGE', '--out must differ from --in', { hint: 'the input is never modified; rename the output afterwards' });
  }
  const cert = str(opts['windowsSignCert']);
  const key = str(opts['windowsSignKey']);
  const p12 = str(opts['windowsSignP12']);
  if (cert === undefined && key === undefined && p12 === undefined) {
    throw new UsageError('E_USAGE', 'sign msi needs a signing identity', {
      hint: `use --windows-sign-cert FILE --windows-sign-key FILE, or --windows-sign-p12 FILE with ${WINDOWS_PASSPHRASE_ENV}`,
    });
  }
  const { windowsSigning } = parseWindowsSigning(
    {
      windowsSignCert: cert,
      windowsSignKey: key,
      windowsSignP12: p12,
      timestampUrls: list(opts['timestampUrl']),
      ...windowsSigningEnv(ctx.env),
    },
    'msi',
  );
  if (windowsSigning === undefined) {
    throw new UsageError('E_USAGE', 'sign msi needs a signing identity');
  }
  const identity = loadWindowsIdentity(windowsSigning.identity);
  const description = str(opts['description']);
  const url = moreInfoUrl(str(opts['url']));
  const partial = `${output}.partial`;
  const spinner = await ui.spinner(`Signing ${input} as ${commonName(identity.leaf.subject)}...`);
  const onSignal = (): void => {
    rmSync(partial, { force: true });
    spinner.fail('Interrupted: no signed package was written.');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const epoch = ctx.env['SOURCE_DATE_EPOCH'];
    const result = await signMsi(input, output, {
      identity,
      timestampUrls: windowsSigning.timestampUrls,
      // SOURCE_DATE_EPOCH fixes signingTime so an untimestamped signature is reproducible.
      ...(epoch !== undefined && epoch !== '' ? { signingTime: new Date(buildTime(ctx.env) * 1000) } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(url !== undefined ? { url } : {}),
      partialPath: partial,
      onTimestampFallback: (url) => spinner.update(`Timestamp server ${url} failed; trying the next one...`),
    });
    spinner.succeed(
      `Signed ${output}${result.timestamp !== undefined ? ` (timestamp ${result.timestamp.genTime.toISOString()} from ${result.timestamp.url})` : ' (no timestamp)'}`,
    );
    if (opts['json'] === true) {
      ui.json({
        path: output,
        digest: result.digest.toString('hex'),
        signer: identity.leaf.subject,
        ...(result.timestamp !== undefined
          ? { timestamp: { url: result.timestamp.url, time: result.timestamp.genTime.toISOString() } }
          : {}),
      });
    }
  } catch (e) {
    spinner.stop();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
