/**
 * The server key: 32 random bytes in `<data-dir>/server.key` (0600), created on first start. Two
 * sub-keys are derived from it with HKDF so neither use can weaken the other: one keys the HMAC of
 * request arguments (dedup without storing arguments), one wraps the per-package file keys (so
 * the key files alone, e.g. in a backup, do not decrypt anything).
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { open, readFile, stat, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, UserError } from '../core/errors.js';

export interface ServerKeys {
  readonly mac: Buffer;
  readonly wrap: Buffer;
}

const derive = (master: Buffer, info: string): Buffer => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));

export async function loadServerKeys(dataDir: string): Promise<ServerKeys> {
  const path = join(dataDir, 'server.key');
  let master: Buffer;
  try {
    const fh = await open(path, 'wx', 0o600);
    master = randomBytes(32);
    try {
      await fh.writeFile(master);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(path, 0o600);
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') {
      throw e;
    }
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) {
      throw new UserError('E_PACKAGER_KEY', `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)})`, {
        hint: `chmod 600 ${path}`,
      });
    }
    master = await readFile(path);
    if (master.length !== 32) {
      throw new UserError('E_PACKAGER_KEY', `${path} is not a 32-byte key`, {
        hint: 'restore it from backup, or remove it to start with no reusable packages',
      });
    }
  }
  return { mac: derive(master, 'fleetctl packager: argument mac'), wrap: derive(master, 'fleetctl packager: package key wrap') };
}

/** Keyed hash of canonical arguments: equal requests give equal MACs; the MAC reveals nothing. */
export function argumentsMac(keys: ServerKeys, canonical: string): string {
  return createHmac('sha256', keys.mac).update(canonical).digest('hex');
}
