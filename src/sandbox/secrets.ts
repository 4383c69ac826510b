/**
 * Enroll secrets for a sandbox: 32 characters of [A-Za-z0-9] from the OS CSPRNG (rejection sampling,
 * so every character is equally likely), one global plus one per team. A secrets file keeps the pool
 * between runs so a re-run (or a resumed, crashed run) reuses it.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UserError, errnoCode } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { registerSecret } from '../core/redact.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const SECRET_LENGTH = 32;
const SECRET_RE = /^[A-Za-z0-9]{32}$/;

export function generateEnrollSecret(): string {
  let out = '';
  // 248 = 62 × 4: bytes at or above it would bias the modulo, so they are drawn again.
  while (out.length < SECRET_LENGTH) {
    for (const b of randomBytes(64)) {
      if (b < 248 && out.length < SECRET_LENGTH) {
        out += ALPHABET[b % 62];
      }
    }
  }
  return out;
}

/** The pool: global secret first, then one per team; exactly teams + 1 distinct secrets. */
export async function loadOrCreatePool(teams: number, secretsFile: string | undefined): Promise<{ secrets: string[]; created: boolean }> {
  if (secretsFile !== undefined) {
    let text: string | undefined;
    try {
      text = await readFile(secretsFile, 'utf8');
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') {
        throw new UserError('E_SECRETS_FILE', `cannot read --secrets-file ${secretsFile}: ${errnoCode(e) ?? String(e)}`);
      }
    }
    if (text !== undefined) {
      const secrets = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
      if (secrets.length !== teams + 1) {
        throw new UserError('E_SECRETS_FILE', `--secrets-file ${secretsFile} has ${secrets.length} secrets, but --teams ${teams} needs ${teams + 1}`, {
          hint: 'use the --teams value the file was made with, or a new --secrets-file',
        });
      }
      if (secrets.some((s) => !SECRET_RE.test(s)) || new Set(secrets).size !== secrets.length) {
        throw new UserError('E_SECRETS_FILE', `--secrets-file ${secretsFile} must hold distinct 32-character [A-Za-z0-9] secrets, one per line`);
      }
      secrets.forEach(registerSecret);
      return { secrets, created: false };
    }
  }
  const set = new Set<string>();
  while (set.size < teams + 1) {
    set.add(generateEnrollSecret());
  }
  const secrets = [...set];
  secrets.forEach(registerSecret);
  if (secretsFile !== undefined) {
    // Written before any build, so a crashed run resumes with the same pool.
    await writeFileAtomic(secretsFile, `# fleetctl sandbox enroll pool: global first, then one per team\n${secrets.join('\n')}\n`, 0o600);
  }
  return { secrets, created: true };
}
