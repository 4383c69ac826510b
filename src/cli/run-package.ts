/**
 * The `package` action: flags → validated options → buildPackage, with a spinner for humans and
 * `--json` for scripts. An interrupt removes the partial installer before exiting.
 */
import { rmSync } from 'node:fs';
import { buildTime, validatePackageFlags, type RawPackageFlags } from '../packaging/options.js';
import { macosSigningEnv, type NotarizationResult } from '../packaging/pkg/sign-options.js';
import { windowsSigningEnv } from '../packaging/msi/sign-options.js';
import { buildPackage } from '../packaging/build.js';
import { checkGpgSigning } from '../signing/openpgp/key.js';
import { gpgSigningEnv } from '../signing/openpgp/signing-options.js';
import { cacheRoot } from '../tuf/cache.js';
import type { CliContext } from './context.js';
import type { Ui } from './ui.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
/** A repeatable flag (collected into an array); a single string is accepted too. */
const list = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : undefined;

export function toRawFlags(o: Record<string, unknown>): RawPackageFlags {
  return {
    type: str(o['type']),
    arch: str(o['arch']),
    enrollSecret: str(o['enrollSecret']),
    fleetUrl: str(o['fleetUrl']),
    fleetCertificate: str(o['fleetCertificate']),
    fleetTlsClientCertificate: str(o['fleetTlsClientCertificate']),
    fleetTlsClientKey: str(o['fleetTlsClientKey']),
    fleetDesktopAlternativeBrowserHost: str(o['fleetDesktopAlternativeBrowserHost']),
    identifier: str(o['identifier']),
    insecure: bool(o['insecure']),
    service: bool(o['service']),
    orbitChannel: str(o['orbitChannel']),
    osquerydChannel: str(o['osquerydChannel']),
    desktopChannel: str(o['desktopChannel']),
    disableUpdates: bool(o['disableUpdates']),
    disableSetupExperience: bool(o['disableSetupExperience']),
    bypassEndUserAuth: bool(o['bypassEndUserAuth']),
    updateUrl: str(o['updateUrl']),
    updateRoots: str(o['updateRoots']),
    updateTlsCertificate: str(o['updateTlsCertificate']),
    updateTlsClientCertificate: str(o['updateTlsClientCertificate']),
    updateTlsClientKey: str(o['updateTlsClientKey']),
    osqueryFlagfile: str(o['osqueryFlagfile']),
    debug: bool(o['debug']),
    fleetDesktop: bool(o['fleetDesktop']),
    updateInterval: str(o['updateInterval']),
    useSystemConfiguration: bool(o['useSystemConfiguration']),
    enableScripts: bool(o['enableScripts']),
    hostIdentifier: str(o['hostIdentifier']),
    endUserEmail: str(o['endUserEmail']),
    disableKeystore: bool(o['disableKeystore']),
    osqueryDb: str(o['osqueryDb']),
    outfile: str(o['outfile']),
    fleetManagedHostIdentityCertificate: bool(o['fleetManagedHostIdentityCertificate']),
    cpuQuota: str(o['cpuQuota']),
    compression: str(o['compression']),
    macosDevidPemContent: str(o['macosDevidPemContent']),
    macosDevidPem: str(o['macosDevidPem']),
    macosDevidP12: str(o['macosDevidP12']),
    // pkg signing takes the first --timestamp-url; msi signing tries them all in order.
    timestampUrl: list(o['timestampUrl'])?.[0],
    timestampUrls: list(o['timestampUrl']),
    windowsSignCert: str(o['windowsSignCert']),
    windowsSignKey: str(o['windowsSignKey']),
    windowsSignP12: str(o['windowsSignP12']),
    notarize: bool(o['notarize']),
    appStoreConnectApiKeyId: str(o['appStoreConnectApiKeyId']),
    appStoreConnectApiKeyIssuer: str(o['appStoreConnectApiKeyIssuer']),
    appStoreConnectApiKeyContent: str(o['appStoreConnectApiKeyContent']),
    notarizeTimeout: str(o['notarizeTimeout']),
    gpgKey: str(o['gpgKey']),
  };
}

/** Fleet's closing lines after a successful build (local or remote). */
export function printEnrollHints(ui: Ui): void {
  ui.info('To add hosts to Fleet, install fleetd.');
  ui.info('Learn how: https://fleetdm.com/learn-more-about/enrolling-hosts');
}

export async function runPackage(opts: Record<string, unknown>, ctx: CliContext): Promise<void> {
  if (typeof opts['remote'] === 'string') {
    const { runPackageRemote } = await import('./run-package-remote.js');
    return runPackageRemote(opts, ctx);
  }
  const ui = ctx.ui();
  const json = opts['json'] === true;
  const validated = validatePackageFlags({ ...toRawFlags(opts), ...macosSigningEnv(ctx.env), ...gpgSigningEnv(ctx.env), ...windowsSigningEnv(ctx.env) }, buildTime(ctx.env));
  // Unlock the OpenPGP key before downloading anything: a wrong passphrase should not cost a build.
  await checkGpgSigning(validated.gpgSigning);
  let notarization: NotarizationResult | undefined;
  const options =
    validated.notarize === undefined
      ? validated
      : {
          ...validated,
          notarize: {
            ...validated.notarize,
            onResult: (r: NotarizationResult) => {
              notarization = r;
            },
          },
        };
  const spinner = await ui.spinner('Generating your fleetd agent...');
  let scratch: { partial: string; tmpDir: string } | undefined;
  const onSignal = (): void => {
    if (scratch !== undefined) {
      rmSync(scratch.partial, { force: true });
      rmSync(scratch.tmpDir, { recursive: true, force: true });
    }
    spinner.fail('Interrupted: no installer was written.');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await buildPackage({
      options,
      offline: opts['offline'] === true,
      outDir: process.cwd(),
      cacheRoot: cacheRoot(ctx.env),
      report: (stage, detail) => {
        spinner.update(detail === undefined ? `Generating your fleetd agent... (${stage})` : `Generating your fleetd agent... ${detail}`);
      },
      onPaths: (p) => {
        scratch = p;
      },
    });
    spinner.succeed(`Success! You generated fleetd at ${result.path}`);
    if (json) {
      ui.json({
        type: options.type,
        path: result.path,
        version: result.version,
        size: result.size,
        ...(options.macosSigning !== undefined || options.windowsSigning !== undefined || options.gpgSigning !== undefined ? { signed: true } : {}),
        ...(notarization !== undefined ? { notarization } : {}),
      });
    } else {
      printEnrollHints(ui);
    }
  } catch (e) {
    spinner.stop();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
