/**
 * Local-directory installer store. A manifest (`.fleetctl-provision.json` in the installers directory,
 * 0600, written atomically under a lock) records what each file was built from, so a re-run can skip
 * it after re-hashing the file; files are copied to a temporary name and renamed into place.
 */
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readFile, rename, rm, stat, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { forEachChunk } from '../formats/file-sink.js';
import { withLock } from '../core/lock.js';
import { ToolError } from '../core/errors.js';
import type { InstallerStore, StoredObjectInfo } from './store.js';

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await forEachChunk(file, (c) => {
    h.update(c);
  });
  return h.digest('hex');
}

export class LocalStore implements InstallerStore {
  readonly location: string;
  private readonly manifest: string;

  constructor(
    private readonly root: string,
    manifestDir: string,
  ) {
    this.location = root;
    this.manifest = join(manifestDir, '.fleetctl-provision.json');
  }

  private async readManifest(): Promise<Record<string, StoredObjectInfo>> {
    try {
      return JSON.parse(await readFile(this.manifest, 'utf8')) as Record<string, StoredObjectInfo>;
    } catch {
      return {};
    }
  }

  async has(key: string, inputKey: string): Promise<boolean> {
    const entry = (await this.readManifest())[key];
    if (entry === undefined || entry.inputKey !== inputKey) {
      return false;
    }
    const file = join(this.root, key);
    const st = await stat(file).catch(() => undefined);
    return st !== undefined && st.size === entry.size && (await sha256File(file)) === entry.sha256;
  }

  async put(key: string, file: string, info: StoredObjectInfo): Promise<void> {
    const dest = join(this.root, key);
    await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
    const tmp = join(dirname(dest), `.${randomUUID()}.partial`);
    try {
      // Same file system: a hard link stores the very bytes that were hashed, with no copy at all.
      // Otherwise copy, and verify the copy against the installer's digest.
      const linked = await link(file, tmp).then(
        () => true,
        () => false,
      );
      if (!linked) {
        await copyFile(file, tmp);
        if ((await sha256File(tmp)) !== info.sha256) {
          throw new ToolError('E_STORE_VERIFY', `copy of ${key} does not match the built installer`);
        }
      } else if ((await stat(tmp)).size !== info.size) {
        throw new ToolError('E_STORE_VERIFY', `${key} does not have the built installer's size`);
      }
      await chmod(tmp, 0o644);
      await rename(tmp, dest);
    } finally {
      await rm(tmp, { force: true });
    }
    await withLock(`${this.manifest}.lock`, async () => {
      const m = await this.readManifest();
      m[key] = info;
      await writeFileAtomic(this.manifest, `${JSON.stringify(m, null, 2)}\n`, 0o600);
    });
  }
}
