/**
 * OpenPGP signing settings of deb and rpm packages, from flags and the environment.
 *
 * The key is an armored private key, from `--gpg-key FILE` or, when no file is given, the key text
 * itself in FLEETCTL_GPG_KEY (CI systems hand secrets over as variables). Its passphrase comes from
 * FLEETCTL_GPG_PASSPHRASE only: a flag would show in the process list. Checks that need no
 * cryptography (readable file, armored private-key block) run here, synchronously, with the other
 * flag checks; unlocking the key and checking expiry and signing capability happen in key.ts.
 */
import { readFileSync } from 'node:fs';
import { UserError, errnoCode } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';

export const GPG_KEY_ENV = 'FLEETCTL_GPG_KEY';
export const GPG_PASSPHRASE_ENV = 'FLEETCTL_GPG_PASSPHRASE';

/** A validated key source. `origin` names it in messages (never the key itself). */
export interface GpgSigningOptions {
  readonly armoredKey: string;
  readonly passphrase?: string;
  readonly origin: string;
}

export interface RawGpgSigningFlags {
  /** --gpg-key: path of an armored private key. */
  gpgKey?: string | undefined;
  /** FLEETCTL_GPG_KEY: the armored private key itself. */
  gpgKeyContent?: string | undefined;
  /** FLEETCTL_GPG_PASSPHRASE. */
  gpgPassphrase?: string | undefined;
}

/** The settings that come from the environment only. */
export function gpgSigningEnv(env: NodeJS.ProcessEnv): RawGpgSigningFlags {
  return { gpgKeyContent: env[GPG_KEY_ENV], gpgPassphrase: env[GPG_PASSPHRASE_ENV] };
}

const fail = (msg: string, hint?: string): never => {
  throw new UserError('E_GPG_KEY', msg, hint === undefined ? undefined : { hint });
};

const given = (s: string | undefined): s is string => s !== undefined && s.trim() !== '';

const PRIVATE_BLOCK = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]+-----END PGP PRIVATE KEY BLOCK-----/;

function checkArmor(text: string, origin: string): void {
  if (PRIVATE_BLOCK.test(text)) {
    return;
  }
  if (text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
    fail(`${origin} holds a public key; signing needs the private key`, 'export it with `gpg --armor --export-secret-keys KEYID`');
  }
  fail(`${origin} is not an armored OpenPGP private key (-----BEGIN PGP PRIVATE KEY BLOCK-----)`, 'export it with `gpg --armor --export-secret-keys KEYID`');
}

/**
 * Validates the OpenPGP signing inputs for `type`. Other package types ignore them (as the macOS
 * signing settings are ignored outside pkg): one CI job or `sandbox provision` may build every type
 * with the same flags and environment.
 */
export function parseGpgSigning(f: RawGpgSigningFlags, type: string): { gpgSigning?: GpgSigningOptions } {
  registerSecret(f.gpgKeyContent);
  registerSecret(f.gpgPassphrase);
  if (type !== 'deb' && type !== 'rpm') {
    return {};
  }
  let armoredKey: string;
  let origin: string;
  if (given(f.gpgKey)) {
    origin = `--gpg-key "${f.gpgKey}"`;
    try {
      armoredKey = readFileSync(f.gpgKey, 'utf8');
    } catch (e) {
      const code = errnoCode(e);
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? String(e));
      return fail(`${origin} cannot be read: ${why}`);
    }
    registerSecret(armoredKey);
  } else if (given(f.gpgKeyContent)) {
    origin = GPG_KEY_ENV;
    armoredKey = f.gpgKeyContent;
  } else {
    return {};
  }
  checkArmor(armoredKey, origin);
  return { gpgSigning: { armoredKey, origin, ...(f.gpgPassphrase !== undefined && f.gpgPassphrase !== '' ? { passphrase: f.gpgPassphrase } : {}) } };
}
