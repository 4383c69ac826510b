/**
 * One `packager serve` per data dir: two servers sharing records would each mark the other's
 * builds "interrupted" at start and race on expiry. The lock is a pid file created exclusively; a
 * file whose process is gone (a crash, SIGKILL) is taken over, which is what makes restarts work.
 * (core/lock.ts suits short critical sections: it treats old locks as stale by age, which a
 * long-running server would trip.)
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, UserError } from '../core/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

/** Locks this process holds: a pid file naming our own pid is ours only if it is listed here. */
const held = new Set<string>();

export interface InstanceLock {
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<InstanceLock> {
  const path = join(dataDir, 'serve.pid');
  if (held.has(path)) {
    throw new UserError('E_PACKAGER_LOCKED', `another packager service (pid ${process.pid}) uses ${dataDir}`, {
      hint: 'stop it, or use another --data-dir',
    });
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      held.add(path);
      return {
        release: async () => {
          held.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') {
        throw e;
      }
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new UserError('E_PACKAGER_LOCKED', `another packager service (pid ${pid}) uses ${dataDir}`, {
          hint: 'stop it, or use another --data-dir',
        });
      }
      await rm(path, { force: true });
    }
  }
  throw new UserError('E_PACKAGER_LOCKED', `cannot lock ${dataDir}`);
}
