/**
 * Flags and settings for signing and notarizing the macOS package, validated into plain options.
 *
 * Signing identity (one of): --macos-devid-pem-content (env FLEETCTL_MACOS_DEVID_PEM_CONTENT, Fleet's
 * flag), --macos-devid-pem FILE, or --macos-devid-p12 FILE with the passphrase from env
 * FLEETCTL_MACOS_DEVID_P12_PASSPHRASE (never a flag: it would show in the process list).
 * --timestamp-url: RFC 3161 server; defaults to Apple's when notarizing (the notary rejects
 * signatures without a secure timestamp), `none` disables it.
 * --notarize with Fleet's App Store Connect API key flags; --notarize-timeout bounds the wait.
 * Test/advanced settings (environment only): FLEETCTL_NOTARY_API_URL, FLEETCTL_NOTARY_TICKET_URL,
 * FLEETCTL_NOTARY_S3_ENDPOINT, FLEETCTL_NOTARY_POLL_INTERVAL.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import { parseGoDuration } from '../../core/duration.js';
import { registerSecret } from '../../core/redact.js';
import { identityFromPem, identityFromPkcs12 } from '../../signing/identity.js';
import { loadApiKey } from '../../signing/notary/jwt.js';
import type { NotarizationResult } from '../../signing/notary/notarize.js';
import { APPLE_TSA_URL } from '../../signing/tsa.js';
import { isHttpUrl, parseUrl } from '../../core/url.js';

export type { NotarizationResult };

export type MacosIdentitySource =
  { readonly kind: 'pem'; readonly pem: string } | { readonly kind: 'p12'; readonly path: string; readonly passphrase: string };

export interface MacosSigningOptions {
  readonly identity: MacosIdentitySource;
  /** RFC 3161 server URL; no timestamp when undefined. */
  readonly timestampUrl?: string;
}

export interface NotarizeOptions {
  readonly keyId: string;
  readonly issuerId: string;
  /** Contents of AuthKey_<KEYID>.p8. */
  readonly privateKeyPem: string;
  readonly timeoutMs: number;
  readonly pollIntervalMs?: number;
  readonly apiUrl?: string;
  readonly ticketUrl?: string;
  readonly s3Endpoint?: string;
  /** Receives the outcome (the CLI prints it with --json). */
  readonly onResult?: (r: NotarizationResult) => void;
}

/** The raw inputs, from flags and the environment. */
export interface RawMacosSigningFlags {
  macosDevidPemContent?: string | undefined;
  macosDevidPem?: string | undefined;
  macosDevidP12?: string | undefined;
  macosDevidP12Passphrase?: string | undefined;
  timestampUrl?: string | undefined;
  notarize?: boolean | undefined;
  appStoreConnectApiKeyId?: string | undefined;
  appStoreConnectApiKeyIssuer?: string | undefined;
  appStoreConnectApiKeyContent?: string | undefined;
  notarizeTimeout?: string | undefined;
  notaryApiUrl?: string | undefined;
  notaryTicketUrl?: string | undefined;
  notaryS3Endpoint?: string | undefined;
  notaryPollInterval?: string | undefined;
}

export const DEFAULT_NOTARIZE_TIMEOUT = '30m';

/** Settings read from the environment only (secrets and test/advanced endpoints). */
export function macosSigningEnv(env: NodeJS.ProcessEnv): RawMacosSigningFlags {
  const v = (k: string): string | undefined => (env[k] === undefined || env[k] === '' ? undefined : env[k]);
  return {
    macosDevidP12Passphrase: env['FLEETCTL_MACOS_DEVID_P12_PASSPHRASE'],
    notaryApiUrl: v('FLEETCTL_NOTARY_API_URL'),
    notaryTicketUrl: v('FLEETCTL_NOTARY_TICKET_URL'),
    notaryS3Endpoint: v('FLEETCTL_NOTARY_S3_ENDPOINT'),
    notaryPollInterval: v('FLEETCTL_NOTARY_POLL_INTERVAL'),
  };
}

const fail = (msg: string, hint?: string): never => {
  throw new UserError('E_PACKAGE_FLAGS', msg, hint === undefined ? undefined : { hint });
};

const given = (s: string | undefined): s is string => s !== undefined && s.trim() !== '';

function httpUrl(value: string, what: string): string {
  const u = parseUrl(value);
  if (u === undefined) {
    return fail(`${what} "${value}" is not a URL`);
  }
  if (!isHttpUrl(u)) {
    fail(`${what} "${value}" must be an http:// or https:// URL`);
  }
  return value;
}

function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return fail(
      `${flag} "${path}" cannot be read: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code ?? e)}`,
    );
  }
}

function duration(value: string, flag: string): number {
  const ms = parseGoDuration(value);
  if (ms === undefined || ms <= 0) {
    fail(`${flag} "${value}" is not a positive duration`, 'use Go duration syntax, e.g. 30m, 1h, 90s');
  }
  return ms as number;
}

/** Validates the signing and notarization inputs for `type`; returns the PackageOptions fields. */
export function parseMacosSigning(
  f: RawMacosSigningFlags,
  type: string,
): { macosSigning?: MacosSigningOptions; notarize?: NotarizeOptions } {
  const sources = [
    ['--macos-devid-pem-content', f.macosDevidPemContent],
    ['--macos-devid-pem', f.macosDevidPem],
    ['--macos-devid-p12', f.macosDevidP12],
  ].filter(([, v]) => given(v));
  registerSecret(f.macosDevidPemContent);
  registerSecret(f.macosDevidP12Passphrase);
  registerSecret(f.appStoreConnectApiKeyContent);
  const notarize = f.notarize === true;
  const timestampFlag = given(f.timestampUrl) ? f.timestampUrl.trim() : undefined;

  // Other package types ignore these, as Fleet does: the env variables may be set for a whole CI job
  // (or `sandbox provision`) that builds every type.
  if (type !== 'pkg' || (sources.length === 0 && !notarize && timestampFlag === undefined)) {
    return {};
  }
  if (sources.length > 1) {
    fail(`only one signing identity may be given, got ${sources.map(([n]) => n).join(' and ')}`);
  }
  if (sources.length === 0) {
    fail(
      notarize
        ? '--notarize requires a signed package: provide a Developer ID Installer identity'
        : '--timestamp-url requires a signing identity',
      'use --macos-devid-pem-content (or FLEETCTL_MACOS_DEVID_PEM_CONTENT), --macos-devid-pem FILE, or --macos-devid-p12 FILE with FLEETCTL_MACOS_DEVID_P12_PASSPHRASE',
    );
  }

  let identity: MacosIdentitySource;
  if (given(f.macosDevidP12)) {
    const passphrase = f.macosDevidP12Passphrase ?? '';
    identityFromPkcs12(readFlagFile(f.macosDevidP12, '--macos-devid-p12'), passphrase, `--macos-devid-p12 "${f.macosDevidP12}"`);
    identity = { kind: 'p12', path: f.macosDevidP12, passphrase };
  } else {
    const pem = given(f.macosDevidPemContent)
      ? f.macosDevidPemContent
      : readFlagFile(f.macosDevidPem as string, '--macos-devid-pem').toString('utf8');
    identityFromPem(pem, given(f.macosDevidPemContent) ? '--macos-devid-pem-content' : `--macos-devid-pem "${f.macosDevidPem ?? ''}"`);
    identity = { kind: 'pem', pem };
  }

  const timestampUrl =
    timestampFlag === 'none'
      ? undefined
      : timestampFlag !== undefined
        ? httpUrl(timestampFlag, '--timestamp-url')
        : notarize
          ? APPLE_TSA_URL
          : undefined;
  const macosSigning: MacosSigningOptions = { identity, ...(timestampUrl !== undefined ? { timestampUrl } : {}) };
  if (!notarize) {
    return { macosSigning };
  }

  if (!given(f.appStoreConnectApiKeyId) || !given(f.appStoreConnectApiKeyIssuer)) {
    fail(
      'both an App Store Connect API key and issuer must be set for native notarization',
      'use --app-store-connect-api-key-id and --app-store-connect-api-key-issuer (or FLEETCTL_APP_STORE_CONNECT_API_KEY_ID/_ISSUER)',
    );
  }
  if (!given(f.appStoreConnectApiKeyContent)) {
    fail(
      '--app-store-connect-api-key-content must be set for notarization',
      'pass the contents of AuthKey_<KEYID>.p8, or set FLEETCTL_APP_STORE_CONNECT_API_KEY_CONTENT',
    );
  }
  let keyPem = f.appStoreConnectApiKeyContent as string;
  // Accept a path too: the .p8 is a file and people pass it as one.
  if (!keyPem.includes('-----BEGIN') && existsSync(keyPem)) {
    keyPem = readFlagFile(keyPem, '--app-store-connect-api-key-content').toString('utf8');
    registerSecret(keyPem);
  }
  loadApiKey(keyPem);
  const pollIntervalMs = given(f.notaryPollInterval) ? duration(f.notaryPollInterval, 'FLEETCTL_NOTARY_POLL_INTERVAL') : undefined;
  return {
    macosSigning,
    notarize: {
      keyId: (f.appStoreConnectApiKeyId as string).trim(),
      issuerId: (f.appStoreConnectApiKeyIssuer as string).trim(),
      privateKeyPem: keyPem,
      timeoutMs: duration(f.notarizeTimeout ?? DEFAULT_NOTARIZE_TIMEOUT, '--notarize-timeout'),
      ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
      ...(given(f.notaryApiUrl) ? { apiUrl: httpUrl(f.notaryApiUrl, 'FLEETCTL_NOTARY_API_URL') } : {}),
      ...(given(f.notaryTicketUrl) ? { ticketUrl: httpUrl(f.notaryTicketUrl, 'FLEETCTL_NOTARY_TICKET_URL') } : {}),
      ...(given(f.notaryS3Endpoint) ? { s3Endpoint: httpUrl(f.notaryS3Endpoint, 'FLEETCTL_NOTARY_S3_ENDPOINT') } : {}),
    },
  };
}
