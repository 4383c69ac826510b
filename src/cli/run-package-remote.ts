/**
 * `fleetctl package --remote URL`: the same flags and checks as a local build, but the Packager
 * service builds. create → poll /status (the spinner shows the stage) → download with progress →
 * size (and SHA-256) verified → `<name>.partial` renamed to the name a local build would use (from
 * Content-Disposition) in the current directory, or to --outfile.
 */
import { readFileSync, rmSync } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ApiError, UsageError, UserError } from '../core/errors.js';
import { buildTime, validatePackageFlags } from '../packaging/options.js';
import { PackagerClient, type RemoteStatus } from '../packager-service/client.js';
import type { CliContext } from './context.js';
import { printEnrollHints, toRawFlags } from './run-package.js';

/** Flags the service cannot honour (it fixes the TUF source and builds amd64 with Fleet's defaults). */
const LOCAL_ONLY: ReadonlyArray<[string, string, (v: unknown) => boolean]> = [
  ['arch', '--arch', (v) => v !== undefined && v !== 'amd64'],
  ['fleetTlsClientCertificate', '--fleet-tls-client-certificate', (v) => v !== undefined],
  ['fleetTlsClientKey', '--fleet-tls-client-key', (v) => v !== undefined],
  ['fleetDesktopAlternativeBrowserHost', '--fleet-desktop-alternative-browser-host', (v) => v !== undefined],
  ['identifier', '--identifier', (v) => v !== undefined && v !== 'com.fleetdm.orbit'],
  ['disableSetupExperience', '--disable-setup-experience', (v) => v === true],
  ['bypassEndUserAuth', '--bypass-end-user-auth', (v) => v === true],
  ['updateUrl', '--update-url', (v) => v !== undefined && v !== 'https://updates.fleetdm.com'],
  ['updateRoots', '--update-roots', (v) => v !== undefined],
  ['updateTlsCertificate', '--update-tls-certificate', (v) => v !== undefined],
  ['updateTlsClientCertificate', '--update-tls-client-certificate', (v) => v !== undefined],
  ['updateTlsClientKey', '--update-tls-client-key', (v) => v !== undefined],
  ['useSystemConfiguration', '--use-system-configuration', (v) => v === true],
  ['enableScripts', '--enable-scripts', (v) => v === true],
  ['hostIdentifier', '--host-identifier', (v) => v !== undefined && v !== 'uuid'],
  ['endUserEmail', '--end-user-email', (v) => v !== undefined],
  ['disableKeystore', '--disable-keystore', (v) => v === true],
  ['osqueryDb', '--osquery-db', (v) => v !== undefined],
  ['fleetManagedHostIdentityCertificate', '--fleet-managed-host-identity-certificate', (v) => v === true],
  ['cpuQuota', '--cpu-quota', (v) => v !== undefined],
  ['compression', '--compression', (v) => v !== undefined],
  ['offline', '--offline', (v) => v === true],
  ['gpgKey', '--gpg-key', (v) => v !== undefined],
  // The service builds unsigned installers; refuse rather than hand back an unsigned msi.
  ['windowsSignCert', '--windows-sign-cert', (v) => v !== undefined],
  ['windowsSignKey', '--windows-sign-key', (v) => v !== undefined],
  ['windowsSignP12', '--windows-sign-p12', (v) => v !== undefined],
];

const MAX_WAIT_MS = 30 * 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export async function runPackageRemote(opts: Record<string, unknown>, ctx: CliContext): Promise<void> {
  const ui = ctx.ui();
  const json = opts['json'] === true;
  for (const [key, flag, set] of LOCAL_ONLY) {
    if (set(opts[key])) {
      throw new UsageError('E_USAGE', `${flag} cannot be used with --remote`, {
        hint: 'the packager service fixes these settings; build locally (without --remote) to use them',
      });
    }
  }
  // The same validation and messages as a local build, before anything goes over the network.
  const options = validatePackageFlags(toRawFlags(opts), buildTime(ctx.env));
  if (options.fleetUrl === '') {
    throw new UsageError('E_USAGE', '--remote needs --fleet-url and --enroll-secret', {
      hint: 'the packager service builds enrolling installers only',
    });
  }
  const client = new PackagerClient(String(opts['remote']));
  const body: Record<string, unknown> = {
    type: options.type,
    fleet_url: options.fleetUrl,
    enroll_secret: options.enrollSecret,
    insecure: options.insecure,
    service: options.service,
    'orbit-channel': options.orbitChannel,
    'osqueryd-channel': options.osquerydChannel,
    'desktop-channel': options.desktopChannel,
    'disable-updates': options.disableUpdates,
    debug: options.debug,
    'fleet-desktop': options.fleetDesktop,
    'update-interval': options.updateInterval,
    ...(options.fleetCertificate !== undefined ? { 'fleet-certificate': readFileSync(options.fleetCertificate, 'utf8') } : {}),
    ...(options.osqueryFlagfile !== undefined ? { 'osquery-flagfile': readFileSync(options.osqueryFlagfile, 'utf8') } : {}),
  };
  const label = `Generating your fleetd agent on ${client.origin}...`;
  const spinner = await ui.spinner(label);
  let partialPath: string | undefined;
  const onSignal = (): void => {
    if (partialPath !== undefined) {
      rmSync(partialPath, { force: true });
    }
    spinner.fail('Interrupted: no installer was written.');
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let fh: FileHandle | undefined;
  try {
    let id = await client.create(body);
    let st = await client.status(id);
    // A failure that was already there when we asked is someone's earlier build: build again once.
    // A failure of the build we watched is reported as is.
    let retried = false;
    if (st.status === 'fail' || st.status === 'expired') {
      id = await client.create({ ...body, retry: true });
      retried = true;
      st = await client.status(id);
    }
    const deadline = Date.now() + MAX_WAIT_MS;
    let delay = 300;
    while (st.status === 'in-progress') {
      spinner.update(`${label} (${st.stage ?? 'queued'})`);
      if (Date.now() > deadline) {
        throw new ApiError('E_REMOTE', `package ${id} was still being built after ${MAX_WAIT_MS / 60_000} minutes`);
      }
      await sleep(delay);
      delay = Math.min(2_000, Math.round(delay * 1.5));
      st = await client.status(id);
    }
    if (st.status !== 'success' || st.download_url === undefined) {
      throw failure(id, st, retried);
    }
    const requested = options.outfile !== undefined ? resolve(process.cwd(), options.outfile) : undefined;
    let outPath = '';
    spinner.update(`${label} (downloading)`);
    let lastShown = 0;
    const result = await client.download(
      st.download_url,
      async (fileName) => {
        const name = fileName !== undefined && fileName.endsWith(`.${options.type}`) ? fileName : `fleet-osquery.${options.type}`;
        outPath = requested ?? resolve(process.cwd(), name);
        partialPath = join(dirname(outPath), `.${basename(outPath)}.partial`);
        fh = await open(partialPath, 'w', 0o644);
        return fh;
      },
      (done, total) => {
        const now = Date.now();
        if (now - lastShown >= 200 || done === total) {
          lastShown = now;
          const pct = total > 0 ? ` ${Math.floor((done / total) * 100)}%` : '';
          spinner.update(`Downloading ${basename(outPath)}:${pct} (${mb(done)}${total > 0 ? ` of ${mb(total)}` : ''})`);
        }
      },
    );
    const handle = fh as FileHandle | undefined;
    if (handle === undefined || partialPath === undefined) {
      throw new ApiError('E_REMOTE', 'the download ended before any data arrived');
    }
    await handle.sync();
    await handle.close();
    fh = undefined;
    const st2 = await stat(partialPath);
    if (st2.size !== result.size) {
      throw new ApiError('E_REMOTE', `downloaded ${st2.size} bytes but the server announced ${result.size}`);
    }
    await rename(partialPath, outPath);
    partialPath = undefined;
    spinner.succeed(`Success! You generated fleetd at ${outPath}`);
    if (json) {
      ui.json({ type: options.type, path: outPath, size: result.size, package_id: id });
    } else {
      printEnrollHints(ui);
    }
  } catch (e) {
    spinner.stop();
    throw e;
  } finally {
    const handle = fh as FileHandle | undefined;
    await handle?.close().catch(() => undefined);
    if (partialPath !== undefined) {
      await rm(partialPath, { force: true });
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function failure(id: string, st: RemoteStatus, retried: boolean): Error {
  if (st.status === 'expired') {
    return new ApiError('E_REMOTE', `package ${id} expired before it could be downloaded`, { hint: 'run the command again' });
  }
  const logs = (st.logs ?? [])
    .slice(-10)
    .map((l) => `  ${l}`)
    .join('\n');
  return new UserError(
    'E_REMOTE_BUILD',
    `the packager service could not build the installer${retried ? ' (after a retry)' : ''}${logs === '' ? '' : `:\n${logs}`}`,
  );
}
