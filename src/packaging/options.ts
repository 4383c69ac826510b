/**
 * `fleetctl package` flags → validated PackageOptions, in Fleet's validation order and with Fleet's
 * messages (reference: fleetctl-package §1.1), plus the checks Fleet lacks and an operator expects:
 * unreadable files, values with line breaks (they would corrupt the env file, plist or MSI
 * properties), channel names that are not path-safe, and a malformed --update-roots.
 */
import { readFileSync, statSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { UsageError, UserError, errnoCode } from '../core/errors.js';
import { formatGoDuration, parseGoDuration } from '../core/duration.js';
import { registerSecret } from '../core/redact.js';
import { PACKAGE_TYPES, type Arch, type PackageOptions, type PackageType } from './types.js';
import { parseMacosSigning, type RawMacosSigningFlags } from './pkg/sign-options.js';
import { parseGpgSigning, type RawGpgSigningFlags } from '../signing/openpgp/signing-options.js';
import { parseWindowsSigning, type RawWindowsSigningFlags } from './msi/sign-options.js';

export const FLEET_UPDATE_URL = 'https://updates.fleetdm.com';
export const LEGACY_FLEET_UPDATE_URL = 'https://tuf.fleetctl.com';

/** Flag values as the CLI (or the Packager service) received them. */
export interface RawPackageFlags extends RawMacosSigningFlags, RawWindowsSigningFlags, RawGpgSigningFlags {
  type?: string | undefined;
  arch?: string | undefined;
  enrollSecret?: string | undefined;
  fleetUrl?: string | undefined;
  fleetCertificate?: string | undefined;
  fleetTlsClientCertificate?: string | undefined;
  fleetTlsClientKey?: string | undefined;
  fleetDesktopAlternativeBrowserHost?: string | undefined;
  identifier?: string | undefined;
  insecure?: boolean | undefined;
  service?: boolean | undefined;
  orbitChannel?: string | undefined;
  osquerydChannel?: string | undefined;
  desktopChannel?: string | undefined;
  disableUpdates?: boolean | undefined;
  disableSetupExperience?: boolean | undefined;
  bypassEndUserAuth?: boolean | undefined;
  updateUrl?: string | undefined;
  updateRoots?: string | undefined;
  updateTlsCertificate?: string | undefined;
  updateTlsClientCertificate?: string | undefined;
  updateTlsClientKey?: string | undefined;
  osqueryFlagfile?: string | undefined;
  debug?: boolean | undefined;
  fleetDesktop?: boolean | undefined;
  updateInterval?: string | undefined;
  useSystemConfiguration?: boolean | undefined;
  enableScripts?: boolean | undefined;
  hostIdentifier?: string | undefined;
  endUserEmail?: string | undefined;
  disableKeystore?: boolean | undefined;
  osqueryDb?: string | undefined;
  outfile?: string | undefined;
  fleetManagedHostIdentityCertificate?: boolean | undefined;
  cpuQuota?: string | number | undefined;
  compression?: string | undefined;
}

const fail = (msg: string, hint?: string): never => {
  throw new UserError('E_PACKAGE_FLAGS', msg, hint === undefined ? undefined : { hint });
};

function readable(path: string, what: string): void {
  try {
    const st = statSync(path);
    if (!st.isFile()) {
      fail(`${what} "${path}" is not a regular file`);
    }
    readFileSync(path, { flag: 'r' }).subarray(0, 0);
  } catch (e) {
    if (e instanceof UserError) {
      throw e;
    }
    const code = errnoCode(e);
    fail(`${what} "${path}" cannot be read: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? String(e))}`);
  }
}

function loadKeyPair(cert: string, key: string, what: 'fleet' | 'update'): void {
  const prefix = `error loading ${what} client certificate and key`;
  let certPem: Buffer;
  let keyPem: Buffer;
  try {
    certPem = readFileSync(cert);
    keyPem = readFileSync(key);
  } catch (e) {
    return fail(`${prefix}: ${errnoCode(e) === 'ENOENT' ? 'no such file' : (errnoCode(e) ?? String(e))}`);
  }
  try {
    const x = new X509Certificate(certPem);
    const k = createPrivateKey(keyPem);
    if (!x.checkPrivateKey(k)) {
      fail(`${prefix}: private key does not match public key`);
    }
  } catch (e) {
    if (e instanceof UserError) {
      throw e;
    }
    fail(`${prefix}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function pemFile(path: string, what: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`failed to read ${what} "${path}": ${errnoCode(e) === 'ENOENT' ? 'no such file' : (errnoCode(e) ?? String(e))}`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/.test(text)) {
    fail(`failed to read ${what} "${path}": invalid PEM file`);
  }
}

function isLooseEmail(s: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s);
}

function windowsIsAbs(p: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(p) || /^\\\\[^\\]+\\[^\\]+/.test(p);
}

/** Reads --update-roots: root.json text, or a path to such a file. */
export function readUpdateRoots(value: string): string {
  const v = value.trim();
  let text = v;
  if (!v.startsWith('{')) {
    try {
      text = readFileSync(v, 'utf8');
    } catch {
      fail(`--update-roots is neither root.json text nor a readable file ("${v.slice(0, 60)}")`, 'pass the output of `fleetctl updates roots` or the path of a root.json');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('--update-roots is not valid JSON', 'pass the output of `fleetctl updates roots`');
  }
  const signed = (parsed as { signed?: { _type?: unknown } } | null)?.signed;
  if (signed?._type !== 'root') {
    fail('--update-roots is not a TUF root.json (expected {"signed":{"_type":"root",…},"signatures":[…]})');
  }
  return text.trim();
}

export function isFleetUpdateUrl(url: string): boolean {
  const u = url.replace(/\/+$/, '');
  return u === FLEET_UPDATE_URL || u === LEGACY_FLEET_UPDATE_URL;
}

const CHANNEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function validatePackageFlags(f: RawPackageFlags, mtime: number): PackageOptions {
  const fleetUrl = f.fleetUrl ?? '';
  const enrollSecret = f.enrollSecret ?? '';
  registerSecret(enrollSecret);
  const insecure = f.insecure === true;

  // 1–4: Fleet's order.
  if ((fleetUrl === '') !== (enrollSecret === '')) {
    fail('--enroll-secret and --fleet-url must be provided together');
  }
  if (insecure && f.fleetCertificate !== undefined) {
    fail('--insecure and --fleet-certificate may not be provided together');
  }
  if (insecure && f.updateTlsCertificate !== undefined) {
    fail('--insecure and --update-tls-certificate may not be provided together');
  }
  const hostIdentifier = f.hostIdentifier ?? 'uuid';
  if (hostIdentifier !== 'uuid' && hostIdentifier !== 'instance') {
    fail(`--host-identifier=${hostIdentifier} is not supported, currently supported values are 'uuid' and 'instance'`);
  }
  // 5: fleet client certificate pair.
  if ((f.fleetTlsClientCertificate === undefined) !== (f.fleetTlsClientKey === undefined)) {
    fail('must specify both fleet-tls-client-certificate and fleet-tls-client-key');
  }
  if (f.fleetTlsClientCertificate !== undefined && f.fleetTlsClientKey !== undefined) {
    loadKeyPair(f.fleetTlsClientCertificate, f.fleetTlsClientKey, 'fleet');
  }
  const rawType = f.type;
  if (rawType === undefined || rawType === '') {
    throw new UsageError('E_USAGE', 'Required flag "type" not set', { hint: `use --type with one of ${PACKAGE_TYPES.join(', ')}` });
  }
  // 6: host identity certificate.
  if (f.fleetManagedHostIdentityCertificate === true) {
    if (rawType !== 'deb' && rawType !== 'rpm') {
      fail('--fleet-managed-host-identity-certificate is only supported for deb/rpm/pkg.tar.zst packages');
    }
    if (f.fleetTlsClientCertificate !== undefined) {
      fail('--fleet-managed-host-identity-certificate and --fleet-tls-client-certificate may not be provided together');
    }
  }
  // 7: update client certificate pair.
  if ((f.updateTlsClientCertificate === undefined) !== (f.updateTlsClientKey === undefined)) {
    fail('must specify both update-tls-client-certificate and update-tls-client-key');
  }
  if (f.updateTlsClientCertificate !== undefined && f.updateTlsClientKey !== undefined) {
    loadKeyPair(f.updateTlsClientCertificate, f.updateTlsClientKey, 'update');
  }
  // 8: osquery-db.
  const osqueryDb = f.osqueryDb ?? '';
  if (osqueryDb !== '' && !(rawType === 'msi' ? windowsIsAbs(osqueryDb) : osqueryDb.startsWith('/'))) {
    fail(`--osquery-db must be an absolute path: "${osqueryDb}"`);
  }
  // 12: end-user email.
  const endUserEmail = f.endUserEmail ?? '';
  if (endUserEmail !== '') {
    if (!isLooseEmail(endUserEmail)) {
      fail('Invalid email address specified for --end-user-email.');
    }
    if (!['msi', 'deb', 'rpm'].includes(rawType)) {
      fail('Can only set --end-user-email when building an msi, deb, rpm, or pkg.tar.zst package.');
    }
  }
  // 13: certificates must be PEM.
  if (f.fleetCertificate !== undefined) {
    pemFile(f.fleetCertificate, 'fleet server certificate');
  }
  if (f.updateTlsCertificate !== undefined) {
    pemFile(f.updateTlsCertificate, 'update server certificate');
  }
  // 14
  if (f.useSystemConfiguration === true && rawType !== 'pkg') {
    fail('--use-system-configuration is only available for pkg installers');
  }
  // 15: outfile suffix.
  if (f.outfile !== undefined && f.outfile !== '') {
    if (!(PACKAGE_TYPES as readonly string[]).includes(rawType)) {
      fail(`unsupported package type "${rawType}" for custom outfile`);
    }
    if (!f.outfile.endsWith(`.${rawType}`)) {
      fail(`output file must end with .${rawType} for ${rawType} packages`);
    }
  }
  // 16: arch.
  const arch = f.arch ?? 'amd64';
  if (arch !== 'amd64' && !['deb', 'rpm', 'msi'].includes(rawType)) {
    fail(`can't use '--arch' with '--type ${rawType}'`);
  }
  if (arch !== 'amd64' && arch !== 'arm64') {
    fail("arch must be one of ('amd64', 'arm64')");
  }
  // 17: type.
  if (!(PACKAGE_TYPES as readonly string[]).includes(rawType)) {
    throw new UsageError('E_USAGE', `type must be one of (${PACKAGE_TYPES.map((t) => `'${t}'`).join(', ')})`);
  }
  const type = rawType as PackageType;
  // 18: cpu quota.
  let cpuQuota = 20;
  if (f.cpuQuota !== undefined) {
    const n = typeof f.cpuQuota === 'number' ? f.cpuQuota : Number(f.cpuQuota);
    if (!Number.isInteger(n) || n <= 0) {
      fail(`--cpu-quota must be a positive whole percentage, got "${String(f.cpuQuota)}"`);
    }
    if (type !== 'deb' && type !== 'rpm') {
      fail('--cpu-quota is only supported for deb and rpm packages');
    }
    cpuQuota = n;
  }

  let payloadCompression: 'none' | 'gzip' | undefined;
  if (f.compression !== undefined) {
    if (f.compression !== 'none' && f.compression !== 'gzip') {
      fail(`--compression must be none or gzip, got "${f.compression}"`);
    }
    if (type !== 'rpm') {
      fail('--compression is only supported for rpm packages');
    }
    payloadCompression = f.compression as 'none' | 'gzip';
  }

  // Checks beyond Fleet's.
  const osqueryFlagfile = f.osqueryFlagfile;
  if (osqueryFlagfile !== undefined) {
    readable(osqueryFlagfile, '--osquery-flagfile');
  }
  const intervalMs = parseGoDuration(f.updateInterval ?? '15m');
  if (intervalMs === undefined || intervalMs <= 0) {
    fail(`--update-interval "${f.updateInterval ?? ''}" is not a positive duration`, 'use Go duration syntax, e.g. 15m, 1h, 90s');
  }
  const channels = {
    orbitChannel: f.orbitChannel ?? 'stable',
    osquerydChannel: f.osquerydChannel ?? 'stable',
    desktopChannel: f.desktopChannel ?? 'stable',
  };
  for (const [k, v] of Object.entries(channels)) {
    if (!CHANNEL_RE.test(v)) {
      fail(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} "${v}" is not a valid channel name`, 'channels are TUF tags such as stable, edge or 1.38.0');
    }
  }
  const single: Array<[string, string]> = [
    ['--fleet-url', fleetUrl],
    ['--enroll-secret', enrollSecret],
    ['--fleet-desktop-alternative-browser-host', f.fleetDesktopAlternativeBrowserHost ?? ''],
    ['--identifier', f.identifier ?? ''],
    ['--end-user-email', endUserEmail],
    ['--osquery-db', osqueryDb],
    ['--update-url', f.updateUrl ?? ''],
  ];
  for (const [flag, v] of single) {
    if (/[\r\n\0]/.test(v)) {
      fail(`${flag} must not contain line breaks or NUL characters`);
    }
  }
  const identifier = f.identifier ?? 'com.fleetdm.orbit';
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(identifier)) {
    fail(`--identifier "${identifier}" is not a valid bundle identifier`, 'use reverse-DNS letters, digits, dots and hyphens, e.g. com.fleetdm.orbit');
  }
  const updateRoots = f.updateRoots === undefined || f.updateRoots === '' ? undefined : readUpdateRoots(f.updateRoots);

  const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [k]: v } as { [P in K]?: V }));
  return {
    type,
    arch: arch as Arch,
    fleetUrl,
    enrollSecret,
    ...opt('fleetCertificate', f.fleetCertificate),
    ...opt('fleetTlsClientCertificate', f.fleetTlsClientCertificate),
    ...opt('fleetTlsClientKey', f.fleetTlsClientKey),
    fleetDesktopAlternativeBrowserHost: f.fleetDesktopAlternativeBrowserHost ?? '',
    identifier,
    insecure,
    service: f.service !== false,
    ...channels,
    disableUpdates: f.disableUpdates === true,
    disableSetupExperience: f.disableSetupExperience === true,
    bypassEndUserAuth: f.bypassEndUserAuth === true,
    updateUrl: (f.updateUrl ?? FLEET_UPDATE_URL).trim(),
    ...opt('updateRoots', updateRoots),
    ...opt('updateTlsCertificate', f.updateTlsCertificate),
    ...opt('updateTlsClientCertificate', f.updateTlsClientCertificate),
    ...opt('updateTlsClientKey', f.updateTlsClientKey),
    ...opt('osqueryFlagfile', osqueryFlagfile),
    debug: f.debug === true,
    fleetDesktop: f.fleetDesktop === true,
    updateInterval: formatGoDuration(intervalMs as number),
    useSystemConfiguration: f.useSystemConfiguration === true,
    enableScripts: f.enableScripts === true,
    hostIdentifier: hostIdentifier as 'uuid' | 'instance',
    endUserEmail,
    disableKeystore: f.disableKeystore === true,
    osqueryDb,
    ...opt('outfile', f.outfile === '' ? undefined : f.outfile),
    fleetManagedHostIdentityCertificate: f.fleetManagedHostIdentityCertificate === true,
    cpuQuota,
    ...opt('payloadCompression', payloadCompression),
    mtime,
    ...validateMacosSigningFlags(f, type),
    ...validateWindowsSigningFlags(f, type),
    ...validateGpgSigningFlags(f, type),
  };
}

/**
 * macOS signing and notarization flags (pkg only): identity, timestamp server, App Store Connect
 * API key. Kept apart from Fleet's ordered checks above; the rules live in pkg/sign-options.ts.
 */
export function validateMacosSigningFlags(f: RawPackageFlags, type: PackageType): Pick<PackageOptions, 'macosSigning' | 'notarize'> {
  return parseMacosSigning(f, type);
}

/**
 * Windows Authenticode flags (msi only): identity and timestamp servers; the rules live in
 * msi/sign-options.ts.
 */
export function validateWindowsSigningFlags(f: RawPackageFlags, type: PackageType): Pick<PackageOptions, 'windowsSigning'> {
  return parseWindowsSigning(f, type);
}

/**
 * OpenPGP signing flags (deb and rpm): --gpg-key FILE or FLEETCTL_GPG_KEY, passphrase from
 * FLEETCTL_GPG_PASSPHRASE; the rules live in signing/openpgp/signing-options.ts. Unlocking the key
 * is asynchronous: checkGpgSigning (signing/openpgp/key.ts) does it before a build starts.
 */
export function validateGpgSigningFlags(f: RawPackageFlags, type: PackageType): Pick<PackageOptions, 'gpgSigning'> {
  return parseGpgSigning(f, type);
}

/** SOURCE_DATE_EPOCH (reproducible builds) or now, in whole seconds. */
export function buildTime(env: NodeJS.ProcessEnv, now: () => number = Date.now): number {
  const s = env['SOURCE_DATE_EPOCH'];
  if (s !== undefined && s !== '') {
    if (!/^\d+$/.test(s)) {
      fail(`SOURCE_DATE_EPOCH "${s}" is not a whole number of seconds`);
    }
    return Number(s);
  }
  return Math.floor(now() / 1000);
}
