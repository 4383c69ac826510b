/**
 * The service's embedded store: one JSON record per package in `<data-dir>/records/<id>.json`,
 * written with writeFileAtomic (temp file, fsync, rename) and loaded into memory at start.
 *
 * Why not SQLite (better-sqlite3): it is a native module that must compile on install, and the
 * service needs none of SQL: records are tiny, keyed by id, looked up by id or argument MAC (an
 * in-memory map), and written a few times per build. A record per file gives the same crash
 * safety (each write is atomic, a crash loses at most the write in flight, never corrupts others),
 * needs no compaction, and an operator can inspect it with `cat`. The pid-file instance lock
 * guards the directory against a second server; within the process, writes to one record are
 * serialized so an older state can never overwrite a newer one.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic.js';
import type { PackageRecord, StoredRecord } from './types.js';
import { isPackageId } from './ids.js';

export class PackageStore {
  private readonly records = new Map<string, PackageRecord>();
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(private readonly dir: string) {}

  static async open(dataDir: string): Promise<{ store: PackageStore; damaged: string[] }> {
    const dir = join(dataDir, 'records');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new PackageStore(dir);
    const damaged: string[] = [];
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.json')) {
        // Leftover temp files of a write that crashed before its rename.
        if (name.endsWith('.tmp')) {
          await rm(join(dir, name), { force: true });
        }
        continue;
      }
      const id = name.slice(0, -'.json'.length);
      try {
        const r = JSON.parse(await readFile(join(dir, name), 'utf8')) as StoredRecord;
        if (r.v !== 1 || r.id !== id || !isPackageId(id)) {
          throw new Error('unexpected record');
        }
        const { v: _v, ...record } = r;
        store.records.set(id, record);
      } catch {
        damaged.push(id);
      }
    }
    return { store, damaged };
  }

  get(id: string): PackageRecord | undefined {
    return this.records.get(id);
  }

  all(): PackageRecord[] {
    return [...this.records.values()];
  }

  /** The newest record with these arguments that has not expired. */
  findByMac(mac: string): PackageRecord | undefined {
    let best: PackageRecord | undefined;
    for (const r of this.records.values()) {
      if (r.argsMac === mac && r.status !== 'expired' && (best === undefined || r.createdAt > best.createdAt)) {
        best = r;
      }
    }
    return best;
  }

  /** Saves the record's current state (in memory at once, on disk in order). */
  save(record: PackageRecord): Promise<void> {
    this.records.set(record.id, record);
    const snapshot: StoredRecord = { v: 1, ...record };
    const prev = this.writes.get(record.id) ?? Promise.resolve();
    const next = prev
      .catch(() => undefined)
      .then(() => writeFileAtomic(join(this.dir, `${record.id}.json`), `${JSON.stringify(snapshot)}\n`, 0o600));
    this.writes.set(record.id, next);
    void next
      .finally(() => {
        if (this.writes.get(record.id) === next) {
          this.writes.delete(record.id);
        }
      })
      .catch(() => undefined);
    return next;
  }

  async remove(id: string): Promise<void> {
    this.records.delete(id);
    await (this.writes.get(id) ?? Promise.resolve()).catch(() => undefined);
    await rm(join(this.dir, `${id}.json`), { force: true });
  }

  /** Waits for every pending write (shutdown). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.writes.values()]);
  }
}
