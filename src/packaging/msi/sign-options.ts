/**
 * Flags for Authenticode-signing Windows packages (`package --type=msi` and `sign msi`), validated
 * into plain options. The identity is loaded and checked here, before anything is built, so a wrong
 * passphrase, a key that does not match the certificate or an expired certificate fails at once
 * and no output file is ever started.
 *
 * Identity (one of): --windows-sign-cert FILE with --windows-sign-key FILE (PEM; the certificate file
 * may hold the chain), or --windows-sign-p12 FILE with the passphrase in env
 * FLEETCTL_WINDOWS_SIGN_PASSPHRASE (never a flag: it would show in the process list).
 * --timestamp-url URL (repeatable): RFC 3161 servers tried in order; `none` or absent: no timestamp.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';
import { checkCodeSigningCertificate } from '../../signing/authenticode/certificate-check.js';
import { identityFromPem, identityFromPkcs12, type IdentityWording, type SigningIdentity } from '../../signing/identity.js';
import { isHttpUrl, parseUrl } from '../../core/url.js';

export const WINDOWS_PASSPHRASE_ENV = 'FLEETCTL_WINDOWS_SIGN_PASSPHRASE';

export type WindowsIdentitySource =
  | { readonly kind: 'pem'; readonly pem: string; readonly what: string }
  | { readonly kind: 'p12'; readonly path: string; readonly passphrase: string; readonly what: string };

export interface WindowsSigningOptions {
  readonly identity: WindowsIdentitySource;
  /** RFC 3161 servers, tried in order; empty: no timestamp. */
  readonly timestampUrls: readonly string[];
}

export interface RawWindowsSigningFlags {
  windowsSignCert?: string | undefined;
  windowsSignKey?: string | undefined;
  windowsSignP12?: string | undefined;
  windowsSignPassphrase?: string | undefined;
  /** Every --timestamp-url, in order. */
  timestampUrls?: readonly string[] | undefined;
}

const WORDING: IdentityWording = {
  certificate: 'code signing certificate',
  passphraseEnv: WINDOWS_PASSPHRASE_ENV,
  purpose: 'Authenticode signatures',
};

/** Settings read from the environment only (the PKCS#12 passphrase). */
export function windowsSigningEnv(env: NodeJS.ProcessEnv): RawWindowsSigningFlags {
  return { windowsSignPassphrase: env[WINDOWS_PASSPHRASE_ENV] };
}

const fail = (msg: string, hint?: string): never => {
  throw new UserError('E_PACKAGE_FLAGS', msg, hint === undefined ? undefined : { hint });
};

const given = (s: string | undefined): s is string => s !== undefined && s.trim() !== '';

function readFlagFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return fail(
      `${flag} "${path}" cannot be read: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code ?? e)}`,
    );
  }
}

/** Validates the --timestamp-url list: http(s) URLs in order, or the single word `none`. */
export function timestampUrlList(values: readonly string[] | undefined): string[] {
  const list = (values ?? []).map((v) => v.trim()).filter((v) => v !== '');
  if (list.includes('none')) {
    if (list.length > 1) {
      fail('--timestamp-url=none cannot be combined with timestamp server URLs');
    }
    return [];
  }
  for (const v of list) {
    const u = parseUrl(v);
    if (u === undefined || !isHttpUrl(u)) {
      fail(`--timestamp-url "${v}" must be an http:// or https:// URL`);
    }
  }
  return list;
}

/** Loads (and checks) the identity; used at validation time and again when signing. */
export function loadWindowsIdentity(src: WindowsIdentitySource): SigningIdentity {
  const identity =
    src.kind === 'pem'
      ? identityFromPem(src.pem, src.what, WORDING)
      : identityFromPkcs12(readFlagFile(src.path, '--windows-sign-p12'), src.passphrase, src.what, WORDING);
  checkCodeSigningCertificate(identity.leaf, new Date(), src.what);
  return identity;
}

/**
 * Returns the signing options for `type`, or {} when nothing is asked for. Other package types ignore
 * these flags (a CI job may pass them to every build), as they ignore the macOS ones.
 */
export function parseWindowsSigning(f: RawWindowsSigningFlags, type: string): { windowsSigning?: WindowsSigningOptions } {
  registerSecret(f.windowsSignPassphrase);
  const pem = given(f.windowsSignCert) || given(f.windowsSignKey);
  const p12 = given(f.windowsSignP12);
  const urls = f.timestampUrls ?? [];
  if (type !== 'msi' || (!pem && !p12 && urls.length === 0)) {
    return {};
  }
  if (pem && p12) {
    fail('give either --windows-sign-cert with --windows-sign-key, or --windows-sign-p12, not both');
  }
  if (!pem && !p12) {
    fail(
      '--timestamp-url requires a signing identity',
      `use --windows-sign-cert FILE --windows-sign-key FILE, or --windows-sign-p12 FILE with ${WINDOWS_PASSPHRASE_ENV}`,
    );
  }
  const timestampUrls = timestampUrlList(urls);
  let identity: WindowsIdentitySource;
  if (p12) {
    const path = f.windowsSignP12 as string;
    identity = { kind: 'p12', path, passphrase: f.windowsSignPassphrase ?? '', what: `--windows-sign-p12 "${path}"` };
  } else {
    if (!given(f.windowsSignCert) || !given(f.windowsSignKey)) {
      fail('--windows-sign-cert and --windows-sign-key must be given together', 'or use --windows-sign-p12 FILE');
    }
    const cert = readFlagFile(f.windowsSignCert as string, '--windows-sign-cert').toString('utf8');
    const key = readFlagFile(f.windowsSignKey as string, '--windows-sign-key').toString('utf8');
    registerSecret(key.trim());
    identity = { kind: 'pem', pem: `${key}\n${cert}`, what: `--windows-sign-cert/--windows-sign-key` };
  }
  loadWindowsIdentity(identity);
  return { windowsSigning: { identity, timestampUrls } };
}
