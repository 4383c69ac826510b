/**
 * The file trees of Fleet's macOS package: the payload installed at `/` (the orbit root under
 * `opt/orbit`, plus the launchd daemon plist when the service is enabled) and the scripts archive.
 * The shared staging step has already expanded `.app.tar.gz` targets into `.app` trees with a
 * `.sha512` sidecar, so the orbit root is packaged as given.
 */
import { parentDirs, type ArchiveEntry } from '../../formats/entry.js';
import type { BuildContext } from '../types.js';
import { LAUNCHD_PLIST_PATH, launchdPlist } from './launchd-plist.js';
import { postinstall } from './metadata.js';

const OWNER = { uid: 0, gid: 80, uname: 'root', gname: 'admin' } as const;

function dir(path: string, mtime: number): ArchiveEntry {
  return { path, type: 'dir', mode: 0o755, mtime, size: 0, ...OWNER };
}

function textFile(path: string, mode: number, text: string, mtime: number): ArchiveEntry {
  const data = Buffer.from(text, 'utf8');
  return { path, type: 'file', mode, mtime, size: data.length, content: { kind: 'bytes', data }, ...OWNER };
}

/** Adds any missing parent directory (0755), so every path's parent is in the archive. */
function withParents(entries: ArchiveEntry[], mtime: number): ArchiveEntry[] {
  const have = new Set(entries.map((e) => e.path));
  const out = [...entries];
  for (const e of entries) {
    for (const p of parentDirs(e.path)) {
      if (!have.has(p)) {
        have.add(p);
        out.push(dir(p, mtime));
      }
    }
  }
  return out;
}

export function payloadTree(ctx: BuildContext): ArchiveEntry[] {
  const mtime = ctx.options.mtime;
  const entries: ArchiveEntry[] = [dir('', mtime), dir('opt', mtime), dir('opt/orbit', mtime)];
  for (const e of ctx.orbitRoot) {
    if (e.path === '') {
      continue; // the orbit root itself is opt/orbit, listed above
    }
    entries.push({ ...e, path: `opt/orbit/${e.path}`, ...OWNER });
  }
  if (ctx.options.service) {
    entries.push(textFile(LAUNCHD_PLIST_PATH, 0o644, launchdPlist(ctx.options), mtime));
  }
  return withParents(entries, mtime);
}

export function scriptsTree(ctx: BuildContext): ArchiveEntry[] {
  const mtime = ctx.options.mtime;
  // 0744 as Fleet writes it; Installer runs the script as root.
  return [dir('', mtime), textFile('postinstall', 0o744, postinstall(ctx), mtime)];
}
