/**
 * Reading and writing the config file safely. Every change is a read-modify-write under a
 * cross-process lock (`<config>.lock`) ending in an atomic rename, so concurrent fleetctl runs (a
 * cron job and an operator, parallel CI jobs) never corrupt the file or lose each other's updates.
 * The directory is created 0700 and the file is always written 0600: it holds API tokens and keys.
 */
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode, UserError } from './errors.js';
import { writeFileAtomic } from './fs-atomic.js';
import { withLock } from './lock.js';
import { FleetConfig } from './config.js';

export const CONFIG_FILE_MODE = 0o600;
export const CONFIG_DIR_MODE = 0o700;

function permissionError(path: string, e: unknown): UserError {
  return new UserError('E_CONFIG_PERMISSION', `error accessing config at ${path}: permission denied`, {
    hint: `make ${dirname(path)} and its files belong to you (chmod 700 on the directory, 600 on the file), or run with sudo if root created them`,
    cause: e,
  });
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') {
      return '';
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw permissionError(path, e);
    }
    if (code === 'EISDIR') {
      throw new UserError('E_CONFIG_READ', `error reading config at ${path}: it is a directory`);
    }
    throw e;
  }
}

/** Loads the config; a missing file reads as an empty one (Go fleetctl's `{default: {}}`). */
export async function loadConfig(path: string): Promise<FleetConfig> {
  return FleetConfig.parse(await readText(path), path);
}

async function ensureDir(path: string): Promise<void> {
  try {
    const created = await mkdir(dirname(path), { recursive: true, mode: CONFIG_DIR_MODE });
    if (created !== undefined) {
      // mkdir honours the umask; the directory we create must be exactly owner-only.
      await chmod(dirname(path), CONFIG_DIR_MODE);
    }
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EACCES' || code === 'EPERM') {
      throw permissionError(path, e);
    }
    throw e;
  }
}

/**
 * Runs `mutate` on a freshly read config under the lock and writes the result atomically (0600).
 * If `mutate` throws, nothing is written.
 */
export async function updateConfig<T>(path: string, mutate: (cfg: FleetConfig) => T | Promise<T>): Promise<T> {
  await ensureDir(path);
  return withLock(`${path}.lock`, async () => {
    const cfg = await loadConfig(path);
    const result = await mutate(cfg);
    try {
      await writeFileAtomic(path, cfg.toString(), CONFIG_FILE_MODE);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EACCES' || code === 'EPERM') {
        throw permissionError(path, e);
      }
      throw new UserError('E_CONFIG_WRITE', `error saving config file ${path}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    return result;
  });
}
