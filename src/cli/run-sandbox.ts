/**
 * The `sandbox provision` action: validates flags, loads or creates the enroll pool, provisions every
 * installer and writes the server settings. Secrets are never printed: installers are named by their
 * pool position (global, team 1, …).
 */
import { UsageError, UserError } from '../core/errors.js';
import { buildTime, validatePackageFlags } from '../packaging/options.js';
import { supportedTypes } from '../packaging/registry.js';
import { PACKAGE_TYPES, type PackageOptions, type PackageType } from '../packaging/types.js';
import { parseDestination } from '../sandbox/destination.js';
import { provision, type ProvisionEvent } from '../sandbox/provision.js';
import { loadOrCreatePool } from '../sandbox/secrets.js';
import { serverEnvironment, writeEnvFile } from '../sandbox/server-config.js';
import type { InstallerStore } from '../sandbox/store.js';
import { cacheRoot } from '../tuf/cache.js';
import { join, resolve } from 'node:path';
import type { CliContext } from './context.js';
import { toRawFlags } from './run-package.js';
import { windowsSigningEnv } from '../packaging/msi/sign-options.js';
import { gpgSigningEnv } from '../signing/openpgp/signing-options.js';

function positiveInt(v: unknown, flag: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError('E_USAGE', `${flag} must be a whole number ≥ ${min}, got "${String(v)}"`);
  }
  return n;
}

const who = (i: number): string => (i === 0 ? 'global' : `team ${i}`);

export async function runSandboxProvision(o: Record<string, unknown>, ctx: CliContext): Promise<void> {
  const ui = ctx.ui();
  const teams = positiveInt(o['teams'], '--teams', 0);
  const concurrency = positiveInt(o['concurrency'] ?? '2', '--concurrency', 1);
  const types = String(o['types'] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const available = supportedTypes();
  for (const t of types) {
    if (!(PACKAGE_TYPES as readonly string[]).includes(t) || !available.includes(t as PackageType)) {
      throw new UsageError('E_USAGE', `--types: "${t}" is not a supported installer type`, { hint: `supported: ${available.join(', ')}` });
    }
  }
  if (types.length === 0) {
    throw new UsageError('E_USAGE', '--types must name at least one installer type');
  }
  if (typeof o['fleetUrl'] !== 'string' || o['fleetUrl'] === '') {
    throw new UsageError('E_USAGE', '--fleet-url is required', { hint: 'the installers enroll into this Fleet server' });
  }
  const destination = parseDestination(String(o['dest'] ?? '.'));
  const installersDir = String(o['installersDir'] ?? 'fleet-installers');
  if (installersDir.split('/').includes('..')) {
    throw new UserError('E_USAGE', `--installers-dir "${installersDir}" must not contain ".."`);
  }

  const mtime = buildTime(ctx.env);
  const { secrets, created } = await loadOrCreatePool(teams, typeof o['secretsFile'] === 'string' ? o['secretsFile'] : undefined);
  // The OpenPGP key text and passphrase come from the environment, as for `package`.
  const raw = { ...toRawFlags(o), ...gpgSigningEnv(ctx.env), ...windowsSigningEnv(ctx.env) };
  const optionsByType = new Map<PackageType, PackageOptions>();
  for (const t of types as PackageType[]) {
    // The macOS package is universal: --arch applies to the other types only.
    optionsByType.set(t, validatePackageFlags({ ...raw, type: t, arch: t === 'pkg' ? 'amd64' : raw.arch, enrollSecret: secrets[0], outfile: undefined }, mtime));
  }

  const s3 = {
    region: typeof o['s3Region'] === 'string' ? o['s3Region'] : undefined,
    endpoint: typeof o['s3Endpoint'] === 'string' ? o['s3Endpoint'] : undefined,
    forcePathStyle: o['s3ForcePathStyle'] === true,
  };
  let store: InstallerStore;
  if (destination.kind === 's3') {
    const { S3Store } = await import('../sandbox/store-s3.js');
    store = new S3Store({
      bucket: destination.bucket,
      ...(s3.region !== undefined ? { region: s3.region } : {}),
      ...(s3.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
      forcePathStyle: s3.forcePathStyle,
      checksumWhenRequired: o['s3ChecksumWhenRequired'] === true,
    });
  } else {
    const { LocalStore } = await import('../sandbox/store-local.js');
    store = new LocalStore(destination.dir, join(destination.dir, installersDir));
  }

  ui.info(`${created ? 'Generated' : 'Reusing'} an enroll pool of ${secrets.length} secrets; ${secrets.length * types.length} installers to ${store.location}`);
  const total = secrets.length * types.length;
  let finished = 0;
  const onEvent = (e: ProvisionEvent): void => {
    if (e.stage === 'done' || e.stage === 'skipped') {
      finished += 1;
    }
    const size = e.bytes !== undefined ? ` (${(e.bytes / 1e6).toFixed(1)} MB)` : '';
    const detail = e.detail !== undefined ? `: ${e.detail}` : '';
    ui.info(`[${finished}/${total}] ${who(e.secretIndex)} ${e.type}: ${e.stage}${size}${detail}`);
  };
  const objects = await provision({
    secrets,
    optionsByType,
    destination,
    installersDir,
    store,
    concurrency,
    offline: o['offline'] === true,
    cacheRoot: cacheRoot(ctx.env),
    onEvent,
    onStage: (d) => ui.info(d),
  });

  const env = serverEnvironment({ secrets, teams, destination, installersDir, ...s3, ...(s3.region === undefined ? {} : { region: s3.region }) });
  const envFile = resolve(String(o['envFile'] ?? 'fleet-sandbox.env'));
  await writeEnvFile(envFile, env);
  const uploaded = objects.filter((x) => x.status === 'uploaded').length;
  ui.success(`Provisioned ${objects.length} installers (${uploaded} stored, ${objects.length - uploaded} already present). Server settings: ${envFile}`);
  if (o['json'] === true) {
    ui.json({
      teams,
      env,
      envFile,
      objects: objects.map((x) => ({ key: x.key, type: x.type, pool_index: x.secretIndex, status: x.status, size: x.size, sha256: x.sha256 })),
    });
  }
}
