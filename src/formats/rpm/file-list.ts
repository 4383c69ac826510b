/**
 * The file list of an rpm main header: parallel per-file arrays indexed by position.
 *
 * rpm stores each path split into a directory (DIRNAMES, every one ending in `/`) and a base name
 * (BASENAMES), tied together by DIRINDEXES ("compressed file names", the reason for the
 * `rpmlib(CompressedFileNames)` requirement). Every other per-file tag (sizes, st_mode with type
 * bits, mtimes, SHA-256 digests, link targets, flags, owner and group names, device and inode
 * numbers, verify flags, languages) has exactly one value per file; rpm refuses a header where the
 * counts differ. Files are sorted by full path because rpm binary-searches the list when it maps
 * payload members to header entries. Inode numbers are 1..n: equal (device, inode) pairs would mark
 * hard links, which this writer never produces.
 *
 * Specs: https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_v4.md,
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/lib/rpmfi.c (`rpmfilesPopulate`),
 * https://github.com/rpm-software-management/rpm/blob/rpm-4.18.0-release/include/rpm/rpmfiles.h.
 */
import type { ArchiveEntry } from '../entry.js';
import { NEWC_MAX_FIELD, S_IFDIR, S_IFLNK, S_IFREG } from '../cpio/newc.js';
import type { HeaderStore } from './header-store.js';
import { DIGEST_ALGO_SHA256, Tag, VERIFY_ALL } from './tags.js';

/** One file of the package, with the values the header and the payload share. */
export interface RpmFile {
  readonly entry: ArchiveEntry;
  /** Absolute installed path, e.g. `/opt/orbit/certs.pem`. */
  readonly installPath: string;
  /** Full st_mode (type + permission bits). */
  readonly mode: number;
  /** FILESIZES value and cpio body length: content length, symlink target length, 0 for directories. */
  readonly size: number;
  readonly inode: number;
  readonly flags: number;
}

function typeBits(entry: ArchiveEntry): number {
  switch (entry.type) {
    case 'dir':
      return S_IFDIR;
    case 'symlink':
      return S_IFLNK;
    case 'file':
      return S_IFREG;
  }
}

function checkPath(path: string): void {
  const bad =
    path === '' ||
    path.startsWith('/') ||
    path.endsWith('/') ||
    path.split('/').some((p) => p === '' || p === '.' || p === '..') ||
    path.includes('\0');
  if (bad) {
    throw new RangeError(`rpm: invalid entry path ${JSON.stringify(path)} (want a relative path like opt/x/y)`);
  }
}

/**
 * Validates and orders the entries, giving each its rpm mode, size and inode. `flags` maps a path
 * (relative, as in the entry) to its FILEFLAGS bits (config, doc, ...).
 */
export function planFiles(entries: readonly ArchiveEntry[], flags: ReadonlyMap<string, number> = new Map()): RpmFile[] {
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const seen = new Set<string>();
  return sorted.map((entry, i) => {
    checkPath(entry.path);
    if (seen.has(entry.path)) {
      throw new RangeError(`rpm: duplicate entry ${entry.path}`);
    }
    seen.add(entry.path);
    let size = 0;
    // Linux symlinks always carry 0777; storing anything else would make `rpm -V` report a mode change.
    let perm = entry.mode & 0o7777;
    if (entry.type === 'symlink') {
      if (entry.linkTarget === undefined || entry.linkTarget === '') {
        throw new RangeError(`rpm: symlink ${entry.path} has no target`);
      }
      size = Buffer.byteLength(entry.linkTarget, 'utf8');
      perm = 0o777;
    } else if (entry.type === 'file') {
      size = entry.size;
    }
    if (size > NEWC_MAX_FIELD) {
      throw new RangeError(`rpm: ${entry.path} is 4 GiB or larger, which needs the unsupported large-file payload`);
    }
    return {
      entry,
      installPath: `/${entry.path}`,
      mode: typeBits(entry) | perm,
      size,
      inode: i + 1,
      flags: flags.get(entry.path) ?? 0,
    };
  });
}

/** Sum of the file sizes (the SIZE tag): regular files plus symlink target lengths. */
export function installedSize(files: readonly RpmFile[]): number {
  return files.reduce((n, f) => n + f.size, 0);
}

/** Splits paths into DIRNAMES / BASENAMES / DIRINDEXES, directories numbered by first appearance. */
export function splitPaths(paths: readonly string[]): { dirNames: string[]; baseNames: string[]; dirIndexes: number[] } {
  const dirNames: string[] = [];
  const indexOf = new Map<string, number>();
  const baseNames: string[] = [];
  const dirIndexes: number[] = [];
  for (const p of paths) {
    const cut = p.lastIndexOf('/') + 1;
    const dir = p.slice(0, cut);
    let idx = indexOf.get(dir);
    if (idx === undefined) {
      idx = dirNames.length;
      dirNames.push(dir);
      indexOf.set(dir, idx);
    }
    baseNames.push(p.slice(cut));
    dirIndexes.push(idx);
  }
  return { dirNames, baseNames, dirIndexes };
}

/**
 * Adds every per-file tag to the main header. `digests[i]` is the lowercase SHA-256 hex of file i
 * (`""` for directories and symlinks). Nothing is written for an empty file list, since rpm rejects
 * arrays of count 0.
 */
export function putFileTags(h: HeaderStore, files: readonly RpmFile[], digests: readonly string[]): void {
  if (files.length === 0) {
    return;
  }
  if (digests.length !== files.length) {
    throw new RangeError('rpm: one digest per file is required');
  }
  const { dirNames, baseNames, dirIndexes } = splitPaths(files.map((f) => f.installPath));
  h.int32(
    Tag.FILESIZES,
    files.map((f) => f.size),
  );
  h.int16(
    Tag.FILEMODES,
    files.map((f) => f.mode),
  );
  h.int16(
    Tag.FILERDEVS,
    files.map(() => 0),
  );
  h.int32(
    Tag.FILEMTIMES,
    files.map((f) => f.entry.mtime),
  );
  h.stringArray(Tag.FILEDIGESTS, digests);
  h.stringArray(
    Tag.FILELINKTOS,
    files.map((f) => (f.entry.type === 'symlink' ? (f.entry.linkTarget ?? '') : '')),
  );
  h.int32(
    Tag.FILEFLAGS,
    files.map((f) => f.flags),
  );
  h.stringArray(
    Tag.FILEUSERNAME,
    files.map((f) => f.entry.uname),
  );
  h.stringArray(
    Tag.FILEGROUPNAME,
    files.map((f) => f.entry.gname),
  );
  h.int32(
    Tag.FILEVERIFYFLAGS,
    files.map(() => VERIFY_ALL),
  );
  h.int32(
    Tag.FILEDEVICES,
    files.map(() => 1),
  );
  h.int32(
    Tag.FILEINODES,
    files.map((f) => f.inode),
  );
  h.stringArray(
    Tag.FILELANGS,
    files.map(() => ''),
  );
  h.int32(Tag.DIRINDEXES, dirIndexes);
  h.stringArray(Tag.BASENAMES, baseNames);
  h.stringArray(Tag.DIRNAMES, dirNames);
  h.int32(Tag.FILEDIGESTALGO, [DIGEST_ALGO_SHA256]);
}
