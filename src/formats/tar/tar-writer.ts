/**
 * Streams ArchiveEntry values as a GNU tar archive into an async byte sink, the way dpkg-deb lays out
 * data.tar: names prefixed with `./`, directories with a trailing `/`, symlinks with size 0 and their
 * target in linkname. The caller controls order (dpkg needs parents before children).
 */
import type { ArchiveEntry } from '../entry.js';
import { readContent } from '../entry.js';
import type { ByteSink } from '../gzip/parallel-gzip.js';
import { TAR_END, TYPE_DIR, TYPE_FILE, TYPE_SYMLINK, tarHeaders, tarPadding } from './tar-header.js';

export function tarName(e: ArchiveEntry): string {
  if (e.path === '' || e.path === '.') {
    return './';
  }
  return e.type === 'dir' ? `./${e.path}/` : `./${e.path}`;
}

export class TarWriter {
  constructor(private readonly sink: ByteSink) {}

  /**
   * Writes one entry. `onData` sees every content chunk (for digests computed on the way through).
   */
  async add(
    e: ArchiveEntry,
    hooks: {
      onData?: (chunk: Buffer) => void;
      /** Writes the content itself (e.g. from a compression cache); must emit exactly e.size bytes. */
      writeContent?: () => Promise<void>;
    } = {},
  ): Promise<void> {
    const typeflag = e.type === 'dir' ? TYPE_DIR : e.type === 'symlink' ? TYPE_SYMLINK : TYPE_FILE;
    const size = e.type === 'file' ? e.size : 0;
    for (const block of tarHeaders({
      name: tarName(e),
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      size,
      mtime: e.mtime,
      typeflag,
      ...(e.linkTarget !== undefined ? { linkname: e.linkTarget } : {}),
      uname: e.uname,
      gname: e.gname,
    })) {
      await this.sink(block);
    }
    if (e.type !== 'file') {
      return;
    }
    if (hooks.writeContent) {
      await hooks.writeContent();
      await this.sink(tarPadding(size));
      return;
    }
    let written = 0;
    for await (const chunk of readContent(e)) {
      written += chunk.length;
      if (written > size) {
        throw new Error(`tar: ${e.path} grew while it was being archived`);
      }
      hooks.onData?.(chunk);
      await this.sink(chunk);
    }
    if (written !== size) {
      throw new Error(`tar: ${e.path} is ${written} bytes, expected ${size}`);
    }
    await this.sink(tarPadding(size));
  }

  async end(): Promise<void> {
    await this.sink(TAR_END);
  }
}
