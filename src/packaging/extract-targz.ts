/**
 * Extracts a verified `.tar.gz` TUF target (macOS .app bundles, the Linux Fleet Desktop bundle) with
 * Fleet's safety rules: only directories and regular files; no absolute names, no `..`, nothing that
 * resolves outside the destination; modes kept from the tar header. Missing parents are created
 * (Fleet relies on directory entries coming first; we do not).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { UserError } from '../core/errors.js';

export interface ExtractedEntry {
  /** Relative path inside the archive, normalised (no `./`, no trailing `/`). */
  readonly path: string;
  readonly type: 'file' | 'dir';
  readonly mode: number;
  readonly size: number;
  /** Absolute path of the extracted file on disk. */
  readonly diskPath: string;
}

export async function extractTarGz(archive: string, destDir: string, what: string): Promise<ExtractedEntry[]> {
  const out: ExtractedEntry[] = [];
  const root = resolve(destDir);
  const ex = tarExtract();
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (header, stream, next) => {
      // Errors are reported once, through the extractor; the entry stream must not throw them again.
      stream.on('error', () => {});
      const fail = (msg: string): void => {
        stream.resume();
        ex.destroy(new UserError('E_TARGET_ARCHIVE', `${what}: ${msg}`));
      };
      const raw = header.name;
      const name = raw.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
      if (raw.startsWith('/') || name.split('/').includes('..')) {
        fail(`unsafe path "${raw}" in archive`);
        return;
      }
      if (name === '' || name === '.') {
        stream.resume();
        stream.on('end', next);
        return;
      }
      const disk = resolve(root, name);
      if (disk !== root && !disk.startsWith(root + sep)) {
        fail(`path "${raw}" escapes the destination`);
        return;
      }
      const mode = (header.mode ?? 0o644) & 0o7777;
      if (header.type === 'directory') {
        mkdir(disk, { recursive: true })
          .then(() => {
            out.push({ path: name, type: 'dir', mode: mode | 0o700, size: 0, diskPath: disk });
            stream.resume();
            stream.on('end', next);
          })
          .catch((e: unknown) => ex.destroy(e as Error));
        return;
      }
      if (header.type !== 'file') {
        fail(`unsupported entry type "${header.type ?? 'unknown'}" for "${raw}" (only files and directories are allowed)`);
        return;
      }
      mkdir(dirname(disk), { recursive: true })
        .then(() => pipeline(stream, createWriteStream(disk, { mode: 0o600 })))
        .then(() => {
          out.push({ path: name, type: 'file', mode, size: header.size ?? 0, diskPath: disk });
          next();
        })
        .catch((e: unknown) => ex.destroy(e as Error));
    });
    ex.on('finish', () => res());
    ex.on('error', rej);
  });
  try {
    await Promise.all([pipeline(createReadStream(archive), createGunzip(), ex), done]);
  } catch (e) {
    if (e instanceof UserError) {
      throw e;
    }
    throw new UserError('E_TARGET_ARCHIVE', `${what}: cannot extract (${e instanceof Error ? e.message : String(e)})`);
  }
  return out;
}

export function joinRel(...parts: string[]): string {
  return join(...parts).split(sep).join('/');
}
