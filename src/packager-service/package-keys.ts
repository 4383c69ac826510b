/**
 * One random AES-256 key per stored package, in `<data-dir>/keys/<id>.key` (0600), wrapped with
 * AES-256-GCM under the server's wrap key and bound to the package id (AAD). Expiry destroys the
 * key first (overwrite, fsync, unlink): from then on the sealed package is unreadable even where
 * the file system or disk keeps old blocks of it, which a plain delete cannot promise.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { errnoCode, InternalError } from '../core/errors.js';
import type { ServerKeys } from './server-key.js';

export function keyPath(dataDir: string, id: string): string {
  return join(dataDir, 'keys', `${id}.key`);
}

export async function createPackageKey(dataDir: string, keys: ServerKeys, id: string): Promise<Buffer> {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keys.wrap, iv);
  c.setAAD(Buffer.from(id));
  const wrapped = Buffer.concat([iv, c.update(key), c.final(), c.getAuthTag()]);
  await writeFileAtomic(keyPath(dataDir, id), wrapped, 0o600);
  return key;
}

/** The package key, or undefined when it has been destroyed. */
export async function readPackageKey(dataDir: string, keys: ServerKeys, id: string): Promise<Buffer | undefined> {
  let wrapped: Buffer;
  try {
    wrapped = await readFile(keyPath(dataDir, id));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') {
      return undefined;
    }
    throw e;
  }
  if (wrapped.length !== 12 + 32 + 16) {
    throw new InternalError('E_PACKAGE_KEY', `key file of package ${id.slice(0, 8)} is damaged`);
  }
  const d = createDecipheriv('aes-256-gcm', keys.wrap, wrapped.subarray(0, 12));
  d.setAAD(Buffer.from(id));
  d.setAuthTag(wrapped.subarray(44));
  return Buffer.concat([d.update(wrapped.subarray(12, 44)), d.final()]);
}

/** Overwrites the key file with random bytes, syncs, unlinks. Missing keys are fine (idempotent). */
export async function destroyPackageKey(dataDir: string, id: string): Promise<void> {
  const path = keyPath(dataDir, id);
  try {
    const fh = await open(path, 'r+');
    try {
      const { size } = await fh.stat();
      await fh.write(randomBytes(Math.max(size, 60)), 0, Math.max(size, 60), 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') {
      throw e;
    }
  }
  await rm(path, { force: true });
}
