/**
 * A cross-process advisory lock built on exclusive directory creation (atomic on every POSIX file
 * system). Used around the config file and the TUF cache, so concurrent fleetctl runs (a cron job and
 * an operator, or parallel CI jobs) never interleave a read-modify-write. A lock older than
 * `staleMs` is considered abandoned by a crashed process and taken over.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode, UserError } from './errors.js';

export interface LockOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Treat a lock older than this as stale (default 60 s). */
  readonly staleMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function withLock<T>(lockPath: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const staleMs = opts.staleMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  await mkdir(dirname(lockPath), { recursive: true });
  let wait = 10;
  for (;;) {
    try {
      await mkdir(lockPath);
      break;
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') {
        throw e;
      }
      const st = await stat(lockPath).catch(() => undefined);
      if (st !== undefined && Date.now() - st.mtimeMs > staleMs) {
        await rm(lockPath, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new UserError('E_LOCK_TIMEOUT', `timed out waiting for lock ${lockPath}`, {
          hint: 'another fleetctl process holds it; if none is running, remove that directory',
        });
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 250);
    }
  }
  try {
    await writeFile(`${lockPath}/owner`, `${process.pid}\n`).catch(() => undefined);
    return await fn();
  } finally {
    await rm(lockPath, { recursive: true, force: true });
  }
}
